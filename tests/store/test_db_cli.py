"""`fti db status|upgrade`, and a server database behind head refused on opening (exit 5),
driven through the real entry point with the workspace pointed at each backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fti_gateway.core.workspace import Workspace
from fti_gateway.store import migrate
from tests.cli.runner import run


def test_status_then_upgrade_of_a_database_made_before_migrations(
    database_url: str,
    workspace: Workspace,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FTI_DATABASE_URL", database_url)
    engine = sa.create_engine(database_url)
    migrate.baseline_schema().create_all(engine)  # as the code before migrations left it
    home = str(workspace.home)

    code, out, _ = run(capsys, monkeypatch, "db", "status", "--home", home)
    assert code == 0
    assert f"revision (none), head {migrate.head()}: made before schema migrations" in out

    if not database_url.startswith("sqlite"):  # a worker starting first changes nothing
        code, _, err = run(capsys, monkeypatch, "request", "list", "--home", home)
        assert code == 5
        assert "this version of FTI Gateway needs revision" in err
        assert "run `fti db upgrade`" in err

    code, out, _ = run(capsys, monkeypatch, "db", "upgrade", "--home", home)
    assert code == 0
    assert "made before schema migrations; its tables match revision 0001, stamped it" in out

    code, out, _ = run(capsys, monkeypatch, "db", "upgrade", "--home", home)
    assert code == 0 and f"already at revision {migrate.head()} (head)" in out
    code, out, _ = run(capsys, monkeypatch, "db", "status", "--home", home)
    assert code == 0 and "up to date" in out
    code, _, _ = run(capsys, monkeypatch, "request", "list", "--home", home)
    assert code == 0
    engine.dispose()
