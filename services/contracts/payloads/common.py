"""What several services' payloads share: the pattern of an agency code (`SSA`, `USCIS`,
`VA-NY`), which intake's releases and agencies' letters both name."""

from __future__ import annotations

from marshmallow import validate

AGENCY_CODES = validate.Regexp(r"^[A-Z][A-Z0-9-]{1,19}$")
