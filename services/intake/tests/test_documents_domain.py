"""Documents sent from the status page, as plain Python: taken only while the case waits on
the constituent for documents, checked as a request's files are, announced without their
content; once sent, the status page no longer asks for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import DOCUMENTS_RECEIVED
from services.intake.domain.attachments import Upload
from services.intake.domain.documents import MESSAGE_LENGTH, AwaitedCase, DocumentsSent
from services.intake.domain.public_status import PublicUpdateView, outstanding_documents

NOW = datetime(2026, 11, 26, 16, 40, tzinfo=UTC)
ASKED = [PublicUpdateView("documents", NOW - timedelta(days=2), documents="DD-214\nLease")]
WAITING = AwaitedCase("case-1", "CW-2026-000042", "waiting_on_constituent")
PDF = Upload("dd214.pdf", b"%PDF-1.7\n%%EOF\n")


def send(**overrides: object) -> DocumentsSent:
    arguments: dict[str, object] = {
        "submission_id": "sub-1",
        "case": WAITING,
        "updates": ASKED,
        "uploads": (PDF,),
        "message": "  Both pages.  ",
        "now": NOW,
    }
    arguments.update(overrides)
    return DocumentsSent.send(**arguments)  # type: ignore[arg-type]


def test_the_files_are_announced_by_id_name_size_and_hash_with_the_message() -> None:
    sent = send()

    [event] = sent.pull_events()
    assert event.contract is DOCUMENTS_RECEIVED
    assert event.payload.case_id == "case-1" and event.payload.reference == "CW-2026-000042"
    assert event.payload.message == "Both pages."
    [attachment] = event.payload.attachments
    assert attachment.filename == "dd214.pdf" and attachment.content_type == "application/pdf"
    assert attachment.sha256 == sent.attachments[0].sha256
    assert sent.receipt == [("dd214.pdf", len(PDF.content))]
    assert sent.public_update.kind == "sent" and sent.public_update.requested == ["dd214.pdf"]


def test_an_empty_message_is_none() -> None:
    assert send(message="   ").message is None


@pytest.mark.parametrize(
    "case",
    [None, AwaitedCase("case-1", "CW-2026-000042", "open")],
    ids=["case not projected", "case not waiting"],
)
def test_nothing_is_taken_unless_the_case_waits_for_documents(case: AwaitedCase | None) -> None:
    with pytest.raises(Conflict):
        send(case=case)


def test_nothing_is_taken_once_the_documents_were_sent() -> None:
    earlier = send()
    with pytest.raises(Conflict):
        send(updates=[*ASKED, earlier.public_update])


def test_no_file_a_refused_file_or_a_long_message_names_its_field() -> None:
    with pytest.raises(ValidationFailed) as none:
        send(uploads=(Upload("", b""),))
    assert none.value.fields == {"attachments": ["choose at least one file"]}

    with pytest.raises(ValidationFailed) as wrong:
        send(uploads=(PDF, Upload("notes.txt", b"plain words")))
    assert wrong.value.fields == {"attachments": ["notes.txt: not a PDF, JPEG or PNG file"]}

    with pytest.raises(ValidationFailed) as long:
        send(message="x" * (MESSAGE_LENGTH + 1))
    assert set(long.value.fields) == {"message"}


def test_the_status_page_asks_again_after_a_newer_request() -> None:
    sent = send().public_update
    newer = PublicUpdateView("documents", NOW + timedelta(days=1), documents="Pay stub")

    assert outstanding_documents("waiting_on_constituent", [*ASKED, sent]) == []
    assert outstanding_documents("waiting_on_constituent", [*ASKED, sent, newer]) == ["Pay stub"]
