"""The auditor's stand-alone script in ledger/README.md really verifies our proofs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import fti_gateway.ledger
from fti_gateway.ledger import proofs

from .conftest import assert_sound, open_ledger

README = Path(fti_gateway.ledger.__file__).with_name("README.md")


def _snippet() -> str:
    text = README.read_text()
    after = text.split("<!-- auditor-snippet -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_script_accepts_a_good_proof_and_rejects_a_bad_one(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, tmp_path: Path
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([f'{{"n":{i}}}'.encode() for i in range(700)])
    assert_sound(ledger_dir, vkey)
    script = tmp_path / "check_proof.py"
    script.write_text(_snippet())
    doc = proofs.inclusion(ledger_dir, vkey, 613)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    run = subprocess.run(
        [sys.executable, str(script), str(good), vkey], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ok: entry 613 in") and '{"n":613}' in run.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**doc, "index": 612}))
    run = subprocess.run(
        [sys.executable, str(script), str(bad), vkey], capture_output=True, text=True
    )
    assert run.returncode == 1 and run.stdout.startswith("FAILED")
    forged = tmp_path / "forged.json"
    forged.write_text(
        json.dumps({**doc, "checkpoint": doc["checkpoint"].replace("\n700\n", "\n701\n")})
    )
    run = subprocess.run(
        [sys.executable, str(script), str(forged), vkey], capture_output=True, text=True
    )
    assert run.returncode != 0 and "InvalidSignature" in run.stderr
