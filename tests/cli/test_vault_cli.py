"""`fti vault import` and `fti vault info` driven as a user would."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fti_gateway.cli.main import app
from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.core.workspace import Workspace

runner = CliRunner()


def test_import_reports_bad_lines_and_info_counts(tmp_path: Path) -> None:
    home = str(Workspace.init(tmp_path / "home").home)
    f = tmp_path / "m.csv"
    f.write_text(
        "taxpayer_id,tin,last_name,tax_year\n"
        "TP1,900123456,Smith,2023\n"
        "TP2,900123457,Jones,2023\n"
        "TP3,not-a-tin,Lee,2024\n"
        "TP2,900123457,Jones,2024\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["vault", "import", str(f), "--home", home])
    assert r.exit_code == 1  # some rows were rejected
    assert "imported 3 row(s), rejected 1" in r.stdout
    assert f"{f}, line 4: tin:" in r.stderr.replace("\n", "")
    r = runner.invoke(app, ["vault", "info", "--home", home])
    assert r.exit_code == 0, r.output
    assert "2 taxpayers" in r.stdout
    assert "2023" in r.stdout and "2024" in r.stdout
    assert "ssn: 2" in r.stdout


def test_import_of_an_empty_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    home = Workspace.init(tmp_path / "home").home
    r = runner.invoke(app, ["vault", "import", str(f), "--home", str(home)])
    assert isinstance(r.exception, InputError)
    assert str(f) in (r.exception.where or "")


def test_a_doubled_vault_is_named_by_info_and_check(tmp_path: Path) -> None:
    """Two parts holding the same taxpayer-years (what two imports at once left behind
    before the vault took a lock): `fti vault info` and `fti vault check` say so (exit 4)
    and name the parts, instead of every later request failing part-way."""
    ws = Workspace.init(tmp_path / "home")
    f = tmp_path / "m.csv"
    f.write_text("taxpayer_id,tin,last_name,tax_year\nTP1,900123456,Smith,2023\n")
    r = runner.invoke(app, ["vault", "import", str(f), "--home", str(ws.home)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["vault", "check", "--home", str(ws.home)])
    assert r.exit_code == 0 and "vault ok" in r.stdout
    (part,) = (ws.vault_dir / "master").glob("part-*.parquet")
    copy = part.with_name("part-import-z.parquet")
    copy.write_bytes(part.read_bytes())
    for command in ("info", "check"):
        r = runner.invoke(app, ["vault", command, "--home", str(ws.home)])
        assert isinstance(r.exception, IntegrityError), r.output
        assert "1 taxpayer-year(s) are in the vault more than once" in r.exception.message
        assert f"held by {copy.name}" in r.exception.details
        assert "fti vault check" in (r.exception.hint or "")
