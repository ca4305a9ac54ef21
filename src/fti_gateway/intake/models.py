"""Typed request models for FORMATS §1 (manifest) and §2 (subject rows).

Field names are the external contract: extend with optional fields, never rename. The
models accept what a requester may plausibly send and leave *legal* judgement (is the
signer eligible? is the statute criminal?) to the law stage; they only reject what
cannot be read at all.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from fti_gateway.core import identifiers
from fti_gateway.core.formats import REQUIRED_SUBJECT_COLUMNS, SUBJECT_COLUMNS
from fti_gateway.intake.text import foreign_digits

REQUEST_FORMAT = "fti/request/v1"

__all__ = ["REQUEST_FORMAT", "REQUIRED_SUBJECT_COLUMNS", "SUBJECT_COLUMNS"]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # not \d: that accepts ９ and ٩


def _iso_date_text(value: object) -> object:
    """Dates arrive as text YYYY-MM-DD (or as ``date`` objects from code), nothing else.

    pydantic alone would read "1717459200" as a Unix timestamp (2024-06-04) and accept
    "2025-06-04T00:00:00": a date in a request must be written as a date.
    """
    if isinstance(value, date) or value is None:
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    foreign = foreign_digits(value) if isinstance(value, str) else None
    if foreign:
        raise PydanticCustomError(
            "digits_form",
            "'{value}' must use the digits 0-9; found {foreign}",
            {"value": str(value)[:60], "foreign": foreign},
        )
    raise PydanticCustomError(
        "date_form", "'{value}' is not a date written YYYY-MM-DD", {"value": str(value)[:60]}
    )


# A calendar date written YYYY-MM-DD (FORMATS §1–2).
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


def _identifier(kind: str) -> AfterValidator:
    """These fields go into the permanent log: refuse here, with the line, what the ledger
    would refuse later (core.identifiers), before anything is stored."""

    def check(value: str) -> str:
        why = identifiers.problem(kind, value)
        if why is not None:
            raise PydanticCustomError("identifier_form", "{why}", {"why": why})
        return value

    return AfterValidator(check)


Agency = Annotated[str, Field(min_length=1), _identifier("agency")]
RequestId = Annotated[str, Field(min_length=1), _identifier("request_id")]
Citation = Annotated[str, Field(min_length=1), _identifier("citation")]
Position = Annotated[str, Field(min_length=1), _identifier("position")]


class PurposeKind(StrEnum):
    CRIMINAL_INVESTIGATION = "criminal-investigation"
    CRIMINAL_PROCEEDING = "criminal-proceeding"
    GRAND_JURY = "grand-jury"
    CIVIL_ENFORCEMENT = "civil-enforcement"
    TAX_ADMINISTRATION = "tax-administration"
    CHILD_SUPPORT = "child-support"
    BENEFIT_ELIGIBILITY = "benefit-eligibility"
    FEDERAL_CLAIM = "federal-claim"
    EMERGENCY_DANGER = "emergency-danger"
    EMERGENCY_FLIGHT = "emergency-flight"
    TERRORISM = "terrorism"
    OTHER = "other"


class _Model(BaseModel):
    # Unknown fields are kept (forward-compatible extensions), never silently dropped.
    model_config = ConfigDict(extra="allow", frozen=False)


class Requester(_Model):
    agency: Agency
    position: Position
    official: str | None = None
    title: str | None = None
    in_writing: bool = False
    signed: bool = False


class Purpose(_Model):
    kind: PurposeKind
    # Spelled as the requester writes them; the law reads the spellings, the ledger
    # keeps an odd one as a keyed digest (entries.given).
    statutes: list[str] = Field(default_factory=list, max_length=50)
    reason: str | None = None


CourtFinding = Literal["specific-crime", "relevance", "exclusive-use", "no-other-source"]


class CourtOrder(_Model):
    court: str | None = None
    judge: str | None = None
    docket: str | None = None
    issued: IsoDate | None = None
    expires: IsoDate | None = None
    findings: list[str] = Field(default_factory=list)
    ex_parte: bool | None = None
    arrest_warrant: bool | None = None  # (i)(5): a federal felony arrest warrant exists


class Consent(_Model):
    taxpayer_tin: str | None = None
    designee: str | None = None
    elements: list[str] = Field(default_factory=list)
    periods: list[str] = Field(default_factory=list)
    signed: bool = False
    signed_on: IsoDate | None = None
    expires: IsoDate | None = None
    purpose: str | None = None


class Emergency(_Model):
    kind: Literal["danger", "flight"]
    recipient_level: Literal["federal", "state", "local"]
    recipient: str | None = None
    facts: str | None = None


class SubjectRow(_Model):
    """One person a request is about (FORMATS §2). Values are kept as the requester has them."""

    subject_id: str = Field(min_length=1)
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str = Field(min_length=1)
    suffix: str | None = None
    dob: IsoDate | None = None
    tin: str | None = None
    street: str | None = None
    unit: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    reason: str | None = None
    case_number: str | None = None

    @field_validator("tin")
    @classmethod
    def _tin_digits(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        digits = v.replace("-", "").replace(" ", "")
        if len(digits) != 9 or not (digits.isascii() and digits.isdigit()):
            raise ValueError("tin must be 9 digits (dashes allowed)")
        return digits


class Manifest(_Model):
    """One written request from one agency under one claimed authority (FORMATS §1)."""

    format: Literal["fti/request/v1"]
    id: RequestId
    received: IsoDate
    authority: Citation
    requester: Requester
    purpose: Purpose
    taxable_periods: list[str] = Field(default_factory=list, max_length=100)
    elements: list[str] = Field(default_factory=list, max_length=200)
    court_order: CourtOrder | None = None
    consent: Consent | None = None
    emergency: Emergency | None = None
    subjects: str | list[dict[str, object]]

    @field_validator("taxable_periods", mode="before")
    @classmethod
    def _periods_as_text(cls, v: object) -> object:
        # YAML reads `2022` as an int; a period is a label, so keep it as text.
        if isinstance(v, list):
            return [str(p) for p in v]
        return v

    @property
    def key(self) -> tuple[str, str]:
        """(agency, id) is unique: resubmitting it is idempotent."""
        return (self.requester.agency, self.id)
