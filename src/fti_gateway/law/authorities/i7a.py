"""26 U.S.C. 6103(i)(7)(A) — terrorism: return information other than TRI on written request.

(i)(7)(A)(i): on a written request meeting clause (iii), the IRS may disclose return
information (other than TRI) to officers and employees of any federal law enforcement
agency personally and directly engaged in the response to or investigation of any
terrorist incident, threat or activity.
(iii): the request is made by the head of the federal law enforcement agency (or his
delegate) involved, and (II) sets forth the specific reason(s) why the disclosure may be
relevant to a terrorist incident, threat or activity.
(iv): solely for the use of those officers in that response or investigation.
(v): taxpayer identity is not treated as TRI.

Not modeled, and what happens instead:
- (ii) redisclosure by the federal head to state/local members of a joint team: not an
  IRS disclosure; a state or local requester is refused (it cannot request directly).
- delegation "(or his delegate)": officials below the head are `contested` in the
  registry → review until a person sees the written delegation.
- (i)(7)(B), disclosure to intelligence agencies on the written request of a
  Senate-confirmed DOJ or Treasury official (or the Secret Service Director); (i)(7)(C),
  by ex parte order; (i)(7)(D), on an order the IRS itself applies for: other authority
  ids, not modeled → 6103(a) default deny.
- the (i)(6) bar → per subject after resolution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fti_gateway.core.elements import ElementClass
from fti_gateway.intake.models import PurposeKind
from fti_gateway.law.authorities.base import (
    Authority,
    Clause,
    Context,
    apply_subject_rule,
    subject_frame,
)
from fti_gateway.law.authorities.i2 import effective_reasons
from fti_gateway.law.findings import Finding, SubjectResult, failed, passed

REASON_RULE = "6103(i)(7)(A)(iii)(II)"


class I7A(Authority):
    id = "6103(i)(7)(A)"
    citation = "26 U.S.C. 6103(i)(7)(A)"
    title = "Disclosure on request of return information relating to terrorist activities"
    recipient = "federal law-enforcement officers personally and directly engaged in the terrorism response or investigation"
    how_requested = "written request of the head of the federal law-enforcement agency (or delegate), stating the specific reasons"
    may_disclose = "return information other than TRI, plus taxpayer identity ((i)(7)(A)(v))"
    purpose_limit = "responding to or investigating a terrorist incident, threat or activity"
    purposes = frozenset({PurposeKind.TERRORISM})
    purpose_rule = "6103(i)(7)(A)(i)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(i)(7)(A) solely for the use of officers and employees personally and directly "
        "engaged in the response to or investigation of the terrorist incident, threat or activity named "
        "(6103(i)(7)(A)(iv)); no other use or redisclosure (26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = "6103(i)(7)(A)(i)"
    signer_rule = "6103(i)(7)(A)(iii)(I)"
    bar_rule = "6103(i)(6)"
    identity_rule = "6103(i)(7)(A)(v)"
    tri_rule = "6103(i)(7)(A)(i)"
    returns_allowed = False
    allowed_classes = frozenset({ElementClass.IDENTITY, ElementClass.INFO_RETURN, ElementClass.IRS})
    requires = (
        Clause(
            "6103(i)(7)(A)(i)",
            "a written request; purpose: terrorism response or investigation",
            quote="personally and directly engaged in the response to or investigation of any terrorist incident, threat, or activity",
        ),
        Clause(
            "6103(i)(7)(A)(iii)(I)",
            "made by the head of a federal law-enforcement agency (or a delegate: review)",
            quote="the request is made by the head of any Federal law enforcement agency (or his delegate)",
        ),
        Clause(
            "6103(i)(7)(A)(iii)(II)",
            "the specific reason(s) the disclosure may be relevant",
            quote="the request sets forth the specific reason or reasons why such disclosure may be relevant to a terrorist incident, threat, or activity",
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
            "6103(i)(7)(A)(ii)",
            "redisclosure to state/local team members: not an IRS disclosure; they cannot request directly",
        ),
        Clause(
            "6103(i)(7)(A)(iii)(I)",
            "delegations: a delegate's request goes to review until the delegation is seen",
        ),
        Clause(
            "6103(i)(7)(B)",
            "disclosure to intelligence agencies on written request (its own authority id): not modeled → 6103(a) default deny",
        ),
        Clause(
            "6103(i)(7)(C)",
            "disclosure under an ex parte order (its own authority id): not modeled → 6103(a) default deny",
        ),
        Clause(
            "6103(i)(7)(D)",
            "ex parte order on the IRS's own application: not modeled → 6103(a) default deny",
        ),
    )

    def subject_findings(self, ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
        frame = subject_frame(ctx.subjects, self.id, "within the terrorism request", ctx.answers)
        reason = effective_reasons(ctx.subjects, ctx.manifest.purpose.reason)
        missing = (reason == "").to_numpy()
        if len(frame) and missing.all():
            return frame.frame(), [
                failed(
                    REASON_RULE,
                    "the request sets forth no reason why the disclosure may be relevant to terrorist activity",
                )
            ]
        apply_subject_rule(
            frame,
            missing,
            SubjectResult.DENY,
            REASON_RULE,
            "no reason is stated for this subject, and the request states none",
        )
        n = int(np.count_nonzero(~missing))
        return frame.frame(), [
            passed(REASON_RULE, f"reasons are stated for {n} subject(s)")
        ] if n else []
