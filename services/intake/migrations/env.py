from services.chassis.migrations_env import run
from services.intake.models import Base

run(Base.metadata)
