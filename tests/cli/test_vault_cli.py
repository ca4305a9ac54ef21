"""`fti vault import` and `fti vault info` driven as a user would."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fti_gateway.cli.main import app
from fti_gateway.core.errors import InputError

runner = CliRunner()


def test_import_reports_bad_lines_and_info_counts(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
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
    r = runner.invoke(app, ["vault", "import", str(f), "--home", str(tmp_path / "home")])
    assert isinstance(r.exception, InputError)
    assert str(f) in (r.exception.where or "")
