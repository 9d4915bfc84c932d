"""Intake's repositories without a database, for handler tests that run in milliseconds.

Rows live in `FakeDatabase.rows` (one dict per table); what a unit of work writes is staged
and applied on commit, so a unit of work that fails leaves nothing behind, as a real one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.chassis.errors import ChangedElsewhere
from services.chassis.fakes import FakeDatabase, FakeUnitOfWork
from services.intake.adapters import ReleaseSecrets
from services.intake.domain.attachments import StoredAttachment
from services.intake.domain.constituents import Constituent
from services.intake.domain.documents import DocumentsSent
from services.intake.domain.public_status import (
    PublicUpdateView,
    RequestOwner,
    StatusCode,
    SubmissionOwner,
)
from services.intake.domain.release_texts import ReleaseTextVersion
from services.intake.domain.releases import Release
from services.intake.domain.submissions import EarlierSubmission, PortalOffice, Submission
from services.intake.domain.surveys import Survey
from services.intake.domain.unsubscribe import ContactPreferences, UnsubscribeLink
from services.intake.tests.fake_text_replies import FakeTextReplies


class FakeIntakeUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self._staged: list[Callable[[], None]] = []
        self.offices = FakeOffices(self)
        self.constituents = FakeConstituents(self)
        self.submissions = FakeSubmissions(self)
        self.attachments = FakeAttachments(self)
        self.portal = FakePortal(self)
        self.releases = FakeReleases(self)
        self.status = FakeStatus(self)
        self.surveys = FakeSurveys(self)
        self.unsubscribe = FakeUnsubscribe(self)
        self.text_replies = FakeTextReplies(self)

    def table(self, name: str) -> dict[Any, Any]:
        return self.database.rows.setdefault(name, {})  # type: ignore[no-any-return]

    def stage(self, write: Callable[[], None]) -> None:
        self._staged.append(write)

    def commit(self) -> None:
        staged, self._staged = self._staged, []
        for write in staged:
            write()
        super().commit()

    def rollback(self) -> None:
        self._staged = []
        super().rollback()


def intake_database() -> FakeDatabase[FakeIntakeUnitOfWork]:
    return FakeDatabase(FakeIntakeUnitOfWork, service="intake")


class FakeOffices:
    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def accepts_work(self) -> bool:
        return self._uow.office_id in self._uow.table("offices")

    def record(self, name: str, registered_at: datetime) -> None:
        offices = self._uow.table("offices")
        office_id = self._uow.office_id
        first = offices.get(office_id, {}).get("registered_at", registered_at)
        self._uow.stage(
            lambda: offices.__setitem__(office_id, {"name": name, "registered_at": first})
        )


class FakeConstituents:
    """Keyed by (office, id); a lookup sees the unit of work's office only."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def _find(self, matches: Callable[[Constituent], bool]) -> Constituent | None:
        for (office_id, _), stored in self._uow.table("constituents").items():
            if office_id == self._uow.office_id and matches(stored):
                return self._uow.track(copy.deepcopy(stored))
        return None

    def with_email(self, email_normalised: str) -> Constituent | None:
        return self._find(lambda stored: stored.email_normalised == email_normalised)

    def with_phone(self, phone_normalised: str) -> Constituent | None:
        return self._find(lambda stored: stored.phone_normalised == phone_normalised)

    def save(self, constituent: Constituent) -> None:
        self._uow.track(constituent)
        rows = self._uow.table("constituents")
        key = (self._uow.office_id, constituent.id)
        kept = copy.deepcopy(constituent)
        self._uow.stage(lambda: rows.__setitem__(key, kept))


class FakeSubmissions:
    """Keyed by (office, id); the Idempotency-Key is unique within an office."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def with_idempotency_key(self, key: str) -> EarlierSubmission | None:
        for (office_id, _), stored in self._uow.table("submissions").items():
            idempotency = stored.idempotency
            if office_id == self._uow.office_id and idempotency and idempotency.key == key:
                return EarlierSubmission(stored.receipt, idempotency.fingerprint)
        return None

    def add(self, submission: Submission) -> None:
        if submission.idempotency and self.with_idempotency_key(submission.idempotency.key):
            # As the table's unique constraint on (office_id, idempotency_key) refuses it.
            raise IntegrityError("INSERT INTO submissions", None, Exception("idempotency_key"))
        self._uow.track(submission)
        rows = self._uow.table("submissions")
        key = (self._uow.office_id, submission.id)
        self._uow.stage(lambda: rows.__setitem__(key, submission))


class FakeAttachments:
    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def add_all(
        self, submission_id: str, attachments: Sequence[StoredAttachment], received_at: datetime
    ) -> None:
        rows = self._uow.table("attachments")
        office_id = self._uow.office_id

        def store() -> None:
            for item in attachments:
                rows[(office_id, item.id)] = item

        self._uow.stage(store)

    def add_sent(self, sent: DocumentsSent) -> None:
        self.add_all(sent.submission_id, sent.attachments, sent.sent_at)
        self._uow.track(sent)

    def get(self, attachment_id: str) -> StoredAttachment | None:
        return self._uow.table("attachments").get((self._uow.office_id, attachment_id))


class FakePortal:
    """The office as the offices table has it; no wording of its own; its wrapped key."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def office_id(self) -> str:
        return self._uow.office_id

    def portal(self) -> PortalOffice | None:
        office = self._uow.table("offices").get(self._uow.office_id)
        if office is None:
            return None
        return PortalOffice(self._uow.office_id, office["name"], office.get("valid_days", 365))

    def own_release_text(self, language: str) -> tuple[str, str] | None:
        versions = self._uow.table("release_texts").get((self._uow.office_id, language), [])
        return (versions[-1].version, versions[-1].text) if versions else None

    def release_text_history(self) -> list[ReleaseTextVersion]:
        texts = self._uow.table("release_texts")
        return [
            version
            for language in ("en", "es")
            for version in reversed(texts.get((self._uow.office_id, language), []))
        ]

    def add_release_text(self, text: ReleaseTextVersion) -> None:
        key = (self._uow.office_id, text.language)
        self._uow.stage(lambda: self._uow.table("release_texts").setdefault(key, []).append(text))

    def wrapped_key(self) -> tuple[bytes, str] | None:
        return self._uow.table("office_keys").get(self._uow.office_id)

    def add_wrapped_key(self, wrapped: bytes, master_key_id: str, created_at: Any) -> bool:
        keys = self._uow.table("office_keys")
        if self._uow.office_id in keys:
            return False
        keys[self._uow.office_id] = (wrapped, master_key_id)  # as a committed racer's would be
        return True


class FakeReleases:
    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def add(
        self,
        release: Release,
        *,
        sealed_identifiers: bytes | None = None,
        signed_text: str | None = None,
        scan: StoredAttachment | None = None,
    ) -> None:
        self._uow.track(release)
        rows = self._uow.table("releases")
        key = (self._uow.office_id, release.id)
        secrets = ReleaseSecrets(
            sealed_identifiers=sealed_identifiers,
            signed_text=signed_text,
            scan=scan.content if scan else None,
            scan_content_type=scan.content_type if scan else None,
            scan_filename=scan.filename if scan else None,
        )
        self._uow.stage(lambda: rows.__setitem__(key, (copy.deepcopy(release), secrets)))

    def get(self, release_id: str) -> Release | None:
        stored = self._uow.table("releases").get((self._uow.office_id, release_id))
        return self._uow.track(copy.deepcopy(stored[0])) if stored else None

    def of_submission(self, submission_id: str) -> list[Release]:
        found = [
            self._uow.track(copy.deepcopy(release))
            for (office_id, _), (release, _) in self._uow.table("releases").items()
            if office_id == self._uow.office_id and release.submission_id == submission_id
        ]
        return sorted(found, key=lambda release: release.signed_at, reverse=True)

    def secrets(self, release_id: str) -> ReleaseSecrets | None:
        stored = self._uow.table("releases").get((self._uow.office_id, release_id))
        return stored[1] if stored else None

    def save_revocation(self, release: Release) -> None:
        rows = self._uow.table("releases")
        key = (self._uow.office_id, release.id)
        kept = copy.deepcopy(release)
        self._uow.stage(lambda: rows.__setitem__(key, (kept, rows[key][1])))


class FakeStatus:
    """The status projection and codes; owners are read from the staged submissions."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def _owners(self) -> list[SubmissionOwner]:
        constituents = self._uow.table("constituents")
        owners = []
        for (office_id, _), submission in self._uow.table("submissions").items():
            if office_id != self._uow.office_id:
                continue
            person = constituents[(office_id, submission.constituent_id)]
            address = dict(person.address or {})
            owners.append(
                SubmissionOwner(
                    owner=RequestOwner(
                        submission_id=submission.id,
                        tracking_code=submission.tracking_code,
                        email=person.email,
                        last_name=person.last_name,
                        postal_code=address.get("postal_code"),
                        language=person.preferred_language,
                    ),
                    constituent_id=person.id,
                    display_name=f"{person.first_name} {person.last_name}",
                    subject=submission.request.subject,
                    category=submission.request.category,
                    received_at=submission.received_at,
                    address=address,
                    phone=person.phone,
                    description=submission.request.description,
                )
            )
        return owners

    def owner_by_tracking_code(self, tracking_code: str) -> SubmissionOwner | None:
        return next((o for o in self._owners() if o.owner.tracking_code == tracking_code), None)

    def owner(self, submission_id: str) -> SubmissionOwner | None:
        return next((o for o in self._owners() if o.owner.submission_id == submission_id), None)

    def case_of(self, submission_id: str) -> Any:
        return self._uow.table("public_cases").get((self._uow.office_id, submission_id))

    def updates(self, submission_id: str) -> list[PublicUpdateView]:
        rows = self._uow.table("public_updates")
        return sorted(
            (
                update
                for (office_id, _), (of, update) in rows.items()
                if office_id == self._uow.office_id and of == submission_id
            ),
            key=lambda update: update.occurred_at,
        )

    def case_opened(
        self, *, submission_id: str, case_id: str, reference: str, status: str, at: datetime
    ) -> None:
        rows = self._uow.table("public_cases")
        key = (self._uow.office_id, submission_id)
        row = SimpleNamespace(
            case_id=case_id, reference=reference, status=status, result=None, updated_at=at
        )
        self._uow.stage(lambda: rows.setdefault(key, row))

    def submission_of_case(self, case_id: str) -> str | None:
        for (office_id, submission_id), row in self._uow.table("public_cases").items():
            if office_id == self._uow.office_id and row.case_id == case_id:
                return submission_id  # type: ignore[no-any-return]
        return None

    def case_changed(
        self, case_id: str, *, status: str, at: datetime, result: str | None = None
    ) -> None:
        for (office_id, _), row in self._uow.table("public_cases").items():
            if office_id == self._uow.office_id and row.case_id == case_id:

                def change(row: Any = row) -> None:
                    row.status, row.updated_at = status, at
                    if result is not None:
                        row.result = result

                self._uow.stage(change)

    def add_update(self, update_id: str, submission_id: str, update: PublicUpdateView) -> None:
        rows = self._uow.table("public_updates")
        key = (self._uow.office_id, update_id)
        self._uow.stage(lambda: rows.setdefault(key, (submission_id, update)))

    def live_codes(self, submission_id: str, now: datetime) -> list[StatusCode]:
        return [
            copy.deepcopy(code)
            for (office_id, _), code in self._uow.table("status_codes").items()
            if office_id == self._uow.office_id
            and code.submission_id == submission_id
            and code.expires_at > now
        ]

    def add_code(self, code: StatusCode) -> None:
        self._uow.track(code)
        self.save_code(code)

    def save_code(self, code: StatusCode) -> None:
        rows = self._uow.table("status_codes")
        key = (self._uow.office_id, code.id)
        kept = copy.deepcopy(code)
        self._uow.stage(lambda: rows.__setitem__(key, kept))


class FakeSurveys:
    """Surveys by (office, survey id); the constituent's language through the status
    projection, as the real query joins it."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def offer(self, survey: Survey) -> None:
        rows = self._uow.table("surveys")
        key = (self._uow.office_id, survey.survey_id)
        kept = copy.deepcopy(survey)
        self._uow.stage(lambda: rows.setdefault(key, kept))

    def by_digest(self, token_sha256: str) -> Survey | None:
        for (office_id, _), survey in self._uow.table("surveys").items():
            if office_id == self._uow.office_id and survey.token_sha256 == token_sha256:
                return self._uow.track(copy.deepcopy(survey))
        return None

    def save_rating(self, survey: Survey) -> None:
        rows = self._uow.table("surveys")
        key = (self._uow.office_id, survey.survey_id)
        kept = copy.deepcopy(survey)
        kept.pull_events()
        self._uow.stage(lambda: rows.__setitem__(key, kept))

    def language_of_case(self, case_id: str) -> str | None:
        submission_id = self._uow.status.submission_of_case(case_id)
        found = self._uow.status.owner(submission_id) if submission_id else None
        return found.owner.language if found is not None else None


class FakeUnsubscribe:
    """Links by (office, constituent id); a constituent's opt-out by (office, constituent id)
    beside the constituents the fake keeps (whose language it reads)."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def offer(self, link: UnsubscribeLink) -> None:
        rows = self._uow.table("unsubscribe_links")
        key = (self._uow.office_id, link.constituent_id)
        kept = rows.get(key)
        if kept is None or kept.offered_at < link.offered_at:
            self._uow.stage(lambda: rows.__setitem__(key, link))

    def by_digest(self, token_sha256: str) -> UnsubscribeLink | None:
        for (office_id, _), link in self._uow.table("unsubscribe_links").items():
            if office_id == self._uow.office_id and link.token_sha256 == token_sha256:
                return link  # type: ignore[no-any-return]
        return None

    def preferences(self, constituent_id: str) -> ContactPreferences | None:
        key = (self._uow.office_id, constituent_id)
        person = self._uow.table("constituents").get(key)
        if person is None:
            return None
        since = self._uow.table("email_opt_outs").get(key)
        return self._uow.track(ContactPreferences(constituent_id, person.preferred_language, since))

    def save_preferences(self, preferences: ContactPreferences) -> None:
        rows = self._uow.table("email_opt_outs")
        key = (self._uow.office_id, preferences.constituent_id)
        if (rows.get(key) is None) != (preferences.email_opted_out_at is not None):
            raise ChangedElsewhere("the constituent's preferences moved elsewhere")
        since = preferences.email_opted_out_at
        self._uow.stage(lambda: rows.__setitem__(key, since))
