"""26 U.S.C. 6103(l)(7) — agencies administering certain benefit programs.

(l)(7)(A): SSA discloses wage and self-employment data; (l)(7)(B): the IRS discloses
return information on *unearned income* from information returns — to a federal, state
or local agency administering a program listed in (D), on written request.
(l)(7)(C): only for, and to the extent necessary in, determining eligibility for, or the
correct amount of, benefits under those programs.
(l)(7)(D): the programs — TANF, Medicaid, SSI, state plans under titles I, X, XIV and
XVI, unemployment compensation, SNAP, VA needs-based pensions, HUD housing assistance.

The program is named in ``purpose.program`` (an extension): tanf, medicaid, ssi,
unemployment, snap, va-pension, hud-housing.

Not modeled, and what happens instead:
- the exact list of (D)'s clauses and their dates: the program list above; any other
  program → refusal citing (D).
- (l)(7)(A) data comes from SSA, not the IRS: ``info_return.w2.wages`` is allowed and the
  package notes the SSA route; all other items → refused.
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
from fti_gateway.law.findings import Finding, failed, passed

PROGRAMS = {
    "tanf": "temporary assistance for needy families (SSA title IV part A)",
    "medicaid": "medical assistance (SSA title XIX)",
    "ssi": "supplemental security income (SSA title XVI)",
    "unemployment": "unemployment compensation",
    "snap": "supplemental nutrition assistance (Food and Nutrition Act of 2008)",
    "va-pension": "needs-based VA pension (38 U.S.C. chapter 15)",
    "hud-housing": "HUD housing assistance",
}
ALLOWED = {
    "info_return.1099int.interest": ("6103(l)(7)(B)", "unearned income from an information return"),
    "info_return.w2.wages": ("6103(l)(7)(A)", "wage data (via SSA)"),
}


class L7(Authority):
    id = "6103(l)(7)"
    citation = "26 U.S.C. 6103(l)(7)"
    title = "Disclosure of return information to agencies administering certain benefit programs"
    recipient = "a federal, state or local agency administering a (l)(7)(D) program"
    how_requested = "written request of the program agency, naming the program"
    may_disclose = "unearned-income data from information returns (IRS) and wage data (SSA)"
    purpose_limit = "determining eligibility for, or the correct amount of, benefits"
    purposes = frozenset({PurposeKind.BENEFIT_ELIGIBILITY})
    purpose_rule = "6103(l)(7)(C)"
    accounting = False
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(l)(7) only for, and to the extent necessary in, determining eligibility for, "
        "or the correct amount of, benefits under the named program (6103(l)(7)(C)); no other use "
        "(26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = "6103(l)(7)(B)"
    signer_rule = "6103(l)(7)(B)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause("6103(l)(7)(B)", "a written request of the agency administering the program"),
        Clause("6103(l)(7)(D)", "the program is one (D) lists, and the agency administers it"),
        Clause("6103(l)(7)(C)", "purpose: eligibility or benefit amount"),
        Clause("6103(p)(4)", "the agency's safeguards are current"),
    )
    not_modeled = (
        Clause(
            "6103(l)(7)(D)",
            "programs beyond the list shipped (tanf, medicaid, ssi, unemployment, snap, va-pension, hud-housing) → refused",
        ),
        Clause("6103(l)(7)(A)", "SSA wage data route: allowed and noted; other items refused"),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        program = ctx.extra("purpose", "program")
        rule = "6103(l)(7)(D)"
        if not program:
            return [failed(rule, "the request names no program (`purpose.program`)")]
        program = str(program).strip().lower()
        if program not in PROGRAMS:
            return [
                failed(
                    rule, f"program {program!r} is not one (l)(7)(D) lists ({', '.join(PROGRAMS)})"
                )
            ]
        agency = ctx.registry.agency(ctx.manifest.requester.agency, ctx.as_of)
        if agency is not None and program not in agency.programs:
            return [
                failed(
                    rule,
                    f"{agency.id} does not administer {PROGRAMS[program]} (registry: {', '.join(agency.programs) or 'none'})",
                )
            ]
        return [passed(rule, f"program: {PROGRAMS[program]}")]

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id in ALLOWED:
            rule, why = ALLOWED[element_id]
            return allow(rule, why)
        return refuse("6103(l)(7)(B)", "(l)(7) reaches unearned-income and wage data only")
