"""The gateway's witness client against real `fti witness serve` processes and against
in-process witnesses shown a split view; the policy file; the served checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from tlog_scales.signing import NoteSignature, Vkey
from tlog_scales.tlog import Checkpoint as ScalesCheckpoint

from fti_gateway.core.errors import InputError
from fti_gateway.core.keys import load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.log import Ledger
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.service import create_app
from fti_gateway.service.public import served_checkpoint
from fti_gateway.witness.client import ClientState, cosign, witness_dir
from fti_gateway.witness.cosignature import Cosigner
from fti_gateway.witness.policy import Policy, parse_policy
from fti_gateway.witness.server import Witness, read_logs
from fti_gateway.witness.state import WitnessState

from .procs import WitnessProcess


def _grow(ws: Workspace, to: int, tag: str = "e") -> None:
    with open_ledger(ws) as led:
        led.append([f"{tag}-{i}".encode() for i in range(led.size, to)])


def _policy(witnesses: list[tuple[str, str, str]], quorum: str) -> Policy:
    lines = [f"witness {n} {v} {u}" for n, v, u in witnesses]
    return parse_policy("\n".join([*lines, quorum]) + "\n")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "home")
    with open_ledger(ws) as led:
        led.checkpoint()
    return ws


@pytest.fixture
def served_witness(tmp_path: Path, ws: Workspace) -> Iterator[WitnessProcess]:
    with open_ledger(ws) as led:
        vkey = led.verifier_key
    w = WitnessProcess(tmp_path / "w1", "witness.test/w1", vkey)
    w.start()
    yield w
    w.stop()


def test_a_served_witness_cosigns_a_growing_log_and_remembers_it(
    ws: Workspace, served_witness: WitnessProcess
) -> None:
    w = served_witness
    policy = _policy([("w1", w.cosigner.verifier_key, w.url)], "quorum w1")
    for size in (2, 9, 300):
        _grow(ws, size)
        result = cosign(ws, policy)
        assert result.satisfied and result.cosigned == ["w1"], result.outcomes
        note = served_checkpoint(ws, FsStorage(ws.ledger_dir).read_checkpoint() or b"")
        lines = note.decode().split("\n\n", 1)[1].splitlines()
        assert len(lines) == 2  # the log's signature and one cosignature
        cp = ScalesCheckpoint.from_text(note.decode())
        verifier = Vkey.from_string(w.cosigner.verifier_key).get_verifier()
        verifier.verify_note(NoteSignature.from_line(lines[1]), cp)  # independent check
        assert cp.size == size
        served = TestClient(create_app(ws.home)).get("/ledger/checkpoint")
        assert served.status_code == 200 and served.content == note
    # A restarted witness remembers size 300; a client that forgot learns it by one 409.
    w.stop()
    w.start()
    (witness_dir(ws) / "client.sqlite").unlink()
    _grow(ws, 310)
    result = cosign(ws, policy)
    assert result.satisfied and result.outcomes[0].detail == "from size 300"
    assert ClientState(witness_dir(ws)).alarms() == []
    # Asking again for the same checkpoint does not ask the witness again.
    assert cosign(ws, policy).outcomes[0].result == "already"


def _in_process(ws: Workspace, tmp_path: Path) -> tuple[Witness, Policy]:
    with open_ledger(ws) as led:
        vkey = led.verifier_key
    cosigner = Cosigner.generate("witness.test/w9")
    witness = Witness(cosigner, WitnessState(tmp_path / "w9"), read_logs([vkey]))
    policy = _policy([("w9", cosigner.verifier_key, "http://w9.invalid")], "quorum w9")
    return witness, policy


def _post(witness: Witness):  # type: ignore[no-untyped-def]
    def post(url: str, body: bytes) -> tuple[int, str]:
        answer = witness.add_checkpoint(body)
        return answer.status, answer.body

    return post


def _fork(ws: Workspace, dir: Path, size: int) -> bytes:
    """A tree of ``size`` the office's key signs but the office's log does not hold."""
    with Ledger.open(dir, ws.name, load_signing_key(ws.keys_dir), durable=False) as led:
        led.append([f"forged-{i}".encode() for i in range(size)])
        return led.latest


@pytest.mark.parametrize(
    ("forged_size", "ours", "client_alarm", "witness_alarms"),
    [
        (20, 8, "witness-ahead", ["smaller-tree"]),  # the witness cosigned a larger tree of ours
        (8, 8, "conflict", ["split-view"]),  # same size, another root (after one retry)
        (5, 12, "proof-refused", ["bad-proof"]),  # another tree at the witness's size
    ],
)
def test_a_witness_shown_another_tree_is_an_alarm(
    ws: Workspace,
    tmp_path: Path,
    forged_size: int,
    ours: int,
    client_alarm: str,
    witness_alarms: list[str],
) -> None:
    witness, policy = _in_process(ws, tmp_path)
    forged = _fork(ws, tmp_path / "fork", forged_size)
    assert witness.add_checkpoint(b"old 0\n\n" + forged).status == 200
    _grow(ws, ours)
    result = cosign(ws, policy, _post(witness))
    assert not result.satisfied and [o.result for o in result.outcomes] == ["alarm"]
    assert [a[3] for a in ClientState(witness_dir(ws)).alarms()] == [client_alarm]
    assert [a.kind for a in witness.state.alarms()] == witness_alarms
    assert not (witness_dir(ws) / "quorum").exists()


def test_an_unreachable_witness_is_not_an_alarm(ws: Workspace) -> None:
    w = Cosigner.generate("witness.test/down")
    policy = _policy([("down", w.verifier_key, "http://127.0.0.1:9")], "quorum down")
    _grow(ws, 3)
    result = cosign(ws, policy)
    assert [o.result for o in result.outcomes] == ["unreachable"] and not result.satisfied
    assert ClientState(witness_dir(ws)).alarms() == []


def test_the_policy_file() -> None:
    keys = [Cosigner.generate(f"w.test/{n}").verifier_key for n in "abc"]
    text = "\n".join(
        [
            "# three witnesses, any two",
            *(f"witness {n} {k} https://{n}.test/" for n, k in zip("abc", keys, strict=True)),
            "group two 2 a b c",
            "group both all two a",
            "quorum two",
        ]
    )
    policy = parse_policy(text)
    assert policy.satisfied({"a", "c"}) and not policy.satisfied({"b"})
    assert policy.satisfied({"a", "b"}, "both") and not policy.satisfied({"b", "c"}, "both")
    assert policy.witnesses["a"].url == "https://a.test"
    bad = {
        "witness a nokey https://a": "line 1",
        f"witness a {keys[0]} ftp://a\nquorum a": "line 1",
        f"witness a {keys[0]} https://a\ngroup g 3 a\nquorum g": "line 2",
        f"witness a {keys[0]} https://a\ngroup g 1 b\nquorum g": "line 2",
        f"witness a {keys[0]} https://a": "no quorum",
        f"witness a {keys[0]} https://a\nquorum a\nwitness b {keys[1]} https://b": "line 3",
    }
    for text, where in bad.items():
        with pytest.raises(InputError) as e:
            parse_policy(text)
        assert where in str(e.value)
    # A log key (type 0x01) is not a witness key: its key id is computed with another byte.
    log_vkey = Signer("w.test/log", Ed25519PrivateKey.generate()).verifier_key
    with pytest.raises(InputError, match="type 0x04"):
        parse_policy(f"witness a {log_vkey} https://a\nquorum a")
