"""`fti request validate|list|show`, driven through the real entry point as a user would."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.intake import load_request
from fti_gateway.intake.persist import receive
from fti_gateway.store import StateStore
from tests.cli.runner import run

DATA = Path(__file__).parents[1] / "intake" / "data"


@pytest.fixture
def broken_request(tmp_path: Path) -> Path:
    shutil.copy(DATA / "manifest.yaml", tmp_path / "manifest.yaml")
    shutil.copy(DATA / "subjects_broken.csv", tmp_path / "subjects.csv")
    return tmp_path / "manifest.yaml"


def test_validate_clean_request_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "request", "validate", str(DATA / "manifest.yaml"))
    assert code == 0
    assert "DOJ DOJ-USAO-DC-2025-0042 under 6103(i)(2)" in out
    assert "4 subject rows accepted, 0 rejected (subjects.csv)" in out


def test_validate_lists_rejected_lines_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broken_request: Path
) -> None:
    code, out, _ = run(capsys, monkeypatch, "request", "validate", str(broken_request))
    assert code == 1
    assert "rejected: subjects.csv line 3: has 6 values" in out
    assert "rejected: subjects.csv line 4: a double quote opened" in out
    assert "rejected: subjects.csv line 6: has 3 values" in out
    assert "2 × wrong number of values on the line" in out
    assert "1 × a double quote not closed or misplaced" in out
    assert "3 subject rows accepted, 3 rejected" in out


def test_validate_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broken_request: Path
) -> None:
    code, out, _ = run(capsys, monkeypatch, "request", "validate", str(broken_request), "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["accepted"] == 3 and doc["rejected_rows"] == 3
    assert [r["line"] for r in doc["rejects"]] == [3, 4, 6]
    assert doc["rejects_by_kind"] == {"csv-values": 2, "csv-quote": 1}
    assert doc["digest"].startswith("sha256:")


def test_validate_unreadable_manifest_exits_2_with_the_place(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "m.yaml").write_bytes(b"")
    code, _, err = run(capsys, monkeypatch, "request", "validate", str(tmp_path / "m.yaml"))
    assert code == 2
    assert "error: m.yaml: the manifest is empty (0 bytes)" in err
    assert "hint:" in err
    code, out, _ = run(
        capsys, monkeypatch, "request", "validate", str(tmp_path / "m.yaml"), "--json"
    )
    assert code == 2
    assert json.loads(out)["error"] == "InputError"


def test_list_and_show_a_received_request(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    broken_request: Path,
) -> None:
    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    code, out, _ = run(capsys, monkeypatch, "init", "--home", str(home))
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "request", "list", "--home", str(home))
    assert code == 0 and "no requests received yet" in out
    store = StateStore.for_workspace(Workspace.open(home))
    receive(load_request(broken_request), store)
    store.dispose()
    code, out, _ = run(capsys, monkeypatch, "request", "list", "--home", str(home))
    assert code == 0
    assert "DOJ-USAO-DC-2025-0042" in out and "received" in out
    code, out, _ = run(
        capsys, monkeypatch, "request", "show", "DOJ", "DOJ-USAO-DC-2025-0042", "--home", str(home)
    )
    assert code == 0
    assert "status received" in out and "3 subjects accepted, 3 rows rejected" in out
    assert "rejected: subjects.csv line 4: a double quote opened" in out


def test_show_unknown_request_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workspace: Workspace
) -> None:
    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    code, _, err = run(
        capsys, monkeypatch, "request", "show", "DOJ", "NOPE", "--home", str(workspace.home)
    )
    assert code == 3 and "no request DOJ NOPE has been received" in err


def test_the_installed_fti_command_reports_exit_codes(tmp_path: Path) -> None:
    fti = Path(sys.executable).parent / "fti"
    (tmp_path / "m.json").write_text("{not json")
    done = subprocess.run(
        [str(fti), "request", "validate", str(tmp_path / "m.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "m.json line 1: not valid JSON" in done.stderr


def test_list_and_show_use_fti_database_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    database_url: str,
) -> None:
    """With FTI_DATABASE_URL set (PostgreSQL in a deployment) the commands read from it."""
    monkeypatch.setenv("FTI_DATABASE_URL", database_url)
    store = StateStore.for_workspace(workspace)
    receive(load_request(DATA / "inline.yaml"), store)
    store.dispose()
    home = str(workspace.home)
    code, out, _ = run(capsys, monkeypatch, "request", "list", "--home", home)
    assert code == 0 and "STATE-CA-CSE-2025-7" in out
    code, out, _ = run(capsys, monkeypatch, "request", "show", "STATE-CA-CSE", "STATE-CA-CSE-2025-7", "--home", home)  # fmt: skip
    assert code == 0 and "2 subjects accepted, 2 rows rejected" in out
    assert "rejected: inline.yaml line 23: this subject is not a block" in out
    assert not (workspace.home / "state.db").exists() or database_url.startswith("sqlite")


def test_submit_refuses_a_request_received_in_the_future(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    assert run(capsys, monkeypatch, "init", "--home", str(home))[0] == 0
    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    text = (
        (DATA / "manifest.yaml").read_text().replace("received: 2025-06-04", f"received: {later}")
    )
    (tmp_path / "manifest.yaml").write_text(text)
    shutil.copy(DATA / "subjects.csv", tmp_path / "subjects.csv")
    code, _, err = run(
        capsys,
        monkeypatch,
        "request",
        "submit",
        str(tmp_path / "manifest.yaml"),
        "--home",
        str(home),
    )
    assert code == 2
    assert f"manifest.yaml line 4: received: {later} is in the future" in err
    code, out, _ = run(capsys, monkeypatch, "request", "list", "--home", str(home))
    assert "no requests received yet" in out  # refused before anything was stored


HOSTILE_IDS = ["=1+1", "+1", "-2+3", "@SUM(A1)", "＝1", "＋1", "－1", "＠A1"]


@pytest.fixture
def hostile_request(tmp_path: Path) -> Path:
    """Subject ids a spreadsheet would run, and two rows intake rejects (lines 10 and 11)."""
    shutil.copy(DATA / "manifest.yaml", tmp_path / "manifest.yaml")
    rows = [
        f"{sid},Ana,Lee{i},{i + 1} Oak St,Springfield,IL,62704" for i, sid in enumerate(HOSTILE_IDS)
    ]
    rows += ["R1,Ben,,1 Elm St,Dover,DE,19901", "R2,Cy,Tan,2 Elm St,Dover,DE,1990,extra"]
    (tmp_path / "subjects.csv").write_text(
        "subject_id,first_name,last_name,street,city,state,zip\n" + "\n".join(rows) + "\n"
    )
    return tmp_path / "manifest.yaml"


def test_submit_names_the_rejected_rows_as_validate_does(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    hostile_request: Path,
) -> None:
    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    assert run(capsys, monkeypatch, "init", "--home", str(home))[0] == 0
    _, validated, _ = run(capsys, monkeypatch, "request", "validate", str(hostile_request))
    listed = [line for line in validated.splitlines() if "rejected: " in line]
    assert [line.split(":")[1].strip() for line in listed] == [
        "subjects.csv line 10 (subject R1)",
        "subjects.csv line 11",  # too many values: no subject id is trusted
    ]
    code, out, err = run(
        capsys, monkeypatch, "request", "submit", str(hostile_request), "--home", str(home)
    )
    assert code == 0, err
    assert "2 rows rejected" in out
    submitted = [line for line in out.splitlines() if "rejected: " in line]
    assert submitted == listed  # the same rows, worded the same way

    # End to end: the run folder's subject_findings.csv is safe to open in a spreadsheet.
    (run_dir,) = (home / "runs").iterdir()
    text = (run_dir / "subject_findings.csv").read_bytes().decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    ids = [r["subject_id"] for r in rows]
    assert ["'" + sid for sid in HOSTILE_IDS] == [i for i in ids if i.startswith("'")]
    assert not any(i[:1] in "=+-@＝＋－＠" for i in ids)
