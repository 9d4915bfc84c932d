"""The portal's own settings (beside the service's `load_settings("intake")`): the key that
signs its session cookie and form tokens, rate limits and where they are counted, the time
trap, whether cookies need HTTPS, and the SMS provider's inbound webhook (the auth token its
requests are signed with, the account they come from, the public URL it calls). Read from
`CASEWORK_INTAKE_*` with laptop defaults; the webhook's token and account from notify's SMS
settings (`CASEWORK_NOTIFY_SMS_TOKEN`, `_ACCOUNT`) unless intake-web has its own."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from environs import Env

log = logging.getLogger(__name__)

SECRET_KEY_VARIABLE = "CASEWORK_INTAKE_SECRET_KEY"  # noqa: S105 - its name, not its value
DEFAULT_DEV_SECRET_PATH = Path("var/intake-web-secret.key")

# A form with five 10 MB attachments and its fields, with room for multipart's own bytes.
MAX_FORM_BYTES = 52 * 1024 * 1024


class PortalSecretError(RuntimeError):
    """No secret key where one must be set; the message names the variable, never a value."""


@dataclass(frozen=True)
class PortalSettings:
    secret_key: str
    # `memory://` counts per process (a laptop, one replica); `redis://host:6379/0` counts
    # across every replica, which is what a limit per client needs behind a load balancer.
    ratelimit_storage_uri: str = "memory://"
    ratelimit_key_prefix: str = "casework-intake-web"
    form_limit: str = "10 per minute;100 per hour"
    status_limit: str = "5 per 15 minutes"
    verify_limit: str = "10 per 15 minutes"
    api_limit: str = "60 per minute"
    ratelimit_enabled: bool = True
    # A person needs longer than this to fill in the form; a script posting at once does not.
    min_fill_seconds: float = 3.0
    # A form token older than this is refused like a fast one (the page is rendered again).
    form_token_max_age: int = 24 * 3600
    verified_minutes: int = 30
    secure_cookies: bool = False
    # Proxies in front of this process whose X-Forwarded-For is trusted for the client
    # address (rate limits and the release's evidence); 0 on a laptop.
    proxy_hops: int = 0
    timezone: str = "America/New_York"
    max_form_bytes: int = MAX_FORM_BYTES
    # The SMS provider's auth token, which signs its webhook requests (empty: no webhook here).
    sms_webhook_token: str = field(default="", repr=False)
    # The provider account its requests must name (empty: any the token signs for).
    sms_webhook_account: str = ""
    # The webhook's URL exactly as written at the provider, which is what it signs; behind a
    # proxy it differs from what this process sees (empty: the URL of the request as seen).
    sms_webhook_url: str = ""


def load_portal_settings(overrides: Mapping[str, Any] | None = None) -> PortalSettings:
    """The settings from the environment, with `overrides` (same field names) on top."""
    env = Env()
    prefix = "CASEWORK_INTAKE_"
    given = dict(overrides or {})
    read: dict[str, Any] = {
        "ratelimit_storage_uri": env.str(f"{prefix}RATELIMIT_STORAGE_URI", "memory://"),
        "form_limit": env.str(f"{prefix}RATELIMIT_FORM", PortalSettings.form_limit),
        "status_limit": env.str(f"{prefix}RATELIMIT_STATUS", PortalSettings.status_limit),
        "verify_limit": env.str(f"{prefix}RATELIMIT_VERIFY", PortalSettings.verify_limit),
        "api_limit": env.str(f"{prefix}RATELIMIT_API", PortalSettings.api_limit),
        "ratelimit_enabled": env.bool(f"{prefix}RATELIMIT_ENABLED", True),
        "min_fill_seconds": env.float(f"{prefix}MIN_FILL_SECONDS", 3.0),
        "secure_cookies": env.bool(f"{prefix}SECURE_COOKIES", False),
        "proxy_hops": env.int(f"{prefix}PROXY_HOPS", 0),
        "timezone": env.str(f"{prefix}PORTAL_TIMEZONE", PortalSettings.timezone),
        "sms_webhook_token": (
            env.str(f"{prefix}SMS_WEBHOOK_TOKEN", "").strip()
            or env.str("CASEWORK_NOTIFY_SMS_TOKEN", "").strip()
        ),
        "sms_webhook_account": (
            env.str(f"{prefix}SMS_WEBHOOK_ACCOUNT", "").strip()
            or env.str("CASEWORK_NOTIFY_SMS_ACCOUNT", "").strip()
        ),
        "sms_webhook_url": env.str(f"{prefix}SMS_WEBHOOK_URL", "").strip(),
    }
    read.update(given)
    if "secret_key" not in read:
        read["secret_key"] = secret_key()
    known = {field.name for field in fields(PortalSettings)}
    unknown = set(read) - known
    if unknown:
        raise TypeError(f"unknown portal settings: {', '.join(sorted(unknown))}")
    return PortalSettings(**read)


def secret_key(
    env: Mapping[str, str] = os.environ, dev_path: Path = DEFAULT_DEV_SECRET_PATH
) -> str:
    """`CASEWORK_INTAKE_SECRET_KEY`; unset on a laptop, a development secret kept in `var/`
    (so a restart keeps people's sessions); unset in production, an error (each replica would
    sign with its own key and refuse the others' cookies)."""
    value = env.get(SECRET_KEY_VARIABLE, "").strip()
    if value:
        return value
    if env.get("CASEWORK_ENV", "").strip().lower() == "production":
        raise PortalSecretError(
            f"{SECRET_KEY_VARIABLE} is not set; production needs one shared secret in every "
            "intake-web process"
        )
    log.warning("%s is not set: using the development secret in %s", SECRET_KEY_VARIABLE, dev_path)
    return _development_secret(dev_path)


def _development_secret(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    value = secrets.token_urlsafe(32)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(value + "\n")
        # Atomic and never replacing: of two processes starting at once, one secret wins.
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        draft.unlink(missing_ok=True)
    return value
