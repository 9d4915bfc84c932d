"""Agencies' RPC entrypoints for letters: the case panel, preview and draft, approval,
sending, the PDF, replies, extensions, withdrawals, referrals and the scorecard."""

from __future__ import annotations

import base64
from typing import Any

from nameko.rpc import rpc

from services.agencies import liaison, referrals
from services.agencies.entrypoints import EXPECTED, OFFICE_ONLY, Entrypoints
from services.chassis.caller import Caller
from services.chassis.errors import ValidationFailed
from services.chassis.schemas import load_arguments
from services.contracts.rpc import agencies as contract

INQUIRY = contract.InquiryEntry()
INQUIRIES = contract.InquiryEntry(many=True)
PREVIEW = contract.LetterPreview()
CASE_LIAISON = contract.CaseLiaison()
SCORECARD = contract.ScorecardRow(many=True)
DOCUMENT = contract.LetterDocument()
REFERRAL = contract.ReferralEntry()

CASE_ID = contract.CaseLiaisonRequest()
LETTER = contract.LetterRequest()
INQUIRY_ID = contract.InquiryRequest()
SEND = contract.SendInquiryRequest()
LOG_REPLY = contract.LogReplyRequest()
EXTEND = contract.ExtendDeadlineRequest()
WITHDRAW = contract.WithdrawInquiryRequest()
REFER = contract.ReferCaseRequest()
REFERRAL_ID = contract.ReferralRequest()


def document_answer(document: liaison.Document) -> dict[str, Any]:
    """A PDF across RPC: its name, type and bytes in base64."""
    return dict(
        DOCUMENT.dump(
            {
                "filename": document.filename,
                "content_type": document.content_type,
                "content_base64": base64.b64encode(document.content).decode("ascii"),
            }
        )
    )


def letter_request(arguments: dict[str, Any], caller: Caller) -> liaison.LetterRequest:
    return liaison.LetterRequest(
        case_id=arguments["case_id"],
        agency_code=arguments["agency_code"],
        contact_id=arguments["contact_id"],
        template_id=arguments["template_id"],
        extra_text=arguments["extra_text"],
        writer_name=caller.name,
    )


class LetterEntrypoints(Entrypoints):
    # -- letters ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def case_liaison(self, office_id: str, case_id: str) -> dict[str, Any]:
        arguments = load_arguments(CASE_ID, {"office_id": office_id, "case_id": case_id})
        office, actor = self._acting(arguments)
        found = liaison.case_liaison(self.db, self._remote, office, actor, arguments["case_id"])
        return dict(CASE_LIAISON.dump(found))

    @rpc(expected_exceptions=EXPECTED)
    def preview_letter(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(LETTER, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        preview = liaison.preview_letter(
            self.db, self._remote, office, actor, letter_request(arguments, self._caller)
        )
        return dict(
            PREVIEW.dump(
                {
                    "subject": preview.subject,
                    "body": preview.body,
                    "pdf_base64": base64.b64encode(preview.pdf).decode("ascii"),
                    "consent": preview.consent,
                    "redactions": list(preview.redactions),
                }
            )
        )

    @rpc(expected_exceptions=EXPECTED)
    def draft_inquiry(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(LETTER, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        view = liaison.draft_inquiry(
            self.db, self._remote, office, actor, letter_request(arguments, self._caller)
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def approval_queue(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(INQUIRIES.dump(liaison.approval_queue(self.db, office, actor)))

    @rpc(expected_exceptions=EXPECTED)
    def approve_inquiry(self, office_id: str, inquiry_id: str) -> dict[str, Any]:
        arguments = load_arguments(INQUIRY_ID, {"office_id": office_id, "inquiry_id": inquiry_id})
        office, actor = self._acting(arguments)
        return dict(
            INQUIRY.dump(liaison.approve_inquiry(self.db, office, actor, arguments["inquiry_id"]))
        )

    @rpc(expected_exceptions=EXPECTED)
    def send_inquiry(self, office_id: str, inquiry_id: str, channel: str) -> dict[str, Any]:
        arguments = load_arguments(
            SEND, {"office_id": office_id, "inquiry_id": inquiry_id, "channel": channel}
        )
        office, actor = self._acting(arguments)
        view = liaison.send_inquiry(
            self.db,
            self._remote,
            self.mailer,
            office,
            actor,
            arguments["inquiry_id"],
            arguments["channel"],
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def letter_pdf(self, office_id: str, inquiry_id: str) -> dict[str, Any]:
        arguments = load_arguments(INQUIRY_ID, {"office_id": office_id, "inquiry_id": inquiry_id})
        office, actor = self._acting(arguments)
        return document_answer(
            liaison.letter_pdf(self.db, self._remote, office, actor, arguments["inquiry_id"])
        )

    @rpc(expected_exceptions=EXPECTED)
    def log_reply(
        self,
        office_id: str,
        inquiry_id: str,
        kind: str,
        text: str,
        received_on: str,
        attachment: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        arguments = load_arguments(
            LOG_REPLY,
            {
                "office_id": office_id,
                "inquiry_id": inquiry_id,
                "kind": kind,
                "text": text,
                "received_on": received_on,
                "attachment": attachment,
            },
        )
        office, actor = self._acting(arguments)
        view = liaison.log_reply(
            self.db,
            office,
            actor,
            arguments["inquiry_id"],
            kind=arguments["kind"],
            text=arguments["text"],
            received_on=arguments["received_on"],
            attachment=decode_attachment(arguments["attachment"]),
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def extend_deadline(
        self, office_id: str, inquiry_id: str, days: int, reason: str
    ) -> dict[str, Any]:
        arguments = load_arguments(
            EXTEND,
            {"office_id": office_id, "inquiry_id": inquiry_id, "days": days, "reason": reason},
        )
        office, actor = self._acting(arguments)
        view = liaison.extend_deadline(
            self.db,
            office,
            actor,
            arguments["inquiry_id"],
            days=arguments["days"],
            reason=arguments["reason"],
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_inquiry(self, office_id: str, inquiry_id: str, reason: str) -> dict[str, Any]:
        arguments = load_arguments(
            WITHDRAW, {"office_id": office_id, "inquiry_id": inquiry_id, "reason": reason}
        )
        office, actor = self._acting(arguments)
        view = liaison.withdraw_inquiry(
            self.db, office, actor, arguments["inquiry_id"], reason=arguments["reason"]
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def refer_case(
        self,
        office_id: str,
        case_id: str,
        partner_id: str,
        note: str = "",
        with_letter: bool = False,
    ) -> dict[str, Any]:
        arguments = load_arguments(
            REFER,
            {
                "office_id": office_id,
                "case_id": case_id,
                "partner_id": partner_id,
                "note": note,
                "with_letter": with_letter,
            },
        )
        office, actor = self._acting(arguments)
        referral = referrals.refer_case(
            self.db,
            self._remote,
            office,
            actor,
            case_id=arguments["case_id"],
            partner_id=arguments["partner_id"],
            note=arguments["note"],
            with_letter=arguments["with_letter"],
            writer_name=self._caller.name,
        )
        return dict(REFERRAL.dump(referral))

    @rpc(expected_exceptions=EXPECTED)
    def referral_letter(self, office_id: str, referral_id: str) -> dict[str, Any]:
        arguments = load_arguments(
            REFERRAL_ID, {"office_id": office_id, "referral_id": referral_id}
        )
        office, actor = self._acting(arguments)
        return document_answer(
            referrals.referral_letter(self.db, office, actor, arguments["referral_id"])
        )

    @rpc(expected_exceptions=EXPECTED)
    def scorecard(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(SCORECARD.dump(liaison.office_scorecard(self.db, office, actor)))


def decode_attachment(attachment: dict[str, Any] | None) -> liaison.Document | None:
    if attachment is None:
        return None
    try:
        content = base64.b64decode(attachment["content_base64"], validate=True)
    except ValueError:
        raise ValidationFailed(
            "the attachment is not base64", {"attachment": ["not base64"]}
        ) from None
    return liaison.Document(attachment["filename"], attachment["content_type"], content)
