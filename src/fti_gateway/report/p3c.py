"""The § 6103(p)(3)(C) report, computed from the ledger as the statute words it.

(p)(3)(C)(i) asks, for each Federal agency, each agency, body or commission under (d),
(i)(3)(B)(i), (i)(7)(A)(ii) or (l)(6), and GAO, the number of (I) requests for disclosure,
(II) instances of disclosure "pursuant to such requests or otherwise" and (III) taxpayers
whose data was disclosed "pursuant to such requests"; (ii) the general purposes. And it is
a report "with respect to the records or accountings described in subparagraph (A)", so a
disclosure (p)(3)(A) does not require to be accounted ((c), (l)(7), (m), ...) is not in it.
:mod:`fti_gateway.report.rules` holds those three decisions as data with their quotes.

Each recipient's row is broken down by authority and purpose (a *cell*). A referral the IRS
makes on its own motion ((i)(3)) is an instance, never a request, and its taxpayers are
shown apart from (III). What the report leaves out is counted under ``excluded`` with the
reason, so nothing is dropped silently.

Every number is a count over ledger leaves up to a signed checkpoint (``accounting.load``
refuses leaves that do not hash to it), and the report names that checkpoint, so anyone
holding the tiles and the key can recount (``fti report verify``). Taxpayers are counted
by distinct commitment: the report never needs, and never sees, a TIN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fti_gateway.law.registries import Registry, load_registry
from fti_gateway.ledger import entries as leaves
from fti_gateway.ledger.accounting import LogView, Row, load, query
from fti_gateway.report.rules import Rules, rules

FORMAT = "fti/p3c-report/v2"
MEASURES = ("requests", "instances", "taxpayers")
UNSTATED = "unstated"


@dataclass
class Cell:
    """One recipient's counts under one authority and general purpose."""

    authority: str
    purpose: str
    requests: int = 0
    instances: int = 0
    taxpayers: int = 0
    irs_initiated: bool = False


@dataclass
class AgencyLine:
    """One (p)(3)(C)(i) recipient: ``kind`` says which of the statute's kinds it is."""

    agency: str
    kind: str
    requests: int = 0
    instances: int = 0
    taxpayers: int = 0
    taxpayers_otherwise: int = 0
    purposes: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


@dataclass
class P3CReport:
    year: int
    origin: str
    checkpoint_size: int
    checkpoint_root: str
    rules: str
    lines: list[AgencyLine]
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {m: sum(getattr(x, m) for x in self.lines) for m in MEASURES}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": "full",
            "year": self.year,
            "ledger": {
                "origin": self.origin,
                "size": self.checkpoint_size,
                "root": self.checkpoint_root,
            },
            "rules": self.rules,
            "agencies": [asdict(x) for x in self.lines],
            "totals": self.totals,
            "excluded": self.excluded,
            "series": self.series,
            "decisions": self.decisions,
        }

    def to_markdown(self) -> str:
        return to_markdown(self.to_json())


def to_markdown(doc: dict[str, Any]) -> str:
    """The report (full or public JSON) as Markdown: one row per recipient, then its cells."""
    led = doc["ledger"]
    public = doc.get("version") == "public"
    out = [
        f"# Disclosures of returns and return information, calendar year {doc['year']}",
        "",
        f"Report under IRC § 6103(p)(3)(C) ({'public version' if public else 'full version'}). "
        f"Every number is a count of entries in the disclosure ledger `{led['origin']}` at "
        f"signed size {led['size']} (root `{led['root']}`); `fti report verify` recounts it.",
        "",
        "| recipient | kind | authority | general purpose | requests | instances | taxpayers |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for a in doc["agencies"]:
        out.append(
            f"| **{a['agency']}** | {a['kind']} | | {', '.join(a['purposes'])} | "
            f"{_show(a['requests'])} | {_show(a['instances'])} | {_show(a['taxpayers'])} |"
        )
        for c in a["cells"]:
            how = " (IRS-initiated)" if c["irs_initiated"] else ""
            out.append(
                f"| | | {c['authority']}{how} | {c['purpose']} | {_show(c['requests'])} | "
                f"{_show(c['instances'])} | {_show(c['taxpayers'])} |"
            )
    t = doc["totals"]
    out.append(
        f"| **total** | | | | {_show(t['requests'])} | {_show(t['instances'])} | "
        f"{_show(t['taxpayers'])} |"
    )
    out += [
        "",
        "Requests are counted for the requesting agency, instances and taxpayers for the "
        "recipient. A referral the IRS made on its own motion ((i)(3)) is an instance, not a "
        "request; its taxpayers are not in the taxpayers column ((p)(3)(C)(i)(III) counts "
        "those disclosed pursuant to requests). Taxpayers are distinct per recipient.",
    ]
    if public:
        out.append(
            f"Public version under suppression rule `{doc['suppression']['rule']}`: "
            "a count from 1 to 10, or one that with the totals would reveal such a count, "
            "is shown as `*`."
        )
    for reason, counts in doc.get("excluded", {}).items():
        if counts:
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            out.append(f"\nNot in the table — {reason}: {shown}.")
    return "\n".join(out) + "\n"


def _show(v: int | None) -> str:
    return "*" if v is None else str(v)


def build(dir: Path, verifier_key: str, year: int, registry: Registry | None = None) -> P3CReport:
    """The (p)(3)(C) figures for calendar ``year`` from the ledger in ``dir``."""
    return from_view(load(dir, verifier_key), year, registry)


def from_view(view: LogView, year: int, registry: Registry | None = None) -> P3CReport:
    """The report from an already verified view of the log."""
    rows = query(view.rows, start=date(year, 1, 1), end=date(year, 12, 31))
    the_rules = rules()
    reg = registry or load_registry()
    lines, excluded = aggregate(rows, the_rules, reg)
    return P3CReport(
        year=year,
        origin=view.checkpoint.origin,
        checkpoint_size=view.checkpoint.size,
        checkpoint_root=view.checkpoint.root.hex(),
        rules=the_rules.label,
        lines=lines,
        excluded=excluded,
        series=monthly(rows, the_rules, reg),
        decisions=by_rule(view, rows, the_rules),
    )


EXCUSED = "excused from the (p)(3)(A) accounting, by authority"
NO_ROW = "recipient of no kind (p)(3)(C)(i) lists, by agency"
REFERRALS = "IRS-initiated referrals, not requests ((p)(3)(C)(i)(I)), by authority"


def aggregate(
    rows: Iterable[Row], r: Rules, registry: Registry
) -> tuple[list[AgencyLine], dict[str, dict[str, int]]]:
    """Requests by requesting agency, instances and taxpayers by recipient, per cell."""
    cells: dict[tuple[str, str, str], Cell] = {}
    kinds: dict[str, str] = {}
    cell_taxpayers: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    requested: dict[str, set[str]] = defaultdict(set)
    otherwise: dict[str, set[str]] = defaultdict(set)
    excluded: dict[str, dict[str, int]] = {EXCUSED: {}, NO_ROW: {}, REFERRALS: {}}

    def bump(bucket: str, key: str) -> None:
        excluded[bucket][key] = excluded[bucket].get(key, 0) + 1

    for row in rows:
        if row.kind == "request_received":
            who = row.agency
        elif row.kind == "disclosure" and row.recipient:
            who = row.recipient
        else:
            continue
        authority = row.authority or UNSTATED
        excuse = r.excused_by(row.authority)
        if excuse is not None:
            bump(EXCUSED, excuse)
            continue
        is_request = r.is_request(row.authority)
        if row.kind == "request_received" and not is_request:
            bump(REFERRALS, authority)
            continue
        kind = r.recipient_kind(who, row.authority, date.fromisoformat(row.date), registry)
        if kind is None:
            bump(NO_ROW, who)
            continue
        kinds.setdefault(who, kind)
        key = (who, authority, row.purpose or UNSTATED)
        cell = cells.setdefault(key, Cell(key[1], key[2], irs_initiated=not is_request))
        if row.kind == "request_received":
            cell.requests += 1
            continue
        cell.instances += 1
        if row.taxpayer:
            cell_taxpayers[key].add(row.taxpayer)
            (requested if is_request else otherwise)[who].add(row.taxpayer)

    lines: dict[str, AgencyLine] = {}
    for key in sorted(cells):
        cell = cells[key]
        cell.taxpayers = len(cell_taxpayers[key])
        line = lines.setdefault(key[0], AgencyLine(key[0], kinds[key[0]]))
        line.cells.append(cell)
        line.requests += cell.requests
        line.instances += cell.instances
    for name, line in lines.items():
        line.taxpayers = len(requested[name])
        line.taxpayers_otherwise = len(otherwise[name] - requested[name])
        line.purposes = sorted({c.purpose for c in line.cells})
    return [lines[k] for k in sorted(lines)], {k: v for k, v in excluded.items() if v}


def monthly(rows: Iterable[Row], r: Rules, registry: Registry) -> list[dict[str, Any]]:
    """Instances per month, recipient and authority (the rows the table counts): the
    "over time" the charts draw. The months of one recipient and authority add up to the
    sum of that recipient's cells under the authority."""
    out: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows:
        if row.kind != "disclosure" or not row.recipient or r.excused_by(row.authority):
            continue
        on = date.fromisoformat(row.date)
        if r.recipient_kind(row.recipient, row.authority, on, registry) is None:
            continue
        out[(row.recipient, row.authority or UNSTATED, row.date[:7])] += 1
    return [
        {"agency": a, "authority": auth, "month": m, "instances": n}
        for (a, auth, m), n in sorted(out.items())
    ]


def by_rule(view: LogView, rows: Iterable[Row], r: Rules) -> list[dict[str, Any]]:
    """Denials and reviews by the rule that decided them, for requests (p)(3)(A) accounts:
    elements a decision refused (by the rule it names), and review items an officer
    decided (by the item's rule; outcome approve or deny)."""
    rows = list(rows)
    authority = {
        (row.agency, row.request_id): row.authority
        for row in view.rows
        if row.kind == "request_received"
    }
    out: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row.kind not in ("decision", "disposition"):
            continue
        if r.excused_by(authority.get((row.agency, row.request_id), row.authority)):
            continue
        leaf = leaves.parse(view.entries[row.index], where=f"leaf {row.index}")
        if row.kind == "decision":
            for rule in leaf.get("elements", {}).get("refused", {}).values():
                out[("denied element", str(rule))] += 1
        elif leaf.get("action") in ("decide", "confirm"):
            out[(f"review: {leaf['outcome']}", str(leaf["rule"]))] += 1
    return [{"what": w, "rule": rule, "count": n} for (w, rule), n in sorted(out.items())]
