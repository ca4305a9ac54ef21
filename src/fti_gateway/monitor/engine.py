"""The monitor's rules as DuckDB SQL over every inspection event.

One connection holds the inputs as views and small tables — ``ev`` (every event, from
the imported Parquet parts and the JSON Lines logs, with its day ``d``), ``emp`` (the latest
employee register), ``cases`` with ``case_assign``/``case_subj`` (one row per
assignment and subject), ``hp`` (the high-profile list) and ``household`` (employee,
TIN of someone at their household address) — and each rule is one query returning
candidate alerts: ``principal, taxpayer, gkey, events, seen, first, detail``. ``gkey``
is what makes the alert one alert (its id is the rule and gkey), so a re-run finds the
same alerts. Baselines and retries are window functions, so nothing is looped over in
Python and ten million events stay in DuckDB's columnar engine.

Nothing here writes: alerts.py turns the rows into alerts and records them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from fti_gateway.monitor.catalogue import Catalogue
from fti_gateway.monitor.events import SCHEMA
from fti_gateway.monitor.registers import empty


@dataclass(frozen=True)
class Sources:
    """Where the inputs are; ``household`` is a (principal, tin) table from the vault."""

    parquet: Sequence[Path]
    jsonl: Sequence[Path]
    employees: Path | None
    cases: Path | None
    high_profile: Path | None
    household: pa.Table | None = None


@dataclass(frozen=True)
class Candidate:
    rule: str
    principal: str
    taxpayer: str | None
    gkey: str
    events: list[str]
    seen: datetime
    first: datetime
    detail: dict[str, Any]


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(_q(p) for p in paths) + "]"


JSON_COLUMNS = (
    "{'id': 'VARCHAR', 'time': 'TIMESTAMPTZ', 'principal': 'VARCHAR', 'role': 'VARCHAR', "
    "'taxpayer': 'VARCHAR', 'action': 'VARCHAR', 'rows': 'BIGINT', 'case': 'VARCHAR', "
    "'purpose': 'VARCHAR', 'source_system': 'VARCHAR', 'outcome': 'VARCHAR'}"
)
COLUMNS = (
    "id, time, principal, role, taxpayer, action, rows, case_id, purpose, source_system, outcome"
)
JSON_SELECT = COLUMNS.replace("case_id", '"case" AS case_id').replace(
    "taxpayer", "replace(taxpayer, '-', '') AS taxpayer"
)
"""JSON Lines as written (the gate's log): TINs may carry dashes, as the importer allows."""


def connect(
    src: Sources, *, memory_limit: str = "1200MB", temp_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection with the monitor's inputs in place (see the module docstring).

    ``ev`` is a view of the files, not a table: each rule reads only the columns it needs
    and DuckDB skips what its filters exclude, so a year of events is never held in memory
    (a table of ten million events was measured: 1.35 GB and, on a quiet machine, slower
    in all — reading every column once cost more than the rules' narrow scans)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    if temp_dir is not None:
        con.execute(f"SET temp_directory = {_q(temp_dir)}")
    parts = []
    if src.parquet:
        parts.append(
            f"SELECT {COLUMNS} FROM read_parquet({_list(src.parquet)}, union_by_name=true)"
        )
    if src.jsonl:
        parts.append(
            f"SELECT {JSON_SELECT} "
            f"FROM read_json({_list(src.jsonl)}, format='newline_delimited', "
            f"columns={JSON_COLUMNS})"
        )
    if not parts:
        con.register("_no_events", SCHEMA.empty_table())
        parts.append(f"SELECT {COLUMNS} FROM _no_events")
    union = " UNION ALL ".join(parts)
    # No deduplication here: the importer already drops an event whose (source, id) an
    # earlier import holds, so a window over every event is not paid by every rule.
    # The day by integer arithmetic (UTC): a time-zone cast of every event costs more.
    con.execute(
        f"""CREATE VIEW ev AS SELECT *,
              DATE '1970-01-01' + CAST(epoch_us(time) // 86400000000 AS INT) AS d
            FROM ({union})"""
    )
    _register(con, "emp", src.employees, "employees")
    _register(con, "cases", src.cases, "cases")
    _register(con, "hp", src.high_profile, "high-profile")
    con.execute(
        """
        CREATE TEMP TABLE case_assign AS SELECT DISTINCT id AS case_id, unnest(assigned) AS principal FROM cases;
        CREATE TEMP TABLE case_subj AS SELECT DISTINCT id AS case_id, unnest(subjects) AS tin FROM cases;
        CREATE TEMP TABLE case_n AS SELECT id AS case_id, len(list_distinct(subjects)) AS n_subjects FROM cases;
        """
    )
    # One row per (case, assignee) — the register refuses a case id given twice — for
    # in_case(): the documented-in-case test in two joins where with_case() needs four.
    con.execute(
        """CREATE TEMP TABLE case_open AS
             SELECT DISTINCT ca.case_id, ca.principal, c.opened, c.closed
             FROM cases c JOIN case_assign ca ON ca.case_id = c.id;
           CREATE TEMP TABLE case_look AS
             SELECT o.case_id, o.principal, cs.tin, o.opened, o.closed
             FROM case_open o JOIN case_subj cs USING (case_id)
             UNION ALL SELECT case_id, principal, '', opened, closed FROM case_open"""
    )
    household = src.household
    if household is None:
        household = pa.table(
            {"principal": pa.array([], pa.string()), "tin": pa.array([], pa.string())}
        )
    con.register("_household", household)
    con.execute(
        """CREATE TEMP TABLE household AS SELECT DISTINCT h.principal, h.tin FROM _household h
           LEFT JOIN emp ON emp.id = h.principal WHERE emp.tin IS DISTINCT FROM h.tin"""
    )
    con.execute(
        """CREATE TEMP TABLE mine AS
           SELECT id AS principal, tin, 'their own record' AS whom FROM emp WHERE tin IS NOT NULL
           UNION ALL
           SELECT principal, tin, 'the record of a member of their household' FROM household"""
    )
    # The looks at a watched taxpayer — an employee, someone in an employee's household,
    # someone on the high-profile list — in one pass over the events, for the three rules
    # about them (self-household, other-employee, high-profile): few rows, read once
    # instead of three times.
    con.execute(
        """CREATE TEMP TABLE watched AS
             SELECT * FROM ev WHERE taxpayer IN (
               SELECT tin FROM emp WHERE tin IS NOT NULL UNION SELECT tin FROM mine
               UNION SELECT tin FROM hp)"""
    )
    con.execute(
        """
        CREATE TEMP TABLE zones AS
          SELECT timezone, CAST(row_number() OVER (ORDER BY timezone) AS INT) AS zone
          FROM (SELECT DISTINCT timezone FROM emp);
        CREATE TEMP TABLE emp_hours AS
          SELECT emp.id AS principal, z.zone, emp.timezone,
            60 * CAST(split_part(work_start, ':', 1) AS INT) + CAST(split_part(work_start, ':', 2) AS INT) AS s,
            60 * CAST(split_part(work_end, ':', 1) AS INT) + CAST(split_part(work_end, ':', 2) AS INT) AS f,
            CAST(list_sum(list_transform(days, lambda x: 1 << list_position(['Mon','Tue','Wed','Thu','Fri','Sat','Sun'], x)))
              AS INT) AS dowmask,
            concat(array_to_string(days, ','), ' ', work_start, '–', work_end) AS hours
          FROM emp JOIN zones z USING (timezone);
        CREATE TEMP TABLE tz_offsets AS
          WITH span AS (SELECT epoch_us(min(time)) // 3600000000 AS lo, epoch_us(max(time)) // 3600000000 AS hi FROM ev),
               hours AS (SELECT unnest(range(lo, hi + 1)) AS hour FROM span WHERE lo IS NOT NULL),
               t AS (SELECT hour, to_timestamp(hour * 3600) AS at FROM hours)
          SELECT z.zone, t.hour, CAST(z.zone AS BIGINT) * 10000000 + t.hour AS zone_hour,
            CAST(epoch(CAST(timezone(z.timezone, t.at) AS TIMESTAMP)
                       - CAST(timezone('UTC', t.at) AS TIMESTAMP)) // 60 AS INT) AS offset_minutes
          FROM zones z, t;
        """
    )
    return con


def _register(con: duckdb.DuckDBPyConnection, name: str, path: Path | None, kind: str) -> None:
    if path is None:
        con.register(f"_{name}", empty(kind))
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _{name}")
    else:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM read_parquet({_q(path)})")


def in_case(events: str) -> str:
    """``events`` with ``in_case``: true when the event is a documented in-case look (what
    :func:`with_case` calls 'ok'), in two joins instead of four. Rules that look at many
    events test this first and explain (with_case) only the few that fail it."""
    return f"""
        SELECT e.*, coalesce(
            o.opened <= e.d AND (o.closed IS NULL OR e.d <= o.closed)
            AND (e.taxpayer IS NULL OR cs.tin IS NOT NULL), false) AS in_case
        FROM ({events}) e
        LEFT JOIN case_open o ON o.case_id = e.case_id AND o.principal = e.principal
        LEFT JOIN case_subj cs ON cs.case_id = e.case_id AND cs.tin = e.taxpayer"""


def not_in_case(events: str) -> str:
    """Those of ``events`` that are not documented in-case looks (``in_case`` false), as one
    anti join: ``case_look`` holds every look a case documents — (case, assignee, subject)
    with the case's dates, and (case, assignee, '') for a look that names no taxpayer (a TIN
    is never ''). For a rule that tests every event with a case (outside-case): measured at
    less than half the time of :func:`in_case`'s two joins."""
    return f"""
        SELECT e.* FROM ({events}) e ANTI JOIN case_look k
          ON k.case_id = e.case_id AND k.principal = e.principal
          AND k.tin = coalesce(e.taxpayer, '')
          AND k.opened <= e.d AND (k.closed IS NULL OR e.d <= k.closed)"""


def with_case(events: str) -> str:
    """``events`` (a table or subquery with the ``ev`` columns) with ``case_state`` — 'ok'
    when the event is a documented in-case look: the case exists, was open that day, the
    principal is assigned to it and the taxpayer is one of its subjects — or why not;
    and ``n_subjects``. Rules filter ``events`` first (``NOT in_case``: the same test in
    fewer joins, :func:`in_case`), so these joins run on few rows."""
    return f"""
        SELECT e.*, n.n_subjects,
          CASE WHEN e.case_id IS NULL THEN 'none'
               WHEN c.id IS NULL THEN 'no such case'
               WHEN c.opened > e.d OR c.closed < e.d THEN 'the case was not open'
               WHEN ca.principal IS NULL THEN 'not assigned to the case'
               WHEN e.taxpayer IS NOT NULL AND cs.tin IS NULL THEN 'the taxpayer is not a subject'
               ELSE 'ok' END AS case_state
        FROM ({events}) e
        LEFT JOIN cases c ON c.id = e.case_id
        LEFT JOIN case_n n ON n.case_id = e.case_id
        LEFT JOIN case_assign ca ON ca.case_id = e.case_id AND ca.principal = e.principal
        LEFT JOIN case_subj cs ON cs.case_id = e.case_id AND cs.tin = e.taxpayer"""


_CASED = "SELECT * FROM ev WHERE case_id IS NOT NULL AND outcome = 'allowed' AND action = 'lookup'"
_GROUP = """list(id ORDER BY time, id) AS events, max(time) AS seen, min(time) AS first"""
_ONE_TIN = "CASE WHEN count(DISTINCT taxpayer) = 1 THEN any_value(taxpayer) END"


def rule_sql(cat: Catalogue) -> dict[str, str]:
    """Each rule's query. Parameters come from the catalogue (numbers only, checked)."""

    def p(rule: str, name: str) -> float:
        v = cat.param(rule, name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TypeError(f"{rule}.{name} must be a number")
        return v

    exempt = "[" + ", ".join(_q(r) for r in cat.exempt_roles) + "]::VARCHAR[]"
    not_exempt = f"NOT list_contains({exempt}, role)"
    rules: dict[str, str] = {}
    rules["self-household"] = """
        SELECT e.principal, e.taxpayer, concat_ws('|', e.principal, e.taxpayer, e.d) AS gkey,
          list(e.id ORDER BY e.time, e.id) AS events, max(e.time) AS seen, min(e.time) AS first,
          to_json({'whom': any_value(m.whom), 'n': count(*), 'day': CAST(e.d AS VARCHAR)}) AS detail
        FROM watched e JOIN mine m ON m.principal = e.principal AND m.tin = e.taxpayer
        WHERE e.action = 'lookup' GROUP BY e.principal, e.taxpayer, e.d"""
    rules["other-employee"] = f"""
        SELECT e.principal, e.taxpayer, concat_ws('|', e.principal, e.taxpayer, e.d) AS gkey,
          list(e.id ORDER BY e.time, e.id) AS events, max(e.time) AS seen, min(e.time) AS first,
          to_json({{'n': count(*), 'day': CAST(e.d AS VARCHAR)}}) AS detail
        FROM ({with_case("SELECT w.* FROM watched w SEMI JOIN emp ON emp.tin = w.taxpayer")}) e
        JOIN emp o ON o.tin = e.taxpayer AND o.id <> e.principal
        WHERE e.outcome = 'allowed' AND e.action = 'lookup' AND e.case_state <> 'ok'
          AND NOT EXISTS (SELECT 1 FROM household h WHERE h.principal = e.principal AND h.tin = e.taxpayer)
        GROUP BY e.principal, e.taxpayer, e.d"""
    rules["high-profile"] = f"""
        SELECT e.principal, e.taxpayer, concat_ws('|', e.principal, e.taxpayer, e.d) AS gkey,
          list(e.id ORDER BY e.time, e.id) AS events, max(e.time) AS seen, min(e.time) AS first,
          to_json({{'n': count(*), 'day': CAST(e.d AS VARCHAR), 'category': any_value(hp.category)}}) AS detail
        FROM ({with_case("SELECT w.* FROM watched w SEMI JOIN hp ON hp.tin = w.taxpayer")}) e
        JOIN hp ON hp.tin = e.taxpayer AND hp.since <= e.d
        WHERE e.outcome = 'allowed' AND e.action = 'lookup' AND e.case_state <> 'ok'
        GROUP BY e.principal, e.taxpayer, e.d"""
    rules["no-case"] = f"""
        SELECT principal, {_ONE_TIN} AS taxpayer, concat_ws('|', principal, d) AS gkey, {_GROUP},
          to_json({{'n': count(*), 'day': CAST(d AS VARCHAR)}}) AS detail
        FROM ev WHERE case_id IS NULL AND action = 'lookup' AND outcome = 'allowed' AND {not_exempt}
        GROUP BY principal, d"""
    rules["outside-case"] = f"""
        SELECT principal, {_ONE_TIN} AS taxpayer, concat_ws('|', principal, case_id, d) AS gkey,
          {_GROUP},
          to_json({{'n': count(*), 'day': CAST(d AS VARCHAR), 'case': case_id,
                    'why': string_agg(DISTINCT case_state, '; ' ORDER BY case_state)}}) AS detail
        FROM ({with_case(not_in_case(_CASED))})
        WHERE case_state <> 'ok' AND {not_exempt}
        GROUP BY principal, case_id, d"""
    rules["bulk-export"] = f"""
        SELECT principal, taxpayer, concat_ws('|', principal, id) AS gkey, [id] AS events,
          time AS seen, time AS first,
          to_json({{'rows': rows, 'day': CAST(d AS VARCHAR),
                    'under': CASE WHEN case_id IS NULL THEN ' with no case'
                             ELSE concat(' under case ', case_id, ' (', CASE WHEN case_state = 'ok'
                               THEN concat(n_subjects, ' subjects') ELSE case_state END, ')') END}}) AS detail
        FROM ({with_case(f"SELECT * FROM ev WHERE action = 'export' AND outcome = 'allowed' AND rows >= {p('bulk-export', 'min_rows')}")})
        WHERE {not_exempt}
          AND (case_state <> 'ok' OR rows > coalesce(n_subjects, 0))"""
    w = "volume-baseline"
    rules[w] = f"""
        WITH daily AS (
          SELECT principal, d, d - DATE '1970-01-01' AS dn, count(*) AS n
          FROM ev WHERE action = 'lookup' GROUP BY principal, d),
        busy AS (SELECT DISTINCT principal FROM daily WHERE n >= {p(w, "min_count")}),
        base AS (
          -- the baseline only of those with a day that could be a hit (n >= min_count):
          -- a person's baseline reads their own days only, so nothing else changes
          SELECT *, avg(n) OVER win AS baseline, count(*) OVER win AS days
          FROM daily WHERE principal IN (SELECT principal FROM busy)
          WINDOW win AS (PARTITION BY principal ORDER BY dn RANGE BETWEEN
                         {int(p(w, "window_days"))} PRECEDING AND 1 PRECEDING)),
        hit AS (
          SELECT * FROM base WHERE days >= {p(w, "min_history_days")} AND n >= {p(w, "min_count")}
            AND n > {p(w, "factor")} * baseline)
        SELECT e.principal, {_ONE_TIN.replace("taxpayer", "e.taxpayer")} AS taxpayer,
          concat_ws('|', e.principal, e.d) AS gkey,
          list(e.id ORDER BY e.time, e.id) AS events, max(e.time) AS seen, min(e.time) AS first,
          to_json({{'n': any_value(hit.n), 'day': CAST(e.d AS VARCHAR),
                    'baseline': round(any_value(hit.baseline), 1),
                    'ratio': round(any_value(hit.n) / any_value(hit.baseline), 1),
                    'window': {int(p(w, "window_days"))}}}) AS detail
        FROM ev e JOIN hit ON hit.principal = e.principal AND hit.d = e.d
        WHERE e.action = 'lookup' GROUP BY e.principal, e.d"""
    g = int(p("outside-hours", "grace_minutes"))
    rules["outside-hours"] = f"""
        WITH y AS (
          SELECT e.id, e.time, e.principal, e.taxpayer, h.s, h.f, h.dowmask, h.hours, h.timezone,
            epoch_us(e.time) + 60000000 * CAST(o.offset_minutes AS BIGINT) AS lus
          FROM ev e JOIN emp_hours h ON h.principal = e.principal
          JOIN tz_offsets o ON o.zone_hour = CAST(h.zone AS BIGINT) * 10000000 + epoch_us(e.time) // 3600000000
          WHERE e.action = 'lookup' AND e.outcome = 'allowed' AND NOT list_contains({exempt}, e.role)),
        z AS (
          SELECT *, CAST((lus // 60000000) % 1440 AS INT) AS m, lus // 86400000000 AS lday,
            CAST((lus // 86400000000 + 3) % 7 + 1 AS INT) AS dow
          FROM y)
        SELECT principal, {_ONE_TIN} AS taxpayer,
          concat_ws('|', principal, CAST(make_timestamp(lday * 86400000000) AS DATE)) AS gkey,
          {_GROUP},
          to_json({{'n': count(*), 'day': CAST(CAST(make_timestamp(lday * 86400000000) AS DATE) AS VARCHAR),
                    'hours': any_value(hours), 'timezone': any_value(timezone),
                    'local': strftime(make_timestamp(min(lus)), '%a %H:%M')}}) AS detail
        FROM z
        WHERE (dowmask >> dow) & 1 = 0
           OR (s <= f AND (m < s - {g} OR m >= f + {g}))
           OR (s > f AND m < s - {g} AND m >= f + {g})
        GROUP BY principal, lday"""
    rules["after-separation"] = f"""
        WITH x AS (
          SELECT e.*, CASE
              WHEN emp.id IS NULL THEN 'not in the employee register'
              WHEN e.d > emp.separation THEN concat('separated on ', emp.separation)
              WHEN e.d < emp.start THEN concat('employment starts on ', emp.start) END AS why
          FROM ev e LEFT JOIN emp ON emp.id = e.principal
          WHERE NOT list_contains({exempt}, e.role))
        SELECT principal, {_ONE_TIN} AS taxpayer, concat_ws('|', principal, d) AS gkey, {_GROUP},
          to_json({{'n': count(*), 'day': CAST(d AS VARCHAR), 'why': any_value(why)}}) AS detail
        FROM x WHERE why IS NOT NULL GROUP BY principal, d"""
    r = "repeated-no-case"
    rules[r] = f"""
        WITH x AS (
          SELECT id, time, d, principal, taxpayer, count(*) OVER (
              PARTITION BY principal, taxpayer ORDER BY time
              RANGE BETWEEN INTERVAL {int(p(r, "window_days"))} DAYS PRECEDING AND CURRENT ROW) AS k
          FROM ev WHERE case_id IS NULL AND action = 'lookup' AND outcome = 'allowed'
            AND NOT list_contains({exempt}, role)),
        pairs AS (SELECT principal, taxpayer FROM x GROUP BY ALL HAVING max(k) >= {p(r, "min_count")})
        SELECT x.principal, x.taxpayer, concat_ws('|', x.principal, x.taxpayer) AS gkey,
          list(id ORDER BY time, id) AS events, max(time) AS seen, min(time) AS first,
          to_json({{'n': count(*), 'day': CAST(max(d) AS VARCHAR), 'first': CAST(min(d) AS VARCHAR),
                    'window': {int(p(r, "window_days"))}}}) AS detail
        FROM x SEMI JOIN pairs ON pairs.principal = x.principal AND pairs.taxpayer = x.taxpayer
        GROUP BY x.principal, x.taxpayer"""
    within = int(p("denied-retried", "within_minutes"))
    rules["denied-retried"] = f"""
        WITH pairs AS (
          SELECT DISTINCT principal, taxpayer FROM ev WHERE outcome = 'denied' AND taxpayer IS NOT NULL),
        x AS (
          SELECT e.id, e.time, e.d, e.principal, e.taxpayer, e.outcome, e.in_case,
            lag(e.outcome) OVER w AS prev_outcome, lag(e.time) OVER w AS prev_time,
            lag(e.id) OVER w AS prev_id
          FROM ({in_case("SELECT ev.* FROM ev SEMI JOIN pairs ON pairs.principal = ev.principal AND pairs.taxpayer = ev.taxpayer")}) e
          WINDOW w AS (PARTITION BY e.principal, e.taxpayer ORDER BY e.time, e.id))
        SELECT principal, taxpayer, concat_ws('|', principal, prev_id) AS gkey,
          [prev_id, id] AS events, time AS seen, prev_time AS first,
          to_json({{'minutes': CAST(round(epoch(time - prev_time) / 60) AS INT),
                    'outcome': CASE WHEN outcome = 'allowed' THEN 'and was let in'
                               ELSE 'and was denied again' END,
                    'day': CAST(d AS VARCHAR)}}) AS detail
        FROM x WHERE prev_outcome = 'denied' AND time - prev_time <= INTERVAL {within} MINUTES
          AND (outcome = 'denied' OR NOT in_case)"""
    return rules


def candidates(
    con: duckdb.DuckDBPyConnection,
    cat: Catalogue,
    *,
    since: datetime | None = None,
    timings: dict[str, float] | None = None,
) -> list[Candidate]:
    """Every rule's candidate alerts (``since``: only those whose last event is then or
    later; history before it still feeds the baselines). ``timings``, if given, gets each
    rule's seconds (for the benchmark: which rule costs what)."""
    out: list[Candidate] = []
    for rule, sql in rule_sql(cat).items():
        if rule not in cat.rules:
            continue
        started = time.perf_counter()
        where = "" if since is None else "WHERE seen >= ?"
        rows = con.execute(
            f"SELECT * FROM ({sql}) {where} ORDER BY seen, gkey", [since] if since else []
        ).fetchall()
        for principal, taxpayer, gkey, events, seen, first, detail in rows:
            out.append(
                Candidate(
                    rule, principal, taxpayer, gkey, list(events), seen, first, json.loads(detail)
                )
            )
        if timings is not None:
            timings[rule] = time.perf_counter() - started
    return out
