"""What every authority module declares, and the checks they share.

An authority is data plus a few small predicates (ARCHITECTURE.md): its citation, who may
request (checked against the registry), what the request must contain, which elements it
allows, its purpose limit, whether (p)(3)(A) accounting and (p)(4) safeguards apply, the
use restriction printed on the package, and the clauses it does *not* model (with what
happens then — always review or refusal, never a guess).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
import pandas as pd

from fti_gateway.core.elements import CATALOGUE, ElementClass
from fti_gateway.intake.models import Manifest, PurposeKind
from fti_gateway.law.decision import (
    RETURN_OR_DESTROY,
    SAFEGUARD_DUTIES,
    SUBJECT_COLUMNS,
    AuthorityInfo,
)
from fti_gateway.law.dispositions import Disposition, cleared
from fti_gateway.law.findings import Finding, SubjectResult, failed, passed, review
from fti_gateway.law.registries import Registry, SignerStatus
from fti_gateway.law.text import Quote

CRIMINAL_PURPOSES = frozenset(
    {PurposeKind.CRIMINAL_INVESTIGATION, PurposeKind.CRIMINAL_PROCEEDING, PurposeKind.GRAND_JURY}
)
_PERIOD = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])|Q[1-4])?$")


@dataclass(frozen=True)
class Clause:
    """A cited requirement (for `fti law explain` and `fti law map`), with the operative words
    of the statute it models beside it: ``quote``, verbatim from ``quote_cite`` (default:
    ``cite``). tests/law/test_quotes.py checks every quote against the official text."""

    cite: str
    text: str
    quote: str = ""
    quote_cite: str = ""

    @property
    def quoted(self) -> Quote | None:
        if not self.quote:
            return None
        return Quote(self.quote_cite or self.cite, self.quote)

    def to_json(self) -> dict[str, object]:
        q = self.quoted
        return {"cite": self.cite, "text": self.text, "quote": q.to_json() if q else None}


class Verdict(StrEnum):
    ALLOW = "allow"
    REFUSE = "refuse"
    REVIEW = "review"


@dataclass(frozen=True)
class ElementVerdict:
    verdict: Verdict
    rule: str
    message: str = ""


def allow(rule: str, message: str = "") -> ElementVerdict:
    return ElementVerdict(Verdict.ALLOW, rule, message)


def refuse(rule: str, message: str = "") -> ElementVerdict:
    return ElementVerdict(Verdict.REFUSE, rule, message)


def hold(rule: str, message: str) -> ElementVerdict:
    return ElementVerdict(Verdict.REVIEW, rule, message)


@dataclass
class Context:
    """Everything a check may look at; subjects are the rows intake accepted."""

    manifest: Manifest
    subjects: pd.DataFrame
    registry: Registry
    as_of: date
    # A person's answers to subject-level reviews, by (subject id, rule): see SubjectTable.
    answers: Mapping[tuple[str, str], Disposition] = field(default_factory=dict)

    def extra(self, *path: str) -> object:
        """An optional extension field (FORMATS: extend, never rename), or None."""
        node: object = self.manifest
        for key in path:
            if node is None:
                return None
            if isinstance(node, dict):
                node = node.get(key)
            else:
                extra = getattr(node, "model_extra", None) or {}
                fields = getattr(type(node), "model_fields", {})
                node = getattr(node, key, None) if key in fields else extra.get(key)
        return node


@dataclass
class SubjectTable:
    """Per-subject results as plain numpy columns while rules are applied (cheap masked
    writes over millions of rows); ``frame()`` turns them into the FORMATS §5 table."""

    subject_id: np.ndarray
    result: np.ndarray
    rule: np.ndarray
    message: np.ndarray
    # Answers to subject reviews, applied where each review arises (apply_subject_rule):
    # a row holds one open question at a time, so an answer to it must let the next rule
    # see the row, or a second question (a denied boilerplate reason behind a cleared
    # detention address) would be approved with the first, unseen by anyone.
    answers: Mapping[tuple[str, str], Disposition] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.subject_id)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> SubjectTable:
        subject_id, result, rule, message = (
            df[c].to_numpy(dtype=object).copy() for c in SUBJECT_COLUMNS
        )
        return cls(subject_id, result, rule, message)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "subject_id": self.subject_id,
                "result": self.result,
                "rule": self.rule,
                "message": self.message,
            },
            columns=SUBJECT_COLUMNS,
        )


def truthy(value: object) -> bool:
    """An extension flag: ``true`` whether the loader kept YAML booleans or plain text."""
    return value is True or (
        isinstance(value, str) and value.strip().lower() in ("true", "yes", "1")
    )


def subject_frame(
    subjects: pd.DataFrame,
    rule: str,
    message: str,
    answers: Mapping[tuple[str, str], Disposition] | None = None,
) -> SubjectTable:
    """Every subject approved under ``rule`` (the starting point of subject checks);
    ``answers`` (Context.answers) settle subject reviews as they arise."""
    n = len(subjects)
    ids = (
        subjects["subject_id"]
        if "subject_id" in subjects.columns
        else pd.Series([None] * n, dtype=object)
    )
    return SubjectTable(
        subject_id=ids.to_numpy(dtype=object).copy(),
        result=np.full(n, SubjectResult.APPROVE.value, dtype=object),
        rule=np.full(n, rule, dtype=object),
        message=np.full(n, message, dtype=object),
        answers=answers or {},
    )


def apply_subject_rule(
    table: SubjectTable,
    mask: pd.Series | np.ndarray,
    result: SubjectResult,
    rule: str,
    message: str | pd.Series,
) -> None:
    """Mark rows where ``mask`` holds, unless an earlier rule already refused them.

    Order matters: a deny is never softened into a review, and the first deny found is the
    one reported (rules are applied most-basic first).
    """
    m = np.asarray(mask, dtype=bool)
    current = table.result
    if result is SubjectResult.DENY:
        take = m & (current != SubjectResult.DENY.value)
    else:
        take = m & (current == SubjectResult.APPROVE.value)
    if not take.any():
        return
    table.result[take] = result.value
    table.rule[take] = rule
    if isinstance(message, pd.Series):
        table.message[take] = message.to_numpy(dtype=object)[take]
    else:
        table.message[take] = message
    if result is SubjectResult.REVIEW and table.answers:
        _answer(table, take, rule)


def _answer(table: SubjectTable, take: np.ndarray, rule: str) -> None:
    """Rows just held for review under ``rule`` that a person has answered take the answer
    now, so a later rule can still hold an approved row for a question of its own."""
    for i in np.flatnonzero(take).tolist():
        d = table.answers.get((str(table.subject_id[i]), rule))
        if d is not None:
            table.result[i] = d.outcome
            table.message[i] = cleared(d, str(table.message[i]))


class Authority:
    """Base: subclasses set the declarative attributes and override the predicates."""

    id: str = ""
    citation: str = ""
    title: str = ""
    recipient: str = ""
    how_requested: str = ""
    may_disclose: str = ""
    purpose_limit: str = ""
    purposes: frozenset[PurposeKind] = frozenset()
    purpose_rule: str = ""
    accounting: bool = True
    safeguards: bool = True
    use_restriction: str = ""
    requires: tuple[Clause, ...] = ()
    not_modeled: tuple[Clause, ...] = ()
    writing_rule: str | None = None  # cited when the request is not in writing
    signature_rule: str | None = None  # cited when the official's own signature is missing
    signer_rule: str | None = None  # cited for the registry's who-may-sign check
    bar_rule: str | None = None  # post-resolution bar ((i)(6) etc.), None if none applies
    identity_rule: str | None = None  # the clause that lets identity go out, if any
    tri_rule: str | None = None  # the clause that keeps TRI out, if any
    allowed_classes: frozenset[ElementClass] = frozenset()
    allowed_elements: frozenset[str] | None = None  # None: any element of the allowed classes
    returns_allowed: bool = True  # whether `return.copy` (the return itself) may go out
    periods_rule: str | None = None  # cited when the request names no taxable period
    # (p)(4)(F) names two kinds of recipient: (i) — (d), (l)(6), (l)(7), state bodies — must
    # return the data or make it undisclosable and report how; (ii) — federal agencies under
    # (i)(1), (2), (3), (5), (7) and (l)(21) — may instead keep meeting (A)-(E).
    return_rule: str = "6103(p)(4)(F)(ii)"

    # ------------------------------------------------------------------ info
    def info(self, ctx: Context | None) -> AuthorityInfo:
        recipient = self.recipient_agency(ctx) if ctx is not None else None
        duty = RETURN_OR_DESTROY[self.return_duty(ctx)]
        return AuthorityInfo(
            id=self.id,
            citation=self.citation,
            title=self.title,
            recipient=recipient,
            use_restriction=self.use_restriction,
            accounting=self.accounting,
            safeguards=self.safeguards,
            safeguard_duties=(*SAFEGUARD_DUTIES, duty) if self.safeguards else (),
            destruction=(
                duty
                if self.safeguards
                else "no (p)(4) destruction duty; the use restriction still binds"
            ),
        )

    def return_duty(self, ctx: Context | None) -> str:
        """Which (p)(4)(F) alternative binds this recipient."""
        return self.return_rule

    def recipient_agency(self, ctx: Context) -> str | None:
        return ctx.manifest.requester.agency

    # ------------------------------------------------------------------ request checks
    def request_findings(self, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        out += self.check_writing(ctx)
        out += self.check_signer(ctx)
        out += self.check_purpose(ctx)
        out += self.check_periods(ctx)
        out += self.check_safeguards(ctx)
        out += self.specific_findings(ctx)
        return out

    def specific_findings(self, ctx: Context) -> list[Finding]:
        """Authority-specific request checks (court order, consent, emergency, …)."""
        return []

    def check_writing(self, ctx: Context) -> list[Finding]:
        r = ctx.manifest.requester
        out: list[Finding] = []
        if self.writing_rule:
            if r.in_writing:
                out.append(passed(self.writing_rule, "the request is in writing"))
            else:
                out.append(failed(self.writing_rule, "the request is not in writing"))
        if self.signature_rule:
            if r.signed:
                out.append(
                    passed(self.signature_rule, "the request bears the official's own signature")
                )
            else:
                out.append(
                    failed(
                        self.signature_rule,
                        "the request does not bear the official's own signature (a stamp or a delegate's signature is not enough)",
                    )
                )
        return out

    def check_signer(self, ctx: Context) -> list[Finding]:
        if not self.signer_rule:
            return []
        r = ctx.manifest.requester
        v = ctx.registry.signer(r.position, r.agency, self.id, ctx.as_of)
        who = f"position {r.position!r} at {r.agency}"
        rule = self.signer_rule
        if v.status is SignerStatus.ELIGIBLE:
            assert v.grant is not None
            return [passed(rule, f"{who} may sign under {self.id} ({v.grant.source})")]
        if v.status is SignerStatus.CONTESTED:
            assert v.grant is not None
            return [review(rule, f"{who}: {v.grant.reason}")]
        if v.status is SignerStatus.UNKNOWN_POSITION:
            return [
                review(
                    rule,
                    f"position {r.position!r} is not in the position registry; a person must decide who signed",
                )
            ]
        if v.status is SignerStatus.UNKNOWN_AGENCY:
            return [
                review(
                    rule,
                    f"agency {r.agency!r} is not in the agency registry; a person must identify the requester",
                )
            ]
        return [failed(rule, f"{who} may not sign a request under {self.id}")]

    def check_purpose(self, ctx: Context) -> list[Finding]:
        kind = ctx.manifest.purpose.kind
        if not self.purposes:
            return []
        if kind in self.purposes:
            return [passed(self.purpose_rule, f"purpose {kind.value!r} is within {self.id}")]
        allowed = ", ".join(sorted(p.value for p in self.purposes))
        return [
            failed(
                self.purpose_rule,
                f"purpose {kind.value!r} is outside {self.id} (allowed: {allowed})",
            )
        ]

    def check_periods(self, ctx: Context) -> list[Finding]:
        if not self.periods_rule:
            return []
        periods = ctx.manifest.taxable_periods
        if not periods:
            return [failed(self.periods_rule, "the request names no taxable period")]
        bad = [p for p in periods if not _PERIOD.match(p.strip())]
        if bad:
            return [
                failed(
                    self.periods_rule,
                    f"taxable period(s) {', '.join(bad)} are not periods (use YYYY, YYYY-MM or YYYYQn)",
                )
            ]
        return [passed(self.periods_rule, f"taxable periods: {', '.join(periods)}")]

    def check_safeguards(self, ctx: Context) -> list[Finding]:
        if not self.safeguards:
            return []
        agency = self.recipient_agency(ctx)
        if agency is None:
            return []  # the authority's own check reports the missing recipient
        status, entry = ctx.registry.safeguard_status(agency, ctx.as_of)
        src = f" ({entry.source})" if entry else ""
        if status == "current":
            return [passed("6103(p)(4)", f"{agency} safeguards are current{src}")]
        if status == "failed":
            return [
                failed(
                    "6103(p)(4)",
                    f"{agency} has failed its (p)(4) safeguards review; further disclosures are refused{src}",
                )
            ]
        return [
            review(
                "6103(p)(4)",
                f"{agency} safeguard status is {status}; a person must confirm (p)(4) safeguards before disclosure{src}",
            )
        ]

    # ------------------------------------------------------------------ elements
    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        """Default allowance by class: TRI refused where ``tri_rule`` says so, identity by
        ``identity_rule``, other classes as ``allowed_classes``; an explicit
        ``allowed_elements`` set narrows further."""
        element = CATALOGUE[element_id]
        cls = element.element_class
        if element_id == "return.copy" and not self.returns_allowed:
            return refuse(
                self.tri_rule or self.id,
                f"{self.id} reaches return information, not the return itself",
            )
        if (
            cls is ElementClass.IDENTITY
            and self.identity_rule
            and (self.allowed_elements is None or element_id in self.allowed_elements)
        ):
            return allow(
                self.identity_rule,
                "taxpayer identity is not treated as taxpayer return information",
            )
        if cls.is_tri and self.tri_rule:
            return refuse(
                self.tri_rule, "taxpayer return information (6103(b)(3)) is outside this authority"
            )
        if cls not in self.allowed_classes:
            return refuse(self.id, f"{cls.value} elements are outside {self.id}")
        if self.allowed_elements is not None and element_id not in self.allowed_elements:
            return refuse(self.id, f"{element_id} is not among the items {self.id} allows")
        return allow(self.id)

    # ------------------------------------------------------------------ subjects
    def subject_findings(self, ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
        """Per-subject results (vectorized) plus any request-level findings they imply."""
        table = subject_frame(
            ctx.subjects, self.id, f"meets the requirements of {self.id}", ctx.answers
        )
        return table.frame(), []

    # ------------------------------------------------------------------ explain
    def describe(self) -> dict[str, object]:
        return {
            "id": self.id,
            "citation": self.citation,
            "title": self.title,
            "recipient": self.recipient,
            "how_requested": self.how_requested,
            "may_disclose": self.may_disclose,
            "purpose_limit": self.purpose_limit,
            "purposes": sorted(p.value for p in self.purposes),
            "accounting_p3A": self.accounting,
            "safeguards_p4": self.safeguards,
            "use_restriction": self.use_restriction,
            "requires": [c.to_json() for c in self.requires],
            "not_modeled": [c.to_json() for c in self.not_modeled],
            "bar_after_resolution": self.bar_rule,
        }


# ---------------------------------------------------------------------- shared predicates


def statute_findings(
    ctx: Context, *, missing_rule: str, nature_rule: str, what: str = "federal criminal statute"
) -> list[Finding]:
    """The cited statutes must all be federal criminal statutes not involving tax administration.

    Unknown statutes are a review (never a guess); a civil statute cited *beside* a
    criminal one raises the [open] "solely for" question (review); only civil or any tax
    administration statute is a refusal.
    """
    statutes = ctx.manifest.purpose.statutes
    if not statutes:
        return [
            failed(
                missing_rule,
                f"the request names no statute; it must designate the {what} it enforces",
            )
        ]
    verdicts = [ctx.registry.statute(s, ctx.as_of) for s in statutes]
    out: list[Finding] = []
    unknown = [v for v in verdicts if v.nature is None]
    tax = [v for v in verdicts if v.nature == "tax-administration"]
    civil = [v for v in verdicts if v.nature == "civil"]
    criminal = [v for v in verdicts if v.nature == "criminal"]
    if tax:
        out.append(
            failed(
                nature_rule,
                "statute(s) "
                + "; ".join(v.label for v in tax)
                + " involve tax administration; this authority is for non-tax federal criminal matters",
            )
        )
    if civil and not criminal:
        out.append(
            failed(
                nature_rule,
                "statute(s) " + "; ".join(v.label for v in civil) + " are civil, not criminal",
            )
        )
    elif civil:
        out.append(
            review(
                nature_rule,
                "[open] civil statute(s) "
                + "; ".join(v.label for v in civil)
                + " are cited beside criminal ones; a person must decide whether the use is 'solely for' the criminal matter",
            )
        )
    if unknown:
        out.append(
            review(
                missing_rule,
                "statute(s) "
                + "; ".join(repr(v.cited) for v in unknown)
                + " are not in the statute registry; a person must classify them",
            )
        )
    if criminal and not (tax or civil or unknown):
        out.append(
            passed(nature_rule, "criminal statute(s): " + "; ".join(v.label for v in criminal))
        )
    return out
