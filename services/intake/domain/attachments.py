"""Files a constituent sends with a request: which they may send (PDF, JPEG, PNG, told apart by
their first bytes, never by their name), how many and how large, and the SHA-256 that lets
staff and agencies check a copy is the one received."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.chassis.errors import ValidationFailed
from services.contracts.payloads import Attachment as AttachmentPayload

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
FILENAME_KEPT = 200

# The signatures that open each accepted type (a PDF's may follow a few bytes of junk, as
# readers allow; JPEG is any SOI + marker; PNG its eight-byte signature).
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Upload:
    """A file as the constituent sent it: their name for it and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class StoredAttachment:
    """An accepted file: its type (from its content), size and SHA-256."""

    id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    content: bytes

    @property
    def payload(self) -> AttachmentPayload:
        """What the submission's event says of it (never its content)."""
        return AttachmentPayload(
            attachment_id=self.id,
            filename=self.filename,
            content_type=self.content_type,
            size_bytes=self.size_bytes,
            sha256=self.sha256,
        )


def sniff_content_type(content: bytes) -> str | None:
    """PDF, JPEG or PNG by the file's first bytes; None for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"%PDF-" in content[:1024]:
        return "application/pdf"
    return None


def safe_filename(name: str, content_type: str) -> str:
    """The constituent's file name without paths or control characters, kept short, with the
    extension of what the file really is (a `.pdf` that is a PNG is named `.png`)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: FILENAME_KEPT - 5] or "attachment"
    return f"{stem}.{EXTENSIONS[content_type]}"


def accept_uploads(uploads: Sequence[Upload]) -> tuple[StoredAttachment, ...]:
    """The uploads as stored attachments, or `ValidationFailed` on the field `attachments`
    naming every file refused and why (nothing of a refused request is stored)."""
    files = [upload for upload in uploads if upload.content or upload.filename]
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            f"send at most {MAX_FILES} files",
            fields={"attachments": [f"send at most {MAX_FILES} files"]},
        )
    problems: list[str] = []
    accepted: list[StoredAttachment] = []
    for upload in files:
        label = (upload.filename or "a file")[:80]
        if not upload.content:
            problems.append(f"{label}: the file is empty")
            continue
        if len(upload.content) > MAX_BYTES:
            problems.append(f"{label}: larger than {MAX_BYTES // (1024 * 1024)} MB")
            continue
        content_type = sniff_content_type(upload.content)
        if content_type is None:
            problems.append(f"{label}: not a PDF, JPEG or PNG file")
            continue
        accepted.append(
            StoredAttachment(
                id=str(uuid.uuid4()),
                filename=safe_filename(upload.filename, content_type),
                content_type=content_type,
                size_bytes=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
            )
        )
    if problems:
        raise ValidationFailed("some files cannot be accepted", fields={"attachments": problems})
    return tuple(accepted)
