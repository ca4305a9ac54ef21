"""The engine's shortcuts agree with the slow, plain forms they replace: the in-case test
in two joins (:func:`engine.in_case`) with :func:`engine.with_case`'s four, the day by
integer arithmetic and outside-hours' integer local time with DuckDB's own time-zone
conversion."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import alerts, catalogue, engine, registers

from .conftest import Loaded


def test_in_case_is_with_cases_ok_for_every_event(loaded: Loaded) -> None:
    con = engine.connect(loaded.sources)
    try:
        n_events = con.execute("SELECT count(*) FROM ev").fetchone()
        states = dict(
            con.execute(
                "SELECT case_state = 'ok', count(*) FROM "
                f"({engine.with_case(engine.in_case('SELECT * FROM ev'))})"
                " WHERE in_case <> (case_state = 'ok') OR in_case GROUP BY ALL"
            ).fetchall()
        )
        kinds = con.execute(
            f"SELECT count(DISTINCT in_case) FROM ({engine.in_case('SELECT * FROM ev')})"
        ).fetchone()
        days = con.execute("SELECT count(*) FROM ev WHERE d <> CAST(time AS DATE)").fetchone()
    finally:
        con.close()
    assert n_events == (loaded.trail.events.num_rows,)  # no event doubled by the joins
    assert states == {True: states[True]} and states[True] > 0  # no disagreement
    assert kinds == (2,)  # both kinds occur, so the comparison said something
    assert days == (0,)


def test_integer_local_time_is_the_time_zones_own(loaded: Loaded) -> None:
    con = engine.connect(loaded.sources)
    try:
        wrong, checked = con.execute(
            """
            WITH y AS (
              SELECT e.time, h.timezone,
                epoch_us(e.time) + 60000000 * CAST(o.offset_minutes AS BIGINT) AS lus
              FROM ev e JOIN emp_hours h ON h.principal = e.principal
              JOIN tz_offsets o
                ON o.zone_hour = CAST(h.zone AS BIGINT) * 10000000 + epoch_us(e.time) // 3600000000),
            z AS (
              SELECT *, CAST(timezone(timezone, time) AS TIMESTAMP) AS icu,
                CAST((lus // 60000000) % 1440 AS INT) AS m,
                CAST((lus // 86400000000 + 3) % 7 + 1 AS INT) AS dow,
                CAST(make_timestamp(lus // 86400000000 * 86400000000) AS DATE) AS day
              FROM y)
            SELECT count(*) FILTER (WHERE m <> 60 * hour(icu) + minute(icu)
                                       OR dow <> isodow(icu) OR day <> CAST(icu AS DATE)),
                   count(*)
            FROM z"""
        ).fetchone() or (None, None)
        zones = con.execute("SELECT count(DISTINCT timezone) FROM emp_hours").fetchone()
    finally:
        con.close()
    assert checked and checked > 10_000
    assert wrong == 0
    assert zones == (4,)  # four US zones, each crossing DST twice in the trail's year


def test_events_are_a_view_of_the_files_not_a_table(loaded: Loaded) -> None:
    con = engine.connect(loaded.sources)
    try:
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'ev'"
        ).fetchone()
        first = con.execute("SELECT id, purpose FROM ev ORDER BY time, id LIMIT 1").fetchone()
    finally:
        con.close()
    assert kind == ("VIEW",)
    assert first is not None and first[1] == "examination"


def test_an_action_outside_section_9_matches_no_rule_and_breaks_nothing(
    loaded: Loaded, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text(
        '{"format": "fti/inspection/v1", "id": "ODD-1", "time": "2026-06-02T15:00:00Z", '
        '"principal": "E00001", "role": "revenue-agent", "taxpayer": "900-00-0001", '
        '"action": "browse", "rows": 1, "case": null, "purpose": "x", '
        '"source_system": "ODD", "outcome": "maybe"}\n'
    )
    src = replace(loaded.sources, jsonl=[odd])
    con = engine.connect(src)
    try:
        row = con.execute("SELECT action, outcome FROM ev WHERE id = 'ODD-1'").fetchone()
    finally:
        con.close()
    assert row == ("browse", "maybe")
    found = alerts.detect(src, catalogue.load(), b"k" * 32)
    assert not any("ODD-1" in a.events for a in found)
    assert {a.id for a in found} == {a.id for a in loaded.found}


CASES = """\
format: fti/cases/v1
as_of: 2026-01-01
cases:
  - {id: C1, unit: U1, purpose: exam, opened: 2026-01-01, closed: null,
     assigned: [E00001], subjects: [900-00-0001]}
  - {id: C2, unit: U1, purpose: exam, opened: 2026-01-01, closed: 2026-02-01,
     assigned: [E00001], subjects: [900-00-0001]}
  - {id: C3, unit: U1, purpose: exam, opened: 2026-06-01, closed: null,
     assigned: [E00001], subjects: [900-00-0001]}
"""


def _look(i: int, who: str, tin: str | None, case: str | None, day: str = "2026-03-02") -> str:
    return json.dumps({
        "format": "fti/inspection/v1", "id": f"L{i}", "time": f"{day}T15:00:00Z",
        "principal": who, "role": "revenue-agent", "taxpayer": tin, "action": "lookup",
        "rows": 1, "case": case, "purpose": "exam", "source_system": "T", "outcome": "allowed",
    })  # fmt: skip


def test_not_in_case_is_with_cases_not_ok_on_every_kind_of_look(
    workspace: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "cases.yaml").write_text(CASES)
    registers.load(workspace, "cases", tmp_path / "cases.yaml")
    looks = tmp_path / "looks.jsonl"
    looks.write_text("\n".join([
        _look(1, "E00001", "900-00-0001", "C1"),  # documented
        _look(2, "E00001", None, "C1"),  # names no taxpayer, in an open case of theirs
        _look(3, "E00001", "900-00-0001", "C2"),  # the case closed on 1 February
        _look(4, "E00001", "900-00-0001", "C3"),  # the case opens on 1 June
        _look(5, "E00002", "900-00-0001", "C1"),  # not assigned
        _look(6, "E00001", "900-00-0002", "C1"),  # not a subject
        _look(7, "E00001", "900-00-0001", "C9"),  # no such case
        _look(8, "E00001", "900-00-0001", "C2", day="2026-02-01"),  # the closing day: open
        _look(9, "E00002", None, "C1"),  # no taxpayer, not assigned
    ]) + "\n")  # fmt: skip
    src = engine.Sources(
        parquet=[], jsonl=[looks], employees=None,
        cases=registers.latest(workspace, "cases"), high_profile=None,
    )  # fmt: skip
    con = engine.connect(src)
    try:
        fast = {
            r[0]
            for r in con.execute(
                f"SELECT id FROM ({engine.not_in_case('SELECT * FROM ev')})"
            ).fetchall()
        }
        plain = dict(
            con.execute(
                f"SELECT id, case_state FROM ({engine.with_case('SELECT * FROM ev')})"
            ).fetchall()
        )
    finally:
        con.close()
    assert fast == {i for i, state in plain.items() if state != "ok"}
    assert fast == {"L3", "L4", "L5", "L6", "L7", "L9"}
