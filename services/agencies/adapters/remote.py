"""What a letter needs from cases and intake, asked by RPC within a deadline as the acting
staff member (nameko sends the worker's context, so cases and intake check the role again)."""

from __future__ import annotations

import base64
from typing import Any

from services.chassis.remote import RemoteService
from services.contracts.rpc.cases import CaseFile
from services.contracts.rpc.intake import Document, LetterParticulars

CASE_FILE = CaseFile()
DOCUMENT = Document()


PARTICULARS = LetterParticulars()


class RemoteParticulars:
    """`CaseParticulars` over RPC to cases and intake."""

    def __init__(self, cases: RemoteService, intake: RemoteService) -> None:
        self._cases = cases
        self._intake = intake

    def case(self, office_id: str, case_id: str) -> dict[str, Any]:
        return dict(self._cases.call("get_case", CASE_FILE, office_id=office_id, case_id=case_id))

    def particulars(
        self, office_id: str, submission_id: str, release_id: str | None
    ) -> dict[str, Any]:
        return dict(
            self._intake.call(
                "letter_particulars",
                PARTICULARS,
                office_id=office_id,
                submission_id=submission_id,
                release_id=release_id,
            )
        )

    def release_document(self, office_id: str, release_id: str) -> tuple[str, str, bytes]:
        document = self._intake.call(
            "release_pdf", DOCUMENT, office_id=office_id, release_id=release_id
        )
        return (
            document["filename"],
            document["content_type"],
            base64.b64decode(document["content_base64"]),
        )
