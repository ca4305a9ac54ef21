"""26 U.S.C. 6103(m)(2) — mailing address, for collecting a federal claim.

(m)(2)(A): on written request, the IRS may disclose the *mailing address* of a taxpayer
for use by officers, employees or agents of a federal agency for locating the taxpayer to
collect or compromise a federal claim against the taxpayer under 31 U.S.C. 3711, 3717
and 3718.

Not modeled, and what happens instead:
- (m)(2)(B) consumer reporting agencies: not a separate authority id → not modeled.
- whether (p)(4) safeguards apply to (m)(2) recipients is [open]: the package imposes
  them as a precaution, the recipient's safeguard status is checked, and a finding says
  so for the officer.
- whether a claim exists: the request's statement is relied on (use restriction).
"""

from __future__ import annotations

from fti_gateway.core.elements import ElementClass
from fti_gateway.intake.models import PurposeKind
from fti_gateway.law.authorities.base import (
    Authority,
    Clause,
    Context,
    ElementVerdict,
    allow,
    refuse,
)
from fti_gateway.law.findings import Finding, passed

RULE = "6103(m)(2)(A)"


class M2(Authority):
    id = "6103(m)(2)"
    citation = "26 U.S.C. 6103(m)(2)"
    title = "Disclosure of taxpayer mailing address for collection of federal claims"
    recipient = "officers, employees or agents of the federal agency collecting the claim"
    how_requested = "written request of the federal agency"
    may_disclose = "the taxpayer's mailing address only"
    purpose_limit = "locating the taxpayer to collect or compromise a federal claim (31 U.S.C. 3711, 3717, 3718)"
    purposes = frozenset({PurposeKind.FEDERAL_CLAIM})
    purpose_rule = RULE
    accounting = False
    safeguards = True  # [open]: imposed as a precaution (see module docstring)
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(m)(2) only to locate the taxpayer to collect or compromise a federal claim "
        "under 31 U.S.C. 3711, 3717 and 3718; no other use."
    )
    writing_rule = RULE
    signer_rule = RULE
    allowed_classes = frozenset({ElementClass.IDENTITY})
    requires = (
        Clause(RULE, "a written request of the federal agency"),
        Clause(RULE, "purpose: collecting or compromising a federal claim"),
        Clause(RULE, "element: the mailing address only"),
        Clause("6103(p)(4)", "[open] whether (p)(4) applies; imposed as a precaution"),
    )
    not_modeled = (
        Clause("6103(m)(2)(B)", "consumer reporting agencies: not modeled"),
        Clause(
            "6103(p)(4)",
            "[open] whether (p)(4) safeguards apply to (m)(2): imposed as a precaution",
        ),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        return [
            passed(
                "6103(p)(4)",
                "[open] whether (p)(4) safeguards apply to (m)(2) recipients is unsettled; the package imposes them as a precaution",
            )
        ]

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id == "identity.address":
            return allow(RULE, "the mailing address")
        return refuse(RULE, "(m)(2) allows the mailing address only")
