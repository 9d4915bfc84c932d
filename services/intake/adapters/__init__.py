"""All of intake's SQL, by what it serves: taking a request in (submissions.py), the privacy
release and what it rests on (releases.py), what the constituent reads and answers later
(status.py), their contact preferences (preferences.py), and the opt-outs replied to the
platform's texts (text_replies.py).

Every query is scoped by `uow.office_id` here, never by an office id a caller passes, and every
statement is built once, at import.
"""

from services.intake.adapters.preferences import UnsubscribeRepository
from services.intake.adapters.releases import (
    AttachmentRepository,
    OfficePortalRepository,
    ReleaseRepository,
    ReleaseSecrets,
    release_from_row,
)
from services.intake.adapters.status import PublicStatusRepository, SurveyRepository
from services.intake.adapters.submissions import (
    CONSTITUENTS,
    ConstituentRepository,
    OfficeRepository,
    SubmissionRepository,
)
from services.intake.adapters.text_replies import TextReplyRepository

__all__ = [
    "CONSTITUENTS",
    "AttachmentRepository",
    "ConstituentRepository",
    "OfficePortalRepository",
    "OfficeRepository",
    "PublicStatusRepository",
    "ReleaseRepository",
    "ReleaseSecrets",
    "SubmissionRepository",
    "SurveyRepository",
    "TextReplyRepository",
    "UnsubscribeRepository",
    "release_from_row",
]
