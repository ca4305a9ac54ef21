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

An unknown employee is not an error of the gate's policy but of the input: it has no
attributes to judge, so it is refused before any read (exit 3, not found).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.vault.access import Principal

PRINCIPALS_FILE = "principals.yaml"
FORMAT = "fti/principals/v1"


def principal_for(home: Path, employee_id: str) -> Principal:
    """The principal of ``employee_id`` with the attributes the policies read."""
    path = Path(home) / PRINCIPALS_FILE
    for entry in _entries(path):
        if str(entry.get("id")) == employee_id:
            return _principal(path, entry)
    raise NotFoundError(
        f"no employee {employee_id!r} is known to this workspace",
        where=str(path),
        hint="add them (id, role, unit, cases, cleared_from) to principals.yaml",
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
