"""The public (p)(3)(C) report: the full table with small counts suppressed.

The rule is published data (``suppression.yaml``, explained in ``SUPPRESSION.md``): counts
1–10 suppressed and zero shown (primary); in every additive relation — a recipient's total
and its cells, the grand total and the recipients — at least two members suppressed, so no
total gives a suppressed count back (complementary); and, given the previous public
release, a count whose growth since then is 1–10 suppressed (differencing). Every choice
is deterministic (smallest value first, then by name), so anyone holding the full table,
the rule and the previous release gets the same public table: ``fti report verify``
relies on it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fti_gateway.core.errors import ConfigError, InputError
from fti_gateway.report.p3c import MEASURES

RULE_FORMAT = "fti/p3c-suppression/v1"

Key = tuple[str, ...]
"""A published count: ``("total", m)``, ``("line", agency, m)``,
``("cell", agency, authority, purpose, m)``, ``("month", agency, authority, month)`` or
``("rule", what, rule)``."""


@dataclass(frozen=True)
class Rule:
    name: str
    version: int
    low: int
    high: int
    per_relation: int
    diff_low: int
    diff_high: int

    @property
    def label(self) -> str:
        return f"{self.name}#{self.version}"


@cache
def rule() -> Rule:
    """The shipped, published rule."""
    raw = yaml.safe_load(
        (resources.files("fti_gateway.report") / "suppression.yaml").read_text("utf-8")
    )
    if not isinstance(raw, dict) or raw.get("format") != RULE_FORMAT:
        raise ConfigError(f"the suppression rule is not {RULE_FORMAT}", where="suppression.yaml")
    try:
        return Rule(
            name=str(raw["name"]),
            version=int(raw["version"]),
            low=int(raw["primary"]["low"]),
            high=int(raw["primary"]["high"]),
            per_relation=int(raw["complementary"]["min_suppressed_per_relation"]),
            diff_low=int(raw["differencing"]["low"]),
            diff_high=int(raw["differencing"]["high"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"the suppression rule lacks {e}", where="suppression.yaml") from e


def counts(doc: dict[str, Any]) -> dict[Key, int | None]:
    """Every count of the additive table, by key (None where a public report hid it)."""
    out: dict[Key, int | None] = {("total", m): doc["totals"][m] for m in MEASURES}
    for a in doc["agencies"]:
        for m in MEASURES:
            out[("line", a["agency"], m)] = a[m]
        for c in a["cells"]:
            for m in MEASURES:
                out[("cell", a["agency"], c["authority"], c["purpose"], m)] = c[m]
    for x in doc.get("series", []):
        out[_month(x)] = x["instances"]
    for x in doc.get("decisions", []):
        out[_rule(x)] = x["count"]
    return out


def _month(x: dict[str, Any]) -> Key:
    return ("month", x["agency"], x["authority"], x["month"])


def _rule(x: dict[str, Any]) -> Key:
    return ("rule", x["what"], x["rule"])


def relations(doc: dict[str, Any]) -> Iterator[list[Key | None]]:
    """Each additive relation, its total first — None where the total is not published
    but can be derived (a recipient's months under one authority add up to its cells
    under it; the charts' rules are counted apart, and are treated alike to be safe)."""
    groups: dict[tuple[str, ...], list[Key | None]] = {}
    for x in doc.get("series", []):
        groups.setdefault(("month", x["agency"], x["authority"]), [None]).append(_month(x))
    for x in doc.get("decisions", []):
        groups.setdefault(("rule", x["what"]), [None]).append(_rule(x))
    yield from groups.values()
    for m in MEASURES:
        yield [("total", m)] + [("line", a["agency"], m) for a in doc["agencies"]]
        for a in doc["agencies"]:
            yield [("line", a["agency"], m)] + [
                ("cell", a["agency"], c["authority"], c["purpose"], m) for c in a["cells"]
            ]


def public(
    full: dict[str, Any], previous: dict[str, Any] | None = None, r: Rule | None = None
) -> dict[str, Any]:
    """The public version of a full report (``P3CReport.to_json()``)."""
    r = r or rule()
    if full.get("version") != "full":
        raise InputError("only a full report can be made public")
    values = {k: int(v or 0) for k, v in counts(full).items()}
    hidden = {k for k, v in values.items() if r.low <= v <= r.high}
    if previous is not None:
        hidden |= _differencing(full, previous, values, hidden, r)
    _complement(full, values, hidden, r)
    doc = copy.deepcopy(full)
    doc["version"] = "public"
    doc["suppression"] = {
        "rule": r.label,
        "previous": None if previous is None else dict(previous["ledger"]),
    }
    small = lambda v: None if r.low <= int(v) <= r.high else v  # noqa: E731
    for m in MEASURES:
        if ("total", m) in hidden:
            doc["totals"][m] = None
    for x in doc.get("series", []):
        if _month(x) in hidden:
            x["instances"] = None
    for x in doc.get("decisions", []):
        if _rule(x) in hidden:
            x["count"] = None
    for a in doc["agencies"]:
        for m in MEASURES:
            if ("line", a["agency"], m) in hidden:
                a[m] = None
        a["taxpayers_otherwise"] = small(a["taxpayers_otherwise"])
        for c in a["cells"]:
            for m in MEASURES:
                if ("cell", a["agency"], c["authority"], c["purpose"], m) in hidden:
                    c[m] = None
    doc["excluded"] = {
        reason: {k: small(v) for k, v in by.items()} for reason, by in doc["excluded"].items()
    }
    return doc


def _differencing(
    full: dict[str, Any],
    previous: dict[str, Any],
    values: dict[Key, int],
    hidden: set[Key],
    r: Rule,
) -> set[Key]:
    """Counts whose growth since ``previous`` (a public release) is a small count."""
    cur, prev = full["ledger"], previous["ledger"]
    if previous.get("version") != "public":
        raise InputError("the previous release must be a public report")
    if prev["origin"] != cur["origin"] or previous["year"] != full["year"]:
        raise InputError(
            f"the previous release is of {prev['origin']} {previous['year']}, "
            f"this report of {cur['origin']} {full['year']}: not a previous release"
        )
    if int(prev["size"]) > int(cur["size"]):
        raise InputError(
            f"the previous release is at size {prev['size']}, later than this one ({cur['size']})"
        )
    out = set()
    for key, was in counts(previous).items():
        if was is None or key in hidden or key not in values:
            continue
        grew = values[key] - int(was)
        if grew < 0:
            raise InputError(
                f"{'/'.join(key)} fell from {was} to {values[key]} since the previous release",
                hint="a log only grows: the releases disagree on the rules or the log",
            )
        if r.diff_low <= grew <= r.diff_high:
            out.add(key)
    return out


def _complement(full: dict[str, Any], values: dict[Key, int], hidden: set[Key], r: Rule) -> None:
    """Suppress more until every relation with a suppressed member has ``per_relation``."""
    rels = list(relations(full))
    changed = True
    while changed:
        changed = False
        for total, *parts in rels:
            members = [k for k in (total, *parts) if k is not None]
            n = sum(k in hidden for k in members)
            if n == 0 or n >= r.per_relation:
                continue
            shown = sorted(
                (values[k], k) for k in parts if k is not None and k not in hidden and values[k] > 0
            )
            if shown:
                hidden.add(shown[0][1])
            elif total is not None and total not in hidden and values[total] > 0:
                hidden.add(total)
            else:
                continue
            changed = True
