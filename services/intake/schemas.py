"""What intake accepts over HTTP: strict schemas, unknown fields rejected."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from services.chassis.errors import ValidationFailed
from services.chassis.schemas import StrictSchema, Text
from services.contracts.vocabulary import CATEGORIES
from services.intake.domain.constituents import ConstituentDetails
from services.intake.domain.identifiers import IDENTIFIER_KINDS, validate_identifiers
from services.intake.domain.submissions import PrivacyConsent, SubmitRequest, signature_matches


def mail_ready(address: str) -> str | None:
    """The address as SMTP can carry it (international domain names in their ASCII form), or
    None when the part before the @ is not ASCII, which our mail path cannot send to."""
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        return None
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return None


# How a constituent would rather be contacted ("sms": text messages to their phone).
PREFERRED_CHANNELS = ("email", "phone", "post", "sms")
# What each way of being contacted needs them to give.
CHANNEL_NEEDS = {"email": "email", "phone": "phone", "post": "address", "sms": "phone"}

AGENCY_CODE = validate.Regexp(r"^[A-Z][A-Z0-9-]{1,19}$", error="use the agency's code, e.g. SSA")


# Every field a person types is `Text`: what a consumer downstream would reject (a lone
# surrogate, a control character) is refused here with a 422 naming the field, before the 202.
# Fields of a closed vocabulary (category, channel, language, agency codes) refuse anything else.


class AddressSchema(StrictSchema):
    line1 = Text(required=True, validate=validate.Length(1, 200))
    line2 = Text(load_default=None, validate=validate.Length(max=200))
    city = Text(required=True, validate=validate.Length(1, 100))
    state = Text(required=True, validate=validate.Length(2, 50))
    postal_code = Text(required=True, validate=validate.Regexp(r"^[A-Za-z0-9 -]{3,12}$"))


class ConstituentSchema(StrictSchema):
    first_name = Text(required=True, validate=validate.Length(1, 100))
    last_name = Text(required=True, validate=validate.Length(1, 100))
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = Text(
        load_default=None,
        validate=validate.Regexp(r"^\+?[0-9 ().-]{7,25}$", error="not a phone number"),
    )
    address = fields.Nested(AddressSchema, load_default=None)
    preferred_language = fields.String(load_default="en", validate=validate.OneOf(["en", "es"]))
    preferred_channel = fields.String(
        load_default=None, validate=validate.OneOf(PREFERRED_CHANNELS)
    )

    @validates_schema
    def needs_a_way_to_reply(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("email") and not data.get("phone") and not data.get("address"):
            raise ValidationError("give an email, a phone number or a postal address", "email")
        channel = data.get("preferred_channel")
        needs = CHANNEL_NEEDS.get(channel or "")
        if needs and not data.get(needs):
            if channel == "sms":
                raise ValidationError(
                    "give a mobile phone number to get text messages", "preferred_channel"
                )
            raise ValidationError(
                f"give your {'postal address' if needs == 'address' else needs} "
                "to be contacted that way",
                "preferred_channel",
            )

    @validates("email")
    def can_receive_our_mail(self, value: str | None, **_: Any) -> None:
        if value and mail_ready(value) is None:
            raise ValidationError(
                "we cannot send mail to an address with accents before the @ yet; "
                "please give another address or a phone number"
            )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ConstituentDetails:
        if data.get("email"):
            data["email"] = mail_ready(data["email"])
        address = data.get("address")
        if address:
            address = {key: value for key, value in address.items() if value}
        return ConstituentDetails(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            email=data.get("email"),
            phone=data.get("phone"),
            address=address,
            preferred_language=data["preferred_language"],
            preferred_channel=data.get("preferred_channel"),
        )


class PrivacyReleaseSchema(StrictSchema):
    signed = fields.Boolean(
        required=True, validate=validate.Equal(True, error="must be true to sign")
    )
    signature_name = Text(required=True, validate=validate.Length(1, 200))
    agencies = fields.List(
        fields.String(validate=AGENCY_CODE), required=True, validate=validate.Length(1, 10)
    )
    # The identifiers the agencies need (kind -> value, e.g. {"ssn_last4": "6789"}): validated
    # and normalised here, sealed under the office's key by intake, never sent on.
    identifiers = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 40)),
        values=fields.String(allow_none=True, validate=validate.Length(max=100)),
        load_default=dict,
        validate=validate.Length(max=len(IDENTIFIER_KINDS)),
    )
    # The language of the release text shown (default: the constituent's preferred language),
    # and its version and SHA-256 as the client received them: a changed text is refused.
    language = fields.String(load_default=None, validate=validate.OneOf(["en", "es"]))
    text_version = Text(load_default=None, validate=validate.Length(1, 20))
    text_sha256 = fields.String(
        load_default=None, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="not a SHA-256")
    )

    @validates_schema
    def identifiers_are_valid(self, data: dict[str, Any], **_: Any) -> None:
        try:
            validate_identifiers(data.get("identifiers") or {})
        except ValidationFailed as refused:
            raise ValidationError(
                {
                    key.removeprefix("identifiers.") if key != "identifiers" else "_schema": msgs
                    for key, msgs in refused.fields.items()
                },
                "identifiers",
            ) from None

    @post_load
    def normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["identifiers"] = validate_identifiers(data.get("identifiers") or {})
        return data


class SubmissionSchema(StrictSchema):
    constituent = fields.Nested(ConstituentSchema, required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    agency = fields.String(load_default=None, validate=AGENCY_CODE)
    subject = Text(required=True, validate=validate.Length(3, 200))
    description = Text(multiline=True, required=True, validate=validate.Length(1, 10_000))
    urgent = fields.Boolean(load_default=False)
    urgency_reason = Text(multiline=True, load_default=None, validate=validate.Length(max=500))
    channel = fields.String(
        load_default="web", validate=validate.OneOf(["web", "email", "phone", "walk_in", "letter"])
    )
    privacy_release = fields.Nested(PrivacyReleaseSchema, load_default=None)

    @validates_schema
    def signature_is_the_constituents(self, data: dict[str, Any], **_: Any) -> None:
        release = data.get("privacy_release")
        constituent = data.get("constituent")
        if release and isinstance(constituent, ConstituentDetails):
            consent = PrivacyConsent(release["signature_name"], tuple(release["agencies"]))
            if not signature_matches(consent, constituent):
                raise ValidationError(
                    {"signature_name": ["type your full name exactly as given above to sign"]},
                    "privacy_release",
                )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> SubmitRequest:
        release = data.get("privacy_release")
        return SubmitRequest(
            constituent=data["constituent"],
            category=data["category"],
            agency=data.get("agency"),
            subject=data["subject"].strip(),
            description=data["description"],
            urgent=data["urgent"],
            urgency_reason=data.get("urgency_reason"),
            channel=data["channel"],
            privacy_release=PrivacyConsent(
                signature_name=release["signature_name"],
                agencies=tuple(release["agencies"]),
                identifiers=release["identifiers"],
                language=release["language"] or data["constituent"].preferred_language,
                text_version=release["text_version"],
                text_sha256=release["text_sha256"],
            )
            if release
            else None,
        )


class DocumentsMessageSchema(StrictSchema):
    """What a constituent writes to the office with the documents they send from the status
    page: optional, typed text like the request form's description."""

    message = Text(multiline=True, load_default=None, validate=validate.Length(max=2000))


class ReceiptSchema(Schema):
    submission_id = fields.String()
    tracking_code = fields.String()
    status = fields.String()
    received_at = fields.String()
    privacy_release_recorded = fields.Boolean()
