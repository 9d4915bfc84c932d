"""A fast path for dumping an outgoing event: the wire form built straight from the payload
when its schema is flat (strings, integers, booleans, dates, aware datetimes, each field's
own validators), instead of marshmallow's strict load and dump, which cost a tenth of a
millisecond an event (a sweep writes thousands).

It gives the very dict the schema's load-then-dump gives, or None when the payload is anything
but the plain case (a field missing or unknown, a value of another type, a validator refusing):
the caller then runs marshmallow, which coerces or raises exactly as before. A schema with
nested or list fields, renamed keys, or hooks of its own gets no fast path at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing

FastDump = Callable[[Mapping[str, Any]], dict[str, Any] | None]


def _accept_string(value: Any) -> bool:
    return type(value) is str


def _accept_integer(value: Any) -> bool:
    return type(value) is int


def _accept_boolean(value: Any) -> bool:
    return value is True or value is False


def _accept_date(value: Any) -> bool:
    return type(value) is date  # a datetime is a date too, and marshmallow would keep its time


def _accept_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _identity(value: Any) -> Any:
    return value


# Exact field classes only: a subclass (Email, Url...) adds rules of its own.
_KINDS: dict[type[fields.Field], tuple[Callable[[Any], bool], str | None]] = {
    fields.String: (_accept_string, None),
    fields.Integer: (_accept_integer, None),
    fields.Boolean: (_accept_boolean, None),
    fields.Date: (_accept_date, "date"),
    fields.AwareDateTime: (_accept_aware, "datetime"),
}
_ISO = (None, "iso", "iso8601")


def _plan(field: fields.Field) -> tuple[Callable[[Any], bool], Callable[[Any], Any]] | None:
    """How one field's value is accepted and written, or None if it has no fast path."""
    kind = _KINDS.get(type(field))
    if kind is None or field.data_key or field.attribute or field.load_only or field.dump_only:
        return None
    if field.pre_load or field.post_load or field.load_default is not missing:
        return None
    accept, temporal = kind
    if temporal is None:
        return accept, _identity
    if getattr(field, "format", None) not in _ISO:
        return None
    if temporal == "datetime" and getattr(field, "default_timezone", None) is not None:
        return None
    return accept, date.isoformat if temporal == "date" else datetime.isoformat


@functools.cache
def fast_dumper(schema: type[Schema]) -> FastDump | None:
    """The schema's fast dump, or None when some part of it needs marshmallow."""
    instance = schema()
    if any(instance._hooks.values()):
        return None
    planned = []
    for name, field in instance.dump_fields.items():
        plan = _plan(field)
        if plan is None or not field.required:
            return None
        accept, write = plan
        planned.append((name, accept, write, field.allow_none, tuple(field.validators)))
    names = frozenset(name for name, *_ in planned)

    def dump(payload: Mapping[str, Any]) -> dict[str, Any] | None:
        if len(payload) != len(names) or not names.issuperset(payload):
            return None  # a field missing or unknown: marshmallow says which
        wire: dict[str, Any] = {}
        for name, accept, write, allow_none, validators in planned:
            value = payload[name]
            if value is None:
                if not allow_none:
                    return None
                wire[name] = None
                continue
            if not accept(value):
                return None
            try:
                for validator in validators:
                    validator(value)
            except ValidationError:
                return None
            wire[name] = write(value)
        return wire

    return dump
