"""26 U.S.C. 6103(l)(7) — agencies administering certain benefit programs.

(l)(7)(A): the *Commissioner of Social Security* discloses wage, self-employment and
retirement-income data; (l)(7)(B): the *IRS* ("the Secretary") discloses "current return
information from returns with respect to unearned income" — each on written request, to
a federal, state or local agency administering a program listed in (D). The gateway is the
IRS side: it may release unearned-income data only; wages come from SSA under (A).
(l)(7)(C): only for, and to the extent necessary in, determining eligibility for, or the
correct amount of, benefits under those programs.
(l)(7)(D): the programs, clause by clause (``PROGRAMS``). Two clauses carry their own
limits: for (viii)(IV) (VA individual unemployability) only self-employment and wage data
may be disclosed — so nothing from the IRS side; and (ix) HUD housing assistance only "on
written request by the Secretary of Housing and Urban Development" and only for use by HUD
officers and employees.

The program is named in ``purpose.program`` (an extension).

Not modeled, and what happens instead:
- (l)(7)(A), SSA's disclosure of wages: not an IRS disclosure; a W-2 wage element is
  refused citing (A) so the requester knows where to ask.
- whether the agency administers the named program: taken from the agency registry's
  ``programs`` list; an agency not listed for it → refusal citing (D).
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

D = "6103(l)(7)(D)"
# program id → (its (D) clause, what it is)
PROGRAMS = {
    "tanf": (
        f"{D}(i)",
        "a State program funded under part A of title IV of the Social Security Act",
    ),
    "medicaid": (f"{D}(ii)", "medical assistance under a State plan approved under title XIX"),
    "ssi": (f"{D}(iii)", "supplemental security income benefits under title XVI"),
    "territorial-aid": (
        f"{D}(iv)",
        "benefits under a State plan approved under title I, X, XIV or XVI (Puerto Rico, Guam, Virgin Islands)",
    ),
    "unemployment": (
        f"{D}(v)",
        "unemployment compensation under a State law described in section 3304",
    ),
    "snap": (f"{D}(vi)", "assistance under the Food and Nutrition Act of 2008"),
    "state-supplementary": (
        f"{D}(vii)",
        "State-administered supplementary payments (section 1616(a) of the Social Security Act)",
    ),
    "va-pension": (f"{D}(viii)(I)", "needs-based VA pension (38 U.S.C. chapter 15)"),
    "va-dic": (f"{D}(viii)(II)", "parents' dependency and indemnity compensation (38 U.S.C. 1315)"),
    "va-health": (f"{D}(viii)(III)", "VA health-care services under 38 U.S.C. 1710"),
    "va-unemployability": (
        f"{D}(viii)(IV)",
        "VA compensation at the 100 percent rate based solely on unemployability",
    ),
    "hud-housing": (f"{D}(ix)", "HUD housing assistance involving review of income"),
}
UNEARNED = {"info_return.1099int.interest": "interest reported on Form 1099-INT"}
HUD_SECRETARY = ("HUD", "agency-head")


class L7(Authority):
    id = "6103(l)(7)"
    citation = "26 U.S.C. 6103(l)(7)"
    title = "Disclosure of return information to agencies administering certain benefit programs"
    recipient = "a federal, state or local agency administering a (l)(7)(D) program"
    how_requested = "written request of the program agency, naming the program (for HUD housing: the Secretary of HUD)"
    may_disclose = "IRS side: current return information on unearned income only ((l)(7)(B)); wages come from SSA ((l)(7)(A))"
    purpose_limit = "determining eligibility for, or the correct amount of, benefits"
    purposes = frozenset({PurposeKind.BENEFIT_ELIGIBILITY})
    purpose_rule = "6103(l)(7)(C)"
    return_rule = "6103(p)(4)(F)(i)"
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
        Clause(
            "6103(l)(7)(B)",
            "a written request of the agency administering the program",
            quote="upon written request, disclose",
        ),
        Clause(
            "6103(l)(7)(D)",
            "the program is one (D) lists, and the agency administers it",
            quote="The programs to which this paragraph applies are:",
        ),
        Clause(
            "6103(l)(7)(D)(ix)",
            "HUD housing assistance: the Secretary of HUD's own written request, for HUD's use",
            quote="only on written request by the Secretary of Housing and Urban Development and only for use by officers and employees of the Department of Housing and Urban Development",
        ),
        Clause(
            "6103(l)(7)(B)",
            "elements: current return information on unearned income only",
            quote="current return information from returns with respect to unearned income from the Internal Revenue Service files",
        ),
        Clause(
            "6103(l)(7)(C)",
            "purpose: eligibility or benefit amount",
            quote="only for purposes of, and to the extent necessary in, determining eligibility for, or the correct amount of, benefits under a program listed in subparagraph (D)",
        ),
        Clause(
            "6103(p)(4)",
            "the agency's safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause(
            "6103(l)(7)(A)",
            "wage, self-employment and retirement-income data come from SSA, not the IRS: W-2 wages refused",
        ),
        Clause(
            "6103(l)(7)(D)",
            "whether the agency administers the program: the agency registry's `programs` list",
        ),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        program = ctx.extra("purpose", "program")
        if not program:
            return [failed(D, "the request names no program (`purpose.program`)")]
        program = str(program).strip().lower()
        if program not in PROGRAMS:
            return [
                failed(D, f"program {program!r} is not one (l)(7)(D) lists ({', '.join(PROGRAMS)})")
            ]
        clause, what = PROGRAMS[program]
        r = ctx.manifest.requester
        if program == "hud-housing" and (r.agency, r.position) != HUD_SECRETARY:
            return [
                failed(
                    clause,
                    f"HUD housing programs only on written request by the Secretary of Housing and Urban "
                    f"Development, for HUD's own officers and employees; this request is from "
                    f"{r.position!r} at {r.agency}",
                )
            ]
        agency = ctx.registry.agency(r.agency, ctx.as_of)
        if agency is not None and program not in agency.programs:
            return [
                failed(
                    D,
                    f"{agency.id} does not administer {what} (registry: {', '.join(agency.programs) or 'none'})",
                )
            ]
        return [passed(clause, f"program: {what}")]

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        program = str(ctx.extra("purpose", "program") or "").strip().lower()
        if program == "va-unemployability":
            return refuse(
                f"{D}(viii)(IV)",
                "for this program only self-employment and wage data (from SSA) may be disclosed; nothing from the IRS",
            )
        if element_id in UNEARNED:
            return allow("6103(l)(7)(B)", f"unearned income: {UNEARNED[element_id]}")
        if element_id == "info_return.w2.wages":
            return refuse(
                "6103(l)(7)(A)",
                "wages are disclosed by the Commissioner of Social Security under (l)(7)(A), not by the IRS",
            )
        return refuse(
            "6103(l)(7)(B)", "the IRS may disclose return information on unearned income only"
        )
