"""How intake's public endpoint reads a request: the JSON body within its bound (chassis'
`read_json` drains an oversized one before the 413, so the client gets the answer, not a
reset), the Idempotency-Key, and the evidence kept with an electronic signature."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request

from services.chassis.errors import ValidationFailed
from services.intake.domain.submissions import ConsentEvidence, Idempotency

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def idempotency(request: Request, body: Mapping[str, Any]) -> Idempotency | None:
    """A client that retries after a lost response sends the same key and gets the same
    receipt; the body's fingerprint tells a retry from a new request under an old key."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 8 to 100 letters, digits or . _ : -",
            fields={"Idempotency-Key": ["not a valid key"]},
        )
    return Idempotency.of(key, body)


def consent_evidence(request: Request) -> ConsentEvidence:
    return ConsentEvidence(ip=request.remote_addr, user_agent=request.user_agent.string)
