"""26 U.S.C. 6103(d)(1) — state tax agencies, for state tax administration.

(d)(1): returns and return information for the listed federal taxes are open to a state
agency charged with administering state tax laws, for that purpose and only to the
extent necessary, only on the *written request of the head* of the agency, and only to
the representatives the request *designates*. Those representatives may not include the
State's chief executive officer (the governor), nor anyone who is neither an employee or
legal representative of the agency nor a (n) contractor. The IRS does not disclose what
would identify a confidential informant or seriously impair a civil or criminal tax
investigation.

The request names its representatives in ``representatives`` (an extension): a list of
``{name, position, agency}``.

Not modeled, and what happens instead:
- the list of federal taxes (chapters 1, 2, 6, 11, 12, 21, …): every vault element is
  income-tax (chapter 1) or IRS data about it, so the list is not checked.
- "only to the extent necessary": stated as the use restriction.
- a representative from another agency (possible (n) contractor or legal representative)
  → review.
- the informant / tax-investigation clause → per subject after resolution (bar 6103(d)(1)).
"""

from __future__ import annotations

from fti_gateway.core.elements import ElementClass
from fti_gateway.intake.models import PurposeKind
from fti_gateway.law.authorities.base import Authority, Clause, Context
from fti_gateway.law.findings import Finding, failed, passed, review

RULE = "6103(d)(1)"


class D(Authority):
    id = "6103(d)"
    citation = "26 U.S.C. 6103(d)(1)"
    title = "Disclosure to state tax officials and state and local law enforcement agencies: state tax administration"
    recipient = (
        "the state tax agency's representatives designated in the request (never the governor)"
    )
    how_requested = (
        "written request of the head of the state tax agency, designating the representatives"
    )
    may_disclose = "returns and return information for the listed federal taxes"
    purpose_limit = "administration of the state's tax laws, only to the extent necessary"
    purposes = frozenset({PurposeKind.TAX_ADMINISTRATION})
    purpose_rule = RULE
    return_rule = "6103(p)(4)(F)(i)"
    use_restriction = (
        "Disclosed under 26 U.S.C. 6103(d)(1) to the designated representatives of the state tax agency, for the "
        "administration of state tax laws and only to the extent necessary; not to the governor; no other use "
        "(26 U.S.C. 6103(a), 7213, 7431)."
    )
    writing_rule = RULE
    signer_rule = RULE
    bar_rule = "6103(d)(1)"
    allowed_classes = frozenset(ElementClass)
    requires = (
        Clause(
            RULE,
            "a written request of the head of the state tax agency",
            quote="only upon written request by the head of such agency, body, or commission",
        ),
        Clause(
            RULE,
            "the representatives who are to receive the data, designated by name (not the governor)",
            quote="Such representatives shall not include any individual who is the chief executive officer of such State",
        ),
        Clause(
            RULE,
            "purpose: state tax administration",
            quote="for the purpose of, and only to the extent necessary in, the administration of such laws",
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
            RULE,
            "the list of federal taxes (chapters 1, 2, 6, …): not checked; vault data is income-tax data",
        ),
        Clause(
            RULE,
            "a representative from outside the agency ((n) contractor, legal representative) → review",
        ),
    )

    def specific_findings(self, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        r = ctx.manifest.requester
        agency = ctx.registry.agency(r.agency, ctx.as_of)
        if r.position == "governor" or (agency is not None and agency.kind == "governor"):
            out.append(
                failed(
                    RULE,
                    "the governor (the State's chief executive officer) may not request or receive under (d)",
                )
            )
        reps = ctx.extra("representatives")
        if not isinstance(reps, list) or not reps:
            out.append(
                failed(RULE, "the request designates no representatives to receive the data")
            )
            return out
        for i, rep in enumerate(reps):
            if not isinstance(rep, dict) or not str(rep.get("name") or "").strip():
                out.append(failed(RULE, f"representative #{i + 1} is not named"))
                continue
            name = str(rep["name"])
            position = str(rep.get("position") or rep.get("title") or "")
            if "governor" in position.casefold():
                out.append(
                    failed(
                        RULE,
                        f"representative {name} is the governor, who may not receive under (d)",
                    )
                )
            rep_agency = rep.get("agency")
            rep_kind = ctx.registry.agency(str(rep_agency), ctx.as_of) if rep_agency else None
            if rep_kind is not None and rep_kind.kind == "governor":
                out.append(failed(RULE, f"representative {name} belongs to the governor's office"))
            elif rep_agency and str(rep_agency) != r.agency:
                out.append(
                    review(
                        RULE,
                        f"representative {name} is not on the staff of {r.agency}; only employees, legal representatives or (n) contractors may receive",
                    )
                )
        if not any(f.result != "pass" for f in out):
            out.append(passed(RULE, f"{len(reps)} representative(s) designated by name"))
        return out
