"""`fti agency add/list/revoke` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, OKPKey, RSAKey

from fti_gateway.core.workspace import Workspace

FTI = [sys.executable, "-m", "fti_gateway"]


def fti(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FTI, "agency", *args, "--home", str(home)], capture_output=True, text=True, check=False
    )


def jwk_file(tmp_path: Path, data: object, name: str = "key.jwk") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_add_list_revoke(workspace: Workspace, tmp_path: Path) -> None:
    key = OKPKey.generate_key("Ed25519")
    out = fti(workspace.home, "add", "DOJ", "--jwk", jwk_file(tmp_path, key.as_dict()))
    assert out.returncode == 0, out.stderr
    assert key.thumbprint() in out.stdout
    listed = fti(workspace.home, "list")
    assert listed.returncode == 0 and "DOJ" in listed.stdout and "OKP Ed25519" in listed.stdout
    again = fti(workspace.home, "add", "DOJ", "--jwk", jwk_file(tmp_path, key.as_dict()))
    assert again.returncode == 2 and "already has an active key" in again.stderr
    assert fti(workspace.home, "revoke", "DOJ").returncode == 0
    assert fti(workspace.home, "revoke", "DOJ").returncode == 3  # nothing active to revoke
    ec = ECKey.generate_key("P-256")
    out = fti(workspace.home, "add", "DOJ", "--jwk", jwk_file(tmp_path, ec.as_dict()))
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (OKPKey.generate_key("Ed25519").as_dict(private=True), "private key"),
        (ECKey.generate_key("P-384").as_dict(), "curve 'P-384' is not accepted"),
        (OKPKey.generate_key("Ed448").as_dict(), "curve 'Ed448' is not accepted"),
        (RSAKey.generate_key(2048).as_dict(), "RSA keys are not accepted"),
        ({"keys": []}, "JWK Set"),
        ("not json{", "not JSON"),
    ],
)
def test_bad_keys_are_refused_clearly(
    workspace: Workspace, tmp_path: Path, key: object, message: str
) -> None:
    path = tmp_path / "key.jwk"
    path.write_text(key if isinstance(key, str) else json.dumps(key))
    out = fti(workspace.home, "add", "DOJ", "--jwk", str(path))
    assert out.returncode == 2, out.stdout
    assert message in out.stderr and str(path) in out.stderr


def test_an_id_outside_the_registry_needs_unlisted(workspace: Workspace, tmp_path: Path) -> None:
    path = jwk_file(tmp_path, OKPKey.generate_key("Ed25519").as_dict())
    out = fti(workspace.home, "add", "ACME-DESIGNEE", "--jwk", path)
    assert out.returncode == 2 and "not in the agency registry" in out.stderr
    assert "--unlisted" in out.stderr
    out = fti(workspace.home, "add", "ACME-DESIGNEE", "--jwk", path, "--unlisted")
    assert out.returncode == 0, out.stderr
