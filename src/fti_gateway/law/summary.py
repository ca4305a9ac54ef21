"""Counts over many decisions, by outcome and by rule (for the demo and oversight summaries).

A summary is what the disclosure office reports upward: how many requests ended how, and
which subsections stopped which subjects — never who the subjects were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from fti_gateway.law.decision import Decision


def summarize(decisions: Iterable[Decision]) -> dict[str, Any]:
    by_outcome: Counter[str] = Counter()
    subjects: Counter[str] = Counter()
    subjects_by_rule: Counter[str] = Counter()
    findings_by_rule: dict[str, Counter[str]] = {}
    n = 0
    for d in decisions:
        n += 1
        by_outcome[d.outcome.value] += 1
        subjects.update(d.counts)
        subjects_by_rule.update(d.by_rule())
        for f in d.findings:
            if f.result.value != "pass":
                findings_by_rule.setdefault(f.rule, Counter())[f.result.value] += 1
    return {
        "requests": n,
        "by_outcome": dict(sorted(by_outcome.items())),
        "subjects": {k: subjects.get(k, 0) for k in ("total", "approved", "denied", "review")},
        "subjects_by_rule": dict(sorted(subjects_by_rule.items())),
        "findings_by_rule": {
            r: dict(sorted(c.items())) for r, c in sorted(findings_by_rule.items())
        },
    }
