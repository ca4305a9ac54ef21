"""The rule catalogue: a data file (catalogue.yaml) with each rule's id, version, score,
citation and explanation, checked on load — a citation must name a provision present in
the law text the project ships (shared/law/usc, copied under law/usc), so a rule never
cites what no one can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fti_gateway.core.errors import ConfigError

FORMAT = "fti/monitor-rules/v1"


@dataclass(frozen=True)
class Rule:
    id: str
    version: str
    score: int
    citation: str
    explanation: str
    params: dict[str, Any] = field(default_factory=dict)

    def explain(self, detail: dict[str, Any]) -> str:
        """The explanation with the alert's evidence filled in."""
        return " ".join(self.explanation.format_map(_Missing(detail)).split())


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Catalogue:
    version: str
    rules: dict[str, Rule]
    reviewer_roles: tuple[str, ...]
    exempt_roles: tuple[str, ...]

    def param(self, rule: str, name: str) -> Any:
        return self.rules[rule].params[name]


def load(path: Path | None = None) -> Catalogue:
    """The shipped catalogue, or ``path`` (a workspace's own)."""
    if path is None:
        text = resources.files("fti_gateway.monitor").joinpath("catalogue.yaml").read_text()
        where = "monitor/catalogue.yaml"
    else:
        text, where = Path(path).read_text(), str(path)
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f"not a {FORMAT} catalogue", where=where)
    known = _provisions()
    rules: dict[str, Rule] = {}
    for i, r in enumerate(doc.get("rules") or []):
        try:
            rule = Rule(
                id=str(r["id"]),
                version=str(r["version"]),
                score=int(r["score"]),
                citation=str(r["citation"]),
                explanation=str(r["explanation"]),
                params=dict(r.get("params") or {}),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"rule {i + 1} is incomplete: {e}", where=where) from None
        if rule.citation not in known:
            raise ConfigError(
                f"rule {rule.id} cites {rule.citation}, which is not in the shipped law text",
                where=where,
            )
        if not 0 <= rule.score <= 100 or rule.id in rules:
            raise ConfigError(f"rule {rule.id}: score 0..100 and a unique id", where=where)
        rules[rule.id] = rule
    return Catalogue(
        version=str(doc.get("version")),
        rules=rules,
        reviewer_roles=tuple((doc.get("reviewers") or {}).get("roles") or ()),
        exempt_roles=tuple(doc.get("exempt_roles") or ()),
    )


@lru_cache(maxsize=1)
def _provisions() -> frozenset[str]:
    usc = resources.files("fti_gateway.law").joinpath("usc")
    out: set[str] = set()
    for entry in usc.iterdir():
        if entry.name.endswith(".tsv"):
            out.update(line.split("\t", 1)[0] for line in entry.read_text().splitlines())
    return frozenset(out)
