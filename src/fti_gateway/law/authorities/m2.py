"""26 U.S.C. 6103(m)(2) — mailing address, for collecting a federal claim.

(m)(2)(A): on written request, the IRS may disclose the *mailing address* of a taxpayer
for use by officers, employees or agents of a federal agency for locating the taxpayer to
collect or compromise a federal claim against the taxpayer under 31 U.S.C. 3711, 3717
and 3718.

Not modeled, and what happens instead:
- (m)(2)(B) consumer reporting agencies: not a separate authority id → not modeled.
- (p)(4): an (m)(2) agency is not in (p)(4)'s list of recipients; the paragraph reaches it
  only "in the case of any agency which receives any mailing address under paragraph (2)
  ... of subsection (m) and which discloses any such mailing address to any agent". The
  request says so by naming the agent in ``purpose.agent`` (an extension): then the
  agency's safeguard status is checked and the package carries the (p)(4) duties;
  otherwise neither (a failed safeguard review elsewhere does not bar (m)(2)).
- whether a claim exists: the request's statement is relied on (use restriction).
"""

from __future__ import annotations

from dataclasses import replace

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
from fti_gateway.law.decision import AuthorityInfo
from fti_gateway.law.findings import Finding, passed

RULE = "6103(m)(2)(A)"


def _to_agent(ctx: Context) -> bool:
    """Whether the request says the agency will pass the address to an agent."""
    agent = ctx.extra("purpose", "agent")
    return agent is not None and str(agent).strip().lower() not in ("", "false", "no", "none")


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
    safeguards = True  # only where the address goes on to an agent: see info/check_safeguards
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(m)(2) only to locate the taxpayer to collect or compromise a federal claim "
        "under 31 U.S.C. 3711, 3717 and 3718; no other use."
    )
    writing_rule = RULE
    signer_rule = RULE
    allowed_classes = frozenset({ElementClass.IDENTITY})
    requires = (
        Clause(
            RULE,
            "a written request of the federal agency",
            quote="the Secretary may, upon written request, disclose the mailing address of a taxpayer",
        ),
        Clause(
            RULE,
            "purpose: collecting or compromising a federal claim",
            quote="for purposes of locating such taxpayer to collect or compromise a Federal claim against the taxpayer in accordance with sections 3711, 3717, and 3718 of title 31",
        ),
        Clause(
            RULE,
            "element: the mailing address only",
            quote="disclose the mailing address of a taxpayer",
        ),
        Clause(
            "6103(p)(4)",
            "if the agency passes the address to an agent (`purpose.agent`): its safeguards are current",
            quote="and which discloses any such mailing address to any agent",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause(
            "6103(p)(4)(F)",
            "(F)(i) and (F)(ii) name no (m)(2) agency: where (p)(4) applies, the package carries (F)(ii)'s duty",
        ),
        Clause("6103(m)(2)(B)", "consumer reporting agencies: not modeled"),
    )

    def info(self, ctx: Context | None) -> AuthorityInfo:
        base = super().info(ctx)
        if ctx is None or _to_agent(ctx):
            return base
        return replace(
            base,
            safeguards=False,
            safeguard_duties=(),
            destruction="no (p)(4) duty: the address goes to no agent; the use restriction still binds",
        )

    def check_safeguards(self, ctx: Context) -> list[Finding]:
        if _to_agent(ctx):
            return super().check_safeguards(ctx)
        return [
            passed(
                "6103(p)(4)",
                "(p)(4) reaches an (m)(2) agency only if it discloses the mailing address to an agent; the request names none (`purpose.agent`)",
            )
        ]

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id == "identity.address":
            return allow(RULE, "the mailing address")
        return refuse(RULE, "(m)(2) allows the mailing address only")
