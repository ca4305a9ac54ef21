"""26 U.S.C. 6103(l)(21) — HHS, for premium tax credit, Medicaid, CHIP and BHP eligibility.

(l)(21)(A): on written request of the Secretary of HHS, the IRS discloses to HHS return
information of a taxpayer whose income is relevant to the premium tax credit, cost-sharing
reductions, Medicaid, CHIP or a basic health program, limited to (i) taxpayer identity,
(ii) filing status, (iii) the number of individuals for whom a deduction under § 151 is
allowed (family size), (iv) modified AGI, (v) other items prescribed by regulation, and
(vi) the taxable year.
(l)(21)(B): HHS may pass inconsistencies on to exchanges and state agencies;
(l)(21)(C): use only to establish eligibility and verify credit amounts.

Not modeled, and what happens instead:
- (B) exchanges and state agencies: HHS's redisclosure, not the IRS's; any requester
  other than HHS is refused.
- (A)(iv) is *modified* adjusted gross income "as defined in section 36B", which the vault
  does not hold; AGI (``return.agi``) is a different figure and not on the list, so it is
  refused citing (A)(iv) rather than passed off as MAGI.
- (A)(v) regulatory items: none modeled; any other element is refused.
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

ALLOWED = {
    "identity.name": ("6103(l)(21)(A)(i)", "taxpayer identity"),
    "identity.tin": ("6103(l)(21)(A)(i)", "taxpayer identity"),
    "identity.address": ("6103(l)(21)(A)(i)", "taxpayer identity"),
    "return.filing_status": ("6103(l)(21)(A)(ii)", "filing status"),
    "return.dependents": ("6103(l)(21)(A)(iii)", "family size (deductions under § 151)"),
}
NOT_MAGI = "return.agi"


class L21(Authority):
    id = "6103(l)(21)"
    citation = "26 U.S.C. 6103(l)(21)"
    title = "Disclosure of return information to carry out eligibility requirements for certain health programs"
    recipient = "officers, employees and contractors of HHS"
    how_requested = "written request of the Secretary of Health and Human Services"
    may_disclose = "identity, filing status, family size, modified AGI, tax year"
    purpose_limit = "eligibility for the premium tax credit, cost-sharing reductions, Medicaid, CHIP, a basic health program"
    purposes = frozenset({PurposeKind.BENEFIT_ELIGIBILITY})
    purpose_rule = "6103(l)(21)(C)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(l)(21) only to establish eligibility for, and verify the amount of, the premium "
        "tax credit, cost-sharing reductions, Medicaid, CHIP or a basic health program (6103(l)(21)(C)); no other use."
    )
    writing_rule = "6103(l)(21)(A)"
    signer_rule = "6103(l)(21)(A)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            "6103(l)(21)(A)",
            "a written request of the Secretary of HHS",
            quote="upon written request from the Secretary of Health and Human Services",
        ),
        Clause(
            "6103(l)(21)(A)(i)-(vi)",
            "elements limited to identity, filing status, family size, MAGI, tax year",
            quote="Such return information shall be limited to",
            quote_cite="6103(l)(21)(A)",
        ),
        Clause(
            "6103(l)(21)(C)",
            "purpose: health-program eligibility",
            quote="only for the purposes of, and to the extent necessary in",
        ),
        Clause(
            "6103(p)(4)",
            "HHS safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause(
            "6103(l)(21)(B)",
            "exchanges and state agencies receive from HHS, not the IRS: other requesters are refused",
        ),
        Clause("6103(l)(21)(A)(v)", "items prescribed by regulation: none modeled; refused"),
    )

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id in ALLOWED:
            rule, why = ALLOWED[element_id]
            return allow(rule, why)
        if element_id == NOT_MAGI:
            return refuse(
                "6103(l)(21)(A)(iv)",
                "(l)(21) allows modified adjusted gross income as defined in section 36B, not AGI",
            )
        return refuse("6103(l)(21)(A)", "not among the items (l)(21)(A)(i)-(vi) allows")
