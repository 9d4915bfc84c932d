"""Notify's SMS provider adapter: Twilio's Messages API over HTTP (`requests`, one session and
its connection pool for every text, a timeout on every request), or anything that speaks it
(the local fake, `services/notify/fake_sms.py`).

    POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json
    To, From (or MessagingServiceSid), Body; form-encoded; HTTP basic auth AccountSid:AuthToken
    201 {"sid": "SM...", "status": "queued"}     taken
    4xx {"code": 21211, "message": "..."}        refused for good (21610: they replied STOP)
    429, 5xx, no connection                       refused for now: tried again later
    no answer in time, connection lost mid-way    in doubt: it may have gone

A send either hands the text over or raises one of the mail port's two failures
(`SendRefused`, permanent or not, and `SendOutcomeUnknown`), or `TextsStopped` for a
recipient who replied STOP. Errors carry the provider's error code or the exception class
only (`sms:21211`, `sms:http-503`, `sms:ReadTimeout`), never the number or the provider's
text, which may quote it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from services.chassis.config import env_str
from services.chassis.smtp import SendOutcomeUnknown, SendRefused
from services.notify.domain.acknowledgements import OutgoingText

# Twilio's code for "the recipient has replied STOP": they get no more texts from the sender.
STOPPED_CODE = 21610
# The credentials were refused: a setting to fix, not the message's fault; tried again later.
AUTHENTICATION = frozenset({401})
# A Messaging Service SID (MG and 32 hex digits) goes as MessagingServiceSid, else From.
MESSAGING_SERVICE_PREFIX = "MG"


class TextsStopped(SendRefused):
    """The provider refuses to text this recipient: they replied STOP."""

    def __init__(self) -> None:
        super().__init__(f"sms:{STOPPED_CODE}", permanent=True)


@dataclass(frozen=True)
class SmsSettings:
    """Where the provider is and who notify is to it (`CASEWORK_NOTIFY_SMS_*`)."""

    url: str
    account: str
    token: str = field(repr=False)
    sender: str
    connect_timeout_seconds: float = 3.05
    read_timeout_seconds: float = 10.0

    @property
    def endpoint(self) -> str:
        account = quote(self.account, safe="")
        return f"{self.url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"


def load_sms_settings() -> SmsSettings | None:
    """The provider's settings from the environment; None (no texts) while
    `CASEWORK_NOTIFY_SMS_URL` is unset. A URL without the account, token or sender is a
    mistake worth stopping for."""
    url = env_str("CASEWORK_NOTIFY_SMS_URL", "").strip()
    if not url:
        return None
    names = ("CASEWORK_NOTIFY_SMS_ACCOUNT", "CASEWORK_NOTIFY_SMS_TOKEN", "CASEWORK_NOTIFY_SMS_FROM")
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        raise RuntimeError(f"CASEWORK_NOTIFY_SMS_URL is set but {', '.join(missing)} is not")
    account, token, sender = (os.environ[name].strip() for name in names)
    return SmsSettings(
        url=url,
        account=account,
        token=token,
        sender=sender,
        read_timeout_seconds=float(env_str("CASEWORK_NOTIFY_SMS_TIMEOUT_SECONDS", "10")),
    )


class TwilioTexter:
    """Sends texts through Twilio's Messages API, keeping one connection pool for all."""

    def __init__(self, settings: SmsSettings) -> None:
        self._settings = settings
        self._session = requests.Session()
        self._session.auth = (settings.account, settings.token)
        self._session.headers["Accept"] = "application/json"
        # No retries inside requests: a retry is the delivery's decision, with its backoff.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=10, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        sender = settings.sender
        self._sender_field = (
            "MessagingServiceSid" if sender.startswith(MESSAGING_SERVICE_PREFIX) else "From"
        )

    @property
    def longest_send_seconds(self) -> float:
        return self._settings.connect_timeout_seconds + self._settings.read_timeout_seconds

    def send(self, text: OutgoingText) -> str:
        """Hand one text over; the provider's id for it (its `sid`)."""
        form = {"To": text.to_number, self._sender_field: self._settings.sender, "Body": text.body}
        timeout = (self._settings.connect_timeout_seconds, self._settings.read_timeout_seconds)
        try:
            response = self._session.post(self._settings.endpoint, data=form, timeout=timeout)
        except requests.exceptions.ConnectTimeout as exc:
            raise SendRefused(f"sms:{type(exc).__name__}") from None
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise SendRefused(f"sms:{type(exc).__name__}") from None
            raise SendOutcomeUnknown(f"sms:{type(exc).__name__}") from None
        except requests.exceptions.Timeout as exc:  # sent, and no answer in time
            raise SendOutcomeUnknown(f"sms:{type(exc).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return str(_json(response).get("sid", ""))
        if status == 429 or status >= 500 or status in AUTHENTICATION:
            raise SendRefused(f"sms:http-{status}")
        code = _json(response).get("code")
        if code == STOPPED_CODE:
            raise TextsStopped()
        error = f"sms:{code}" if isinstance(code, int) else f"sms:http-{status}"
        raise SendRefused(error, permanent=True)

    def close(self) -> None:
        self._session.close()


def _json(response: requests.Response) -> dict[str, object]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection was never made (refused, no such host): nothing was sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
