"""What an event contract is: its type, version, producer and schema, and how a payload is
dumped strictly for the wire (fast for the plain case, fastdump.py) and loaded tolerantly."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema

from services.contracts.fastdump import fast_dumper


@dataclass(frozen=True)
class EventContract:
    event_type: str
    version: int
    producer: str
    schema: type[Schema]
    description: str
    example: Mapping[str, Any] = field(default_factory=dict)
    payload_type: type[Any] | None = None

    def dump(self, payload: Any) -> dict[str, Any]:
        """Validate an outgoing payload (its dataclass or a mapping) strictly; its wire form."""
        fast = fast_dumper(self.schema)
        if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
            # A flat payload's attributes are its fields (anything more, or a nested value,
            # and the fast path declines): read them without building a dict first.
            if (
                fast is not None
                and hasattr(payload, "__dict__")
                and (dumped := fast(vars(payload))) is not None
            ):
                return dumped
            payload = {
                name: _plain(getattr(payload, name))
                for name in _field_order(type(payload))  # type: ignore[arg-type]
            }
        if fast is not None and (dumped := fast(payload)) is not None:
            return dumped  # the plain case, without marshmallow: the same dict (fastdump.py)
        strict, _, wire = _schemas(self.schema)
        return dict(wire.dump(strict.load(payload)))

    def load(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Read an incoming payload, ignoring fields this consumer does not know."""
        _, tolerant, _ = _schemas(self.schema)
        return dict(tolerant.load(payload))

    def load_typed(self, payload: Mapping[str, Any]) -> Any:
        """Read an incoming payload into its dataclass (tolerant, like `load`)."""
        loaded = self.load(payload)
        if self.payload_type is None:
            return loaded
        known = _field_names(self.payload_type)  # type: ignore[arg-type]
        return self.payload_type(**{k: v for k, v in loaded.items() if k in known})


def _plain(value: Any) -> Any:
    """A field's value as the schema loads it: a tuple of nested payloads as a list of dicts."""
    if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
        return [dataclasses.asdict(item) for item in value]  # type: ignore[call-overload]
    return value


@functools.cache
def _field_order(payload_type: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(payload_type))


@functools.cache
def _field_names(payload_type: type[Any]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(payload_type))


@functools.cache
def _schemas(schema: type[Schema]) -> tuple[Schema, Schema, Schema]:
    # Schema instances are stateless once built and building one deep-copies every field:
    # build each variant once per process (this is on every request's path).
    return schema(unknown=RAISE), schema(unknown=EXCLUDE), schema()
