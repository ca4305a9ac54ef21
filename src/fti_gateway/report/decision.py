"""The readable decision summary: what was decided, for whom, and which rule said so.

Reads only records (the decision document, per-subject findings, match results); it
never recomputes a finding, so the summary cannot disagree with the decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

OUTCOME_WORDS = {
    "approve": "approved: every subject and element asked for may be disclosed",
    "partial": "partly approved: some subjects or elements are refused",
    "deny": "denied: nothing may be disclosed",
    "review": "held for review: a person must decide before anything is disclosed",
}


def counts_by_rule(subject_findings: pd.DataFrame) -> pd.DataFrame:
    """Subjects per (result, rule, message), largest first: the 'why' of a bulk decision."""
    if subject_findings.empty:
        return pd.DataFrame(columns=["result", "rule", "message", "subjects"])
    return (
        subject_findings.fillna({"rule": "", "message": ""})
        .groupby(["result", "rule", "message"], dropna=False)
        .size()
        .reset_index(name="subjects")
        .sort_values("subjects", ascending=False, kind="stable")
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]
    return out


def example_explanation(matches: pd.DataFrame) -> list[str]:
    """One match's weight, field by field (a waterfall as a table)."""
    if matches.empty or "explanation" not in matches:
        return []
    found = matches[matches["status"] == "match"]
    if found.empty:
        return []
    row = found.iloc[0]
    try:
        parts = json.loads(row["explanation"])
    except (TypeError, ValueError):
        return [f"Example match {row['subject_id']}: {row['explanation']}"]
    lines = [
        f"Example: subject `{row['subject_id']}` → taxpayer `{row['taxpayer_id']}`, "
        f"match weight {row['match_weight']:.2f}"
        + (
            f" (runner-up {row['runner_up_weight']:.2f})"
            if pd.notna(row.get("runner_up_weight"))
            else ""
        ),
        "",
    ]
    if isinstance(parts, dict):
        parts = parts.get("contributions", parts.get("fields", [parts]))
    rows = []
    for p in parts if isinstance(parts, list) else []:
        if isinstance(p, dict):
            rows.append(
                [
                    p.get("field", p.get("comparison", "")),
                    p.get("level", p.get("label", "")),
                    f"{float(p.get('weight', p.get('match_weight')) or 0.0):+.2f}",
                ]
            )
    return lines + (_table(["field", "level", "weight"], rows) if rows else [json.dumps(parts)])


def render_summary(
    decision: dict[str, Any],
    subject_findings: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    rejects: Sequence[Any] = (),
    disclosed: int = 0,
) -> str:
    req = decision["request"]
    lines = [
        f"# Decision on {req['agency']} {req['id']} under {decision['authority']}",
        "",
        f"**Outcome: {decision['outcome']}** — {OUTCOME_WORDS.get(decision['outcome'], '')}",
        "",
    ]
    findings = decision.get("findings", [])
    if findings:
        lines += ["## Request-level findings", ""]
        lines += _table(
            ["rule", "result", "message"],
            [[f["rule"], f["result"], f["message"]] for f in findings],
        )
        lines.append("")
    el = decision.get("elements", {})
    lines += ["## Data elements", ""]
    lines.append("- allowed: " + (", ".join(el.get("allowed", [])) or "none"))
    for e, rule in (el.get("refused") or {}).items():
        lines.append(f"- refused: {e} ({rule})")
    subj = decision.get("subjects", {})
    lines += [
        "",
        "## Subjects",
        "",
        f"{subj.get('total', 0):,} subjects: {subj.get('approved', 0):,} approved, "
        f"{subj.get('denied', 0):,} denied, {subj.get('review', 0):,} for review; "
        f"{len(rejects):,} rows rejected at intake; {disclosed:,} disclosed.",
        "",
    ]
    by_rule = counts_by_rule(subject_findings)
    if not by_rule.empty:
        lines += _table(
            ["result", "rule", "subjects", "why"],
            [
                [r.result, r.rule or "—", f"{r.subjects:,}", r.message or ""]
                for r in by_rule.itertuples()
            ],
        )
        lines.append("")
    if not matches.empty:
        lines += ["## Identity resolution", ""]
        counts = matches["status"].value_counts()
        lines += _table(["status", "subjects"], [[k, f"{v:,}"] for k, v in counts.items()])
        lines.append("")
        lines += example_explanation(matches)
        lines.append("")
    return "\n".join(lines)
