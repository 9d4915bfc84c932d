from services.chassis.migrations_env import run
from services.cases.models import Base

run(Base.metadata)
