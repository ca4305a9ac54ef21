"""The monitor end to end through `fti`: registers and events in, alerts out; each alert
and its disposition a ledger entry; the taxpayer only as a commitment unless a
reviewer opens the alert (and that look is recorded too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import accounting
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.monitor.paths import GATE_LOG, inspections_dir
from tests.cli.runner import SIGN_IN, accounts, run

REGISTERS = {
    "employees": """\
format: fti/employees/v1
as_of: 2026-01-01
employees:
  - {id: E1, unit: U1, role: revenue-agent, tin: 900-00-0011, household_address: null,
     work_hours: {days: [Mon, Tue, Wed, Thu, Fri], start: "08:00", end: "17:00",
                  timezone: America/New_York}, start: 2015-01-01, separation: null}
  - {id: E2, unit: U1, role: revenue-agent, tin: 900-00-0022, household_address: null,
     work_hours: {days: [Mon, Tue, Wed, Thu, Fri], start: "08:00", end: "17:00",
                  timezone: America/New_York}, start: 2015-01-01, separation: null}
  - {id: AUD, unit: TIGTA, role: auditor, tin: 900-00-0033, household_address: null,
     work_hours: {days: [Mon], start: "08:00", end: "17:00", timezone: America/New_York},
     start: 2015-01-01, separation: null}
""",
    "cases": """\
format: fti/cases/v1
as_of: 2026-01-01
cases:
  - {id: C1, unit: U1, purpose: examination, opened: 2026-01-01, closed: null,
     assigned: [E1], subjects: [900-00-0001, 900-00-0099]}
""",
    "high-profile": """\
format: fti/high-profile/v1
as_of: 2026-01-01
high_profile:
  - {tin: 900-00-0099, category: elected-official, since: 2020-01-01}
""",
}


def ev(i: int, time: str, who: str, tin: str, case: str | None) -> str:
    return json.dumps({
        "format": "fti/inspection/v1", "id": f"IDRS-{i}", "time": time, "principal": who,
        "role": "revenue-agent", "taxpayer": tin, "action": "lookup", "rows": 1, "case": case,
        "purpose": "examination", "source_system": "IDRS", "outcome": "allowed",
    })  # fmt: skip


@pytest.fixture
def ws(
    workspace: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    home = str(workspace.home)
    for kind, text in REGISTERS.items():
        (tmp_path / f"{kind}.yaml").write_text(text)
        assert (
            run(capsys, monkeypatch, kind, "load", str(tmp_path / f"{kind}.yaml"), "--home", home)[
                0
            ]
            == 0
        )
    trail = tmp_path / "idrs.jsonl"
    trail.write_text("\n".join([
        ev(1, "2026-03-02T15:00:00Z", "E1", "900-00-0001", "C1"),  # documented: no alert
        ev(2, "2026-03-02T15:10:00Z", "E1", "900-00-0099", "C1"),  # high-profile, in case
        ev(4, "2026-03-02T16:00:00Z", "E2", "900-00-0001", "C1"),  # E2 not assigned
        ev(5, "2026-03-03T07:00:00Z", "E1", "900-00-0001", "C1"),  # 02:00 in New York
    ]) + "\n")  # fmt: skip
    assert run(capsys, monkeypatch, "inspect", "import", str(trail), "--home", home)[0] == 0
    accounts(workspace.home, "E1", "E2", "AUD")
    # the gate's own log is read beside the imports
    inspections_dir(workspace).mkdir(exist_ok=True)
    (inspections_dir(workspace) / GATE_LOG).write_text(
        ev(3, "2026-03-02T15:30:00Z", "E1", "900-00-0022", None) + "\n"  # E2's record, no case
    )
    return workspace


def _ledger(ws: Workspace) -> list[accounting.Row]:
    return accounting.load(ws.ledger_dir, verifier_key(ws)).rows


def test_run_show_decide_summary(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(ws.home)
    code, out, _ = run(capsys, monkeypatch, "monitor", "run", "--json", "--home", home)
    assert code == 0
    found = json.loads(out)
    by_rule = {a["rule"]: a for a in found}
    assert set(by_rule) == {"other-employee", "no-case", "outside-case", "outside-hours"}
    assert by_rule["other-employee"]["events"] == ["IDRS-3"]
    assert by_rule["outside-hours"]["events"] == ["IDRS-5"]
    assert "02:00" in by_rule["outside-hours"]["explanation"]
    assert "not assigned" in by_rule["outside-case"]["explanation"]
    assert "9000000" not in out  # no TIN, in any spelling
    leaves = _ledger(ws)
    assert sorted(r.kind for r in leaves) == ["alert"] * 4
    # a second run raises nothing new and writes nothing
    code, out, _ = run(capsys, monkeypatch, "monitor", "run", "--home", home)
    assert "(0 new)" in out
    assert len(_ledger(ws)) == 4

    alert = by_rule["other-employee"]["id"]
    code, out, _ = run(capsys, monkeypatch, "monitor", "show", alert, "--home", home)
    assert code == 0 and "900000022" not in out
    show = ["monitor", "show", alert, "--home", home, "--password-stdin"]
    code, _, err = run(capsys, monkeypatch, *show, "--as", "E2", stdin=SIGN_IN)
    assert code == 7 and "not a reviewer" in err
    code, out, err = run(capsys, monkeypatch, *show, "--as", "AUD", stdin="a wrong password\n")
    assert code == 7 and "password is wrong" in err and "900000022" not in out
    assert [r.kind for r in _ledger(ws)][-1] == "alert"  # nothing opened, nothing recorded
    code, out, _ = run(capsys, monkeypatch, *show, "--as", "AUD", stdin=SIGN_IN)
    assert code == 0 and "900000022" in out
    assert [r.kind for r in _ledger(ws)][-1] == "inspection"  # the reviewer's look

    args = ["monitor", "decide", alert, "--substantiated", "--reason", "curiosity", "--home", home]
    args += ["--password-stdin"]
    code, _, err = run(capsys, monkeypatch, *args, "--officer", "E1", stdin=SIGN_IN)
    assert code == 7  # the principal is not a reviewer (nor may review themselves)
    code, _, err = run(capsys, monkeypatch, *args, "--officer", "AUD", stdin="guess\n")
    assert code == 7 and "password is wrong" in err
    code, out, _ = run(capsys, monkeypatch, *args, "--officer", "AUD", stdin=SIGN_IN)
    assert code == 0
    last = _ledger(ws)[-1]
    assert last.kind == "alert_disposition" and last.outcome == "substantiated"
    assert last.reason and last.reason.startswith("hmac-sha256:")
    code, _, err = run(capsys, monkeypatch, *args, "--officer", "AUD", stdin=SIGN_IN)
    assert code == 2 and "already decided" in err

    code, out, _ = run(
        capsys,
        monkeypatch,
        "monitor",
        "summary",
        "--year",
        str(_year(found)),
        "--json",
        "--home",
        home,
    )
    s = json.loads(out)
    assert (s["alerts"], s["substantiated"], s["open"]) == (4, 1, 3)
    assert s["median_detection_lag_hours"] > 0


def _year(found: list[dict[str, str]]) -> int:
    return int(found[0]["raised"][:4])


def test_since_limits_the_alerts(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        "monitor",
        "run",
        "--json",
        "--since",
        "2026-03-03",
        "--home",
        str(ws.home),
    )
    assert [a["rule"] for a in json.loads(out)] == ["outside-hours"]
    assert code == 0
