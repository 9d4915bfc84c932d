"""Envelope encryption of the agency identifiers a privacy release carries (SSN, A-Number...):
the installation's master key wraps each office's data key, the data key seals the identifiers.

AES-256-GCM throughout; every ciphertext is a random 12-byte nonce followed by what `AESGCM`
returns. Nothing here logs, or puts in an exception, a key or a plaintext.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

MASTER_KEY_VARIABLE = "CASEWORK_INTAKE_MASTER_KEY"
MASTER_KEY_ID_VARIABLE = "CASEWORK_INTAKE_MASTER_KEY_ID"
ENVIRONMENT_VARIABLE = "CASEWORK_ENV"
DEFAULT_MASTER_KEY_ID = "k1"
# The development key file's own id, so that data keys it wrapped are told apart from those a
# real master key wrapped (`office_keys.master_key_id`) when a laptop later sets the variable.
DEV_MASTER_KEY_ID = "dev"
DEFAULT_DEV_KEY_PATH = Path("var/intake-master.key")

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

MAKE_A_KEY = (
    'python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


class MasterKeyError(RuntimeError):
    """The master key is missing where it must be set, or is not a key: the service cannot
    start. The message names the variable or file, never its content."""


class CannotDecrypt(Exception):
    """A ciphertext did not open: wrong key, wrong office or context, or altered bytes.

    AES-GCM cannot tell these apart, and neither can this error: it never returns garbage."""

    def __init__(self, what: str = "ciphertext") -> None:
        super().__init__(
            f"cannot decrypt the {what}: wrong key, wrong office or context, or altered data"
        )


@dataclass(frozen=True)
class MasterKey:
    """The installation's key-encryption key; `key_id` is stored beside what it wrapped so a
    rotation knows which key to unwrap with."""

    key_id: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key_id:
            raise MasterKeyError("a master key needs an id")
        if len(self.key) != KEY_BYTES:
            raise MasterKeyError(f"a master key is {KEY_BYTES} bytes")


def load_master_key(
    env: Mapping[str, str] = os.environ,
    dev_key_path: Path = DEFAULT_DEV_KEY_PATH,
) -> MasterKey:
    """The master key from `CASEWORK_INTAKE_MASTER_KEY` (URL-safe base64 of 32 bytes, id from
    `CASEWORK_INTAKE_MASTER_KEY_ID`, default "k1").

    Unset on a laptop: a development key file, created once (mode 0600) and reused. Unset
    with `CASEWORK_ENV=production`: an error, since a key made up on one machine would leave
    every other replica unable to read what this one wrote.
    """
    encoded = env.get(MASTER_KEY_VARIABLE, "").strip()
    key_id = env.get(MASTER_KEY_ID_VARIABLE, "").strip()
    if encoded:
        return MasterKey(key_id or DEFAULT_MASTER_KEY_ID, _decode_key(encoded, MASTER_KEY_VARIABLE))
    if env.get(ENVIRONMENT_VARIABLE, "").strip().lower() == "production":
        raise MasterKeyError(
            f"{MASTER_KEY_VARIABLE} is not set; production needs the installation's master "
            f"key (32 random bytes in URL-safe base64, made with: {MAKE_A_KEY}) in every "
            "intake process"
        )
    key = _development_key(dev_key_path)
    log.warning(
        "%s is not set: using the development master key in %s; production must set %s",
        MASTER_KEY_VARIABLE,
        dev_key_path,
        MASTER_KEY_VARIABLE,
    )
    return MasterKey(key_id or DEV_MASTER_KEY_ID, key)


def _development_key(path: Path) -> bytes:
    try:
        encoded = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create_development_key(path)
    except (OSError, UnicodeDecodeError):
        raise MasterKeyError(f"the development master key file {path} cannot be read") from None
    return _decode_key(encoded, f"the development master key file {path}")


def _create_development_key(path: Path) -> bytes:
    key = os.urandom(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
        # Linking the finished file into place is atomic and refuses to replace one: of two
        # processes starting at once, one key wins and both use it.
        os.link(draft, path)
    except FileExistsError:
        return _development_key(path)
    finally:
        draft.unlink(missing_ok=True)
    return key


def _decode_key(encoded: str, source: str) -> bytes:
    padded = encoded + "=" * (-len(encoded) % 4)  # people and tools drop the padding
    try:
        key = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"{source} is not a master key: it must be {KEY_BYTES} random bytes in URL-safe "
            f"base64 (make one with: {MAKE_A_KEY})"
        )
    return key


def new_data_key() -> bytes:
    """A fresh office data key (AES-256)."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap_data_key(master: MasterKey, data_key: bytes, office_id: str) -> bytes:
    """`data_key` encrypted under the master key, bound to `office_id`: a wrapped key copied
    to another office's row does not open."""
    return seal(master.key, data_key, _office_key_aad(office_id))


def unwrap_data_key(master: MasterKey, wrapped: bytes, office_id: str) -> bytes:
    try:
        return unseal(master.key, wrapped, _office_key_aad(office_id))
    except CannotDecrypt:
        raise CannotDecrypt("office data key") from None


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """`plaintext` encrypted and authenticated under `data_key`; `aad` is authenticated, not
    stored: `unseal` needs the same."""
    if len(data_key) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def unseal(data_key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """What `seal` encrypted, or `CannotDecrypt`."""
    if len(data_key) != KEY_BYTES or len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise CannotDecrypt()
    try:
        return AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise CannotDecrypt() from None


def seal_identifiers(
    data_key: bytes, office_id: str, release_id: str, identifiers: Mapping[str, str]
) -> bytes:
    """A release's identifiers (kind -> normalised value) as sealed JSON, bound to the office
    and the release: moved to another release's row, it does not open."""
    plaintext = json.dumps(dict(identifiers), sort_keys=True, ensure_ascii=False)
    return seal(data_key, plaintext.encode("utf-8"), _identifiers_aad(office_id, release_id))


def open_identifiers(
    data_key: bytes, office_id: str, release_id: str, sealed: bytes
) -> dict[str, str]:
    plaintext = unseal(data_key, sealed, _identifiers_aad(office_id, release_id))
    try:
        identifiers = json.loads(plaintext.decode("utf-8"))
    except ValueError:
        raise CannotDecrypt("identifiers") from None
    if not isinstance(identifiers, dict) or not all(
        isinstance(kind, str) and isinstance(value, str) for kind, value in identifiers.items()
    ):
        raise CannotDecrypt("identifiers")
    return identifiers


def _office_key_aad(office_id: str) -> bytes:
    return f"office-key:{office_id}".encode()


def _identifiers_aad(office_id: str, release_id: str) -> bytes:
    return f"{office_id}:{release_id}".encode()
