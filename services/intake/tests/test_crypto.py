"""Envelope encryption of release identifiers: round trips, what must not open, the master key."""

from __future__ import annotations

import base64
import logging
import os
import stat
from pathlib import Path

import pytest

from services.intake.crypto import (
    DEV_MASTER_KEY_ID,
    MASTER_KEY_VARIABLE,
    CannotDecrypt,
    MasterKey,
    MasterKeyError,
    load_master_key,
    new_data_key,
    open_identifiers,
    seal,
    seal_identifiers,
    unseal,
    unwrap_data_key,
    wrap_data_key,
)

IDENTIFIERS = {"ssn": "123-45-6789", "a_number": "A012345678", "date_of_birth": "1958-04-23"}


def encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


@pytest.fixture
def master() -> MasterKey:
    return MasterKey("k1", os.urandom(32))


def test_a_wrapped_data_key_unwraps_for_its_office(master: MasterKey) -> None:
    data_key = new_data_key()
    wrapped = wrap_data_key(master, data_key, "rep-lopez")
    assert len(data_key) == 32
    assert data_key not in wrapped
    assert unwrap_data_key(master, wrapped, "rep-lopez") == data_key


def test_a_wrapped_data_key_does_not_unwrap_for_another_office_or_master(
    master: MasterKey,
) -> None:
    wrapped = wrap_data_key(master, new_data_key(), "rep-lopez")
    with pytest.raises(CannotDecrypt):
        unwrap_data_key(master, wrapped, "sen-okafor")
    with pytest.raises(CannotDecrypt):
        unwrap_data_key(MasterKey("k2", os.urandom(32)), wrapped, "rep-lopez")


def test_sealing_twice_gives_different_ciphertexts_that_both_open() -> None:
    key = new_data_key()
    first, second = seal(key, b"A012345678", b"ctx"), seal(key, b"A012345678", b"ctx")
    assert first != second  # a fresh nonce each time
    assert unseal(key, first, b"ctx") == unseal(key, second, b"ctx") == b"A012345678"


@pytest.mark.parametrize(
    "change",
    ["key", "aad", "flipped bit", "truncated", "empty", "short key"],
)
def test_anything_but_the_right_key_and_context_raises_cannot_decrypt(change: str) -> None:
    key, aad = new_data_key(), b"rep-lopez:release-1"
    sealed = seal(key, b"123-45-6789", aad)
    if change == "key":
        key = new_data_key()
    elif change == "aad":
        aad = b"rep-lopez:release-2"
    elif change == "flipped bit":
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    elif change == "truncated":
        sealed = sealed[:20]
    elif change == "empty":
        sealed = b""
    elif change == "short key":
        key = key[:16]
    with pytest.raises(CannotDecrypt) as refused:
        unseal(key, sealed, aad)
    assert "123-45-6789" not in str(refused.value)


def test_identifiers_round_trip_for_their_office_and_release() -> None:
    key = new_data_key()
    sealed = seal_identifiers(key, "rep-lopez", "release-1", IDENTIFIERS)
    assert b"123-45-6789" not in sealed
    assert open_identifiers(key, "rep-lopez", "release-1", sealed) == IDENTIFIERS


def test_identifiers_keep_accented_text() -> None:
    key = new_data_key()
    sealed = seal_identifiers(key, "rep-lopez", "release-1", {"claim_number": "Núñez-1234"})
    assert open_identifiers(key, "rep-lopez", "release-1", sealed) == {"claim_number": "Núñez-1234"}


@pytest.mark.parametrize(("office", "release"), [("sen-okafor", "release-1"), ("rep-lopez", "r2")])
def test_identifiers_moved_to_another_office_or_release_do_not_open(
    office: str, release: str
) -> None:
    key = new_data_key()
    sealed = seal_identifiers(key, "rep-lopez", "release-1", IDENTIFIERS)
    with pytest.raises(CannotDecrypt):
        open_identifiers(key, office, release, sealed)


def test_a_master_key_never_shows_in_its_repr() -> None:
    key = os.urandom(32)
    assert repr(key) not in repr(MasterKey("k1", key))
    assert "key=" not in repr(MasterKey("k1", key))


def test_the_master_key_comes_from_the_environment_with_its_id(tmp_path: Path) -> None:
    key = os.urandom(32)
    loaded = load_master_key(
        {MASTER_KEY_VARIABLE: encoded(key), "CASEWORK_INTAKE_MASTER_KEY_ID": "2027-01"},
        dev_key_path=tmp_path / "unused.key",
    )
    assert loaded == MasterKey("2027-01", key)
    assert load_master_key({MASTER_KEY_VARIABLE: encoded(key)}).key_id == "k1"
    assert not (tmp_path / "unused.key").exists()


def test_a_master_key_without_padding_is_accepted() -> None:
    key = os.urandom(32)
    assert load_master_key({MASTER_KEY_VARIABLE: encoded(key).rstrip("=")}).key == key


@pytest.mark.parametrize(
    "value",
    [
        "not-a-key",
        base64.urlsafe_b64encode(os.urandom(16)).decode(),  # AES-128 is not what we use
        base64.urlsafe_b64encode(os.urandom(33)).decode(),
        "%%%%" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
    ],
)
def test_a_malformed_master_key_is_refused_naming_the_variable_not_the_value(value: str) -> None:
    with pytest.raises(MasterKeyError) as refused:
        load_master_key({MASTER_KEY_VARIABLE: value})
    message = str(refused.value)
    assert MASTER_KEY_VARIABLE in message
    assert value not in message
    assert refused.value.__cause__ is None


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match=MASTER_KEY_VARIABLE):
        load_master_key({"CASEWORK_ENV": "production"}, dev_key_path=tmp_path / "dev.key")
    assert not (tmp_path / "dev.key").exists()


def test_a_laptop_creates_a_private_development_key_once_and_reuses_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "var" / "intake-master.key"
    with caplog.at_level(logging.WARNING, logger="services.intake.crypto"):
        first = load_master_key({}, dev_key_path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.urlsafe_b64decode(path.read_text().strip()) == first.key
    assert first.key_id == DEV_MASTER_KEY_ID
    assert "production must set CASEWORK_INTAKE_MASTER_KEY" in caplog.text
    assert encoded(first.key) not in caplog.text
    assert [p.name for p in path.parent.iterdir()] == ["intake-master.key"]  # no draft left

    second = load_master_key({}, dev_key_path=path)
    assert second == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_data_wrapped_under_the_development_key_opens_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "dev.key"
    data_key = new_data_key()
    wrapped = wrap_data_key(load_master_key({}, dev_key_path=path), data_key, "rep-lopez")
    assert unwrap_data_key(load_master_key({}, dev_key_path=path), wrapped, "rep-lopez") == (
        data_key
    )


def test_a_damaged_development_key_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dev.key"
    path.write_text("garbage\n")
    with pytest.raises(MasterKeyError, match=r"dev\.key"):
        load_master_key({}, dev_key_path=path)
