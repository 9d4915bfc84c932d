from services.chassis.migrations_env import run
from services.notify.models import metadata

run(metadata)
