"""The federal agency directory as the rules see it, and the agency suggestion for a new case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from services.agencies.domain.consent import ReleaseRules
from services.contracts.vocabulary import CATEGORIES as contract_categories

# The intake categories a constituent chooses from (intake validates them on the way in).
CATEGORIES = contract_categories


def normalise_code(code: str | None) -> str | None:
    """Agency codes are upper case; staff and forms type them in any case, with stray spaces."""
    if code is None:
        return None
    cleaned = code.strip().upper()
    return cleaned or None


@dataclass(frozen=True)
class Agency:
    """A federal agency and the office that answers members of Congress on its behalf."""

    code: str
    name: str
    liaison_office: str
    website_url: str
    typical_response_days: int
    categories: tuple[str, ...] = ()
    # How the agency counts `typical_response_days` ("business" or "calendar"), how often it
    # sends an interim reply while it works, and the privacy releases it accepts.
    day_basis: str = "calendar"
    interim_every_days: int | None = None
    signature: str = "any"
    sole_recipient: bool = True
    valid_days: int | None = None
    new_release_after_closure: bool = False
    active: bool = True

    @property
    def response_days(self) -> int:
        return self.typical_response_days

    @property
    def release_rules(self) -> ReleaseRules:
        return ReleaseRules(
            signature=self.signature,
            sole_recipient=self.sole_recipient,
            valid_days=self.valid_days,
            new_release_after_closure=self.new_release_after_closure,
        )


class SuggestionBasis(Enum):
    HINT = "hint"
    CATEGORY = "category"
    NONE = "none"


@dataclass(frozen=True)
class Suggestion:
    """Which agency a case concerns and why; `agency` is None when the directory cannot tell."""

    agency: Agency | None
    basis: SuggestionBasis
    category: str

    @property
    def reason(self) -> str:
        if self.basis is SuggestionBasis.CATEGORY:
            return f"category:{self.category}"
        return self.basis.value


@dataclass(frozen=True)
class AgencyDirectory:
    """Every agency by code, and the one agency each intake category is routed to."""

    agencies: Mapping[str, Agency] = field(default_factory=dict)

    @classmethod
    def of(cls, agencies: Iterable[Agency]) -> AgencyDirectory:
        return cls({agency.code: agency for agency in agencies})

    def find(self, code: str | None) -> Agency | None:
        normalised = normalise_code(code)
        return self.agencies.get(normalised) if normalised else None

    def for_category(self, category: str) -> Agency | None:
        # The database keeps a category on one agency at most; sorting keeps this deterministic
        # for a directory built by hand.
        for code in sorted(self.agencies):
            if self.agencies[code].active and category in self.agencies[code].categories:
                return self.agencies[code]
        return None

    def suggest(self, category: str, agency_hint: str | None = None) -> Suggestion:
        """The constituent's own pick wins when it is a known agency; else the category's."""
        hinted = self.find(agency_hint)
        if hinted is not None and hinted.active:
            return Suggestion(hinted, SuggestionBasis.HINT, category)
        mapped = self.for_category(category)
        if mapped is not None:
            return Suggestion(mapped, SuggestionBasis.CATEGORY, category)
        return Suggestion(None, SuggestionBasis.NONE, category)
