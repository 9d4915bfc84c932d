"""RPC contract of `intake` for an office's own privacy release text, per language (the staff
app's release text editor). Every call carries the acting staff member in the RPC context, as
intake's other staff calls; a context of another office is not found.

`release_texts(office_id)`: the office's text in English and in Spanish (`OfficeReleaseText`,
  one per language): the text the portal shows now and its version, whether it is the
  installation's default, who saved it and when, the placeholders, and every version saved,
  newest first. Any staff member of the office may read it.
`preview_release_text(office_id, language, text)`: `text` filled in for a sample constituent as
  the request form would show it today (`ReleaseTextPreview`); refused as a save would be
  (`ValidationFailed` under `text`). Nothing is kept.
`save_release_text(office_id, language, text)`: a new version (`v1`, `v2`...; never an
  overwrite: signed releases keep the version they were signed under); office admin only
  (`Forbidden` otherwise). The text must name each of `{office_name}`, `{constituent_name}`,
  `{agencies}` and `{expires_on}`, use no other name in braces, and be at most 10,000
  characters. Answers the language's `OfficeReleaseText`.
`reset_release_text(office_id, language)`: back to the default, as a new version with the
  default's words (office admin only). Answers the language's `OfficeReleaseText`.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest

LANGUAGES = ("en", "es")
# The domain says what is wrong with a longer text, beside the field; this only keeps an
# absurd one off the wire.
MAX_TEXT_ON_THE_WIRE = 100_000


class ReleaseTextKey(OfficeRequest):
    """The arguments of `reset_release_text`: which language."""

    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class ReleaseTextChange(ReleaseTextKey):
    """The arguments of `save_release_text` and `preview_release_text`: the text as typed
    (intake normalises line ends and blank lines before it checks it)."""

    text = fields.String(required=True, validate=validate.Length(max=MAX_TEXT_ON_THE_WIRE))


class ReleaseTextVersion(Schema):
    """One saved version of an office's text. `created_by` is the admin's user id (None for a
    version saved before the staff app kept who); `is_default` when it is the default's
    words (a reset)."""

    version = fields.String(required=True)
    text = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    created_by = fields.String(required=True, allow_none=True)
    is_default = fields.Boolean(required=True)


class OfficeReleaseText(Schema):
    """An office's release text in one language. `version` and `text` are what the portal
    shows now (the default's own version, e.g. `2026-12`, while the office saved none);
    `updated_at` and `updated_by` are None then. `placeholders` are (name, what it becomes)."""

    language = fields.String(required=True)
    version = fields.String(required=True)
    text = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    updated_at = fields.AwareDateTime(required=True, allow_none=True)
    updated_by = fields.String(required=True, allow_none=True)
    default_version = fields.String(required=True)
    default_text = fields.String(required=True)
    placeholders = fields.List(fields.Tuple((fields.String(), fields.String())), required=True)
    max_length = fields.Integer(required=True)
    history = fields.List(fields.Nested(ReleaseTextVersion), required=True)


class ReleaseTextPreview(Schema):
    """`preview_release_text`'s answer: `text` is the exact text the sample constituent would
    sign (what her signed copy's PDF prints), `paragraphs` as the form shows it, `sha256` the
    evidence its signature would carry."""

    language = fields.String(required=True)
    text = fields.String(required=True)
    paragraphs = fields.List(fields.String(), required=True)
    sha256 = fields.String(required=True)
    constituent_name = fields.String(required=True)
    agencies = fields.List(fields.String(), required=True)
