"""The self-or-household seam: taxpayers whose latest address in the vault is an
employee's household address, compared in the resolver's normal form."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import registers
from fti_gateway.monitor.household import household_tins
from fti_gateway.vault import access
from fti_gateway.vault.inspections import gate_log, read_events
from fti_gateway.vault.schema import master_schema
from fti_gateway.vault.store import Vault
from tests.cli.runner import run

EMPLOYEES = """\
format: fti/employees/v1
as_of: 2026-01-01
employees:
  - {id: E1, unit: U1, role: revenue-agent, tin: 900-00-0011,
     household_address: {street: 12 Oak Street Apt 4, unit: null, city: Springfield,
                         state: IL, zip: "62701"},
     work_hours: {days: [Mon], start: "08:00", end: "17:00", timezone: America/Chicago},
     start: 2015-01-01, separation: null}
"""


def _vault(ws: Workspace, rows: list[dict[str, object]]) -> None:
    schema = master_schema()
    full = [{f.name: r.get(f.name) for f in schema} for r in rows]
    folder = Vault.for_workspace(ws).master_dir
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=schema), folder / "part-00000.parquet")


def _household(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text(EMPLOYEES)
    registers.load(workspace, "employees", f)
    base = {"tin_kind": "ssn", "last_name": "DOE", "city": "Springfield", "state": "IL"}
    _vault(
        workspace,
        [
            {**base, "taxpayer_id": "T1", "tin": "900-00-0101", "street": "12 OAK ST #4",
             "zip": "62701-1234", "tax_year": 2024},  # same household, other spelling
            {**base, "taxpayer_id": "T2", "tin": "900-00-0102", "street": "12 Oak St",
             "unit": "5", "zip": "62701", "tax_year": 2024},  # another flat
            {**base, "taxpayer_id": "T3", "tin": "900-00-0103", "street": "12 Oak St Apt 4",
             "zip": "62701", "tax_year": 2020},  # moved away since:
            {**base, "taxpayer_id": "T3", "tin": "900-00-0103", "street": "9 Elm St",
             "zip": "62701", "tax_year": 2024},
        ],
    )  # fmt: skip


def test_household_found_in_normal_form(workspace: Workspace, tmp_path: Path) -> None:
    _household(workspace, tmp_path)
    got = household_tins(workspace).to_pylist()
    assert got == [{"principal": "E1", "tin": "900000101"}]
    # The monitor's own read went through the gate and is recorded like any other.
    trail = [e for _, e in read_events(gate_log(workspace.home))]
    assert [(e["principal"], e["action"], e["purpose"], e["outcome"]) for e in trail] == [
        (access.MONITOR.id, "export", "unax-monitoring", "allowed")
    ]
    assert trail[0]["policies"] == ["monitor-household-addresses"]


def test_no_register_no_read(workspace: Workspace) -> None:
    assert household_tins(workspace).num_rows == 0
    assert not gate_log(workspace.home).exists()


def test_the_monitor_may_read_for_nothing_but_monitoring(workspace: Workspace) -> None:
    gate = access.Gate.for_home(workspace.home)
    verdict = gate.decide(access.MONITOR, "export", purpose="case-work")
    assert not verdict.allowed
    assert not gate.decide(access.MONITOR, "lookup", purpose="unax-monitoring").allowed


def test_monitor_run_flags_a_household_look_and_not_its_own_read(
    workspace: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _household(workspace, tmp_path)
    look = {
        "format": "fti/inspection/v1", "id": "IDRS-1", "time": "2026-03-02T15:00:00Z",
        "principal": "E1", "role": "revenue-agent", "taxpayer": "900-00-0101",
        "action": "lookup", "rows": 1, "case": None, "purpose": "examination",
        "source_system": "IDRS", "outcome": "allowed",
    }  # fmt: skip
    (tmp_path / "idrs.jsonl").write_text(json.dumps(look) + "\n")
    home = str(workspace.home)
    assert (
        run(capsys, monkeypatch, "inspect", "import", str(tmp_path / "idrs.jsonl"), "--home", home)[
            0
        ]
        == 0
    )
    code, out, err = run(capsys, monkeypatch, "monitor", "run", "--json", "--home", home)
    assert code == 0, err
    found = json.loads(out)
    assert ("self-household", "E1") in {(a["rule"], a["principal"]) for a in found}
    assert all(a["principal"] != access.MONITOR.id for a in found)
    trail = [e for _, e in read_events(gate_log(workspace.home))]
    assert [(e["principal"], e["purpose"]) for e in trail] == [
        (access.MONITOR.id, "unax-monitoring")
    ]
