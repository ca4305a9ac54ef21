"""``check_resolved``: the per-subject checks that need the resolved taxpayer.

Applied by the pipeline after resolution and before anything is packaged:
- match status: ``ambiguous`` → review (a wrong-person match is an unauthorized
  disclosure, 6103(a)); ``no_match`` → nothing to disclose; an approved subject missing
  from the resolution → review.
- the bar of the authority, from the vault's internal flags:
  6103(i)(6) for the modelled authorities among "paragraph (1), (2), (3)(A) or (C), (5),
  (7), or (8)" — (i)(1), (i)(2), (i)(3)(A), (i)(5), (i)(7)(A) — refuse a disclosure that
  would identify a confidential informant or seriously impair a tax investigation (it does
  *not* apply to (i)(3)(B)); 6103(d)(1) carries the same bar for state tax agencies; under (c)
  a disclosure that would seriously impair federal tax administration goes to review.
  Flags that are missing or unreadable for a matched subject → review, never a pass.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from fti_gateway.law.authorities.base import SubjectTable, apply_subject_rule
from fti_gateway.law.decision import Decision
from fti_gateway.law.findings import Finding, SubjectResult, passed

CI = "irs.confidential_informant"
OPEN = "irs.open_tax_investigation"
_BAR_MESSAGES = {
    CI: "disclosure would identify a confidential informant",
    OPEN: "the taxpayer is under an open tax investigation; disclosure may seriously impair it",
}


_TRUE = {"true", "1", "yes", "t", "1.0"}
_FALSE = {"false", "0", "no", "f", "0.0"}


def _flag(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(true, unreadable) masks for a flag column of bools / 0-1 / 'true'-'false' / None.

    Read once per distinct value (a flag column has two or three), never per row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = [str(u).strip().lower() for u in uniques]
    true_u = np.array([t in _TRUE for t in text] + [False], dtype=bool)
    false_u = np.array([t in _FALSE for t in text] + [False], dtype=bool)
    true, false = true_u[codes], false_u[codes]  # code -1 (missing) → the appended False
    return true, ~(true | false)


def check_resolved(decision: Decision, resolved: pd.DataFrame) -> Decision:
    """Apply match status and the authority's bar per subject; the outcome is recomputed."""
    frame = SubjectTable.from_frame(decision.subject_findings)
    r = resolved.drop_duplicates("subject_id")
    pos = pd.Index(r["subject_id"]).get_indexer(frame.subject_id)
    present = pos >= 0
    n = len(pos)

    def column(name: str) -> np.ndarray:
        """The resolved column aligned to the decision's rows (None where unresolved)."""
        if name not in r.columns:
            return np.full(n, None, dtype=object)
        values = np.append(r[name].to_numpy(dtype=object), np.array([None], dtype=object))
        return values[np.where(present, pos, len(values) - 1)]

    status = np.asarray(pd.Series(column("status")).fillna("").astype(str), dtype=object)
    live = frame.result != SubjectResult.DENY.value

    apply_subject_rule(
        frame,
        live & ~present,
        SubjectResult.REVIEW,
        "6103(a)",
        "the subject was not resolved to a taxpayer; a person must resolve it before disclosure",
    )
    apply_subject_rule(
        frame,
        status == "no_match",
        SubjectResult.DENY,
        "6103(a)",
        "no taxpayer in the master file matches this subject; nothing is disclosed",
    )
    apply_subject_rule(
        frame,
        status == "ambiguous",
        SubjectResult.REVIEW,
        "6103(a)",
        "identity resolution is ambiguous; a person must confirm the taxpayer (a wrong-person match is an unauthorized disclosure)",
    )
    unknown_status = present & ~np.isin(status, ["match", "no_match", "ambiguous"])
    apply_subject_rule(
        frame,
        unknown_status,
        SubjectResult.REVIEW,
        "6103(a)",
        "the resolution status is not one of match/no_match/ambiguous",
    )

    extra: list[Finding] = []
    rule = decision.bar_rule
    matched = live & (status == "match")
    if rule is not None and matched.any():
        counts = {}
        for col in (CI, OPEN):
            if col in r.columns:
                true, unreadable = _flag(column(col))
            else:
                true, unreadable = np.zeros(n, bool), np.ones(n, bool)
            bar_result = SubjectResult.REVIEW if rule == "6103(c)" else SubjectResult.DENY
            message = _BAR_MESSAGES[col]
            if rule == "6103(c)":
                message += "; whether disclosure would seriously impair federal tax administration is for a person to decide"
            apply_subject_rule(frame, matched & true, bar_result, rule, message)
            apply_subject_rule(
                frame,
                matched & unreadable,
                SubjectResult.REVIEW,
                rule,
                f"the vault flag {col} is missing for this taxpayer; the {rule} bar cannot be checked",
            )
            counts[col] = int((matched & true).sum())
        extra.append(
            passed(
                rule,
                f"bar checked for {int(matched.sum())} matched subjects: {counts[CI]} confidential-informant, {counts[OPEN]} open-investigation",
            )
        )
    return replace(decision, subject_findings=frame.frame(), checked=[*decision.checked, *extra])
