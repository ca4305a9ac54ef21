"""The README's stand-alone recipe (OpenSSL + Python stdlib) verifies a real package and
rejects a tampered one — so an auditor needs nothing from this project."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import fti_gateway.disclose
from fti_gateway.disclose import build_package, encode_public_key
from tests.disclose.conftest import ALL_THREE, make_spec

README = Path(fti_gateway.disclose.__file__).with_name("README.md")


def _recipe() -> str:
    text = README.read_text()
    block = re.search(r"<!-- recipe:start -->\n```bash\n(.*?)```\n<!-- recipe:end -->", text, re.S)
    assert block is not None
    return "set -euo pipefail\n" + block.group(1)


def _run(pkg: Path, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", _recipe()],
        env={**os.environ, "PKG": str(pkg), "KEY": key},
        capture_output=True,
        text=True,
        check=False,
    )


def test_recipe_verifies_and_catches_tampering(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    pkg = tmp_path / "pkg"
    build_package(
        pkg, make_spec(["identity.address", "return.agi"]), ALL_THREE, vault_con, signing_key
    )
    key = encode_public_key(signing_key.public_key())
    ok = _run(pkg, key)
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    assert "data.csv: OK" in ok.stdout and "data.parquet: OK" in ok.stdout

    other = encode_public_key(Ed25519PrivateKey.generate().public_key())
    assert _run(pkg, other).returncode != 0

    csv = pkg / "data.csv"
    data = csv.read_bytes()
    assert b"Old Rd" in data
    csv.write_bytes(data.replace(b"Old Rd", b"Old Dr"))
    bad = _run(pkg, key)
    assert bad.returncode != 0
    assert "data.csv: expected sha256" in bad.stderr
