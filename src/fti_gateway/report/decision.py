"""The readable decision summary: what was decided, for whom, and which rule said so.

Reads only records (the decision document, per-subject findings, match results); it
never recomputes a finding, so the summary cannot disagree with the decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

OUTCOME_WORDS = {
    "approve": "approved: every subject and element asked for may be disclosed",
    "partial": "partly approved: some subjects or elements are refused",
    "deny": "denied: nothing may be disclosed",
    "review": "held for review: a person must decide before anything is disclosed",
}


# Per-row details (a line number, the offending value) would make every row its own
# group; the summary groups them under one label and the CSV keeps the details.
_ROW_SPECIFIC = re.compile(r"^(row rejected at intake)\b.*$")


def counts_by_rule(subject_findings: pd.DataFrame) -> pd.DataFrame:
    """Subjects per (result, rule, message), largest first: the 'why' of a bulk decision."""
    if subject_findings.empty:
        return pd.DataFrame(columns=["result", "rule", "message", "subjects"])
    frame = subject_findings.fillna({"rule": "", "message": ""})
    frame = frame.assign(
        message=frame["message"]
        .astype(str)
        .str.replace(
            _ROW_SPECIFIC, r"\1 (each row's reason is in subject_findings.csv)", regex=True
        )
    )
    return (
        frame.groupby(["result", "rule", "message"], dropna=False)
        .size()
        .reset_index(name="subjects")
        .sort_values("subjects", ascending=False, kind="stable")
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]
    return out


def _contributions(explained: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Field contributions and the surrounding facts from a stored explanation record.

    Resolve stores ``{"best": {"fields": [{field, level, bits}, …]}, "prior_bits", "pass",
    "reasons", …}``; a bare list of ``{field, level, weight}`` is accepted too."""
    if isinstance(explained, list):
        return [p for p in explained if isinstance(p, dict)], {}
    if isinstance(explained, dict):
        best = explained.get("best") or {}
        fields = best.get("fields", []) if isinstance(best, dict) else []
        return [p for p in fields if isinstance(p, dict)], explained
    return [], {}


def example_explanation(matches: pd.DataFrame) -> list[str]:
    """One match's weight, field by field (a waterfall as a table), read from its record.

    A probabilistic match is preferred as the example: it is the one a reviewer most
    needs to see explained."""
    if matches.empty or "explanation" not in matches:
        return []
    found = matches[matches["status"] == "match"]
    if found.empty:
        return []
    if "pass" in found and (found["pass"] == "probabilistic").any():
        found = found[found["pass"] == "probabilistic"]
    row = found.iloc[0]
    try:
        explained = json.loads(row["explanation"])
    except (TypeError, ValueError):
        return [f"Example match {row['subject_id']}: {row['explanation']}"]
    fields, facts = _contributions(explained)
    runner = row.get("runner_up_weight")
    lines = [
        f"Example: subject `{row['subject_id']}` → taxpayer `{row['taxpayer_id']}`, "
        f"match weight {float(row['match_weight']):.2f}"
        + (f" (runner-up {float(runner):.2f})" if runner is not None and pd.notna(runner) else "")
        + (f", {facts['pass']} pass" if facts.get("pass") else ""),
        "",
    ]
    rows = [
        [
            str(p.get("field", "")),
            str(p.get("level", "")),
            f"{float(p.get('bits', p.get('weight', 0.0)) or 0.0):+.2f}",
        ]
        for p in fields
    ]
    if "prior_bits" in facts:
        rows.insert(0, ["(prior)", "before any comparison", f"{float(facts['prior_bits']):+.2f}"])
    lines += _table(["field", "level", "weight"], rows) if rows else [json.dumps(explained)]
    if facts.get("reasons"):
        lines += ["", "Why: " + "; ".join(str(r) for r in facts["reasons"])]
    return lines


def render_summary(
    decision: dict[str, Any],
    subject_findings: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    rejects: Sequence[Any] = (),
    disclosed: int = 0,
    no_data: int = 0,
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
    for e, rule in (el.get("review") or {}).items():
        lines.append(f"- for review: {e} ({rule})")
    subj = decision.get("subjects", {})
    lines += [
        "",
        "## Subjects",
        "",
        f"{subj.get('total', 0):,} subjects: {subj.get('approved', 0):,} approved, "
        f"{subj.get('denied', 0):,} denied, {subj.get('review', 0):,} for review; "
        f"{len(rejects):,} rows rejected at intake; {disclosed:,} disclosed"
        + (
            f" ({no_data:,} approved subject{'s' if no_data != 1 else ''} had no records "
            "for the periods asked, so nothing about them went out)."
            if no_data
            else "."
        ),
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
