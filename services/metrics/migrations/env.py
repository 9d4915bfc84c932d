from services.chassis.migrations_env import run
from services.metrics.models import Base

run(Base.metadata)
