"""Documents a constituent sends from the status page because the office asked for them: the
files are checked as a request's attachments are (attachments.py: PDF, JPEG or PNG by their
content, at most five of 10 MB), kept by intake with their SHA-256, and announced to cases
(`intake.documents_received`) by id, name, type, size and hash, never their content.

They are taken only while the case waits on the constituent for documents, as intake's
projection of cases' events knows it: the page offers the form then, and a post that arrives
after the office moved on is refused rather than filed against a request nobody awaits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import DOCUMENTS_RECEIVED, DocumentsReceived
from services.intake.domain.attachments import StoredAttachment, Upload, accept_uploads
from services.intake.domain.public_status import PublicUpdateView, outstanding_documents

# What the constituent may write to the office with their files (as a public update may be).
MESSAGE_LENGTH = 2000
NOT_AWAITED = "the office is not waiting for documents on this request"
NO_FILES = "choose at least one file"


@dataclass(frozen=True)
class AwaitedCase:
    """The case a request became, as intake's projection knows it."""

    case_id: str
    reference: str
    status: str


@dataclass
class DocumentsSent(Aggregate):
    """One sending of documents for a request's case: the files accepted, the message."""

    id: str
    submission_id: str
    case_id: str
    attachments: tuple[StoredAttachment, ...]
    message: str | None
    sent_at: datetime

    @classmethod
    def send(
        cls,
        *,
        submission_id: str,
        case: AwaitedCase | None,
        updates: list[PublicUpdateView],
        uploads: tuple[Upload, ...],
        message: str | None,
        now: datetime,
    ) -> DocumentsSent:
        """The files as stored attachments, announced to cases; `Conflict` when the case does
        not wait on the constituent for documents, `ValidationFailed` naming `attachments`
        (no file, or files refused as a request's are) or `message` (too long)."""
        if case is None or not outstanding_documents(case.status, updates):
            raise Conflict(NOT_AWAITED)
        if not any(upload.filename or upload.content for upload in uploads):
            raise ValidationFailed(NO_FILES, fields={"attachments": [NO_FILES]})
        text = (message or "").strip() or None
        if text is not None and len(text) > MESSAGE_LENGTH:
            problem = f"at most {MESSAGE_LENGTH} characters"
            raise ValidationFailed(problem, fields={"message": [problem]})
        attachments = accept_uploads(uploads)
        sent = cls(
            id=str(uuid.uuid4()),
            submission_id=submission_id,
            case_id=case.case_id,
            attachments=attachments,
            message=text,
            sent_at=now,
        )
        sent.record(
            DOCUMENTS_RECEIVED,
            DocumentsReceived(
                submission_id=submission_id,
                case_id=case.case_id,
                reference=case.reference,
                attachments=tuple(item.payload for item in attachments),
                message=text,
                received_at=now,
            ),
        )
        return sent

    @property
    def public_update(self) -> PublicUpdateView:
        """What the constituent's own timeline shows: the files they sent, one a line."""
        return PublicUpdateView(
            "sent",
            self.sent_at,
            documents="\n".join(item.filename for item in self.attachments),
        )

    @property
    def receipt(self) -> list[tuple[str, int]]:
        """The files received, with their sizes in bytes, for the confirmation."""
        return [(item.filename, item.size_bytes) for item in self.attachments]
