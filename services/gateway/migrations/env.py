from services.chassis.migrations_env import run
from services.gateway.models import Base

run(Base.metadata)
