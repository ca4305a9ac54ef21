"""26 U.S.C. 6103(l)(6) — child support enforcement agencies.

(l)(6)(A)(i): on written request, the IRS may disclose to a federal, state or local child
support enforcement agency available master-file return information on the SSN, address,
filing status, amounts and nature of income, and number of dependents of an individual
against whom support obligations are sought (or to whom owed).
(l)(6)(A)(ii): the gross income, the names and addresses of payors, and the names of
dependents — *only if not reasonably available from any other source*.
(l)(6)(C): only for, and to the extent necessary in, establishing and collecting child
support obligations from, and locating, individuals owing them.

Not modeled, and what happens instead:
- whether each subject is an obligor/obligee in a title IV-D case: the agency's case
  number is carried through; not checked.
- (A)(ii) payor data (``info_return.w2.employer``): refused unless the request states it
  is not reasonably available elsewhere (``purpose.payor_unavailable_elsewhere: true``),
  and then a person reviews that statement.
- the individual's *name*: (A)(i) lists the SSN, address, filing status, income and
  dependents, not the name (the agency already has it; (A)(ii)'s names are of payors and
  dependents), so ``identity.name`` is refused citing (A)(i).
- (B) redisclosure to agents and contractors: the recipient's concern, not modeled.
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
    hold,
    refuse,
    truthy,
)

ALLOWED = {
    "identity.tin": "6103(l)(6)(A)(i)",
    "identity.address": "6103(l)(6)(A)(i)",
    "return.filing_status": "6103(l)(6)(A)(i)",
    "return.agi": "6103(l)(6)(A)(i)",
    "return.dependents": "6103(l)(6)(A)(i)",
    "info_return.w2.wages": "6103(l)(6)(A)(i)",
    "info_return.1099int.interest": "6103(l)(6)(A)(i)",
}
PAYOR = "info_return.w2.employer"


class L6(Authority):
    id = "6103(l)(6)"
    citation = "26 U.S.C. 6103(l)(6)"
    title = "Disclosure of return information to federal, state and local child support enforcement agencies"
    recipient = "a federal, state or local child support enforcement agency"
    how_requested = "written request of the child support enforcement agency"
    may_disclose = "SSN, address, filing status, amounts and nature of income, number of dependents; payor data only if not reasonably available elsewhere"
    purpose_limit = "establishing and collecting child support obligations, and locating obligors"
    purposes = frozenset({PurposeKind.CHILD_SUPPORT})
    purpose_rule = "6103(l)(6)(C)"
    return_rule = "6103(p)(4)(F)(i)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(l)(6) only for, and to the extent necessary in, establishing and collecting "
        "child support obligations from, and locating, individuals owing them (6103(l)(6)(C)); no other use "
        "(26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = "6103(l)(6)(A)"
    signer_rule = "6103(l)(6)(A)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            "6103(l)(6)(A)",
            "a written request of a child support enforcement agency",
            quote="The Secretary may, upon written request, disclose to the appropriate Federal, State, tribal, or local child support enforcement agency",
        ),
        Clause(
            "6103(l)(6)(C)",
            "purpose: establishing or collecting child support, or locating an obligor",
            quote="only for purposes of, and to the extent necessary in, establishing and collecting child support obligations from, and locating, individuals owing such obligations",
        ),
        Clause(
            "6103(l)(6)(A)(i)",
            "elements limited to SSN, address, filing status, income, dependents",
            quote="relating to the social security account number (or numbers, if the individual involved has more than one such number), address, filing status, amounts and nature of income, and the number of dependents",
        ),
        Clause(
            "6103(l)(6)(A)(ii)",
            "payor data only if not reasonably available from any other source",
            quote="but only if such return information is not reasonably available from any other source",
        ),
        Clause(
            "6103(p)(4)",
            "the agency's safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause("6103(l)(6)(A)(i)", "whether each subject is party to a IV-D case: not checked"),
        Clause(
            "6103(l)(6)(A)(ii)",
            "'not reasonably available from any other source': the request's statement goes to review",
        ),
    )

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id in ALLOWED:
            return allow(ALLOWED[element_id])
        if element_id == PAYOR:
            if truthy(ctx.extra("purpose", "payor_unavailable_elsewhere")):
                return hold(
                    "6103(l)(6)(A)(ii)",
                    "the request states payor data is not reasonably available elsewhere; a person must accept that statement",
                )
            return refuse(
                "6103(l)(6)(A)(ii)",
                "payor names and addresses only if not reasonably available from any other source, which the request does not state",
            )
        if element_id == "identity.name":
            return refuse(
                "6103(l)(6)(A)(i)",
                "(A)(i) lists the social security account number, address, filing status, income and dependents, not the name",
            )
        return refuse(
            "6103(l)(6)(A)",
            "not among the items (l)(6) allows (SSN, address, filing status, income, dependents)",
        )
