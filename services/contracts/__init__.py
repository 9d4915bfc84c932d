"""Versioned contracts of every event and RPC payload. Consumers depend on these, never on a
producer's code.

Every event contract (`events`) and payload (`payloads`) imports from here; the lists of their
names are kept once, in those two packages."""

from services.contracts import events, payloads
from services.contracts.events import *  # noqa: F403
from services.contracts.payloads import *  # noqa: F403

__all__ = [*events.__all__, *payloads.__all__]
