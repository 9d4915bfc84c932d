"""Twilio's request signature (`X-Twilio-Signature`), which an SMS provider's webhook request
carries and its receiver checks: base64 of the HMAC-SHA1, keyed with the account's auth token,
of the full URL the provider called followed by every POST parameter, sorted by name, as name
then value. The sender (the local fake provider) and the receiver (intake-web's webhook) sign
the same way from here.

Written here rather than taken from the `twilio` package: its `RequestValidator` is these few
lines inside the whole REST client and its HTTP stack, which nothing else here uses (notify's
adapter speaks the Messages API over `requests`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(url: str, params: Iterable[tuple[str, str]], token: str) -> str:
    """The signature of a POST of `params` (name, value pairs; a name may repeat) to `url`."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(
    url: str, params: Iterable[tuple[str, str]], token: str, given: str | None
) -> bool:
    """Whether `given` is the provider's signature of this request, compared in constant time.
    The URL with and without its scheme's default port both count, as Twilio's own validators
    allow: which of the two the provider signed depends on how the webhook was written there."""
    if not given or not token:
        return False
    pairs = list(params)
    candidates = {url, *_other_port_forms(url)}
    found = False
    for candidate in candidates:
        expected = twilio_signature(candidate, pairs, token)
        # Every form is compared (no early return): the time taken says nothing.
        found |= hmac.compare_digest(expected.encode(), given.encode())
    return found


def _other_port_forms(url: str) -> list[str]:
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None or parts.hostname is None:
        return []
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = parts.netloc[: -len(host)] if host != parts.netloc else ""
    if parts.port is None:
        netloc = f"{userinfo}{host}:{default}"
    elif parts.port == default:
        netloc = userinfo + host.rsplit(":", 1)[0]
    else:
        return []
    return [urlunsplit(parts._replace(netloc=netloc))]
