"""The gateway's witness client: ask each witness of the policy to cosign the ledger's
latest checkpoint, keep what they sign, and raise an alarm at any sign of a split view.

The flow is tlog-witness's (pinned: see :mod:`fti_gateway.witness.server`): send ``old
<size the witness last cosigned>``, the consistency proof from that size, and the signed
checkpoint. A 409 names the witness's size; the client retries **once** from it — that is
the normal way to learn a witness's state. Everything else that contradicts our log is
an alarm, never retried away:

- 409 naming a size larger than our log (the witness cosigned a tree of ours we do not
  have: a fork, or our log was rolled back);
- 409 again after the retry, or 409 for the size we sent (same size, another root);
- 422: our consistency proof from the witness's size does not verify against the root
  the witness holds — the witness was shown another tree at that size.

Alarms are kept in ``<workspace>/witness/client.sqlite`` (``fti witness alarms``). A
witness that cannot be reached, or refuses with 400/403/404, is a failure of that witness
(reported, not an alarm). Valid cosignatures are merged into the checkpoint note and kept
as ``<workspace>/witness/checkpoint`` (the latest cosigned checkpoint, which
``/ledger/checkpoint`` serves) and ``<workspace>/witness/quorum`` (the latest one the
quorum cosigned, which gates releases).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import IntegrityError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.checkpoint import Checkpoint, Verifier
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tree import consistency_path
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.witness.cosignature import (
    Cosignature,
    split_note,
    with_cosignatures,
)
from fti_gateway.witness.policy import Policy, WitnessInfo

WITNESS_DIR = "witness"
COSIGNED = "checkpoint"
QUORUM = "quorum"
TIMEOUT = 10.0

Post = Callable[[str, bytes], tuple[int, str]]
"""POST ``body`` to ``url``; (status, text). Raises OSError when the witness is down."""


def http_post(url: str, body: bytes, timeout: float = TIMEOUT) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "text/plain; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status), resp.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return int(e.code), e.read(64 * 1024).decode("utf-8", "replace")


@dataclass(frozen=True)
class Outcome:
    """What one witness did: ``cosigned``, ``already`` (cosigned before), ``alarm``,
    ``refused`` or ``unreachable``, and why."""

    witness: str
    result: str
    detail: str = ""


@dataclass
class CosignResult:
    checkpoint: Checkpoint
    note: bytes
    cosigned: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    satisfied: bool = False

    @property
    def alarms(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "alarm"]


class ClientState:
    """What the gateway knows of each witness (the size it last cosigned) and the alarms."""

    def __init__(self, dir: Path) -> None:
        dir.mkdir(parents=True, exist_ok=True)
        self.path = dir / "client.sqlite"
        with self._con() as con:
            con.executescript(
                "CREATE TABLE IF NOT EXISTS seen (witness TEXT PRIMARY KEY, size INTEGER);"
                "CREATE TABLE IF NOT EXISTS alarms (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " at INTEGER, witness TEXT, kind TEXT, detail TEXT, evidence BLOB);"
            )

    @contextlib.contextmanager
    def _con(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("PRAGMA synchronous=FULL")
            with con:
                yield con
        finally:
            con.close()

    def seen(self, witness: str) -> int:
        with self._con() as con:
            row = con.execute("SELECT size FROM seen WHERE witness = ?", (witness,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_seen(self, witness: str, size: int) -> None:
        with self._con() as con:
            con.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (witness, size))

    def alarm(self, witness: str, kind: str, detail: str, evidence: bytes) -> None:
        with self._con() as con:
            con.execute(
                "INSERT INTO alarms (at, witness, kind, detail, evidence) VALUES (?,?,?,?,?)",
                (int(time.time()), witness, kind, detail, evidence),
            )

    def alarms(self) -> list[tuple[int, int, str, str, str]]:
        with self._con() as con:
            rows = con.execute("SELECT id, at, witness, kind, detail FROM alarms ORDER BY id")
            return [(int(i), int(a), w, k, d) for i, a, w, k, d in rows]


def witness_dir(ws: Workspace) -> Path:
    return ws.home / WITNESS_DIR


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def valid_cosignatures(policy: Policy, note: bytes) -> dict[str, Cosignature]:
    """The policy's witnesses whose cosignature on ``note`` verifies, by local name."""
    body, lines = split_note(note)
    out = {}
    for w in policy.witnesses.values():
        with contextlib.suppress(IntegrityError):
            got = w.verifier.find(lines, body)
            if got is not None:
                out[w.name] = got
    return out


def witnessed(ws: Workspace, policy: Policy) -> Checkpoint | None:
    """The latest checkpoint the quorum cosigned (verified again here: the file is
    evidence, not trust), or None."""
    path = witness_dir(ws) / QUORUM
    if not path.is_file():
        return None
    note = path.read_bytes()
    cp = Verifier.parse(verifier_key(ws)).open_checkpoint(note, where=str(path))
    if not policy.satisfied(valid_cosignatures(policy, note)):
        return None
    return cp


def cosigned_note(ws: Workspace) -> bytes | None:
    """The latest cosigned checkpoint note, if there is one."""
    path = witness_dir(ws) / COSIGNED
    return path.read_bytes() if path.is_file() else None


class _Session:
    """One cosigning round over one checkpoint."""

    def __init__(self, ws: Workspace, policy: Policy, post: Post, state: ClientState) -> None:
        self.ws, self.policy, self.post, self.state = ws, policy, post, state
        store = FsStorage(ws.ledger_dir, durable=False)
        note = store.read_checkpoint()
        if note is None:
            raise NotFoundError("the ledger has no checkpoint yet", where=str(ws.ledger_dir))
        self.cp = Verifier.parse(verifier_key(ws)).open_checkpoint(note)
        self.plain = note
        self.reader = TileReader(store, self.cp.size)

    def body(self, old: int) -> bytes:
        proof = consistency_path(old, self.cp.size, self.reader.subtree)
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n".encode() + self.plain

    def ask(self, w: WitnessInfo) -> tuple[Outcome, Cosignature | None]:
        size = self.cp.size
        old = self.state.seen(w.name)
        for attempt in (1, 2):
            if old > size:
                return self._alarm(
                    w, "witness-ahead", f"the witness cosigned size {old}; our log has {size}", b""
                ), None
            data = self.body(old)
            try:
                status, text = self.post(w.url + "/add-checkpoint", data)
            except OSError as e:
                return Outcome(w.name, "unreachable", str(e)[:200]), None
            if status == 200:
                body, _ = split_note(self.plain)
                try:
                    got = w.verifier.find(text.splitlines(), body)
                except IntegrityError as e:
                    return Outcome(w.name, "refused", f"bad cosignature: {e.message}"), None
                if got is None:
                    return Outcome(w.name, "refused", "no cosignature by its key"), None
                self.state.set_seen(w.name, size)
                return Outcome(w.name, "cosigned", f"from size {old}"), got
            if status == 409:
                theirs = text.strip()
                if not theirs.isdigit():
                    return Outcome(w.name, "refused", f"409 without a size: {theirs[:80]!r}"), None
                known = int(theirs)
                self.state.set_seen(w.name, known)
                if known > size:
                    return self._alarm(
                        w,
                        "witness-ahead",
                        f"the witness cosigned size {known} of this log; the log has {size}",
                        data,
                    ), None
                if known == old or attempt == 2:
                    return self._alarm(
                        w,
                        "conflict",
                        f"409 at size {known} after sending old "
                        f"size {old}: the witness holds another root",
                        data,
                    ), None
                old = known  # the spec's normal flow: learn the witness's size, once
                continue
            if status == 422:
                return self._alarm(
                    w,
                    "proof-refused",
                    f"our consistency proof from size {old} "
                    "does not match the root the witness holds",
                    data,
                ), None
            return Outcome(w.name, "refused", f"HTTP {status}: {text.strip()[:200]}"), None
        raise AssertionError("unreachable")

    def _alarm(self, w: WitnessInfo, kind: str, detail: str, evidence: bytes) -> Outcome:
        self.state.alarm(w.name, kind, detail, evidence)
        return Outcome(w.name, "alarm", f"{kind}: {detail}")


def cosign(ws: Workspace, policy: Policy, post: Post = http_post) -> CosignResult:
    """Ask every witness of ``policy`` that has not cosigned the ledger's latest
    checkpoint yet; keep the cosigned note; report whether the quorum is met."""
    folder = witness_dir(ws)
    state = ClientState(folder)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one round at a time: the notes are read-merge-written
        return _cosign(ws, policy, post, state, folder)
    finally:
        os.close(fd)


def _cosign(
    ws: Workspace, policy: Policy, post: Post, state: ClientState, folder: Path
) -> CosignResult:
    s = _Session(ws, policy, post, state)
    note = s.plain
    have: dict[str, Cosignature] = {}
    old = cosigned_note(ws)
    if old is not None and split_note(old)[0] == split_note(note)[0]:
        note = old
        have = valid_cosignatures(policy, note)
    result = CosignResult(s.cp, note)
    fresh = []
    for w in policy.witnesses.values():
        if w.name in have:
            result.outcomes.append(Outcome(w.name, "already"))
            continue
        outcome, got = s.ask(w)
        result.outcomes.append(outcome)
        if got is not None:
            have[w.name] = got
            fresh.append(got)
    if fresh:
        note = with_cosignatures(note, fresh)
        _write_atomic(folder / COSIGNED, note)
    result.note = note
    result.cosigned = sorted(have)
    result.satisfied = policy.satisfied(have)
    quorum = folder / QUORUM
    if result.satisfied and (not quorum.is_file() or quorum.read_bytes() != note):
        _write_atomic(quorum, note)
    return result
