"""The witness's add-checkpoint (C2SP tlog-witness) and its cosignatures (cosignature/v1),
checked against the spec's bytes and an independent implementation (tlog-scales)."""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from tlog_scales.signing import NoteSignature, Vkey
from tlog_scales.tlog import Checkpoint as ScalesCheckpoint

from fti_gateway.ledger.checkpoint import Checkpoint
from fti_gateway.witness.cosignature import Cosigner, split_note, with_cosignatures
from fti_gateway.witness.server import SIZE_TYPE, Witness

from .conftest import Log, make_witness


def _cosignature_ok(vkey: str, note: bytes, line: str) -> bool:
    """tlog-scales' Ed25519CosignatureVerifier on the note with ``line``."""
    cp = ScalesCheckpoint.from_text(note.decode())
    sig = NoteSignature.from_line(line.rstrip("\n"))
    verifier = Vkey.from_string(vkey).get_verifier()
    try:
        verifier.verify_note(sig, cp)
    except Exception:
        return False
    return True


def test_the_cosignature_is_the_specs_bytes(cosigner: Cosigner) -> None:
    body = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = cosigner.cosign(body, timestamp=1679315147)
    dash, name, b64 = line.rstrip("\n").split(" ")
    blob = base64.b64decode(b64)
    assert (dash, name, len(blob)) == ("\u2014", "witness.test/w1", 4 + 8 + 64)
    # Key id: SHA-256(name || "\n" || 0x04 || public key)[:4], straight from the spec.
    pub = cosigner.public_key
    assert blob[:4] == hashlib.sha256(b"witness.test/w1\n\x04" + pub).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + body
    Ed25519PublicKey.from_public_bytes(pub).verify(blob[12:], message)  # raises if not
    assert cosigner.verifier_key.split("+", 2)[2] == base64.b64encode(b"\x04" + pub).decode()


def test_a_growing_log_is_cosigned_at_every_size(witness: Witness, log: Log) -> None:
    old = 0
    for size in (1, 3, 255, 256, 700):
        log.grow(size)
        answer = witness.add_checkpoint(log.submission(old))
        assert answer.status == 200, answer.body
        assert answer.body.startswith("\u2014 witness.test/w1 ") and answer.body.endswith("\n")
        note = with_cosignatures(log.ledger.latest, [_parse(witness, log, answer.body)])
        assert _cosignature_ok(witness.cosigner.verifier_key, note, answer.body)
        # The log's own key still verifies the note with the cosignature added.
        log.ledger.signer.verifier().open_checkpoint(note)
        old = size
    assert witness.state.latest(log.ledger.origin) == (700, log.ledger.root)


def _parse(witness: Witness, log: Log, line: str):  # type: ignore[no-untyped-def]
    body, _ = split_note(log.ledger.latest)
    got = witness.cosigner.verifier().check_line(line.rstrip("\n"), body)
    assert got is not None
    return got


def test_a_forged_or_tampered_cosignature_is_refused(witness: Witness, log: Log) -> None:
    log.grow(4)
    line = witness.add_checkpoint(log.submission(0)).body
    other = log.ledger.latest.replace(b"\n4\n", b"\n5\n")
    assert not _cosignature_ok(witness.cosigner.verifier_key, other, line)
    assert _cosignature_ok(witness.cosigner.verifier_key, log.ledger.latest, line)


def test_an_old_size_that_is_not_the_witnesss_is_409_with_its_size(
    witness: Witness, log: Log
) -> None:
    log.grow(5)
    assert witness.add_checkpoint(log.submission(0)).status == 200
    log.grow(9)
    answer = witness.add_checkpoint(log.submission(3))
    assert (answer.status, answer.body, answer.content_type) == (409, "5\n", SIZE_TYPE)
    assert witness.add_checkpoint(log.submission(5)).status == 200
    assert witness.state.alarms() == []  # the normal flow raises nothing


def test_refusals_follow_the_spec(witness: Witness, log: Log, tmp_path: Path) -> None:
    log.grow(3)
    good = log.submission(0)
    assert witness.add_checkpoint(b"old 01\n\n" + log.ledger.latest).status == 400
    assert witness.add_checkpoint(b"old 4\n\n" + log.ledger.latest).status == 400  # old > size
    assert witness.add_checkpoint(b"garbage").status == 400
    other = Log(tmp_path / "other", Ed25519PrivateKey.generate())  # same origin, other key
    other.grow(3)
    assert witness.add_checkpoint(other.submission(0)).status == 403
    other.ledger.close()
    unknown = good.replace(b"test.example/log", b"test.example/nope")
    assert witness.add_checkpoint(unknown).status == 404
    assert witness.add_checkpoint(good).status == 200
    assert witness.state.alarms() == []


def test_same_size_another_root_is_refused_and_alarmed(
    witness: Witness, log: Log, fork: Log
) -> None:
    log.grow(5)
    fork.grow(5)
    assert witness.add_checkpoint(log.submission(0)).status == 200
    answer = witness.add_checkpoint(fork.submission(5))
    assert (answer.status, answer.body) == (409, "5\n")
    [alarm] = witness.state.alarms()
    assert alarm.kind == "split-view" and alarm.origin == log.ledger.origin
    assert fork.ledger.latest in alarm.evidence  # the log-signed proof of the split view
    assert witness.state.latest(log.ledger.origin) == (5, log.ledger.root)


def test_a_smaller_later_tree_is_refused_and_alarmed(witness: Witness, log: Log, fork: Log) -> None:
    log.grow(4)
    assert witness.add_checkpoint(log.submission(0)).status == 200
    stale = log.submission(0)
    log.grow(10)
    assert witness.add_checkpoint(log.submission(4)).status == 200
    # A checkpoint this witness did cosign, sent again: a 409, not an alarm.
    assert witness.add_checkpoint(stale).status == 409
    assert witness.state.alarms() == []
    fork.grow(7)  # signed by the log's key, smaller than what the witness cosigned
    answer = witness.add_checkpoint(fork.submission(0))
    assert (answer.status, answer.body) == (409, "10\n")
    [alarm] = witness.state.alarms()
    assert alarm.kind == "smaller-tree"
    assert witness.state.latest(log.ledger.origin) == (10, log.ledger.root)


def test_a_consistency_proof_that_fails_is_422_and_alarmed(
    witness: Witness, log: Log, fork: Log
) -> None:
    log.grow(5)
    assert witness.add_checkpoint(log.submission(0)).status == 200
    fork.grow(12)  # another tree: no proof from the witness's size 5 can verify
    answer = witness.add_checkpoint(fork.submission(5))
    assert answer.status == 422
    [alarm] = witness.state.alarms()
    assert alarm.kind == "bad-proof"
    # A proof with a flipped hash from the honest log fails the same way.
    log.grow(12)
    body = bytearray(log.submission(5))
    body[7] = ord("A") if body[7] != ord("A") else ord("B")
    assert witness.add_checkpoint(bytes(body)).status in (400, 422)
    assert witness.add_checkpoint(log.submission(5)).status == 200


def test_the_state_survives_a_restart(
    tmp_path: Path, cosigner: Cosigner, log: Log, fork: Log
) -> None:
    first = make_witness(tmp_path / "w", cosigner, log)
    log.grow(6)
    assert first.add_checkpoint(log.submission(0)).status == 200
    fork.grow(6)
    first.add_checkpoint(fork.submission(6))
    again = make_witness(tmp_path / "w", cosigner, log)
    assert again.add_checkpoint(log.submission(0)).body == "6\n"
    assert [a.kind for a in again.state.alarms()] == ["split-view"]
    log.grow(8)
    assert again.add_checkpoint(log.submission(6)).status == 200


def test_concurrent_submissions_compare_and_swap(
    tmp_path: Path, cosigner: Cosigner, log: Log
) -> None:
    """Many threads, each with its own connection, send old=0 at once: exactly one
    passes, the rest see 409, and the stored size is the winner's — never rolled back."""
    log.grow(3)
    bodies = []
    for size in range(3, 11):
        log.grow(size)
        bodies.append((size, log.submission(0)))
    witness = make_witness(tmp_path / "w", cosigner, log)
    results: list[tuple[int, int]] = []
    barrier = threading.Barrier(len(bodies))

    def send(size: int, body: bytes) -> None:
        barrier.wait()
        results.append((size, witness.add_checkpoint(body).status))

    threads = [threading.Thread(target=send, args=b) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [size for size, status in results if status == 200]
    assert len(won) == 1 and sorted(s for _, s in results) == [200] + [409] * (len(bodies) - 1)
    latest = witness.state.latest(log.ledger.origin)
    assert latest is not None and latest[0] == won[0]
    cp = Checkpoint(log.ledger.origin, won[0], latest[1])
    assert cp.size == won[0]
