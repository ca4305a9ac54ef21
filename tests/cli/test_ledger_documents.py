"""Documents the ledger commands print can be piped to a file and read back as they are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def fti(*args: str, stdout: Path | None = None) -> subprocess.CompletedProcess[str]:
    if stdout is None:
        return subprocess.run(
            [sys.executable, "-m", "fti_gateway", *args], capture_output=True, text=True
        )
    with stdout.open("w") as f:
        return subprocess.run(
            [sys.executable, "-m", "fti_gateway", *args],
            stdout=f,
            stderr=subprocess.PIPE,
            text=True,
        )


def test_an_attestation_redirected_to_a_file_checks(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    assert fti("init", "--home", home).returncode == 0
    statement = tmp_path / "dhs.json"
    made = fti(
        "ledger", "attest", "--home", home, "--recipient", "DHS",
        "--from", "2025-01-01", "--to", "2030-12-31", stdout=statement,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "No disclosures to DHS" in made.stderr
    checked = fti("ledger", "check-attestation", str(statement), "--home", home)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_broken_document_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    assert fti("init", "--home", home).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": ')
    for cmd in (("ledger", "check-attestation", str(bad), "--home", home),
                ("ledger", "check-proof", str(bad), "--key", "x+00000000+AAAA")):  # fmt: skip
        out = fti(*cmd)
        assert out.returncode == 2, out.stderr
        assert "bad.json line 1" in out.stderr and "Traceback" not in out.stderr
