"""Review items: every question a request's decision leaves to a person, with a stable id.

Items are *derived*, never stored: from the request's latest decision (its findings and
subject rows) and the resolver's matches. The id is a digest of what the item is about —
request, kind, key and rule — so the same question keeps its id across revisions and
workspaces (a replay of the dispositions addresses the same items).

Four kinds (``law.dispositions``): a request-level finding, a data element, a subject's
own finding and an ambiguous candidate match. Subject rows held under a rule that a
request-level review also raises (bulk boilerplate) are one question, answered by the
request-level item, and are not listed one by one.

``fail`` findings get ids too (``result == "fail"``): they are not open to anyone, and
addressing one explains why, instead of "no such item".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fti_gateway.law.dispositions import MATCH_RULE, element_of, request_keys
from fti_gateway.law.findings import Finding, Result

_DOMAIN = "fti/review-item/v1"
NEEDS_SECOND_PERSON = frozenset({"request"})
"""Kinds whose approval takes an officer's proposal and a supervisor's confirmation."""
HOLDS_EVERYTHING = frozenset({"request", "element"})
"""Kinds that hold the whole request while open (subject and match items do not)."""


def item_id(agency: str, request_id: str, kind: str, key: str, rule: str) -> str:
    raw = json.dumps([_DOMAIN, agency, request_id, kind, key, rule], ensure_ascii=False)
    return "it-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Item:
    id: str
    agency: str
    request_id: str
    kind: str
    key: str
    rule: str
    result: str  # "review" (open to a person) or "fail" (a bright line)
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.result == "review"

    @property
    def subject_id(self) -> str | None:
        return self.key if self.kind in ("subject", "match") else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request": {"agency": self.agency, "id": self.request_id},
            "kind": self.kind,
            "key": self.key,
            "rule": self.rule,
            "result": self.result,
            "message": self.message,
            "evidence": self.evidence,
        }


def items_of(
    decision: Mapping[str, Any],
    subject_findings: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    subjects: pd.DataFrame | None = None,
    *,
    failures: bool = False,
) -> list[Item]:
    """The review items of one decision (FORMATS §5 JSON + its subject rows); with
    ``failures`` also the bright-line failures, so that they can be named and refused."""
    req = decision["request"]
    agency, rid = str(req["agency"]), str(req["id"])
    wanted = {"review", "fail"} if failures else {"review"}
    out: list[Item] = []

    def add(kind: str, key: str, rule: str, result: str, message: str, **ev: Any) -> None:
        out.append(Item(item_id(agency, rid, kind, key, rule), agency, rid, kind, key, rule,
                        result, message, dict(ev)))  # fmt: skip

    findings = [
        Finding(str(f["rule"]), Result(str(f["result"])), str(f["message"]), str(f["level"]))
        for f in decision.get("findings", [])
    ]
    governed: set[str] = set()
    for f, key in zip(findings, request_keys(findings), strict=True):
        if key and f.result is Result.REVIEW:
            governed.add(f.rule)
        if str(f.result) not in wanted:
            continue
        element = element_of(f)
        if key:
            add("request", key, f.rule, str(f.result), f.message)
        elif element is not None:
            add("element", element, f.rule, str(f.result), f.message)

    ambiguous = _ambiguous(matches)
    sf = subject_findings
    for sid, result, rule, message in zip(
        sf["subject_id"].astype(str), sf["result"], sf["rule"].astype(str), sf["message"],
        strict=True,
    ):  # fmt: skip
        if result == "deny" and "fail" in wanted:
            add("subject", sid, rule, "fail", str(message))
        elif result != "review" or rule in governed:
            continue
        elif sid in ambiguous and rule == MATCH_RULE:
            add("match", sid, rule, "review", str(message),
                **_match_evidence(ambiguous[sid], _subject(subjects, sid)))  # fmt: skip
        else:
            add("subject", sid, rule, "review", str(message),
                **({"subject": _subject(subjects, sid)} if subjects is not None else {}))  # fmt: skip
    return out


def _ambiguous(matches: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if matches is None or matches.empty:
        return {}
    rows = matches[matches["status"] == "ambiguous"]
    return {
        str(r["subject_id"]): {str(k): v for k, v in r.items()} for r in rows.to_dict("records")
    }


def _subject(subjects: pd.DataFrame | None, sid: str) -> dict[str, Any]:
    """The subject as the requester gave it (the officer compares it with the candidates)."""
    if subjects is None or subjects.empty:
        return {"subject_id": sid}
    rows = subjects[subjects["subject_id"].astype(str) == sid]
    if rows.empty:
        return {"subject_id": sid}
    row = rows.iloc[0].to_dict()
    return {str(k): (None if _missing(v) else str(v)) for k, v in row.items() if k != "line"}


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _match_evidence(row: Mapping[str, Any], subject: dict[str, Any]) -> dict[str, Any]:
    """The candidates side by side: each field's comparison level and weight (bits), the
    runner-up, and the guard's reasons for not deciding alone."""
    try:
        expl = json.loads(str(row.get("explanation") or "{}"))
    except json.JSONDecodeError:
        expl = {}
    candidates = []
    for role in ("best", "runner_up"):
        c = expl.get(role)
        if isinstance(c, dict):
            candidates.append({
                "role": role,
                "taxpayer_id": c.get("taxpayer_id"),
                "weight": c.get("weight"),
                "fields": [
                    {"field": f.get("field"), "level": f.get("level"), "weight": f.get("bits")}
                    for f in c.get("fields", [])
                ],
            })  # fmt: skip
    return {
        "subject": subject,
        "candidates": candidates,
        "runner_up": row.get("runner_up_taxpayer_id"),
        "guard_reasons": list(expl.get("reasons", [])),
        "threshold": expl.get("threshold"),
        "margin": expl.get("margin"),
    }


def candidate_ids(item: Item) -> list[str]:
    """The taxpayers an officer may choose for a match item."""
    return [
        str(c["taxpayer_id"]) for c in item.evidence.get("candidates", []) if c.get("taxpayer_id")
    ]


def find(items: list[Item], wanted: str) -> Iterator[Item]:
    return (i for i in items if i.id == wanted)
