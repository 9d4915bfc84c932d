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


# --- Privacy releases and attachments on the case page ----------------------------------------
#
# Every call below carries the acting staff member in the RPC context (`user_id`, `role`,
# `office_id`, `origin`), as for cases; intake refuses a context of another office (not found)
# and an intern where the call changes something or reveals identifiers (`Forbidden`).
#
# `releases(office_id, submission_id)`: the releases signed with or for a submission, newest
#   first (`ReleaseSummary`); never the identifiers.
# `reveal_identifiers(office_id, release_id)`: the agency identifiers the constituent gave,
#   decrypted; intake writes an audit row for the read (who, when, from where) first.
# `release_pdf(office_id, release_id)`: the signed copy (`Document`): the e-signed release
#   rendered as a PDF, or the wet-signed scan as filed.
# `revoke_release(office_id, release_id, reason)`: staff revoke with a reason; answers the
#   release (`ReleaseSummary`); revoking one already revoked is a `Conflict`.
# `file_wet_signed_release(office_id, submission_id, agencies, signed_on, scan)`: a release the
#   constituent signed on paper, scanned (PDF, JPEG or PNG, `Document` form), recorded as such.
# `attachment(office_id, attachment_id)`: a file the constituent sent (`Document`).
# `letter_particulars(office_id, submission_id, release_id=None)`: what a letter to an agency
#   says of the constituent (`LetterParticulars`): their name, postal address lines, email,
#   phone and the request's description as they wrote it, and, with `release_id`, the
#   identifiers that release carries, decrypted (`identifiers`: kind -> value, the kinds of
#   intake's IDENTIFIER_KINDS: ssn, ssn_last4, date_of_birth, claim_number, receipt_number,
#   a_number, va_file_number). The read is audited first, as `reveal_identifiers`
#   (`release.identifiers_read_for_letter`; `submission.particulars_read_for_letter` without a
#   release). A release of another submission is not found; a revoked one is a `Conflict`.
# `set_email_opt_out(office_id, constituent_id, opted_out)`: the constituent asked staff to stop
#   (`opted_out` true) or start again the office's email about their requests, as the
#   unsubscribe link in every email does; answers their `ContactPreferences`. Idempotent:
#   only a change is recorded and announced (`intake.contact_preferences_changed`, changed by
#   "staff"); an unknown constituent is not found.

RELEASE_STATES = ("valid", "expired", "revoked")


class ReleaseRequest(OfficeRequest):
    release_id = fields.String(required=True, validate=validate.Length(36, 36))


class SubmissionReleasesRequest(OfficeRequest):
    submission_id = fields.String(required=True, validate=validate.Length(36, 36))


class RevokeReleaseRequest(ReleaseRequest):
    reason = fields.String(required=True, validate=validate.Length(3, 500))


class Document(Schema):
    class Meta:
        unknown = EXCLUDE

    filename = fields.String(required=True, validate=validate.Length(1, 200))
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"])
    )
    content_base64 = fields.String(required=True)


class FileWetSignedReleaseRequest(SubmissionReleasesRequest):
    agencies = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Z][A-Z0-9-]{1,19}\Z")),
        required=True,
        validate=validate.Length(1, 10),
    )
    signed_on = fields.Date(required=True)
    scan = fields.Nested(Document, required=True)


class LetterParticularsRequest(SubmissionReleasesRequest):
    release_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(36, 36))


class LetterParticulars(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    address_lines = fields.List(fields.String(), required=True)
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    identifiers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class AttachmentRequest(OfficeRequest):
    attachment_id = fields.String(required=True, validate=validate.Length(36, 36))


class ReleaseSummary(Schema):
    class Meta:
        unknown = EXCLUDE

    release_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["e_signed", "wet_signed"]))
    agencies = fields.List(fields.String(), required=True)
    signature_name = fields.String(required=True, allow_none=True)
    language = fields.String(required=True)
    text_version = fields.String(required=True, allow_none=True)
    text_sha256 = fields.String(required=True, allow_none=True)
    signed_at = fields.String(required=True)
    expires_at = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(RELEASE_STATES))
    revoked_at = fields.String(required=True, allow_none=True)
    revoked_by = fields.String(required=True, allow_none=True)
    revocation_reason = fields.String(required=True, allow_none=True)
    # Which identifiers were given (their names, e.g. "ssn_last4"), never their values.
    identifier_kinds = fields.List(fields.String(), required=True)


class ConstituentRequest(OfficeRequest):
    """`contact_preferences(office_id, constituent_id)`: whether the constituent takes email
    from the office about their requests (staff read it on the case page)."""

    constituent_id = fields.String(required=True, validate=validate.Length(36, 36))


class EmailOptOutRequest(OfficeRequest):
    constituent_id = fields.String(required=True, validate=validate.Length(36, 36))
    # true or false, never "yes" or 1: which way is asked must not be a guess.
    opted_out = fields.Boolean(required=True, truthy={True}, falsy={False})


class ContactPreferences(Schema):
    class Meta:
        unknown = EXCLUDE

    constituent_id = fields.String(required=True)
    email_opted_out = fields.Boolean(required=True)
    # Since when they take no email (ISO 8601), None while they do.
    email_opted_out_at = fields.String(required=True, allow_none=True)
    # Whether this call changed them (False: they were so already).
    changed = fields.Boolean(required=True)
