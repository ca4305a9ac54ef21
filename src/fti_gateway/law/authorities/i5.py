"""26 U.S.C. 6103(i)(5) — locating a fugitive from justice, by ex parte court order.

(i)(5)(A): on an ex parte order of a federal district or magistrate judge, the taxpayer's
return and return information are open, to the extent the order provides, to federal
officers exclusively for use in locating that taxpayer.
(i)(5)(B): any person described in (i)(1)(B) may apply; the judge finds (i) a federal
arrest warrant for a federal felony was issued and the taxpayer is a fugitive from
justice, (ii) the data is sought exclusively for locating the taxpayer, (iii) reasonable
cause to believe it may be relevant to determining the taxpayer's location.

Not modeled, and what happens instead:
- the order's authenticity and scope: incomplete records → review (see court.py).
- which items help locate the person: if the order lists elements, only those; if not,
  identity and the W-2 employer (where the person works) — everything else is refused as
  not shown to be needed to locate the taxpayer.
- whether the warrant's offense is a felony: the order's arrest-warrant record is relied
  on; a missing record is a refusal.
- the (i)(6) bar → per subject after resolution; its certification to the court (for an
  order under (5)(B)) is the disclosure officer's act, not the gateway's.
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
from fti_gateway.law.authorities.court import order_elements, order_findings
from fti_gateway.law.findings import Finding, failed, passed

LOCATING_ELEMENTS = frozenset(
    {"identity.name", "identity.address", "identity.tin", "info_return.w2.employer"}
)


class I5(Authority):
    id = "6103(i)(5)"
    citation = "26 U.S.C. 6103(i)(5)"
    title = "Disclosure to locate fugitives from justice"
    recipient = "federal officers and employees, exclusively for locating the fugitive"
    how_requested = "ex parte order of a federal district or magistrate judge on the application of a (i)(1)(B) official"
    may_disclose = (
        "the fugitive's return and return information needed to locate them, as the order provides"
    )
    purpose_limit = "exclusively for use in locating the taxpayer"
    purposes = frozenset(
        {PurposeKind.CRIMINAL_INVESTIGATION, PurposeKind.CRIMINAL_PROCEEDING, PurposeKind.OTHER}
    )
    purpose_rule = "6103(i)(5)(A)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(i)(5) pursuant to an ex parte court order, exclusively for use in locating "
        "the named fugitive; no other use or redisclosure (26 U.S.C. 6103(a), 7213, 7431)."
    )
    signer_rule = "6103(i)(5)(B)"
    bar_rule = "6103(i)(6)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            "6103(i)(5)(A)",
            "an ex parte order of a federal district court judge or magistrate judge, in force",
            quote="pursuant to and upon the grant of an ex parte order by a Federal district court judge or magistrate judge",
        ),
        Clause(
            "6103(i)(5)(B)",
            "applied for by a person described in (i)(1)(B)",
            quote="Any person described in paragraph (1)(B) may authorize an application",
        ),
        Clause(
            "6103(i)(5)(B)(i)",
            "a federal felony arrest warrant, and the taxpayer is a fugitive",
            quote="a Federal arrest warrant relating to the commission of a Federal felony offense has been issued for an individual who is a fugitive from justice",
        ),
        Clause(
            "6103(i)(5)(B)(ii)",
            "the judge's finding: sought exclusively for locating the taxpayer",
            quote="is sought exclusively for use in locating such individual",
        ),
        Clause(
            "6103(i)(5)(B)(iii)",
            "the judge's finding: reasonable cause that the data may be relevant to the location",
            quote="there is reasonable cause to believe that such return or return information may be relevant in determining the location of such individual",
        ),
        Clause(
            "6103(p)(4)",
            "the recipient agency's safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause("6103(i)(5)(A)", "authenticity and scope of the order: incomplete records → review"),
        Clause(
            "6103(i)(5)(A)",
            "which items help locate the person: without a listed scope, identity and W-2 employer only; the rest refused",
        ),
        Clause(
            "6103(i)(6)",
            "certification to the court: where the (i)(6) bar refuses a court-ordered disclosure, the Secretary "
            "'certifies to the court'; the gateway refuses the subject and the disclosure officer makes the certification",
        ),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        order, out = order_findings(ctx, "6103(i)(5)(A)")
        if order is None:
            return out
        if order.arrest_warrant is True:
            out.append(
                passed(
                    "6103(i)(5)(B)(i)",
                    "a federal felony arrest warrant has been issued for the taxpayer",
                )
            )
        else:
            out.append(
                failed(
                    "6103(i)(5)(B)(i)",
                    "the order does not record a federal felony arrest warrant for the taxpayer",
                )
            )
        given = set(order.findings)
        for key, rule, text in (
            (
                "exclusive-use",
                "6103(i)(5)(B)(ii)",
                "sought exclusively for use in locating the taxpayer",
            ),
            (
                "relevance",
                "6103(i)(5)(B)(iii)",
                "reasonable cause that the data may be relevant to the taxpayer's location",
            ),
        ):
            out.append(
                passed(rule, f"the judge found: {text}")
                if key in given
                else failed(rule, f"the order does not record the finding that {text}")
            )
        return out

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        scope = order_elements(ctx)
        if scope is not None:
            if element_id in scope:
                return allow("6103(i)(5)(A)", "within the order")
            return refuse("6103(i)(5)(A)", "beyond what the order provides")
        if element_id in LOCATING_ELEMENTS:
            return allow("6103(i)(5)(A)", "helps locate the taxpayer")
        return refuse(
            "6103(i)(5)(A)",
            "not shown to be needed to locate the taxpayer (the order lists no elements)",
        )
