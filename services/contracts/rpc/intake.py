"""RPC contract of `intake`: staff entry of a request that came by phone, walk-in, letter or
email, so that one path (intake's) creates every case.

`enter_submission(office_id, submission, idempotency_key=None)`: `submission` is the body of
intake's `POST /api/v1/offices/{office}/submissions` (intake validates it with the same schema
and answers `ValidationFailed` with its fields); the channel must not be `web`, and a privacy
release cannot be signed for the constituent by staff (they sign it themselves). The answer is
the receipt.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest

STAFF_CHANNELS = ("phone", "walk_in", "letter", "email")


class EnterSubmissionRequest(OfficeRequest):
    submission = fields.Dict(required=True)
    idempotency_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9._:-]{8,100}\Z"),
    )


class Receipt(Schema):
    class Meta:
        unknown = EXCLUDE

    submission_id = fields.String(required=True)
    tracking_code = fields.String(required=True)
    status = fields.String(required=True)
    received_at = fields.String(required=True)
