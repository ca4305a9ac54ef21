"""A synthetic audit trail with planted misuse of every kind the catalogue knows.

Normal work is documented: each employee looks up subjects of their own open cases,
on weekdays, inside their work hours (in their own time zone), at their own steady
rate; a few lookups are denied and left alone, and small exports stay within a case.
Into that, ``plants`` instances of each kind of misuse are planted, each labelled with
the rule that should catch it, so a test can measure recall on the planted cases and
false alerts per documented lookup. Every TIN is in area 900–999 (never issued).

Vectorized with numpy and pandas: ten million events take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from fti_gateway.monitor.events import SCHEMA

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
CASES_PER_EMPLOYEE = 8
SUBJECTS_PER_CASE = 20
PLANT_RULES = {
    "self": "self-household",
    "household": "self-household",
    "other-employee": "other-employee",
    "high-profile": "high-profile",
    "no-case": "no-case",
    "outside-case": "outside-case",
    "bulk-export": "bulk-export",
    "volume": "volume-baseline",
    "outside-hours": "outside-hours",
    "after-separation": "after-separation",
    "repeated": "repeated-no-case",
    "denied-retried": "denied-retried",
}
"""Each kind of planted misuse and the catalogue rule that should catch it."""


@dataclass(frozen=True)
class Planted:
    kind: str
    rule: str
    principal: str
    events: tuple[str, ...]


@dataclass
class Trail:
    employees: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    high_profile: list[dict[str, Any]]
    household: pa.Table
    events: pa.Table
    planted: list[Planted] = field(default_factory=list)
    documented: int = 0
    """How many events are documented, in-case lookups (the false-alert denominator)."""
    year: int = 2026


def _tins(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct TINs in area 900–999, as 9-digit strings."""
    values = rng.choice(100 * 10**6, size=n, replace=False) + 900 * 10**6
    return np.char.zfill(values.astype(str), 9)


CHUNK = 1_000_000
"""Normal events are made this many at a time, so ten million never sit in numpy at once."""


def generate(
    events: int = 50_000,
    employees: int = 200,
    plants: int = 10,
    seed: int = 19,
    year: int = 2026,
    sink: Callable[[pa.Table], None] | None = None,
) -> Trail:
    """A trail of ``events`` events. With ``sink``, the events go to it a chunk at a time
    (unsorted) and the returned trail's ``events`` is empty — for benchmarks."""
    rng = np.random.default_rng(seed)
    n_emp = employees
    n_pool = max(20_000, n_emp * CASES_PER_EMPLOYEE * SUBJECTS_PER_CASE)
    all_tins = _tins(rng, n_emp + n_pool + 2 * plants + plants * 3)
    emp_tins, pool = all_tins[:n_emp], all_tins[n_emp : n_emp + n_pool]
    spare = [str(t) for t in all_tins[n_emp + n_pool :]]
    emp_ids = np.array([f"E{i:05d}" for i in range(n_emp)])
    zones = np.array([ZONES[i % len(ZONES)] for i in range(n_emp)])
    emps = [
        {
            "id": str(emp_ids[i]), "unit": f"U{i % 10:02d}", "role": "revenue-agent",
            "tin": str(emp_tins[i]),
            "household_address": {"street": f"{100 + i} Oak St", "unit": None, "city": "Springfield",
                                  "state": "IL", "zip": f"{62700 + i % 90:05d}"},
            "work_hours": {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "start": "08:00",
                           "end": "17:00", "timezone": str(zones[i])},
            "start": date(2015, 1, 1), "separation": None,
        }
        for i in range(n_emp)
    ]  # fmt: skip
    emps.append({**emps[0], "id": "AUD001", "role": "auditor", "tin": spare.pop()})
    hp_tins = rng.choice(pool, size=50, replace=False)
    hp = [
        {"tin": str(t), "category": ("elected-official", "celebrity")[i % 2], "since": date(2020, 1, 1)}
        for i, t in enumerate(hp_tins)
    ]  # fmt: skip
    # Cases: CASES_PER_EMPLOYEE per employee, open all year, subjects from the pool.
    n_cases = n_emp * CASES_PER_EMPLOYEE
    subjects = rng.choice(pool, size=(n_cases, SUBJECTS_PER_CASE))
    case_ids = np.array([f"C{i:06d}" for i in range(n_cases)])
    case_owner = np.repeat(np.arange(n_emp), CASES_PER_EMPLOYEE)
    cases = [
        {"id": str(case_ids[c]), "unit": emps[case_owner[c]]["unit"], "purpose": "examination",
         "opened": date(year - 1, 1, 1), "closed": None,
         "assigned": [str(emp_ids[case_owner[c]])], "subjects": [str(t) for t in subjects[c]]}
        for c in range(n_cases)
    ]  # fmt: skip
    days = pd.bdate_range(f"{year}-01-01", f"{year}-12-31")
    plant = _Planter(rng, year, emps, emp_ids, zones, case_ids, subjects, pool, hp_tins, spare)
    planted_rows = plant.all(plants)
    n_norm = max(0, events - len(planted_rows))
    rate = rng.uniform(0.5, 1.5, size=n_emp)
    tables: list[pa.Table] = []
    documented = 0
    for start in range(0, n_norm, CHUNK):
        chunk, docs = _normal(rng, min(CHUNK, n_norm - start), start, rate, emp_ids, zones, case_ids, subjects, days)  # fmt: skip
        documented += docs
        if sink is not None:
            sink(chunk)
        else:
            tables.append(chunk)
    if sink is not None:
        sink(_arrow_rows(planted_rows))
        table = SCHEMA.empty_table()
    else:
        table = pa.concat_tables([*tables, _arrow_rows(planted_rows)])
        table = table.sort_by([("time", "ascending")])
    return Trail(
        employees=emps + plant.extra_employees,
        cases=cases + plant.extra_cases,
        high_profile=hp,
        household=pa.table(
            {"principal": [p for p, _ in plant.household], "tin": [t for _, t in plant.household]},
            schema=pa.schema([("principal", pa.string()), ("tin", pa.string())]),
        ),
        events=table,
        planted=plant.labels,
        documented=documented,
        year=year,
    )


def _normal(
    rng: np.random.Generator,
    n: int,
    offset: int,
    rate: np.ndarray,
    emp_ids: np.ndarray,
    zones: np.ndarray,
    case_ids: np.ndarray,
    subjects: np.ndarray,
    days: pd.DatetimeIndex,
) -> tuple[pa.Table, int]:
    """``n`` documented events: own cases' subjects, weekdays, inside work hours."""
    n_emp = len(emp_ids)
    who = rng.choice(n_emp, size=n, p=rate / rate.sum())
    case = who * CASES_PER_EMPLOYEE + rng.integers(0, CASES_PER_EMPLOYEE, size=n)
    subj = subjects[case, rng.integers(0, SUBJECTS_PER_CASE, size=n)]
    day = days.values[rng.integers(0, len(days), size=n)]
    minute = rng.integers(8 * 60 + 30, 16 * 60 + 30, size=n)
    local = (
        pd.to_datetime(day)
        + pd.to_timedelta(minute, unit="m")
        + pd.to_timedelta(rng.integers(0, 60, size=n), unit="s")
    )
    utc = _to_utc(pd.DatetimeIndex(local), zones[who])
    export = rng.random(n) < 0.01
    denied = rng.random(n) < 0.003
    normal = {
        "id": np.char.add("IDRS-", np.char.zfill((np.arange(n) + offset).astype(str), 10)),
        "time": utc,
        "principal": emp_ids[who],
        "role": np.full(n, "revenue-agent"),
        "taxpayer": np.where(export, None, subj),
        "action": np.where(export, "export", "lookup"),
        "rows": np.where(export, rng.integers(2, SUBJECTS_PER_CASE, size=n), 1),
        "case_id": case_ids[case],
        "purpose": np.full(n, "examination"),
        "source_system": np.full(n, "IDRS"),
        "outcome": np.where(denied, "denied", "allowed"),
    }
    return _arrow(normal), int(((~export) & (~denied)).sum())


def _to_utc(local: pd.DatetimeIndex, zones: np.ndarray) -> np.ndarray:
    out = np.empty(len(local), dtype="datetime64[us]")
    for z in np.unique(zones):
        m = zones == z
        conv = pd.DatetimeIndex(local[m]).tz_localize(
            z, ambiguous=False, nonexistent="shift_forward"
        )
        out[m] = conv.tz_convert("UTC").tz_localize(None).values.astype("datetime64[us]")
    return out


def _arrow(cols: dict[str, Any]) -> pa.Table:
    n = len(cols["id"])
    arrays = []
    for f in SCHEMA:
        if f.name == "extra":
            arrays.append(pa.nulls(n, pa.string()))
        elif f.name == "line":
            arrays.append(pa.nulls(n, pa.int64()))
        elif f.name == "time":
            arrays.append(pa.array(cols["time"], pa.timestamp("us")).cast(f.type))
        else:
            arrays.append(pa.array(cols[f.name], f.type))
    return pa.table(arrays, SCHEMA)


def _arrow_rows(rows: list[dict[str, Any]]) -> pa.Table:
    cols: dict[str, Any] = {
        f.name: [r.get(f.name) for r in rows] for f in SCHEMA if f.name not in ("extra", "line")
    }
    cols["time"] = np.array([r["time"] for r in rows], dtype="datetime64[us]")
    return _arrow(cols)


class _Planter:
    """Builds each kind of planted misuse as event rows with a label."""

    def __init__(self, rng: np.random.Generator, year: int, emps: list[dict[str, Any]],
                 emp_ids: np.ndarray, zones: np.ndarray, case_ids: np.ndarray,
                 subjects: np.ndarray, pool: np.ndarray, hp: np.ndarray, spare: list[str]) -> None:  # fmt: skip
        self.rng, self.year, self.emps, self.emp_ids, self.zones = rng, year, emps, emp_ids, zones
        self.case_ids, self.subjects, self.pool, self.hp, self.spare = (
            case_ids,
            subjects,
            pool,
            hp,
            spare,
        )
        self.rows: list[dict[str, Any]] = []
        self.labels: list[Planted] = []
        self.household: list[tuple[str, str]] = []
        self.extra_employees: list[dict[str, Any]] = []
        self.extra_cases: list[dict[str, Any]] = []
        self.n = 0
        self.days = pd.bdate_range(f"{year}-03-01", f"{year}-12-15")

    def _emp(self) -> int:
        return int(self.rng.integers(0, len(self.emp_ids)))

    def _time(
        self, e: int, day: pd.Timestamp | None = None, minute: int | None = None
    ) -> np.datetime64:
        day = day if day is not None else self.days[int(self.rng.integers(0, len(self.days)))]
        m = minute if minute is not None else int(self.rng.integers(9 * 60, 16 * 60))
        local = pd.DatetimeIndex([pd.Timestamp(day) + pd.Timedelta(minutes=m)])
        return _to_utc(local, np.array([self.zones[e] if e >= 0 else ZONES[0]]))[0]

    def _event(self, principal: str, t: np.datetime64, taxpayer: str | None, *, case: str | None = None,
               action: str = "lookup", rows: int = 1, outcome: str = "allowed",
               role: str = "revenue-agent") -> str:  # fmt: skip
        self.n += 1
        eid = f"AMS-P{self.n:07d}"
        self.rows.append({"id": eid, "time": t, "principal": principal, "role": role,
                          "taxpayer": taxpayer, "action": action, "rows": rows, "case_id": case,
                          "purpose": "examination", "source_system": "AMS", "outcome": outcome})  # fmt: skip
        return eid

    def _label(self, kind: str, principal: str, ids: list[str]) -> None:
        self.labels.append(Planted(kind, PLANT_RULES[kind], principal, tuple(ids)))

    def _pool_tin(self) -> str:
        return str(self.pool[int(self.rng.integers(0, len(self.pool)))])

    def all(self, k: int) -> list[dict[str, Any]]:
        for _ in range(k):
            for kind in PLANT_RULES:
                getattr(self, "p_" + kind.replace("-", "_"))()
        return self.rows

    def p_self(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        self._label("self", p, [self._event(p, self._time(e), self.emps[e]["tin"])])

    def p_household(self) -> None:
        e = self._emp()
        p, tin = str(self.emp_ids[e]), self.spare.pop()
        self.household.append((p, tin))
        self._label("household", p, [self._event(p, self._time(e), tin)])

    def p_other_employee(self) -> None:
        e, o = self._emp(), self._emp()
        while o == e:
            o = self._emp()
        p = str(self.emp_ids[e])
        self._label("other-employee", p, [self._event(p, self._time(e), self.emps[o]["tin"])])

    def p_high_profile(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        tin = str(self.hp[int(self.rng.integers(0, len(self.hp)))])
        self._label("high-profile", p, [self._event(p, self._time(e), tin)])

    def p_no_case(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        self._label("no-case", p, [self._event(p, self._time(e), self._pool_tin())])

    def p_outside_case(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        case = str(self.case_ids[e * CASES_PER_EMPLOYEE])
        tin = self._pool_tin()
        while tin in set(self.subjects[e * CASES_PER_EMPLOYEE]):
            tin = self._pool_tin()
        self._label("outside-case", p, [self._event(p, self._time(e), tin, case=case)])

    def p_bulk_export(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        rows = int(self.rng.integers(1_000, 50_000))
        self._label(
            "bulk-export", p, [self._event(p, self._time(e), None, action="export", rows=rows)]
        )

    def p_volume(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        day = self.days[int(self.rng.integers(len(self.days) // 2, len(self.days)))]
        ids = []
        for _ in range(120):
            c = e * CASES_PER_EMPLOYEE + int(self.rng.integers(0, CASES_PER_EMPLOYEE))
            tin = str(self.subjects[c, int(self.rng.integers(0, SUBJECTS_PER_CASE))])
            m = int(self.rng.integers(9 * 60, 16 * 60))
            ids.append(self._event(p, self._time(e, day, m), tin, case=str(self.case_ids[c])))
        self._label("volume", p, ids)

    def p_outside_hours(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        c = e * CASES_PER_EMPLOYEE
        t = self._time(e, minute=int(self.rng.integers(60, 5 * 60)))  # 01:00–05:00 local
        self._label(
            "outside-hours",
            p,
            [self._event(p, t, str(self.subjects[c, 0]), case=str(self.case_ids[c]))],
        )

    def p_after_separation(self) -> None:
        i = len(self.extra_employees)
        p = f"X{i:05d}"
        sep = date(self.year, 3, 1) + timedelta(days=int(self.rng.integers(0, 200)))
        self.extra_employees.append({**self.emps[0], "id": p, "tin": self.spare.pop(), "separation": sep,
                                     "household_address": None})  # fmt: skip
        tins = [self._pool_tin() for _ in range(5)]
        cid = f"CX{i:05d}"
        self.extra_cases.append({"id": cid, "unit": "U00", "purpose": "examination",
                                 "opened": date(self.year - 1, 1, 1), "closed": None,
                                 "assigned": [p], "subjects": tins})  # fmt: skip
        day = pd.Timestamp(sep + timedelta(days=14))
        while day.weekday() >= 5:
            day += pd.Timedelta(days=1)
        self._label("after-separation", p, [self._event(p, self._time(0, day), tins[0], case=cid)])

    def p_repeated(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        tin, start = self._pool_tin(), int(self.rng.integers(0, len(self.days) - 10))
        ids = [self._event(p, self._time(e, self.days[start + 3 * j]), tin) for j in range(4)]
        self._label("repeated", p, ids)

    def p_denied_retried(self) -> None:
        e = self._emp()
        p = str(self.emp_ids[e])
        tin = self._pool_tin()
        day = self.days[int(self.rng.integers(0, len(self.days)))]
        m = int(self.rng.integers(9 * 60, 15 * 60))
        first = self._event(p, self._time(e, day, m), tin, outcome="denied")
        then = self._event(
            p, self._time(e, day, m + 12), tin, case=str(self.case_ids[e * CASES_PER_EMPLOYEE])
        )
        self._label("denied-retried", p, [first, then])


def write_events_jsonl(table: pa.Table, path: Path) -> None:
    """The events as ``fti/inspection/v1`` JSON Lines (what another system exports)."""
    with path.open("wb") as f:
        for batch in table.to_batches(100_000):
            for r in batch.to_pylist():
                doc = {"format": "fti/inspection/v1", "id": r["id"],
                       "time": r["time"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "principal": r["principal"], "role": r["role"], "taxpayer": r["taxpayer"],
                       "action": r["action"], "rows": r["rows"], "case": r["case_id"],
                       "purpose": r["purpose"], "source_system": r["source_system"],
                       "outcome": r["outcome"]}  # fmt: skip
                f.write(orjson.dumps(doc) + b"\n")


def write_parquet(table: pa.Table, folder: Path, part_rows: int = 1_000_000) -> list[Path]:
    """The events as the importer stores them (Parquet parts), for benchmarks."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, start in enumerate(range(0, max(1, table.num_rows), part_rows)):
        p = folder / f"part-{i:05d}.parquet"
        pq.write_table(table.slice(start, part_rows), p, compression="zstd")
        out.append(p)
    return out


def write_registers(trail: Trail, folder: Path) -> dict[str, Path]:
    """The three lists as YAML files (``as_of`` 1 January of the trail's year)."""
    folder.mkdir(parents=True, exist_ok=True)
    as_of = date(trail.year, 1, 1)
    docs = {
        "employees": ("fti/employees/v1", "employees", trail.employees),
        "cases": ("fti/cases/v1", "cases", trail.cases),
        "high-profile": ("fti/high-profile/v1", "high_profile", trail.high_profile),
    }
    out = {}
    for kind, (fmt, key, items) in docs.items():
        p = folder / f"{kind}.yaml"
        doc = {"format": fmt, "as_of": as_of, key: items}
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        p.write_text(yaml.dump(doc, Dumper=dumper, sort_keys=False))
        out[kind] = p
    return out
