"""`fti disclose verify|show|key` driven as a user would, through the real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from fti_gateway.core.keys import load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.disclose import build_package
from tests.disclose.conftest import ALL_THREE, make_spec


def fti(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fti_gateway", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


@pytest.fixture
def signed(workspace: Workspace, vault_con: duckdb.DuckDBPyConnection, tmp_path: Path) -> Path:
    key = load_signing_key(workspace.keys_dir)
    out = tmp_path / "pkg"
    build_package(out, make_spec(["identity.address"]), ALL_THREE, vault_con, key)
    return out


def test_verify_ok_against_the_workspace_key(signed: Path, workspace: Workspace) -> None:
    r = fti("disclose", "verify", str(signed), "--own", "--home", str(workspace.home))
    assert r.returncode == 0, r.stderr
    assert "package verifies" in r.stdout
    key = fti("disclose", "key", "--home", str(workspace.home))
    assert key.returncode == 0
    pub = key.stdout.splitlines()[0].strip()
    assert pub == (signed / "signer.pub").read_text().strip()
    assert fti("disclose", "verify", str(signed), "--key", pub).returncode == 0


def test_verify_fails_naming_the_file(signed: Path, tmp_path: Path) -> None:
    data = bytearray((signed / "data.parquet").read_bytes())
    data[10] ^= 0xFF
    (signed / "data.parquet").write_bytes(bytes(data))
    r = fti("disclose", "verify", str(signed))
    assert r.returncode == 4  # IntegrityError
    assert "data.parquet" in r.stderr and "sha256" in r.stderr


def test_verify_with_another_key_fails(signed: Path, tmp_path: Path) -> None:
    other = Workspace.init(tmp_path / "other")
    r = fti("disclose", "verify", str(signed), "--own", "--home", str(other.home))
    assert r.returncode == 4
    assert "different key" in r.stderr


def test_show_prints_terms_but_no_data(signed: Path) -> None:
    r = fti("disclose", "show", str(signed))
    assert r.returncode == 0, r.stderr
    assert "6103(i)(2)" in r.stdout and "identity.address" in r.stdout
    assert "6103(p)(4)(C)" in r.stdout and "6103(p)(4)(F)" in r.stdout
    assert "Old Rd" not in r.stdout  # display is not an inspection of the rows
    missing = fti("disclose", "show", str(signed / "nope"))
    assert missing.returncode == 3
