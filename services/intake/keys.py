"""Each office's data key: created on first use, stored wrapped by the installation's master
key, unwrapped once per process. Identifiers are sealed and opened only through here."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Protocol

from services.chassis.db import utcnow
from services.intake import crypto


class KeyStore(Protocol):
    @property
    def office_id(self) -> str: ...

    def wrapped_key(self) -> tuple[bytes, str] | None: ...

    def add_wrapped_key(self, wrapped: bytes, master_key_id: str, created_at: object) -> bool: ...


_lock = threading.Lock()
_master: crypto.MasterKey | None = None
_data_keys: dict[str, bytes] = {}


def master_key() -> crypto.MasterKey:
    """The master key from configuration (CASEWORK_INTAKE_MASTER_KEY), read once."""
    global _master
    with _lock:
        if _master is None:
            _master = crypto.load_master_key()
        return _master


def forget_keys() -> None:
    """Drop what this process remembers (tests that change the master key)."""
    global _master
    with _lock:
        _master = None
        _data_keys.clear()


def data_key(store: KeyStore) -> bytes:
    """The office's data key, created and stored (wrapped) the first time it is needed."""
    office_id = store.office_id
    known = _data_keys.get(office_id)
    if known is not None:
        return known
    master = master_key()
    stored = store.wrapped_key()
    if stored is None:
        key = crypto.new_data_key()
        if store.add_wrapped_key(
            crypto.wrap_data_key(master, key, office_id), master.key_id, utcnow()
        ):
            _data_keys[office_id] = key
            return key
        stored = store.wrapped_key()  # another transaction stored the office's key first
        assert stored is not None
    wrapped, master_key_id = stored
    if master_key_id != master.key_id:
        raise crypto.MasterKeyError(
            f"office {office_id}'s data key was wrapped by master key {master_key_id!r}, "
            f"but the configured master key is {master.key_id!r}"
        )
    key = crypto.unwrap_data_key(master, wrapped, office_id)
    _data_keys[office_id] = key
    return key


def seal_identifiers(store: KeyStore, release_id: str, identifiers: Mapping[str, str]) -> bytes:
    return crypto.seal_identifiers(data_key(store), store.office_id, release_id, dict(identifiers))


def open_identifiers(store: KeyStore, release_id: str, sealed: bytes) -> dict[str, str]:
    return crypto.open_identifiers(data_key(store), store.office_id, release_id, sealed)
