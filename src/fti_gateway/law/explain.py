"""For people: what an authority requires (`fti law explain`), which authorities could
serve a given requester and purpose (`fti law map`), and a decision in words.

All of it is data first (dicts a test or the API can read), text second; nothing here
prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fti_gateway.core.errors import NotFoundError
from fti_gateway.intake.models import PurposeKind
from fti_gateway.law.authorities import AUTHORITIES, Authority
from fti_gateway.law.decision import Decision
from fti_gateway.law.registries import Registry, SignerStatus


def get_authority(authority_id: str) -> Authority:
    key = authority_id.strip()
    if key in AUTHORITIES:
        return AUTHORITIES[key]
    # Accept "i2", "(i)(2)", "6103 (i)(2)" as spellings of "6103(i)(2)".
    compact = key.replace(" ", "").removeprefix("6103").removeprefix("§")
    for a in AUTHORITIES.values():
        short = a.id.removeprefix("6103")
        if compact in (short, short.replace("(", "").replace(")", "")):
            return a
    raise NotFoundError(
        f"no authority {authority_id!r}",
        hint="known authorities: " + ", ".join(AUTHORITIES),
    )


def explain(authority_id: str, registry: Registry, on: date) -> dict[str, Any]:
    """The authority's declaration plus who may sign it, from the registry as of ``on``."""
    a = get_authority(authority_id)
    signers = [
        {
            "position": p.id,
            "label": p.label,
            "where": g.where.describe(),
            "status": g.status,
            "reason": g.reason,
            "source": g.source,
        }
        for p, g in registry.signers_for(a.id, on)
    ]
    if a.id == "6103(c)":
        signers = [
            {
                "position": "taxpayer-designee",
                "label": "the designee named in the consent",
                "where": "requester.agency = consent.designee",
                "status": "eligible",
                "reason": None,
                "source": "26 U.S.C. 6103(c)",
            }
        ]
    return {**a.describe(), "signers": signers, "as_of": on.isoformat()}


def _clause_lines(c: dict[str, Any]) -> list[str]:
    """A clause, and under it the statute's own words it follows (if it quotes them)."""
    lines = [f"  [{c['cite']}] {c['text']}"]
    q = c.get("quote")
    if q:
        lines.append(f"      \u201c{q['text']}\u201d \u2014 {q['cite']}")
    return lines


def explain_text(info: dict[str, Any]) -> str:
    yes = {True: "yes", False: "no"}
    lines = [
        f"{info['id']} — {info['title']}",
        f"  citation:        {info['citation']}",
        f"  recipient:       {info['recipient']}",
        f"  how requested:   {info['how_requested']}",
        f"  may disclose:    {info['may_disclose']}",
        f"  purpose limit:   {info['purpose_limit']}",
        f"  purposes:        {', '.join(info['purposes']) or 'any (the consent states it)'}",
        f"  (p)(3)(A) accounting: {yes[info['accounting_p3A']]};  (p)(4) safeguards: {yes[info['safeguards_p4']]}",
        f"  bar after resolution: {info['bar_after_resolution'] or 'none'}",
        "",
        "The request must have (with the words of the statute each follows):",
        *(line for c in info["requires"] for line in _clause_lines(c)),
        "",
        f"Who may sign (registry as of {info['as_of']}):",
        *(
            f"  {s['position']} at {s['where']}: {s['status']}"
            + (f" — {s['reason']}" if s["reason"] else "")
            for s in info["signers"]
        ),
        "",
        "Not modeled (and what happens instead):",
        *(line for c in info["not_modeled"] for line in _clause_lines(c)),
        "",
        f"Use restriction: {info['use_restriction']}",
    ]
    return "\n".join(lines)


def authority_map(
    registry: Registry, agency: str, position: str, purpose: str, on: date
) -> dict[str, Any]:
    """Every authority, with whether this requester could use it for this purpose and what
    a request would still need (an advisory map, not a decision)."""
    try:
        kind: PurposeKind | None = PurposeKind(purpose)
    except ValueError:
        kind = None
    known_agency = registry.agency(agency, on)
    rows = []
    for a in AUTHORITIES.values():
        reason: str | None
        if a.id == "6103(c)":
            signer = "eligible" if position == "taxpayer-designee" else "not-eligible"
            reason = "the requester must be the designee named in the taxpayer's consent"
        else:
            v = registry.signer(position, agency, a.id, on)
            signer = v.status.value
            reason = v.grant.reason if v.grant and v.status is SignerStatus.CONTESTED else None
        purpose_ok = kind is not None and (not a.purposes or kind in a.purposes)
        if signer == "eligible" and purpose_ok:
            verdict = "possible"
        elif signer in ("contested", "unknown-position", "unknown-agency") and purpose_ok:
            verdict = "review"
        else:
            verdict = "not available"
        rows.append(
            {
                "authority": a.id,
                "title": a.title,
                "verdict": verdict,
                "signer": signer,
                "signer_note": reason,
                "purpose_fits": purpose_ok,
                "needs": [c.to_json() for c in a.requires],
            }
        )
    order = {"possible": 0, "review": 1, "not available": 2}
    rows.sort(key=lambda r: order[str(r["verdict"])])
    return {
        "agency": agency,
        "agency_known": known_agency is not None,
        "position": position,
        "purpose": purpose,
        "purpose_known": kind is not None,
        "as_of": on.isoformat(),
        "authorities": rows,
    }


def map_text(m: dict[str, Any]) -> str:
    head = f"Authority map for {m['position']} at {m['agency']}, purpose {m['purpose']} (as of {m['as_of']})"
    lines = [head]
    if not m["agency_known"]:
        lines.append(f"  note: agency {m['agency']!r} is not in the registry")
    if not m["purpose_known"]:
        lines.append(f"  note: purpose {m['purpose']!r} is not a FORMATS §1 purpose kind")
    for r in m["authorities"]:
        lines.append(f"{r['verdict']:>13}  {r['authority']:<14} {r['title']}")
        if r["verdict"] == "not available":
            why = [] if r["purpose_fits"] else ["purpose does not fit"]
            if r["signer"] != "eligible":
                why.append(f"signer {r['signer']}")
            lines.append(f"{'':15}  why: {', '.join(why)}")
            continue
        if r["signer_note"]:
            lines.append(f"{'':15}  open: {r['signer_note']}")
        lines.extend(f"{'':15}  needs [{n['cite']}] {n['text']}" for n in r["needs"])
    return "\n".join(lines)


def decision_text(d: Decision) -> str:
    c = d.counts
    lines = [
        f"{d.request_agency} {d.request_id} under {d.authority.id}: {d.outcome.value.upper()}",
        f"  subjects: {c['total']} total, {c['approved']} approved, {c['denied']} denied, {c['review']} review",
        f"  elements allowed: {', '.join(d.elements_allowed) or 'none'}",
    ]
    if d.elements_refused:
        lines.append(
            "  elements refused: " + ", ".join(f"{e} [{r}]" for e, r in d.elements_refused.items())
        )
    if d.elements_review:
        lines.append(
            "  elements in review: " + ", ".join(f"{e} [{r}]" for e, r in d.elements_review.items())
        )
    lines.append("  findings:")
    lines.extend(f"    {f.result.value:>6}  [{f.rule}] {f.message}" for f in d.findings)
    by_rule = d.by_rule()
    if by_rule:
        lines.append("  subjects not approved, by rule:")
        lines.extend(f"    {n:>8}  {rule}" for rule, n in by_rule.items())
    return "\n".join(lines)
