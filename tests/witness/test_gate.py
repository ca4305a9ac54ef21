"""The release gate alone: no policy releases; short of the quorum, a broken policy or a
tampered quorum file holds (in doubt, do not release)."""

from __future__ import annotations

import base64
from pathlib import Path

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger, verifier_key
from fti_gateway.pipeline.witnessing import AWAITING, RELEASED, gate
from fti_gateway.witness.client import witness_dir
from fti_gateway.witness.cosignature import Cosigner
from fti_gateway.witness.policy import policy_path
from fti_gateway.witness.server import Witness, read_logs
from fti_gateway.witness.state import WitnessState


def _ws(tmp_path: Path) -> tuple[Workspace, str]:
    ws = Workspace.init(tmp_path / "home")
    with open_ledger(ws) as led:
        led.append([b"a", b"b"])
        return ws, led.latest.decode()


def test_the_gate(tmp_path: Path) -> None:
    ws, note = _ws(tmp_path)
    assert gate(ws, RELEASED, note) == RELEASED  # no policy: as before witnessing
    assert gate(ws, "denied", note) == "denied"
    cosigner = Cosigner.generate("witness.test/g")
    witness = Witness(cosigner, WitnessState(tmp_path / "w"), read_logs([verifier_key(ws)]))
    calls: list[str] = []

    def post(url: str, body: bytes) -> tuple[int, str]:
        calls.append(url)
        if "down" in url:
            raise ConnectionRefusedError("down")
        answer = witness.add_checkpoint(body)
        return answer.status, answer.body

    policy_path(ws).write_text(f"witness g {cosigner.verifier_key} http://down\nquorum g\n")
    assert gate(ws, RELEASED, note, post) == AWAITING
    policy_path(ws).write_text(f"witness g {cosigner.verifier_key} http://up\nquorum g\n")
    assert gate(ws, RELEASED, note, post) == RELEASED
    assert gate(ws, RELEASED, note, post) == RELEASED and len(calls) == 2  # not asked again
    for name in ("quorum", "checkpoint"):  # a cosignature that no longer verifies
        path = witness_dir(ws) / name
        *lines, last, _ = path.read_text().split("\n")
        dash, who, b64 = last.split(" ")
        blob = bytearray(base64.b64decode(b64))
        blob[-1] ^= 1
        path.write_text("\n".join([*lines, f"{dash} {who} {base64.b64encode(blob).decode()}", ""]))
    assert gate(ws, RELEASED, note, lambda u, b: (503, "")) == AWAITING  # held, not trusted
    policy_path(ws).write_text("witness g nonsense\n")
    assert gate(ws, RELEASED, note, post) == AWAITING
