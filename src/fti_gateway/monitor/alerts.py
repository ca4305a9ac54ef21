"""Alerts (FORMATS §12, ``fti/alert/v1``) and their dispositions, kept and ledgered.

``run`` turns the engine's candidates into alerts: id ``al-`` + 20 hex of SHA-256 over
(rule, evidence key), the rule's score, its explanation filled in, and the taxpayer as
the ledger's keyed commitment — never a TIN. Each new alert is appended to the ledger
(``alert`` leaf) and then to ``monitor/alerts.jsonl``; ``append_once`` makes a run that
stopped between the two write nothing twice. ``decide`` records a reviewer's
disposition the same way (``alert_disposition`` leaf, the reason as a digest; the text
in ``monitor/dispositions.jsonl``). ``open_alert`` lets an authorized reviewer see the
taxpayer — and that look is itself an ``inspection`` leaf.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.locks import hold
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries
from fti_gateway.ledger.workspace import commitment_secret, open_ledger
from fti_gateway.monitor import catalogue, engine, registers
from fti_gateway.monitor.household import household_tins
from fti_gateway.monitor.paths import imported_dir, inspections_dir, monitor_dir

FORMAT = "fti/alert/v1"
ALERTS = "alerts.jsonl"
DISPOSITIONS = "dispositions.jsonl"


@dataclass(frozen=True)
class Alert:
    """One alert as ``fti monitor run --json`` prints it (FORMATS §12, plus the rule's
    version and citation, the first event's time and when the monitor raised it)."""

    id: str
    rule: str
    rule_version: str
    citation: str
    principal: str
    events: list[str]
    time: str
    first: str
    score: int
    explanation: str
    taxpayer: str | None
    raised: str
    format: str = FORMAT

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def alert_id(rule: str, gkey: str) -> str:
    return "al-" + hashlib.sha256(f"fti/alert-id/v1\x00{rule}\x00{gkey}".encode()).hexdigest()[:20]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sources(ws: Workspace, *, household: bool = True) -> engine.Sources:
    """Every event file and the latest registers of the workspace (and, unless
    ``household`` is False, the vault's answer to who lives with each employee)."""
    ins = inspections_dir(ws)
    return engine.Sources(
        parquet=sorted(imported_dir(ws).glob("[0-9a-f]*/part-*.parquet")),
        jsonl=_jsonl(ins, imported_dir(ws)),
        employees=registers.latest(ws, "employees"),
        cases=registers.latest(ws, "cases"),
        high_profile=registers.latest(ws, "high-profile"),
        household=household_tins(ws) if household else None,
    )


def _jsonl(folder: Path, imported: Path) -> list[Path]:
    """Every non-empty ``*.jsonl`` under ``inspections/`` (the gate's log and any other
    writer's), but not the rejects kept beside imports."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*.jsonl") if imported not in p.parents and p.stat().st_size > 0
    )


def build(
    cands: Iterable[engine.Candidate], cat: catalogue.Catalogue, secret: bytes, raised: datetime
) -> list[Alert]:
    """Candidates as alerts (the taxpayer committed to under ``secret``)."""
    out = []
    for c in cands:
        rule = cat.rules[c.rule]
        out.append(
            Alert(
                id=alert_id(c.rule, c.gkey),
                rule=c.rule,
                rule_version=rule.version,
                citation=rule.citation,
                principal=c.principal,
                events=c.events,
                time=_iso(c.seen),
                first=_iso(c.first),
                score=rule.score,
                explanation=rule.explain({"principal": c.principal, **c.detail}),
                taxpayer=entries.commit_taxpayer(secret, c.taxpayer) if c.taxpayer else None,
                raised=_iso(raised),
            )
        )
    return out


def detect(
    src: engine.Sources,
    cat: catalogue.Catalogue,
    secret: bytes,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
    temp_dir: Path | None = None,
    timings: dict[str, float] | None = None,
) -> list[Alert]:
    """The alerts the catalogue raises over ``src`` (nothing stored). ``timings``, if
    given, gets the seconds of loading the events (``load``) and of each rule."""
    started = time.perf_counter()
    con = engine.connect(src, temp_dir=temp_dir)
    if timings is not None:
        timings["load"] = time.perf_counter() - started
    try:
        cands = engine.candidates(con, cat, since=since, timings=timings)
    finally:
        con.close()
    return build(cands, cat, secret, now or datetime.now(UTC))


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _append(path: Path, docs: Sequence[dict[str, Any]]) -> None:
    with path.open("a") as f:
        for d in docs:
            f.write(json.dumps(d, sort_keys=True) + "\n")


def stored(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in _read(monitor_dir(ws) / ALERTS)}


def dispositions(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {d["alert"]: d for d in _read(monitor_dir(ws) / DISPOSITIONS)}


def _events_digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def run(
    ws: Workspace, *, since: datetime | None = None, cat: catalogue.Catalogue | None = None
) -> tuple[list[Alert], list[Alert]]:
    """Run the monitor over the workspace; record new alerts. Returns (all raised, new)."""
    cat = cat or catalogue.load()
    secret = commitment_secret(ws)
    folder = monitor_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    with hold(folder / ".lock", what="the monitor", wait=60):
        found = detect(sources(ws), cat, secret, since=since, temp_dir=folder / ".duckdb-tmp")
        known = stored(ws)
        new = [a for a in found if a.id not in known]
        if new:
            leaves = [
                entries.alert(
                    alert_id=a.id,
                    rule=a.rule,
                    rule_version=a.rule_version,
                    principal=entries.pseudonym(secret, a.principal),
                    events=len(a.events),
                    events_digest=_events_digest(a.events),
                    score=a.score,
                    taxpayer=a.taxpayer,
                    seen=datetime.fromisoformat(a.time),
                    time=datetime.fromisoformat(a.raised),
                )
                for a in new
            ]
            with open_ledger(ws) as ledger:
                indices = ledger.append_once(leaves)
            _append(
                folder / ALERTS,
                [{**a.to_json(), "ledger_index": i} for a, i in zip(new, indices, strict=True)],
            )
    # An alert raised by an earlier run keeps its first "raised" time.
    known = stored(ws)
    return [
        Alert(**{k: v for k, v in known[a.id].items() if k != "ledger_index"}) for a in found
    ], new


def find(ws: Workspace, alert: str) -> dict[str, Any]:
    doc = stored(ws).get(alert)
    if doc is None:
        raise NotFoundError(f"no alert {alert}", hint="`fti monitor run` lists the alerts")
    return doc


def reviewer(ws: Workspace, who: str, alert: dict[str, Any], cat: catalogue.Catalogue) -> None:
    """``who`` may open and decide ``alert``: in the latest register, in a reviewer role,
    employed today, and not the alert's own principal."""
    from fti_gateway.review.officers import NotAllowed  # exit 7; the law loads with it (slow)

    path = registers.latest(ws, "employees")
    rows = pq.read_table(path).to_pylist() if path else []
    emp = next((r for r in rows if r["id"] == who), None)
    today = date.today()
    if emp is None or emp["role"] not in cat.reviewer_roles:
        raise NotAllowed(
            f"{who} is not a reviewer of alerts",
            hint=f"reviewers are employees in role {', '.join(cat.reviewer_roles)}",
        )
    if emp["separation"] is not None and emp["separation"] < today:
        raise NotAllowed(f"{who} separated on {emp['separation']}")
    if who == alert["principal"]:
        raise NotAllowed("no one reviews an alert about themselves")


def open_alert(
    ws: Workspace, alert: str, as_reviewer: str | None, *, cat: catalogue.Catalogue | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The alert, and — for an authorized reviewer — the taxpayer TINs its events name
    (read from the events, recorded as an inspection leaf in the ledger)."""
    cat = cat or catalogue.load()
    doc = find(ws, alert)
    if as_reviewer is None:
        return doc, []
    reviewer(ws, as_reviewer, doc, cat)
    tins = _event_tins(ws, doc["events"])
    secret = commitment_secret(ws)
    who = entries.pseudonym(secret, as_reviewer)
    leaves = [
        entries.inspection(
            agency=entries.ALERT_AGENCY,
            request_id=alert,
            inspector=who,
            reason_digest=entries.digest_text(secret, f"UNAX review of alert {alert}"),
            taxpayer=entries.commit_taxpayer(secret, tin),
            authority="6103(h)(1)",
        )
        for tin in tins
    ]
    if leaves:
        with open_ledger(ws) as ledger:
            ledger.append_once(leaves)
    return doc, tins


def _event_tins(ws: Workspace, ids: Sequence[str]) -> list[str]:
    con = engine.connect(sources(ws, household=False))
    try:
        con.register("_ids", pa.table({"id": list(ids)}))
        rows = con.execute(
            "SELECT DISTINCT taxpayer FROM ev SEMI JOIN _ids ON _ids.id = ev.id "
            "WHERE taxpayer IS NOT NULL ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def decide(
    ws: Workspace,
    alert: str,
    *,
    substantiated: bool,
    reason: str,
    officer: str,
    cat: catalogue.Catalogue | None = None,
) -> dict[str, Any]:
    """Record a reviewer's disposition (once per alert)."""
    cat = cat or catalogue.load()
    if not reason.strip():
        raise InputError("a disposition states its reason", where="--reason")
    folder = monitor_dir(ws)
    with hold(folder / ".lock", what="the monitor", wait=60):
        doc = find(ws, alert)
        reviewer(ws, officer, doc, cat)
        if alert in dispositions(ws):
            raise InputError(f"alert {alert} is already decided", hint="`fti monitor show` it")
        secret = commitment_secret(ws)
        outcome = "substantiated" if substantiated else "not-substantiated"
        now = datetime.now(UTC)
        leaf = entries.alert_disposition(
            alert_id=alert,
            outcome=outcome,
            reason_digest=entries.digest_text(secret, reason),
            officer=entries.pseudonym(secret, officer),
            taxpayer=doc.get("taxpayer"),
            time=now,
        )
        with open_ledger(ws) as ledger:
            (index,) = ledger.append_once([leaf])
        rec = {
            "alert": alert,
            "outcome": outcome,
            "reason": reason,
            "officer": officer,
            "time": _iso(now),
            "ledger_index": index,
        }
        _append(folder / DISPOSITIONS, [rec])
    return rec


@dataclass(frozen=True)
class Summary:
    year: int
    alerts: int
    substantiated: int
    not_substantiated: int
    open: int
    median_detection_lag_hours: float | None
    by_rule: dict[str, int]


def summary(ws: Workspace, year: int) -> Summary:
    """Alerts raised in ``year``, how many were substantiated, and the median detection
    lag (from the last event of an alert's evidence to the run that raised it)."""
    alerts = [a for a in stored(ws).values() if a["raised"].startswith(f"{year:04d}-")]
    decided = dispositions(ws)
    lags = [
        (datetime.fromisoformat(a["raised"]) - datetime.fromisoformat(a["time"])).total_seconds()
        / 3600
        for a in alerts
    ]
    by_rule: dict[str, int] = {}
    for a in alerts:
        by_rule[a["rule"]] = by_rule.get(a["rule"], 0) + 1
    outcomes = [decided[a["id"]]["outcome"] for a in alerts if a["id"] in decided]
    return Summary(
        year=year,
        alerts=len(alerts),
        substantiated=outcomes.count("substantiated"),
        not_substantiated=outcomes.count("not-substantiated"),
        open=len(alerts) - len(outcomes),
        median_detection_lag_hours=round(statistics.median(lags), 1) if lags else None,
        by_rule=dict(sorted(by_rule.items())),
    )
