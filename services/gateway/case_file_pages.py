"""The case page's privacy releases and the constituent's files: a release's signed copy,
its identifiers revealed (shown once, on the answer to their form, never redirected to or
kept in a cache), its revocation by staff, a wet-signed release filed from a scan, and the
files the constituent sent. A refused action shows the case page again with the reason."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.chassis.errors import Forbidden, ValidationFailed
from services.gateway import handlers, releases
from services.gateway.access import Visit, staff_page
from services.gateway.case_pages import CASE, FORMS, RELEASE, _form, _office_today
from services.gateway.domain.releases import signed_on_problem
from services.gateway.web import download, render


class CaseFilePages:
    """Mixed into `GatewayService` beside `CasePages`, whose case page shows what these
    answer with when they are refused (`_act`, `_or_case_page`)."""

    db: Any
    cases: Any
    intake: Any
    _act: Callable[..., Response]
    _or_case_page: Callable[..., Response]

    @staff_page("GET", RELEASE + "/signed-copy")
    def release_signed_copy(
        self, request: Request, visit: Visit, office_id: str, reference: str, release_id: str
    ) -> Response:
        def fetch() -> Response:
            office = handlers.find_office(self.db, office_id)
            document = releases.signed_copy(self.cases, self.intake, office, reference, release_id)
            return download(document["content"], document["content_type"], document["filename"])

        return self._or_case_page(visit, office_id, reference, fetch)

    @staff_page("POST", RELEASE + "/identifiers")
    def reveal_identifiers(
        self, request: Request, visit: Visit, office_id: str, reference: str, release_id: str
    ) -> Response:
        def reveal() -> Response:
            if not visit.principal.can_write:
                raise Forbidden("An intern may not see a constituent's identifiers.")
            office = handlers.find_office(self.db, office_id)
            shown = releases.reveal_identifiers(
                self.cases, self.intake, office, reference, release_id
            )
            # The answer to the form itself: a reload asks before posting again, and the
            # page is never cached (render says no-store).
            return render(
                "release_identifiers.html",
                visit=visit,
                nav="",
                office=office,
                reference=reference.upper(),
                identifiers=shown,
                path=f"/offices/{office_id}/cases/{quote(reference.upper())}",
            )

        return self._or_case_page(visit, office_id, reference, reveal)

    @staff_page("POST", RELEASE + "/revoke", writer=True)
    def revoke_release(
        self, request: Request, visit: Visit, office_id: str, reference: str, release_id: str
    ) -> Response:
        def act() -> str:
            reason = FORMS.revoke_release.load(_form(request))["reason"]
            office = handlers.find_office(self.db, office_id)
            releases.revoke(self.cases, self.intake, office, reference, release_id, reason)
            return "release_revoked"

        return self._act(visit, office_id, reference, act, anchor="releases-heading")

    @staff_page("POST", CASE + "/releases", writer=True, max_body=releases.MAX_UPLOAD_BYTES)
    def file_wet_signed_release(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        def act() -> str:
            office = handlers.find_office(self.db, office_id)
            form = FORMS.wet_signed_release.load(_form(request))
            problem = signed_on_problem(form["signed_on"], _office_today(office))
            if problem is not None:
                raise ValidationFailed("The release cannot be filed", {"signed_on": [problem]})
            upload = request.files.get("scan")
            scan = releases.scan_document(
                upload.filename if upload else None, upload.stream if upload else io.BytesIO()
            )
            releases.file_wet_signed(self.cases, self.intake, office, reference, scan=scan, **form)
            return "release_filed"

        return self._act(visit, office_id, reference, act, anchor="releases-heading")

    @staff_page("GET", CASE + "/attachments/<string:attachment_id>")
    def attachment(
        self, request: Request, visit: Visit, office_id: str, reference: str, attachment_id: str
    ) -> Response:
        def fetch() -> Response:
            document = releases.attachment(
                self.cases, self.intake, office_id, reference, attachment_id
            )
            return download(document["content"], document["content_type"], document["filename"])

        return self._or_case_page(visit, office_id, reference, fetch)
