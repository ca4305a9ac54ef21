"""`fti employees|cases|high-profile load`: dated snapshots; bad entries by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import registers

EMPLOYEES = """\
format: fti/employees/v1
as_of: 2026-01-05
employees:
  - id: E1
    unit: U1
    role: revenue-agent
    tin: 900-11-2222
    household_address: {street: 1 Oak St, unit: null, city: Springfield, state: IL, zip: "62701"}
    work_hours: {days: [Mon, Tue], start: "08:00", end: "17:00", timezone: America/Chicago}
    start: 2015-01-01
    separation: null
  - id: E2
    unit: U1
    role: revenue-agent
    tin: 900-11-3333
    household_address: null
    work_hours: {days: [Mon], start: "8am", end: "17:00", timezone: Mars/Olympus}
    start: 2015-01-01
"""


def test_yaml_loads_as_a_dated_snapshot(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text(EMPLOYEES.split("  - id: E2")[0])
    r = registers.load(workspace, "employees", f)
    assert (r.as_of, r.count) == (date(2026, 1, 5), 1)
    assert registers.latest(workspace, "employees") == r.path
    row = pq.read_table(r.path).to_pylist()[0]
    assert (row["tin"], row["timezone"], row["days"]) == (
        "900112222",
        "America/Chicago",
        ["Mon", "Tue"],
    )


def test_bad_entry_named_by_line_and_nothing_stored(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text(EMPLOYEES)
    with pytest.raises(InputError) as e:
        registers.load(workspace, "employees", f)
    details = "\n".join(e.value.details)
    assert details.startswith("line 12:")  # the line of "- id: E2"
    assert "work_hours.start" in details and "work_hours.timezone" in details
    assert registers.latest(workspace, "employees") is None


def test_json_lines_need_a_date(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "hp.jsonl"
    f.write_text(
        '{"tin": "900-00-0001", "category": "elected-official", "since": "2020-01-01"}\n'
        '{"tin": "12", "category": "celebrity", "since": "2020-01-01"}\n'
    )
    with pytest.raises(InputError, match="as-of"):
        registers.load(workspace, "high-profile", f)
    with pytest.raises(InputError) as e:
        registers.load(workspace, "high-profile", f, date(2026, 2, 1))
    assert e.value.details[0].startswith("line 2: tin")
    f.write_text(f.read_text().splitlines()[0] + "\n")
    assert registers.load(workspace, "high-profile", f, date(2026, 2, 1)).count == 1


def test_a_case_repeated_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    case = '{"id": "C1", "unit": "U", "purpose": "exam", "opened": "2026-01-01", "closed": null, "assigned": ["E1"], "subjects": ["900-00-0001"]}'
    f = tmp_path / "c.jsonl"
    f.write_text(case + "\n" + case + "\n")
    with pytest.raises(InputError) as e:
        registers.load(workspace, "cases", f, date(2026, 1, 1))
    assert e.value.details == ["line 2: repeats the entry of line 1"]
