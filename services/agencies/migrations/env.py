from services.chassis.migrations_env import run
from services.agencies.models import Base

run(Base.metadata)
