"""`fti vault lookup`: a person's look at one taxpayer, allowed or refused, in the gate's
trail, the ledger, and the taxpayer's accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.vault.inspections import gate_log, read_events
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master
from tests.cli.runner import SIGN_IN, accounts, run
from tests.vault.test_principals_register import CASES, EMPLOYEES

PRINCIPALS = """\
format: fti/principals/v1
principals:
  - {id: E10001, role: disclosure_officer, unit: disclosure, cases: [C-1], cleared_from: 2024-01-01}
  - {id: K30001, role: contractor, unit: modernization, cases: [C-1], cleared_from: 2025-01-01}
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    ws = Workspace.init(tmp_path / "home")
    master.generate(ws.vault_dir / "master", 300, 5)
    (ws.home / "principals.yaml").write_text(PRINCIPALS)
    accounts(ws.home, "E10001", "K30001", "E99999", "E1", "E2")
    return ws.home


def _tin(home: Path) -> str:
    con = Vault(home / "vault").connect()
    try:
        return str(con.execute("SELECT tin FROM master ORDER BY taxpayer_id LIMIT 1").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def test_an_allowed_and_a_refused_look_both_reach_the_taxpayers_accounting(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tin = _tin(home)
    base = ["vault", "lookup", "--home", str(home), "--tin", tin, "--password-stdin"]
    code, out, err = run(
        capsys, monkeypatch, *base, "--as", "E10001", "--case", "C-1", "--purpose", "case-work",
        "--json", stdin=SIGN_IN,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert {r["tin"] for r in doc["rows"]} == {tin}
    assert doc["event"]["policies"] == ["officer-lookup-in-assigned-case"]

    code, out, err = run(
        capsys, monkeypatch, *base, "--as", "K30001", "--case", "C-9", "--purpose", "testing",
        stdin=SIGN_IN,
    )  # fmt: skip
    assert code == 7
    assert "contractor-outside-case" in err and tin not in out

    trail = [o for _, o in read_events(gate_log(home))]
    assert [e["outcome"] for e in trail] == ["allowed", "denied"]

    code, out, err = run(
        capsys, monkeypatch, "ledger", "accounting", "--home", str(home), "--tin", tin, "--json"
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [(r["kind"], r["outcome"]) for r in rows] == [
        ("inspection", "allowed"), ("inspection", "denied"),
    ]  # fmt: skip
    assert [r["request_id"] for r in rows] == ["C-1", "C-9"]
    assert "identity.name" in rows[0]["elements"] and rows[1]["elements"] == []


def test_an_unknown_employee_is_not_found_and_reads_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "vault", "lookup", "--home", str(home), "--tin", _tin(home),
        "--as", "E99999", "--case", "C-1", "--purpose", "case-work", "--password-stdin",
        stdin=SIGN_IN,
    )  # fmt: skip
    assert code == 3 and "E99999" in err
    assert not gate_log(home).exists()


@pytest.mark.parametrize(
    ("who", "password"),
    [("E10001", "not the password!"), ("E55555", "correct horse battery staple")],
)
def test_a_person_who_cannot_sign_in_reads_nothing(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    password: str,
) -> None:
    """A name on a command line proves nothing: a wrong password, or no account, is
    refused (exit 7, the same words either way) before the policy or the vault is asked."""
    code, out, err = run(
        capsys, monkeypatch, "vault", "lookup", "--home", str(home), "--tin", _tin(home),
        "--as", who, "--case", "C-1", "--purpose", "case-work", "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    assert code == 7 and "name or password is wrong" in err and out == ""
    assert not gate_log(home).exists()


def test_a_registered_employee_looks_up_and_a_separated_one_is_refused(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # E2 separated on 2026-03-31; both are assigned the open case C-1.
    for kind, text in (("employees", EMPLOYEES), ("cases", CASES)):
        (tmp_path / f"{kind}.yaml").write_text(text)
        code, _, err = run(
            capsys, monkeypatch, kind, "load", str(tmp_path / f"{kind}.yaml"), "--home", str(home)
        )
        assert code == 0, err
    tin = _tin(home)
    base = ["vault", "lookup", "--home", str(home), "--tin", tin, "--case", "C-1"]
    base += ["--password-stdin", "--purpose", "case-work"]
    code, out, err = run(capsys, monkeypatch, *base, "--as", "E1", stdin=SIGN_IN)
    assert code == 0, err
    code, out, err = run(capsys, monkeypatch, *base, "--as", "E2", stdin=SIGN_IN)
    assert code == 7 and "clearance-expired" in err and tin not in out
    # E10001 is in principals.yaml but not in the register: the register decides who exists.
    code, _, err = run(capsys, monkeypatch, *base, "--as", "E10001", stdin=SIGN_IN)
    assert code == 3 and "employee register" in err
    trail = [o for _, o in read_events(gate_log(home))]
    assert [(e["principal"], e["outcome"]) for e in trail] == [
        ("E1", "allowed"), ("E2", "denied"),
    ]  # fmt: skip
