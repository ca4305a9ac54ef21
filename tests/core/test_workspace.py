from pathlib import Path

import pytest

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.keys import load_commitment_secret, load_signing_key
from fti_gateway.core.workspace import Workspace


def test_init_creates_keys_once(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "h")
    key1 = load_signing_key(ws.keys_dir).public_key().public_bytes_raw()
    secret1 = load_commitment_secret(ws.keys_dir)
    ws2 = Workspace.init(tmp_path / "h")
    assert load_signing_key(ws2.keys_dir).public_key().public_bytes_raw() == key1
    assert load_commitment_secret(ws2.keys_dir) == secret1
    assert len(secret1) == 32
    assert (ws.keys_dir / "signing.ed25519.pem").stat().st_mode & 0o077 == 0


def test_open_missing_workspace_says_how_to_create(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as e:
        Workspace.open(tmp_path / "nope")
    assert "fti init" in (e.value.hint or "")


def test_database_url_defaults_to_sqlite_inside_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    ws = Workspace.init(tmp_path / "h")
    assert ws.database_url.startswith("sqlite:///") and ws.database_url.endswith("state.db")
    monkeypatch.setenv("FTI_DATABASE_URL", "postgresql+psycopg://x@h/db")
    assert ws.database_url == "postgresql+psycopg://x@h/db"


def test_a_folder_name_with_spaces_still_names_a_valid_log(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "my office + 2026")
    assert ws.name == "fti-gateway.example/my-office-2026"


def test_an_unusable_log_name_is_refused(tmp_path: Path) -> None:
    from fti_gateway.core.errors import ConfigError

    with pytest.raises(ConfigError):
        Workspace.init(tmp_path / "h", name="irs office+1")
