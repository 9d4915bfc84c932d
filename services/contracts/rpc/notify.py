"""Notify's RPC contracts: `list_deliveries(office_id, case_id)` and what it answers (the
deliveries of one case, never an address); `bell` and `mark_notifications_read`, the
signed-in person's notifications in the staff app; `message_wording`,
`save_message_wording`, `reset_message_wording` and `preview_message_wording`, the office's
own wording of the messages to constituents (saved and reset by its office admin only)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest


class DeliveriesQuerySchema(OfficeRequest):
    """The arguments of `list_deliveries`; unknown ones are refused."""

    case_id = fields.String(required=True, validate=validate.Length(1, 64))


class DeliverySchema(Schema):
    """One delivery of `list_deliveries`' answer, oldest first."""

    delivery_id = fields.String(required=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(required=True, allow_none=True)
    # Attempts made again (same Message-ID) because the one before was left in doubt.
    resent_in_doubt = fields.Integer(load_default=0)
    # Why it was not sent: the last attempt's error class (`SMTPRecipientsRefused`, never the
    # server's text, which may quote the address), or why it never will be (`no email address`).
    last_error = fields.String(load_default=None, allow_none=True)
    skip_reason = fields.String(load_default=None, allow_none=True)
    # A message about the case waiting to go (the office's quiet hours, a retry's wait): when
    # it goes; None once nothing is left to do.
    send_after = fields.AwareDateTime(load_default=None, allow_none=True)


class BellQuerySchema(OfficeRequest):
    """The arguments of `bell`: the signed-in person's notifications (the person comes from
    the RPC context, never from an argument). `limit=0` asks for the unread count alone."""

    unread_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=30, validate=validate.Range(0, 100))


class MarkReadSchema(OfficeRequest):
    """The arguments of `mark_notifications_read`: these notifications, or (none given) all
    of the person's unread ones."""

    notification_ids = fields.List(
        fields.String(validate=validate.Length(1, 36)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
    )


class StaffNotificationSchema(Schema):
    """One notification behind a person's bell: the reminder it tells of, on which case."""

    notification_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(required=True, allow_none=True)


class BellSchema(Schema):
    """`bell`'s answer: how many are unread, and the latest notifications (newest first)."""

    unread = fields.Integer(required=True)
    notifications = fields.List(fields.Nested(StaffNotificationSchema), required=True)


class UnreadSchema(Schema):
    """`mark_notifications_read`'s answer: how many are still unread."""

    unread = fields.Integer(required=True)


MESSAGES = ("acknowledgement", "case_update", "status_update", "closure", "status_code")
LANGUAGES = ("en", "es")


class WordingKeySchema(OfficeRequest):
    """The arguments of `reset_message_wording`: which message, in which language."""

    message = fields.String(required=True, validate=validate.OneOf(MESSAGES))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class WordingChangeSchema(WordingKeySchema):
    """The arguments of `save_message_wording` and `preview_message_wording`: the wording, as
    Jinja2 templates of the message's fields; `text`, for a message sent by text, the office's
    own text (absent, None or empty: the default text)."""

    subject = fields.String(required=True, validate=validate.Length(1, 500))
    body = fields.String(required=True, validate=validate.Length(1, 10_000))
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2_000))


class MessageWordingSchema(Schema):
    """One message in one language: its default wording, the office's own (None without),
    and the fields its wording may use, as `variables` (name, what it is). A message sent by
    text has a `default_text` (None: never sent by text), the office's own `text` (None: the
    default) and the names of the fields a text may use (`text_variables`, empty without)."""

    message = fields.String(required=True)
    label = fields.String(required=True)
    language = fields.String(required=True)
    variables = fields.List(fields.Tuple((fields.String(), fields.String())), required=True)
    default_subject = fields.String(required=True)
    default_body = fields.String(required=True)
    subject = fields.String(required=True, allow_none=True)
    body = fields.String(required=True, allow_none=True)
    updated_at = fields.AwareDateTime(required=True, allow_none=True)
    updated_by = fields.String(required=True, allow_none=True)
    text_variables = fields.List(fields.String(), load_default=list)
    default_text = fields.String(load_default=None, allow_none=True)
    text = fields.String(load_default=None, allow_none=True)


class WordingPreviewSchema(Schema):
    """`preview_message_wording`'s answer: the wording filled in for a sample constituent, and
    its text as the phone shows it, STOP line and all, with its length in characters (both
    None for a message never sent by text)."""

    subject = fields.String(required=True)
    body = fields.String(required=True)
    text = fields.String(load_default=None, allow_none=True)
    text_length = fields.Integer(load_default=None, allow_none=True)
