"""`fti synth` driven as a user would, in a temporary workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fti_gateway.cli.main import app
from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.vault.store import Vault

runner = CliRunner()


def test_synth_master_then_request(tmp_path: Path) -> None:
    home = Workspace.init(tmp_path / "home").home
    r = runner.invoke(
        app, ["synth", "master", "--people", "3000", "--seed", "3", "--home", str(home)]
    )
    assert r.exit_code == 0, r.output
    assert "3,000 taxpayers" in r.output
    assert Vault(home / "vault").count_taxpayers() == 3000
    out = tmp_path / "req"
    r = runner.invoke(
        app,
        ["synth", "request", "--kind", "criminal-i2", "--size", "200", "--seed", "1",
         "--home", str(home), "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} >= {"manifest.yaml", "subjects.csv", "truth.csv"}
    assert len((out / "subjects.csv").read_text().splitlines()) == 201


def test_synth_master_twice_needs_replace(tmp_path: Path) -> None:
    home = str(Workspace.init(tmp_path / "home").home)
    assert runner.invoke(app, ["synth", "master", "--people", "100", "--home", home]).exit_code == 0
    r = runner.invoke(app, ["synth", "master", "--people", "100", "--home", home])
    assert isinstance(r.exception, InputError)
    assert "--replace" in (r.exception.hint or "")
    r = runner.invoke(app, ["synth", "master", "--people", "150", "--home", home, "--replace"])
    assert r.exit_code == 0, r.output
    assert Vault(Path(home) / "vault").count_taxpayers() == 150


@pytest.mark.parametrize(
    ("args", "needle"), [(["--kind", "bogus"], "unknown request kind"), ([], "vault is empty")]
)
def test_synth_request_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    home = tmp_path / "home"
    assert runner.invoke(app, ["init", "--home", str(home)]).exit_code == 0
    r = runner.invoke(
        app, ["synth", "request", "--home", str(home), "--out", str(tmp_path / "o"), *args]
    )
    assert isinstance(r.exception, InputError)
    assert needle in r.exception.message
