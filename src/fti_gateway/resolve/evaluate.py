"""Evaluation against a truth file (``subject_id, taxpayer_id`` — empty when not in vault).

- precision = correct matches / subjects resolved as ``match``;
- recall = correct matches / subjects whose person is in the vault;
- F1 their harmonic mean. ``ambiguous`` counts as not matched (it goes to review).

``outcomes`` counts matched / to review / no candidate apart (:func:`.candidates.outcome_counts`),
and ``review_right`` how many subjects sent to review had their true taxpayer as the pick a
reviewer sees first (what the review desk can still recover).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from fti_gateway.core.errors import InputError
from fti_gateway.resolve.candidates import outcome_counts


@dataclass(frozen=True)
class Evaluation:
    subjects: int
    in_vault: int
    matched: int
    correct: int
    wrong: int
    by_status: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    review_right: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.matched if self.matched else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.in_vault if self.in_vault else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if (p + r) else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "subjects": self.subjects,
            "in_vault": self.in_vault,
            "matched": self.matched,
            "correct": self.correct,
            "wrong": self.wrong,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "by_status": dict(self.by_status),
            "outcomes": dict(self.outcomes),
            "review_right": self.review_right,
        }


def _clean(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna() & (s.astype(str).str.strip() != ""), None)


def evaluate(matches: pd.DataFrame, truth: pd.DataFrame) -> Evaluation:
    for name, df, cols in (
        ("matches", matches, ("subject_id", "taxpayer_id", "status")),
        ("truth", truth, ("subject_id", "taxpayer_id")),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(
                f"{name} lacks column(s) {', '.join(missing)}",
                where=name,
                hint="matches follow FORMATS §6; truth is subject_id,taxpayer_id",
            )
    t = truth[["subject_id", "taxpayer_id"]].astype({"subject_id": str}).copy()
    t["taxpayer_id"] = _clean(t["taxpayer_id"])
    outcomes = outcome_counts(matches)
    m = matches[["subject_id", "taxpayer_id", "status"]].astype({"subject_id": str}).copy()
    m["taxpayer_id"] = _clean(m["taxpayer_id"])
    j = t.merge(m, on="subject_id", how="left", suffixes=("_true", "_got"))
    is_match = j["status"] == "match"
    correct = is_match & (j["taxpayer_id_got"] == j["taxpayer_id_true"])
    review_right = (j["status"] == "ambiguous") & (j["taxpayer_id_got"] == j["taxpayer_id_true"])
    by_status = {str(k): int(v) for k, v in m["status"].value_counts().sort_index().items()}
    return Evaluation(
        subjects=len(t),
        in_vault=int(j["taxpayer_id_true"].notna().sum()),
        matched=int(is_match.sum()),
        correct=int(correct.sum()),
        wrong=int((is_match & ~correct).sum()),
        by_status=by_status,
        outcomes=outcomes,
        review_right=int(review_right.sum()),
    )
