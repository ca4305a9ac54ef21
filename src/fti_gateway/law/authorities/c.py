"""26 U.S.C. 6103(c) — disclosure to the taxpayer's designee, on the taxpayer's consent.

(c): the IRS may, subject to regulations, disclose the return of any taxpayer, or return
information about the taxpayer, to the person(s) the taxpayer designates in a request for
or consent to disclosure — but not where it determines disclosure would seriously impair
federal tax administration. 26 CFR 301.6103(c)-1: the consent is written, signed and
dated, names the designee, the information and the periods, and reaches the IRS within
120 days of signing.

The requester is the designee, who need not be in the registry: ``requester.agency`` is
the designee's own id and must equal ``consent.designee`` (FORMATS §8). One consent
covers one taxpayer: every subject's TIN must be the consenting taxpayer's.

Not modeled, and what happens instead:
- "seriously impair Federal tax administration": per subject after resolution, an open
  tax investigation or informant flag → review (check_resolved, bar 6103(c)).
- the taxpayer's signature is relied on as recorded (`consent.signed`); its authenticity
  is for the officer holding the paper.
- consents for a purpose narrower than the elements: the consent's own purpose is
  printed as the use restriction.
"""

from __future__ import annotations

import pandas as pd

from fti_gateway.core.elements import CATALOGUE, ElementClass
from fti_gateway.law.authorities.base import (
    Authority,
    Clause,
    Context,
    ElementVerdict,
    allow,
    apply_subject_rule,
    refuse,
    subject_frame,
)
from fti_gateway.law.findings import Finding, SubjectResult, failed, passed

RULE = "6103(c)"
REG = "26 CFR 301.6103(c)-1"


class C(Authority):
    id = "6103(c)"
    citation = "26 U.S.C. 6103(c)"
    title = "Disclosure to designee of taxpayer (consent)"
    recipient = "the person the taxpayer designated in a signed consent"
    how_requested = "the taxpayer's signed, dated consent naming the designee, the information, the periods; received within 120 days"
    may_disclose = "what the consent names, for the periods it names"
    purpose_limit = "the consent's purpose; no redisclosure"
    purposes = frozenset()  # any purpose the taxpayer consents to
    accounting = False
    safeguards = False
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(c) on the taxpayer's consent, to the designee only, for the purpose the "
        "consent states; no redisclosure."
    )
    signer_rule = None  # checked against the consent, not the registry
    bar_rule = "6103(c)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            RULE,
            "a consent signed by the taxpayer, identifying the taxpayer (TIN) and the designee",
            quote="to such person or persons as the taxpayer may designate in a request for or consent to such disclosure",
        ),
        Clause(
            RULE,
            "the requester is the designee named in the consent",
            quote="disclose the return of any taxpayer, or return information with respect to such taxpayer, to such person or persons as the taxpayer may designate",
        ),
        Clause(
            RULE,
            "the elements and periods asked for are within the consent",
            quote="shall not use the information for any purpose other than the express purpose for which consent was granted",
        ),
        Clause(
            RULE,
            "the consent has not expired",
            quote="subject to such requirements and conditions as he may prescribe by regulations",
        ),
        Clause(REG, "the consent reached the IRS within 120 days of being signed"),
    )
    not_modeled = (
        Clause(
            RULE,
            "'seriously impair Federal tax administration': open investigation or informant flag → review after resolution",
        ),
        Clause(RULE, "authenticity of the taxpayer's signature: relied on as recorded"),
    )

    def recipient_agency(self, ctx: Context) -> str | None:
        return ctx.manifest.requester.agency

    def specific_findings(self, ctx: Context) -> list[Finding]:
        consent = ctx.manifest.consent
        if consent is None:
            return [failed(RULE, "no taxpayer consent is recorded with the request")]
        out: list[Finding] = []
        out.append(
            passed(RULE, "the consent is signed by the taxpayer")
            if consent.signed
            else failed(RULE, "the consent is not signed by the taxpayer")
        )
        if not consent.taxpayer_tin:
            out.append(failed(RULE, "the consent does not identify the taxpayer (no TIN)"))
        designee = (consent.designee or "").strip()
        requester = ctx.manifest.requester.agency.strip()
        if not designee:
            out.append(failed(RULE, "the consent names no designee"))
        elif designee.casefold() != requester.casefold():
            out.append(
                failed(
                    RULE,
                    f"the requester {requester!r} is not the designee named in the consent ({designee!r})",
                )
            )
        else:
            out.append(
                passed(RULE, f"the requester is the designee named in the consent ({designee})")
            )
        on = ctx.as_of
        if consent.expires is not None and consent.expires < on:
            out.append(failed(RULE, f"the consent expired on {consent.expires}, before {on}"))
        if consent.signed_on is not None:
            days = (ctx.manifest.received - consent.signed_on).days
            limit = int(ctx.registry.setting("consent_receipt_days", on))
            if days < 0:
                out.append(
                    failed(
                        REG,
                        f"the consent is dated {consent.signed_on}, after the request was received",
                    )
                )
            elif days > limit:
                out.append(
                    failed(
                        REG,
                        f"the consent was received {days} days after it was signed (limit {limit})",
                    )
                )
        if not consent.periods:
            out.append(failed(RULE, "the consent names no tax period"))
        else:
            outside = [p for p in ctx.manifest.taxable_periods if p not in consent.periods]
            if outside:
                out.append(
                    failed(
                        RULE,
                        f"period(s) {', '.join(outside)} are outside the consent ({', '.join(consent.periods)})",
                    )
                )
            elif ctx.manifest.taxable_periods:
                out.append(passed(RULE, "the periods asked for are within the consent"))
            else:
                out.append(failed(RULE, "the request names no tax period"))
        if not consent.elements:
            out.append(failed(RULE, "the consent names no information to disclose"))
        return out

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        consent = ctx.manifest.consent
        named = set(consent.elements) if consent is not None else set()
        cls = CATALOGUE[element_id].element_class.value
        if element_id in named or f"{cls}.*" in named:
            return allow(RULE, "named in the consent")
        return refuse(RULE, "not named in the taxpayer's consent")

    def subject_findings(self, ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
        frame = subject_frame(ctx.subjects, RULE, "the consenting taxpayer", ctx.answers)
        consent = ctx.manifest.consent
        tin = (consent.taxpayer_tin or "").replace("-", "").replace(" ", "") if consent else ""
        col = (
            ctx.subjects["tin"]
            if "tin" in ctx.subjects.columns
            else pd.Series([None] * len(frame), dtype=object)
        )
        subject_tin = (
            col.fillna("").astype(str).str.replace(r"[-\s]", "", regex=True).reset_index(drop=True)
        )
        apply_subject_rule(
            frame,
            (subject_tin != tin) | (subject_tin == ""),
            SubjectResult.DENY,
            RULE,
            "this subject is not the taxpayer who consented (TIN differs or is missing)",
        )
        return frame.frame(), []
