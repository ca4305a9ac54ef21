"""Who a person is, for the read gate: ``principal_for(home, employee_id)``.

The seam the employee register (FORMATS §10) and the cases (§11) plug into: until they are
loaded, a workspace lists the people who may read in ``<workspace>/principals.yaml``::

    format: fti/principals/v1
    principals:
      - id: E10001
        role: disclosure_officer      # see vault.access.ROLES
        unit: disclosure
        cases: [C-2026-0001]
        cleared_from: 2024-01-01
        cleared_until: 2027-12-31     # optional

Once the employee register is loaded (``fti employees load``, FORMATS §10), it is the
source: role and unit from the register, clearance from ``start`` through ``separation``
(inclusive: the separation day is still a working day, as the monitor's after-separation
rule counts it), and the cases from the latest ``fti cases load`` that assign the employee
and are open today. principals.yaml then only *narrows* a registered employee's clearance
(a later ``cleared_from``, an earlier ``cleared_until`` — a background check that lapsed
before separation); it never widens it, never adds cases, and names nobody the register
does not (in doubt, no read). Without a loaded register principals.yaml is used as is.

An unknown employee is not an error of the gate's policy but of the input: it has no
attributes to judge, so it is refused before any read (exit 3, not found).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from fti_gateway.core import registers
from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.vault.access import Principal

PRINCIPALS_FILE = "principals.yaml"
FORMAT = "fti/principals/v1"


def principal_for(home: Path, employee_id: str, today: date | None = None) -> Principal:
    """The principal of ``employee_id`` with the attributes the policies read: from the
    loaded employee register and cases when there is one (``today`` decides which cases
    are open), else from principals.yaml."""
    path = Path(home) / PRINCIPALS_FILE
    entry = next((e for e in _entries(path) if str(e.get("id")) == employee_id), None)
    emp_file = registers.latest(home, "employees")
    if emp_file is not None:
        p = _registered(home, emp_file, employee_id, today or datetime.now(UTC).date())
        return _narrowed(p, _principal(path, entry)) if entry is not None else p
    if entry is not None:
        return _principal(path, entry)
    raise NotFoundError(
        f"no employee {employee_id!r} is known to this workspace",
        where=str(path),
        hint="add them (id, role, unit, cases, cleared_from) to principals.yaml",
    )


def _registered(home: Path, emp_file: Path, employee_id: str, today: date) -> Principal:
    rows = pq.read_table(emp_file, filters=[("id", "=", employee_id)]).to_pylist()
    if not rows:
        raise NotFoundError(
            f"no employee {employee_id!r} in the employee register",
            where=str(emp_file),
            hint="load a register that lists them (`fti employees load`)",
        )
    e = rows[0]
    return Principal(
        id=employee_id,
        role=str(e["role"]),
        kind="person",
        unit=str(e["unit"]),
        cases=_open_cases(home, employee_id, today),
        cleared_from=e["start"],
        cleared_until=e["separation"],
    )


def _open_cases(home: Path, employee_id: str, today: date) -> frozenset[str]:
    """Cases of the latest ``fti cases load`` that assign ``employee_id`` and are open
    ``today`` (FORMATS §11: opened ≤ today ≤ closed, or not closed)."""
    cases_file = registers.latest(home, "cases")
    if cases_file is None:
        return frozenset()
    cols = ["id", "opened", "closed", "assigned"]
    return frozenset(
        str(c["id"])
        for c in pq.read_table(cases_file, columns=cols).to_pylist()
        if employee_id in (c["assigned"] or [])
        and c["opened"] <= today
        and (c["closed"] is None or today <= c["closed"])
    )


def _narrowed(p: Principal, override: Principal) -> Principal:
    """``p`` with its clearance narrowed by principals.yaml's dates (never widened)."""
    starts = [d for d in (p.cleared_from, override.cleared_from) if d is not None]
    ends = [d for d in (p.cleared_until, override.cleared_until) if d is not None]
    return replace(
        p, cleared_from=max(starts) if starts else None, cleared_until=min(ends) if ends else None
    )


def _entries(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise InputError(
            f"is not YAML ({e})",
            where=f"{path}, line {line + 1}" if line is not None else str(path),
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"is not a {FORMAT} document", where=str(path))
    entries = doc.get("principals") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError("principals: must be a list of mappings", where=str(path))
    return entries


def _principal(path: Path, e: dict[str, Any]) -> Principal:
    where = f"{path}: {e.get('id')}"
    cases = e.get("cases") or []
    if not isinstance(cases, list):
        raise InputError("cases: must be a list of case ids", where=where)
    if not isinstance(e.get("role"), str):
        raise InputError("role: is missing", where=where)
    return Principal(
        id=str(e["id"]),
        role=str(e["role"]),
        kind="person",
        unit=str(e["unit"]) if e.get("unit") else None,
        cases=frozenset(str(c) for c in cases),
        cleared_from=_date(e.get("cleared_from"), where, "cleared_from"),
        cleared_until=_date(e.get("cleared_until"), where, "cleared_until"),
    )


def _date(value: Any, where: str, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{name}: {value!r} is not a date", where=where, hint="YYYY-MM-DD"
        ) from None
