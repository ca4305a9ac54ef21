"""`fti witness keygen/key/alarms/cosign` and `fti ledger status`, run as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger, verifier_key
from fti_gateway.witness.cosignature import CosignatureVerifier, Cosigner
from fti_gateway.witness.policy import policy_path
from fti_gateway.witness.server import load_witness
from tests.cli.runner import run

from .procs import ThreadedWitness


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "home")
    with open_ledger(ws) as led:
        led.append([b"one", b"two", b"three"])
    return ws


def test_keygen_writes_a_private_key_and_prints_its_verifier_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "wkey"
    code, out, _ = run(
        capsys, monkeypatch, "witness", "keygen", "witness.test/w1", "--out", str(key)
    )
    assert code == 0 and (key.stat().st_mode & 0o777) == 0o600
    assert CosignatureVerifier.parse(out.strip()).name == "witness.test/w1"
    assert Cosigner.load(key).verifier_key == out.strip()
    code, again, _ = run(capsys, monkeypatch, "witness", "key", "--key", str(key))
    assert (code, again) == (0, out)
    code, _, err = run(capsys, monkeypatch, "witness", "keygen", "x", "--out", str(key))
    assert code == 2 and "never overwritten" in err
    assert Cosigner.load(key).verifier_key == out.strip()


def test_status_cosign_and_alarms(
    ws: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = ["--home", str(ws.home)]
    code, out, _ = run(capsys, monkeypatch, "ledger", "status", *home)
    assert code == 0 and "size 3" in out and "witnessing: off" in out
    code, out, _ = run(capsys, monkeypatch, "witness", "cosign", *home)
    assert code == 0 and "no witness-policy" in out

    w = ThreadedWitness(tmp_path / "w1", "witness.test/w1", verifier_key(ws))
    policy_path(ws).write_text(f"witness w1 {w.cosigner.verifier_key} {w.url}\nquorum w1\n")
    code, out, _ = run(capsys, monkeypatch, "witness", "cosign", *home)
    assert code == 6 and "w1: unreachable" in out and "quorum NOT met" in out
    code, out, _ = run(capsys, monkeypatch, "ledger", "status", *home)
    assert "none yet (behind)" in out
    w.start()
    try:
        code, out, _ = run(capsys, monkeypatch, "witness", "cosign", *home)
        assert code == 0 and "w1: cosigned" in out and "quorum met" in out
        code, out, _ = run(capsys, monkeypatch, "ledger", "status", *home)
        assert "quorum witness w1; latest checkpoint the quorum cosigned: size 3" in out
        assert "behind" not in out
    finally:
        w.stop()
    code, out, _ = run(capsys, monkeypatch, "witness", "alarms", *home)
    assert (code, out.strip()) == (0, "no alarms")
    code, out, _ = run(capsys, monkeypatch, "witness", "alarms", "--state", str(w.state))
    assert (code, out.strip()) == (0, "no alarms")
    # A witness shown a split view keeps the alarm; `fti witness alarms` exits 4.
    witness = load_witness(w.key, w.state, [verifier_key(ws)])
    note = (ws.ledger_dir / "checkpoint").read_bytes()
    forged = note.replace(note.split(b"\n")[2], b"A" * 43 + b"=")
    assert witness.add_checkpoint(b"old 3\n\n" + forged).status == 403  # not the log's
    with open_ledger(ws) as led:
        led.append([b"four"])
    assert (
        witness.add_checkpoint(b"old 3\n\n" + (ws.ledger_dir / "checkpoint").read_bytes()).status
        == 422
    )
    code, out, _ = run(capsys, monkeypatch, "witness", "alarms", "--state", str(w.state), "--json")
    assert code == 4 and '"kind": "bad-proof"' in out
