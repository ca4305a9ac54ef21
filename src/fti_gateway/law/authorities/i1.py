"""26 U.S.C. 6103(i)(1) — returns and return information, by ex parte court order, for a
non-tax federal criminal matter.

(i)(1)(A): on an ex parte order of a federal district or magistrate judge, returns and
return information for specified periods are open, only to the extent the order provides,
to federal officers personally and directly engaged in a proceeding, investigation or
grand jury on a specifically designated federal criminal statute not involving tax
administration, solely for their use in it.
(i)(1)(B): the application is authorized by the AG, DAG, Associate AG, any AAG, any U.S.
Attorney, a special prosecutor (28 U.S.C. 593) or a strike-force chief (28 U.S.C. 510);
the judge finds (i) reasonable cause to believe a specific criminal act was committed,
(ii) that the data is or may be relevant to it, (iii) that it is sought exclusively for
that investigation or proceeding and cannot reasonably be obtained from another source.

Not modeled, and what happens instead:
- the order's authenticity and its precise scope: the officer checks the paper; a record
  missing the docket, date, ex parte status or periods → review.
- "only to the extent necessary as provided in such order": if the order record lists
  elements, anything else is refused; if not, all non-internal elements are allowed.
- "personally and directly engaged", "solely for the use": use restriction on the package.
- the (i)(6) bar → per subject after resolution; its certification to the court (for an
  order under (1)(B)) is the disclosure officer's act, not the gateway's.
- a case "pertaining to ... a missing or exploited child" ((A)(i), (A)(iii), (B)(iii)):
  a request that says so (``purpose.missing_or_exploited_child: true``) need not cite a
  criminal statute, but whether the case is one goes to review; the redisclosure to state
  and local team members under (i)(1)(C) is the federal agency's act, not modelled.
"""

from __future__ import annotations

from fti_gateway.core.elements import ElementClass
from fti_gateway.law.authorities.base import (
    CRIMINAL_PURPOSES,
    Authority,
    Clause,
    Context,
    ElementVerdict,
    refuse,
    statute_findings,
    truthy,
)
from fti_gateway.law.authorities.court import order_elements, order_findings, order_periods
from fti_gateway.law.findings import Finding, failed, passed, review

FINDING_RULES = {
    "specific-crime": (
        "6103(i)(1)(B)(i)",
        "reasonable cause to believe a specific criminal act was committed",
    ),
    "relevance": ("6103(i)(1)(B)(ii)", "the return information is or may be relevant to that act"),
    "exclusive-use": (
        "6103(i)(1)(B)(iii)",
        "sought exclusively for use in the federal criminal investigation or proceeding",
    ),
    "no-other-source": ("6103(i)(1)(B)(iii)", "cannot reasonably be obtained from another source"),
}


class I1(Authority):
    id = "6103(i)(1)"
    citation = "26 U.S.C. 6103(i)(1)"
    title = "Returns and return information by ex parte court order for non-tax federal criminal matters"
    recipient = "federal officers and employees personally and directly engaged in the matter"
    how_requested = "ex parte order of a federal district or magistrate judge on an application authorized by a (i)(1)(B) official"
    may_disclose = "returns and return information for the periods in the order, to the extent the order provides"
    purpose_limit = (
        "a specifically designated non-tax federal criminal statute; solely for that matter"
    )
    purposes = CRIMINAL_PURPOSES
    purpose_rule = "6103(i)(1)(A)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(i)(1) pursuant to an ex parte court order, solely for the use of federal "
        "officers and employees personally and directly engaged in the named criminal matter, to the extent the "
        "order provides; no other use or redisclosure (26 U.S.C. 6103(a), 7213, 7431)."
    )
    signer_rule = "6103(i)(1)(B)"
    bar_rule = "6103(i)(6)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            "6103(i)(1)(A)",
            "an ex parte order of a federal district court judge or magistrate judge, in force",
            quote="pursuant to and upon the grant of an ex parte order by a Federal district court judge or magistrate judge",
        ),
        Clause(
            "6103(i)(1)(B)",
            "an application authorized by the AG, DAG, Associate AG, an AAG, a U.S. Attorney, a special prosecutor or a strike-force chief",
            quote="The Attorney General, the Deputy Attorney General, the Associate Attorney General, any Assistant Attorney General, any United States attorney, any special prosecutor appointed under section 593 of title 28",
        ),
        Clause(
            "6103(i)(1)(B)(i)",
            "the judge's finding: reasonable cause that a specific criminal act was committed",
            quote="there is reasonable cause to believe, based upon information believed to be reliable, that a specific criminal act has been committed",
        ),
        Clause(
            "6103(i)(1)(B)(ii)",
            "the judge's finding: the data is or may be relevant",
            quote="the return or return information is or may be relevant to a matter relating to the commission of such act",
        ),
        Clause(
            "6103(i)(1)(B)(iii)",
            "the judge's findings: exclusive use, and no other reasonable source",
            quote="sought exclusively for use in a Federal criminal investigation or proceeding concerning such act",
        ),
        Clause(
            "6103(i)(1)(A)",
            "specified taxable periods within the order; a non-tax federal criminal statute",
            quote="any return or return information with respect to any specified taxable period or periods",
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
            "6103(i)(1)(A)",
            "authenticity of the order: a person checks the paper; incomplete records → review",
        ),
        Clause(
            "6103(i)(1)(A)",
            "'only to the extent necessary as provided in such order': elements beyond a listed scope are refused",
        ),
        Clause(
            "6103(i)(1)(A)",
            "'personally and directly engaged', 'solely for the use': use restriction on the package",
        ),
        Clause(
            "6103(i)(1)(A)(i)",
            "a missing-or-exploited-child case (`purpose.missing_or_exploited_child`): no statute needed, but a person checks the case → review",
        ),
        Clause(
            "6103(i)(1)(C)",
            "redisclosure to state and local members of a missing-or-exploited-child team: the federal agency's act, not modelled",
        ),
        Clause(
            "6103(i)(6)",
            "certification to the court: where the (i)(6) bar refuses a court-ordered disclosure, the Secretary "
            "'certifies to the court'; the gateway refuses the subject and the disclosure officer makes the certification",
        ),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        order, out = order_findings(ctx, "6103(i)(1)(A)")
        if order is None:
            return out
        given = set(order.findings)
        for key, (rule, text) in FINDING_RULES.items():
            out.append(
                passed(rule, f"the judge found: {text}")
                if key in given
                else failed(rule, f"the order does not record the finding that {text}")
            )
        out += order_periods(ctx, order, "6103(i)(1)(A)")
        if (
            truthy(ctx.extra("purpose", "missing_or_exploited_child"))
            and not ctx.manifest.purpose.statutes
        ):
            out.append(
                review(
                    "6103(i)(1)(A)(i)",
                    "the request is for a case pertaining to a missing or exploited child, which needs no criminal "
                    "statute; the gateway does not model such cases, so a person must check the order and the case",
                )
            )
        else:
            out += statute_findings(
                ctx, missing_rule="6103(i)(1)(A)(i)", nature_rule="6103(i)(1)(A)(i)"
            )
        return out

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        scope = order_elements(ctx)
        if scope is not None and element_id not in scope:
            return refuse("6103(i)(1)(A)", "beyond what the order provides")
        return super().element_verdict(element_id, ctx)
