"""Checks on an ex parte court order, shared by (i)(1) and (i)(5).

Both authorities open data "pursuant to and upon the grant of an ex parte order by a
Federal district court judge or magistrate judge", only to the extent the order provides.
What the engine can see of the order is its FORMATS §1 record: court, judge, docket,
issued, expires, findings, ex_parte (+ optional ``periods`` and ``elements`` the order
covers). What it cannot see — whether the order is genuine — is for the disclosure
officer who holds the paper; a record that is incomplete goes to review, never to a pass.
"""

from __future__ import annotations

import re

from fti_gateway.intake.models import CourtOrder
from fti_gateway.law.authorities.base import Context
from fti_gateway.law.findings import Finding, failed, passed, review

# A federal district court by name ("United States District Court for ...", "U.S. District
# Court, N.D. Ill.") or by its reporter abbreviation alone ("S.D.N.Y.", "D. Mass.", "D.D.C.",
# "E.D. Va."). The abbreviation must be the whole name: "D.C. Superior Court" begins with
# "D.C." and is a local court of the District of Columbia, not a federal district court.
_FEDERAL = re.compile(
    r"(UNITED STATES|U\.\s?S\.|FEDERAL)\s+DISTRICT\s+COURT"
    r"|^(?!D\.\s?C\.)(?:[NSEWMC]\.\s?)?D\.\s?(?:[A-Z][A-Z]*\.\s?){1,3}$",
    re.IGNORECASE,
)
# State and local courts, the District of Columbia's own courts among them (D.C. Code
# 11-101: the Superior Court and the D.C. Court of Appeals). Checked first: reading a local
# court as federal would open returns without the order (i)(1) and (i)(5) require.
_STATE = re.compile(
    r"SUPERIOR|COUNTY|STATE OF|CIRCUIT COURT OF|MUNICIPAL|FAMILY COURT|PROBATE"
    r"|^D\.\s?C\.|(?:DISTRICT OF COLUMBIA|D\.\s?C\.)\s+COURT OF APPEALS",
    re.IGNORECASE,
)


def order_findings(ctx: Context, rule: str) -> tuple[CourtOrder | None, list[Finding]]:
    """Findings on the order's form and dates, all cited to ``rule`` (its (A) clause)."""
    order = ctx.manifest.court_order
    if order is None:
        return None, [failed(rule, "no ex parte court order is recorded with the request")]
    out: list[Finding] = []
    if order.ex_parte is True:
        out.append(passed(rule, "the order was granted ex parte"))
    elif order.ex_parte is False:
        out.append(failed(rule, "the order was not granted ex parte"))
    else:
        out.append(
            review(
                rule,
                "the record does not say whether the order was ex parte; a person must check the order",
            )
        )
    court = (order.court or "").strip()
    if not court:
        out.append(failed(rule, "the order names no court"))
    elif _STATE.search(court):
        out.append(failed(rule, f"{court!r} is not a federal district court"))
    elif _FEDERAL.search(court):
        out.append(passed(rule, f"issued by a federal district court ({court})"))
    else:
        out.append(
            review(
                rule,
                f"{court!r} is not recognized as a federal district court; a person must check",
            )
        )
    if not (order.judge or "").strip():
        out.append(failed(rule, "the order names no district or magistrate judge"))
    if not (order.docket or "").strip():
        out.append(
            review(
                rule,
                "the order's docket number is not recorded; a person must match the request to the order",
            )
        )
    on = ctx.as_of
    if order.issued is None:
        out.append(review(rule, "the order's date is not recorded"))
    elif order.issued > ctx.manifest.received:
        out.append(
            review(
                rule,
                f"the order is dated {order.issued}, after the request was received ({ctx.manifest.received})",
            )
        )
    if order.expires is not None and order.expires < on:
        out.append(failed(rule, f"the order expired on {order.expires}, before {on}"))
    return order, out


def order_periods(ctx: Context, order: CourtOrder, rule: str) -> list[Finding]:
    """Requested periods must be within the periods the order covers."""
    covered = ctx.extra("court_order", "periods")
    asked = ctx.manifest.taxable_periods
    if not asked:
        return [
            failed(
                rule, "the request names no taxable period (the order opens specified periods only)"
            )
        ]
    if not isinstance(covered, list) or not covered:
        return [
            review(
                rule,
                "the order's taxable periods are not recorded; a person must check the periods against the order",
            )
        ]
    outside = [p for p in asked if p not in {str(c) for c in covered}]
    if outside:
        return [
            failed(
                rule,
                f"period(s) {', '.join(outside)} are outside the order ({', '.join(map(str, covered))})",
            )
        ]
    return [passed(rule, f"periods {', '.join(asked)} are within the order")]


def order_elements(ctx: Context) -> set[str] | None:
    """The elements the order lists, if it lists any."""
    listed = ctx.extra("court_order", "elements")
    return {str(e) for e in listed} if isinstance(listed, list) and listed else None
