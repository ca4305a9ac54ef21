"""A mistyped --home: only `fti init` (and `fti demo`) create a workspace.

Every other command used to open or quietly *create* whatever folder it was given:
`fti synth master --home typo` and `fti vault import --home typo` made a new workspace
with new keys. Now each fails with exit 3 naming the folder and how to create a
workspace there, and leaves nothing behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fti_gateway.cli.main import main
from fti_gateway.core.keys import SIGNING_KEY
from fti_gateway.core.workspace import Workspace

DATA = Path(__file__).parents[1] / "intake" / "data"
MASTER = "taxpayer_id,tin,last_name,tax_year\nTP1,900123456,Smith,2023\n"


def _commands(tmp: Path) -> list[list[str]]:
    master = tmp / "master.csv"
    master.write_text(MASTER, encoding="utf-8")
    subjects = tmp / "subjects.csv"
    subjects.write_text("subject_id,last_name\nS1,Smith\n", encoding="utf-8")
    return [
        ["synth", "master", "--people", "10"],
        ["synth", "request", "--size", "5", "--out", str(tmp / "req")],
        ["vault", "import", str(master)],
        ["vault", "info"],
        ["vault", "check"],
        ["request", "list"],
        ["request", "show", "DOJ", "X-1"],
        ["request", "submit", str(DATA / "manifest.yaml")],
        ["resolve", "--subjects", str(subjects), "--out", str(tmp / "m.parquet")],
        ["ledger", "key"],
        ["ledger", "checkpoint"],
        ["ledger", "verify"],
        ["ledger", "accounting"],
        ["report", "p3c"],
        ["disclose", "key"],
        ["serve"],
        ["inspect", "import", str(master)],
        ["employees", "load", str(master)],
        ["cases", "load", str(master)],
        ["high-profile", "load", str(master)],
        ["monitor", "run"],
        ["monitor", "show", "al-00000000000000000000"],
        [
            *("monitor", "decide", "al-00000000000000000000"),
            *("--not-substantiated", "--reason", "r", "--officer", "A"),
        ],
        ["monitor", "summary", "--year", "2026"],
    ]


def _run(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> int:
    monkeypatch.setattr(sys, "argv", ["fti", *args])
    try:
        main()
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_every_command_but_init_refuses_a_home_without_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "wokspace"
    for args in _commands(tmp_path):
        code = _run(monkeypatch, [*args, "--home", str(typo)])
        err = capsys.readouterr().err
        assert code == 3, (args, err)
        assert f"no workspace at {typo}" in err, (args, err)
        assert f"fti init --home {typo}" in err, (args, err)
        assert not typo.exists(), f"{args} created {typo}"
    assert not (tmp_path / "fti-home").exists()


def test_init_is_the_command_that_creates_one_and_is_safe_to_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "ws"
    assert _run(monkeypatch, ["init", "--home", str(home)]) == 0
    key = (home / "keys" / SIGNING_KEY).read_bytes()
    assert _run(monkeypatch, ["init", "--home", str(home)]) == 0
    assert (home / "keys" / SIGNING_KEY).read_bytes() == key
    assert _run(monkeypatch, ["vault", "info", "--home", str(home)]) == 0
    capsys.readouterr()
    # A name given again must be the workspace's own: a log's origin never changes.
    assert _run(monkeypatch, ["init", "--home", str(home), "--name", "other.example/x"]) == 5
    assert Workspace.open(home).name != "other.example/x"


def test_init_never_mints_a_new_key_beside_a_ledger_signed_with_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "ws"
    assert _run(monkeypatch, ["init", "--home", str(home)]) == 0
    (home / "keys" / SIGNING_KEY).unlink()  # a bad restore that lost keys/
    assert _run(monkeypatch, ["init", "--home", str(home)]) == 4
    assert "restore keys/" in capsys.readouterr().err
    assert not (home / "keys" / SIGNING_KEY).exists()


def test_home_in_the_wrong_place_is_a_usage_error_not_an_internal_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--home` goes after the command (`fti ledger verify --home ws`); before it, and a
    missing argument, are usage errors (exit 2), never "internal error" (exit 70)."""
    home = str(tmp_path / "ws")
    for args in (["ledger", "--home", home, "verify"], ["vault", "import", "--home", home]):
        assert _run(monkeypatch, args) == 2, args
        err = capsys.readouterr().err
        assert "internal error" not in err and ("No such option" in err or "Missing" in err)
    assert not Path(home).exists()
