"""26 U.S.C. 6103(i)(2) — return information other than TRI, on written request, for a
non-tax federal criminal investigation, proceeding or grand jury.

(i)(2)(A): on a request meeting (B) from the head of a federal agency or its Inspector
General (for DOJ also the AG, DAG, Associate AG, any AAG, the FBI Director, the DEA
Administrator, any U.S. Attorney, a special prosecutor, a strike-force chief), the IRS
discloses return information *other than taxpayer return information* to officers and
employees personally and directly engaged in a proceeding, investigation or grand jury
on a specifically designated federal criminal statute not involving tax administration
((i)(1)(A)(i)–(iii)), solely for their use in it.
(i)(2)(B): the request is in writing and sets forth (i) the taxpayer's name and address,
(ii) the taxable periods, (iii) the statutory authority, (iv) the specific reason(s) the
data is or may be relevant.
(i)(2)(C): taxpayer identity is not treated as TRI.

Not modeled, and what happens instead:
- "personally and directly engaged" (A): the engine cannot see who will read the data; the
  use restriction on the package states the limit, and the recipient's (p)(4) status is
  checked. [open] (CEDC v. Bessent).
- "solely for the use of" (A): a civil statute cited beside a criminal one → review [open].
- whether the stated reason is *true* or *specific* in substance (B)(iv): only presence and
  bulk boilerplate are checked; identical text for more than the threshold → review.
- whether a detention facility is the taxpayer's address (B)(i) → review [open].
- the (i)(6) bar → applied per subject after resolution (check_resolved).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fti_gateway.core.elements import ElementClass
from fti_gateway.law.address import (
    DETENTION,
    MESSAGES,
    OK,
    check_addresses,
    is_placeholder,
    normalize,
)
from fti_gateway.law.authorities.base import (
    CRIMINAL_PURPOSES,
    Authority,
    Clause,
    Context,
    SubjectTable,
    apply_subject_rule,
    statute_findings,
    subject_frame,
)
from fti_gateway.law.findings import Finding, SubjectResult, review

ADDRESS_RULE = "6103(i)(2)(B)(i)"
REASON_RULE = "6103(i)(2)(B)(iv)"


class I2(Authority):
    id = "6103(i)(2)"
    citation = "26 U.S.C. 6103(i)(2)"
    title = "Disclosure of return information other than TRI for non-tax federal criminal matters"
    recipient = "officers and employees of the requesting federal agency personally and directly engaged in the matter"
    how_requested = "written request signed by the agency head or Inspector General (for DOJ: the officials in (i)(2)(A))"
    may_disclose = "return information other than taxpayer return information, plus taxpayer identity ((i)(2)(C))"
    purpose_limit = "solely for a proceeding, investigation or grand jury on a specifically designated non-tax federal criminal statute"
    purposes = CRIMINAL_PURPOSES
    purpose_rule = "6103(i)(2)(A)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(i)(2) solely for the use of officers and employees personally and directly "
        "engaged in the named federal criminal investigation, proceeding or grand jury; no other use or redisclosure "
        "(26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = "6103(i)(2)(B)"
    signature_rule = "6103(i)(2)(A)"
    signer_rule = "6103(i)(2)(A)"
    bar_rule = "6103(i)(6)"
    identity_rule = "6103(i)(2)(C)"
    tri_rule = "6103(i)(2)(A)"
    returns_allowed = False
    allowed_classes = frozenset({ElementClass.IDENTITY, ElementClass.INFO_RETURN, ElementClass.IRS})
    periods_rule = "6103(i)(2)(B)(ii)"
    requires = (
        Clause(
            "6103(i)(2)(B)",
            "the request is in writing",
            quote="A request meets the requirements of this subparagraph if the request is in writing",
        ),
        Clause(
            "6103(i)(2)(A)",
            "signed by an eligible official (agency head, Inspector General, or for DOJ the listed officials)",
            quote="from the head of any Federal agency or the Inspector General thereof",
        ),
        Clause(
            "6103(i)(2)(B)(i)",
            "each taxpayer's name and a usable address",
            quote="the name and address of the taxpayer with respect to whom the requested return information relates",
        ),
        Clause(
            "6103(i)(2)(B)(ii)",
            "the taxable period(s)",
            quote="the taxable period or periods to which such return information relates",
        ),
        Clause(
            "6103(i)(2)(B)(iii)",
            "the statutory authority: a federal criminal statute not involving tax administration",
            quote="the statutory authority under which the proceeding or investigation described in subparagraph (A) is being conducted",
        ),
        Clause(
            "6103(i)(2)(B)(iv)",
            "the specific reason(s) the data is or may be relevant, per subject or for the request",
            quote="the specific reason or reasons why such disclosure is, or may be, relevant to such proceeding or investigation",
        ),
        Clause(
            "6103(p)(4)",
            "the recipient agency's safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause(
            "6103(i)(2)(A)",
            "'personally and directly engaged': stated on the package as a use restriction [open]",
        ),
        Clause(
            "6103(i)(2)(A)",
            "'solely for the use of': a civil statute cited beside a criminal one goes to review [open]",
        ),
        Clause(
            "6103(i)(2)(B)(iv)",
            "truth and substance of the reason: only presence and bulk boilerplate are checked; boilerplate → review",
        ),
        Clause("6103(i)(2)(B)(i)", "a detention facility given as the residence → review [open]"),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        return statute_findings(ctx, missing_rule="6103(i)(2)(B)(iii)", nature_rule="6103(i)(2)(A)")

    def subject_findings(self, ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
        subjects = ctx.subjects
        frame = subject_frame(
            subjects, self.id, "name, usable address and reason stated", ctx.answers
        )
        if len(subjects) == 0:
            return frame.frame(), []
        reg = ctx.registry
        last = normalize(_col(subjects, "last_name"))
        apply_subject_rule(
            frame,
            is_placeholder(last),
            SubjectResult.DENY,
            ADDRESS_RULE,
            "no usable name is stated (placeholder or empty)",
        )

        states = [*reg.states, *(n.upper() for n in reg.states.values())]
        facilities = [(f.street_number, f.zip) for f in reg.facilities_on(ctx.as_of)]
        addr = check_addresses(subjects, states, reg.detention_keywords(ctx.as_of), facilities)
        code = addr.code.reset_index(drop=True)
        bad = ~code.isin([OK, DETENTION])
        apply_subject_rule(frame, bad, SubjectResult.DENY, ADDRESS_RULE, code.map(MESSAGES))
        apply_subject_rule(
            frame, code == DETENTION, SubjectResult.REVIEW, ADDRESS_RULE, MESSAGES[DETENTION]
        )

        findings: list[Finding] = []
        reason = effective_reasons(subjects, ctx.manifest.purpose.reason)
        missing = reason == ""
        apply_subject_rule(
            frame,
            missing,
            SubjectResult.DENY,
            REASON_RULE,
            "no specific reason is stated for this subject, and the request states none",
        )
        threshold = int(reg.setting("boilerplate_reason_threshold", ctx.as_of))
        findings += boilerplate_findings(frame, reason, threshold, REASON_RULE)
        return frame.frame(), findings


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].reset_index(drop=True)
    return pd.Series([None] * len(df), dtype=object)


def effective_reasons(subjects: pd.DataFrame, request_reason: str | None) -> pd.Series:
    """Each subject's own reason, else the request's; "" where neither says anything."""
    own = _col(subjects, "reason")
    norm = normalize(own)
    own_ok = ~is_placeholder(norm)
    req = normalize(pd.Series([request_reason], dtype=object))
    req_text = "" if bool(is_placeholder(req).iloc[0]) else str(req.iloc[0])
    return pd.Series(np.where(own_ok, norm, req_text), dtype=object)


def boilerplate_findings(
    frame: SubjectTable, reason: pd.Series, threshold: int, rule: str
) -> list[Finding]:
    """The same reason text for more than ``threshold`` subjects is not a *specific* reason."""
    counts = reason[reason != ""].value_counts()
    repeated = counts[counts > threshold]
    if repeated.empty:
        return []
    mask = reason.isin(repeated.index)
    apply_subject_rule(
        frame,
        mask,
        SubjectResult.REVIEW,
        rule,
        f"the same reason text is given for more than {threshold} subjects",
    )
    top = int(repeated.iloc[0])
    return [
        review(
            rule,
            f"{int(mask.sum())} subjects share {len(repeated)} identical reason text(s) (the most common for {top} subjects; "
            f"threshold {threshold}): boilerplate is not a specific reason; a person must review",
        )
    ]
