"""26 U.S.C. 6103(i)(3)(A) — IRS-initiated referral of non-tax criminal evidence.

(i)(3)(A)(i): the IRS may disclose *in writing* return information other than TRI that may
constitute evidence of a violation of any federal criminal law (not involving tax
administration), to the extent necessary to apprise the head of the appropriate federal
agency charged with enforcing that law.
(i)(3)(A)(ii): the taxpayer's identity may accompany it.

The manifest is written by the IRS's own disclosure officer (TREASURY /
irs-disclosure-officer) and names the receiving agency in ``recipient`` (an extension).

Not modeled, and what happens instead:
- "may constitute evidence" and "to the extent necessary": the officer's judgement; the
  engine checks the statute is a non-tax federal criminal law and keeps TRI out.
- "appropriate Federal agency charged with enforcing such law": the recipient must be a
  federal agency in the registry; whether it enforces the cited law is not modeled → it
  is stated in a pass finding for the officer to confirm.
- the (i)(6) bar → per subject after resolution.
"""

from __future__ import annotations

from fti_gateway.core.elements import ElementClass
from fti_gateway.law.authorities.base import (
    CRIMINAL_PURPOSES,
    Authority,
    Clause,
    Context,
    statute_findings,
)
from fti_gateway.law.findings import Finding, failed, passed, review


class I3A(Authority):
    id = "6103(i)(3)(A)"
    citation = "26 U.S.C. 6103(i)(3)(A)"
    title = "IRS-initiated disclosure of evidence of a non-tax federal crime"
    recipient = "the head of the federal agency charged with enforcing the law"
    how_requested = "IRS-initiated, in writing (requester: TREASURY / irs-disclosure-officer; recipient named in `recipient`)"
    may_disclose = "return information other than TRI that may evidence the crime, plus taxpayer identity ((i)(3)(A)(ii))"
    purpose_limit = (
        "apprising the agency head; use by that agency to the extent necessary to enforce the law"
    )
    purposes = CRIMINAL_PURPOSES
    purpose_rule = "6103(i)(3)(A)(i)"
    use_restriction = (
        "Disclosed by the IRS under 26 U.S.C. 6103(i)(3)(A) to apprise the agency head of a possible violation of "
        "federal criminal law; use only to the extent necessary to enforce that law (26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = "6103(i)(3)(A)(i)"
    signer_rule = "6103(i)(3)(A)(i)"
    bar_rule = "6103(i)(6)"
    identity_rule = "6103(i)(3)(A)(ii)"
    tri_rule = "6103(i)(3)(A)(i)"
    returns_allowed = False
    allowed_classes = frozenset({ElementClass.IDENTITY, ElementClass.INFO_RETURN, ElementClass.IRS})
    requires = (
        Clause(
            "6103(i)(3)(A)(i)",
            "IRS-initiated, in writing, by the IRS disclosure officer",
            quote="the Secretary may disclose in writing return information (other than taxpayer return information)",
        ),
        Clause(
            "6103(i)(3)(A)(i)",
            "the recipient: a federal agency charged with enforcing the law",
            quote="to the extent necessary to apprise the head of the appropriate Federal agency charged with the responsibility of enforcing such law",
        ),
        Clause(
            "6103(i)(3)(A)(i)",
            "a federal criminal statute not involving tax administration",
            quote="which may constitute evidence of a violation of any Federal criminal law (not involving tax administration)",
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
            "6103(i)(3)(A)(i)",
            "'may constitute evidence', 'to the extent necessary': the officer's judgement",
        ),
        Clause(
            "6103(i)(3)(A)(i)",
            "whether the recipient enforces the cited law: shown for the officer to confirm",
        ),
    )

    def recipient_agency(self, ctx: Context) -> str | None:
        value = ctx.extra("recipient")
        return str(value) if value else None

    def specific_findings(self, ctx: Context) -> list[Finding]:
        rule = "6103(i)(3)(A)(i)"
        out: list[Finding] = []
        recipient = self.recipient_agency(ctx)
        if recipient is None:
            out.append(failed(rule, "the referral names no recipient agency (`recipient`)"))
        else:
            agency = ctx.registry.agency(recipient, ctx.as_of)
            if agency is None:
                out.append(review(rule, f"recipient {recipient!r} is not in the agency registry"))
            elif agency.level != "federal":
                out.append(failed(rule, f"recipient {recipient} is not a federal agency"))
            else:
                out.append(
                    passed(
                        rule,
                        f"recipient: the head of {agency.name} (confirm it enforces the cited law)",
                    )
                )
        out += statute_findings(ctx, missing_rule=rule, nature_rule=rule)
        return out
