"""Findings: one checked rule, its result, and the subsection that controls it (FORMATS §5).

After Cedar: a decision carries the rules that caused it. Every ``fail`` or ``review``
finding names the narrowest subsection; ``pass`` findings are kept too, so that a decision
shows what was checked, not only what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"


class SubjectResult(StrEnum):
    APPROVE = "approve"
    DENY = "deny"
    REVIEW = "review"


class Outcome(StrEnum):
    APPROVE = "approve"
    PARTIAL = "partial"
    DENY = "deny"
    REVIEW = "review"


@dataclass(frozen=True)
class Finding:
    rule: str
    result: Result
    message: str
    level: str = "request"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "result": str(self.result),
            "message": self.message,
        }


def passed(rule: str, message: str) -> Finding:
    return Finding(rule, Result.PASS, message)


def failed(rule: str, message: str) -> Finding:
    return Finding(rule, Result.FAIL, message)


def review(rule: str, message: str) -> Finding:
    return Finding(rule, Result.REVIEW, message)
