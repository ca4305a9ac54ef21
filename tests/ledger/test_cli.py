"""`fti ledger ...` end to end on a workspace (the commands are thin; this checks wiring)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fti_gateway.cli.main import app
from fti_gateway.core.errors import IntegrityError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries
from fti_gateway.ledger.workspace import commitment_secret, open_ledger, verifier_key

from .conftest import assert_sound

runner = CliRunner()
T = datetime(2025, 6, 4, 12, tzinfo=UTC)


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    secret = commitment_secret(workspace)
    c = entries.commit_taxpayer(secret, "900-55-0001")
    with open_ledger(workspace) as led:
        led.append(
            [
                entries.request_received(
                    agency="ICE",
                    request_id="ICE-9",
                    authority="6103(i)(2)",
                    received="2025-06-01",
                    digest="aa" * 32,
                    reason_digest=entries.digest_text(secret, "8 U.S.C. 1253(a)(1)"),
                    subjects=1,
                    time=T,
                ),
                entries.decision(
                    agency="ICE",
                    request_id="ICE-9",
                    authority="6103(i)(2)",
                    outcome="approve",
                    time=T,
                ),
                entries.disclosure(
                    agency="ICE",
                    request_id="ICE-9",
                    authority="6103(i)(2)",
                    recipient="ICE",
                    elements=["identity.address"],
                    periods=["2024"],
                    taxpayer=c,
                    time=T,
                ),
            ]
        )
        led.checkpoint()
    return workspace


def _run(ws: Workspace, *args: str) -> str:
    result = runner.invoke(app, ["ledger", *args, "--home", str(ws.home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_key_checkpoint_prove_and_standalone_check(ws: Workspace, tmp_path: Path) -> None:
    vk = _run(ws, "key").strip()
    assert vk == verifier_key(ws) and vk.startswith(ws.name + "+")
    assert _run(ws, "checkpoint").startswith(f"{ws.name}\n3\n")
    proof = tmp_path / "p.json"
    _run(ws, "prove", "--index", "2", "--out", str(proof))
    assert json.loads(proof.read_text())["index"] == 2
    # the auditor's path: the proof file and the key, nothing else
    out = runner.invoke(
        app, ["ledger", "check-proof", str(proof), "--key", vk], catch_exceptions=False
    )
    assert out.exit_code == 0 and "leaf 2 is in" in out.output
    leaf = tmp_path / "leaf.json"
    leaf.write_bytes(json.loads(_run(ws, "prove", "--index", "1"))["entry"].encode())
    tp = tmp_path / "0.tlog-proof"
    _run(ws, "prove", "--index", "0", "--tlog-proof", "--out", str(tp))
    assert tp.read_text().startswith("c2sp.org/tlog-proof@v1")
    import base64

    leaf0 = tmp_path / "leaf0"
    leaf0.write_bytes(base64.b64decode(json.loads(_run(ws, "prove", "--index", "0"))["entry"]))
    out = runner.invoke(
        app,
        ["ledger", "check-proof", str(tp), "--key", vk, "--entry", str(leaf0)],
        catch_exceptions=False,
    )
    assert out.exit_code == 0 and "leaf 0 is in" in out.output
    assert_sound(ws.ledger_dir, vk)


def test_prove_by_entry_file(ws: Workspace, tmp_path: Path) -> None:
    import base64

    doc = json.loads(_run(ws, "prove", "--index", "1"))
    f = tmp_path / "entry.json"
    f.write_bytes(base64.b64decode(doc["entry"]))
    assert json.loads(_run(ws, "prove", "--entry", str(f)))["index"] == 1


def test_verify_accounting_attest(ws: Workspace, tmp_path: Path) -> None:
    assert "ok" in _run(ws, "verify")
    rows = json.loads(_run(ws, "accounting", "--tin", "900550001", "--json"))["rows"]
    assert [(r["kind"], r["recipient"], r["reason"]) for r in rows] == [
        ("disclosure", "ICE", entries.digest_text(commitment_secret(ws), "8 U.S.C. 1253(a)(1)"))
    ]
    assert "3 event(s)" in _run(ws, "accounting", "--agency", "ICE")
    att = tmp_path / "att.json"
    _run(
        ws,
        "attest",
        "--recipient",
        "ICE",
        "--recipient",
        "DHS",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--out",
        str(att),
    )
    assert json.loads(att.read_text())["statement"]["disclosures"] == 1
    assert "ok" in _run(ws, "check-attestation", str(att))
    _run(ws, "consistency", "0", "3")


def test_verify_fails_with_exit_4_on_a_flipped_byte(ws: Workspace) -> None:
    (bundle,) = (ws.ledger_dir / "tile/entries/000.p").iterdir()
    data = bytearray(bundle.read_bytes())
    data[5] ^= 1
    bundle.write_bytes(bytes(data))
    result = runner.invoke(app, ["ledger", "verify", "--home", str(ws.home)])
    assert isinstance(result.exception, IntegrityError) and result.exception.exit_code == 4
    assert "calculated leaf hash of entry 0" in str(result.exception)
