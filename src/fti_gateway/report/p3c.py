"""The § 6103(p)(3)(C) report, computed from the ledger.

Within 90 days after each calendar year the IRS reports to the Joint Committee on
Taxation, with a public version: per agency, the number of requests, the number of
disclosures, the number of taxpayers affected, and the general purposes. Here every number
is a count over ledger leaves up to a signed checkpoint (accounting.load refuses leaves
that do not hash to it), and the report names that checkpoint, so anyone holding the
ledger can recount. Taxpayers are counted by distinct commitment — the report never needs,
and never sees, a TIN.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fti_gateway.ledger.accounting import Row, load, query

FORMAT = "fti/p3c-report/v1"


@dataclass
class AgencyLine:
    agency: str
    requests: int = 0
    disclosures: int = 0
    taxpayers: int = 0
    authorities: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)


@dataclass
class P3CReport:
    year: int
    origin: str
    checkpoint_size: int
    checkpoint_root: str
    lines: list[AgencyLine]

    @property
    def totals(self) -> dict[str, int]:
        return {
            "requests": sum(x.requests for x in self.lines),
            "disclosures": sum(x.disclosures for x in self.lines),
            "taxpayers": sum(x.taxpayers for x in self.lines),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "year": self.year,
            "ledger": {
                "origin": self.origin,
                "size": self.checkpoint_size,
                "root": self.checkpoint_root,
            },
            "agencies": [vars(x) for x in self.lines],
            "totals": self.totals,
        }

    def to_markdown(self) -> str:
        out = [
            f"# Disclosures of returns and return information, calendar year {self.year}",
            "",
            "Report under IRC § 6103(p)(3)(C). Every number below is a count of entries in the "
            f"disclosure ledger `{self.origin}` at signed size {self.checkpoint_size} "
            f"(root `{self.checkpoint_root}`); `fti ledger verify` re-checks it.",
            "",
            "| agency | requests | disclosures | taxpayers | authorities | general purposes |",
            "|---|---:|---:|---:|---|---|",
        ]
        for x in self.lines:
            out.append(
                f"| {x.agency} | {x.requests} | {x.disclosures} | {x.taxpayers} | "
                f"{', '.join(x.authorities)} | {', '.join(x.purposes)} |"
            )
        t = self.totals
        out.append(f"| **total** | {t['requests']} | {t['disclosures']} | {t['taxpayers']} | | |")
        out.append("")
        out.append(
            "Taxpayers are counted per agency (a taxpayer whose data went to two agencies "
            "counts once for each)."
        )
        return "\n".join(out) + "\n"


def build(dir: Path, verifier_key: str, year: int) -> P3CReport:
    """The (p)(3)(C) figures for calendar ``year`` from the ledger in ``dir``."""
    view = load(dir, verifier_key)
    rows = query(view.rows, start=date(year, 1, 1), end=date(year, 12, 31))
    return P3CReport(
        year=year,
        origin=view.checkpoint.origin,
        checkpoint_size=view.checkpoint.size,
        checkpoint_root=view.checkpoint.root.hex(),
        lines=aggregate(rows),
    )


def aggregate(rows: list[Row]) -> list[AgencyLine]:
    """Requests by requesting agency; disclosures and taxpayers by receiving agency."""
    lines: dict[str, AgencyLine] = {}
    taxpayers: dict[str, set[str]] = defaultdict(set)
    authorities: dict[str, set[str]] = defaultdict(set)
    purposes: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.kind == "request_received":
            line = lines.setdefault(r.agency, AgencyLine(r.agency))
            line.requests += 1
            if r.purpose:
                purposes[r.agency].add(r.purpose)
        elif r.kind == "disclosure" and r.recipient:
            line = lines.setdefault(r.recipient, AgencyLine(r.recipient))
            line.disclosures += 1
            if r.taxpayer:
                taxpayers[r.recipient].add(r.taxpayer)
            if r.authority:
                authorities[r.recipient].add(r.authority)
            if r.purpose:
                purposes[r.recipient].add(r.purpose)
    for name, line in lines.items():
        line.taxpayers = len(taxpayers[name])
        line.authorities = sorted(authorities[name])
        line.purposes = sorted(purposes[name])
    return [lines[k] for k in sorted(lines)]
