"""The witness the project ships: C2SP tlog-witness ``add-checkpoint`` over HTTP.

Pinned spec: C2SP tlog-witness as published in C2SP/C2SP at commit 055270b5
(tlog-witness.md, = ``c2sp.org/tlog-witness@v1.0.0``'s add-checkpoint), cosigning with
``cosignature/v1`` (see :mod:`fti_gateway.witness.cosignature`).

``POST /add-checkpoint``, body ``old <size>\\n``, up to 63 base64 proof lines, an empty
line, then the signed checkpoint. The answers, in the order the spec checks them:

====  =====================================================================================
400   malformed body; or old size larger than the checkpoint's size
404   the checkpoint's origin is not a log this witness is configured for
403   no signature on the checkpoint verifies with the log's key
409   old size is not the size the witness last cosigned (body: that size, ``text/x.tlog.size``);
      or the same size with another root
422   the consistency proof does not verify
200   the cosignature line (``— <name> <base64>``), after the new size is on disk
====  =====================================================================================

A split view — the same size with another root, a consistency proof that fails, or a
validly signed tree smaller than one the witness already cosigned and never saw — is
refused *and* kept as an alarm (``fti witness alarms``) with the request as evidence;
the log's own signature makes that evidence transferable. A stale resubmission of a
checkpoint the witness did cosign is only a 409.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.disclose.signing import strict_b64
from fti_gateway.ledger.checkpoint import Checkpoint, Verifier
from fti_gateway.ledger.tree import HASH_SIZE, ProofError, verify_consistency
from fti_gateway.witness.cosignature import Cosigner
from fti_gateway.witness.state import Transaction, WitnessState

SPEC = "c2sp.org/tlog-witness@v1.0.0 (C2SP commit 055270b5)"
SIZE_TYPE = "text/x.tlog.size"
MAX_PROOF = 63
MAX_BODY = 64 * 1024
LOGS_FILE = "logs"
log = logging.getLogger("fti.witness")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type, body."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class BadRequest(Exception):
    pass


@dataclass(frozen=True)
class Submission:
    old: int
    proof: list[bytes]
    note: bytes


def parse_submission(data: bytes) -> Submission:
    """The add-checkpoint body, strictly: every line newline-terminated, sizes without
    leading zeros, canonical base64 hashes of 32 bytes, at most 63 of them."""
    head, sep, note = data.partition(b"\n\n")
    if not sep:
        raise BadRequest("no empty line between the proof and the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError as e:
        raise BadRequest("the old size and proof lines are not ASCII") from e
    first = lines[0]
    size_text = first[4:] if first.startswith("old ") else ""
    if not _is_size(size_text):
        raise BadRequest(f"the first line is not 'old <size>': {first[:60]!r}")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF:
        raise BadRequest(f"{len(proof_lines)} proof lines; at most {MAX_PROOF}")
    proof = []
    for n, text in enumerate(proof_lines, start=2):
        try:
            proof.append(strict_b64(text, HASH_SIZE, f"line {n}"))
        except ValueError as e:
            raise BadRequest(str(e)) from e
    return Submission(int(size_text), proof, note)


def _is_size(text: str) -> bool:
    if not 0 < len(text) <= 19 or not all("0" <= c <= "9" for c in text):
        return False
    return text == "0" or not text.startswith("0")


def read_logs(lines: Iterable[str]) -> dict[str, Verifier]:
    """Known logs by origin, from verifier keys (one a line; ``#`` comments)."""
    out: dict[str, Verifier] = {}
    for n, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            v = Verifier.parse(text)
        except InputError as e:
            raise InputError(f"log key on line {n}: {e.message}") from e
        out[v.name] = v
    return out


class Witness:
    """The add-checkpoint logic, independent of HTTP (so it is tested directly, too)."""

    def __init__(self, cosigner: Cosigner, state: WitnessState, logs: dict[str, Verifier]):
        self.cosigner, self.state, self.logs = cosigner, state, logs

    def add_checkpoint(self, data: bytes) -> Answer:
        if len(data) > MAX_BODY:
            return Answer(400, "request body too large\n")
        try:
            sub = parse_submission(data)
        except BadRequest as e:
            return Answer(400, f"{e}\n")
        origin = sub.note.split(b"\n", 1)[0].decode("utf-8", "replace")
        verifier = self.logs.get(origin)
        if verifier is None:
            return Answer(404, f"unknown log {origin[:200]!r}\n")
        try:
            body = verifier.open_note(sub.note)
        except IntegrityError as e:
            return Answer(403, f"no valid signature by the log's key: {e.message}\n")
        try:
            cp = Checkpoint.parse(body)
        except IntegrityError as e:
            return Answer(400, f"not a checkpoint: {e.message}\n")
        if sub.old > cp.size:
            return Answer(400, f"old size {sub.old} is larger than the checkpoint's {cp.size}\n")
        with self.state.transaction() as tx:
            latest = tx.latest(origin) or (0, b"")
            size, root = latest
            if cp.size < size:
                seen = tx.cosigned_root(origin, cp.size)
                if seen != cp.root:
                    kind = "split-view" if seen is not None else "smaller-tree"
                    self._alarm(tx, origin, kind, cp, size, root, data)
                return _conflict(size)
            if sub.old != size:
                return _conflict(size)
            if cp.size == size and size > 0:
                if cp.root != root:
                    self._alarm(tx, origin, "split-view", cp, size, root, data)
                    return _conflict(size)
            elif size == 0 and sub.proof:
                return Answer(422, "the proof from size 0 must be empty\n")
            elif size > 0:
                try:
                    verify_consistency(size, cp.size, root, cp.root, sub.proof)
                except ProofError as e:
                    self._alarm(tx, origin, "bad-proof", cp, size, root, data, str(e))
                    return Answer(422, f"consistency proof from {size} does not verify: {e}\n")
            tx.advance(origin, cp.size, cp.root)
        # Committed (and on disk) before the cosignature leaves the witness.
        return Answer(200, self.cosigner.cosign(body))

    def _alarm(
        self,
        tx: Transaction,
        origin: str,
        kind: str,
        cp: Checkpoint,
        size: int,
        root: bytes,
        evidence: bytes,
        why: str = "",
    ) -> None:
        detail = (
            f"log showed size {cp.size} root {cp.root.hex()}; this witness cosigned size "
            f"{size} root {root.hex() or '-'}" + (f": {why}" if why else "")
        )
        log.error("ALARM %s for %s: %s", kind, origin, detail)
        # In the request's transaction, which commits: a refusal returns, it never raises.
        tx.alarm(origin, kind, detail, evidence)


def _conflict(size: int) -> Answer:
    return Answer(409, f"{size}\n", SIZE_TYPE)


def app(witness: Witness) -> Starlette:
    """The ASGI app: ``POST /add-checkpoint``."""

    async def add_checkpoint(request: Request) -> Response:
        data = await request.body()
        answer = witness.add_checkpoint(data)
        return PlainTextResponse(answer.body, answer.status, media_type=answer.content_type)

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])


def load_witness(key: Path, state_dir: Path, logs: Iterable[str] = ()) -> Witness:
    """The witness with the private key at ``key``, its state in ``state_dir``, and the
    logs given plus those listed in ``<state_dir>/logs`` (one verifier key a line)."""
    state = WitnessState(state_dir)
    listed = state_dir / LOGS_FILE
    lines = list(logs) + (listed.read_text().splitlines() if listed.is_file() else [])
    known = read_logs(lines)
    if not known:
        raise InputError(
            "this witness knows no log",
            hint=f"pass --log 'origin+keyid+key' or list the keys in {listed}",
        )
    return Witness(Cosigner.load(key), state, known)
