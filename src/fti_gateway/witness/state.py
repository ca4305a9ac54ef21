"""A witness's memory: the latest checkpoint it cosigned per log, and its alarms.

One SQLite file, ``<state>/witness.sqlite``, in WAL mode with ``synchronous=FULL``: a
transaction is on disk before ``COMMIT`` returns, so a cosignature is never sent for a
size the witness could forget in a power cut (tlog-witness: "MUST persist the new
checkpoint before responding").

The check and the update are one ``BEGIN IMMEDIATE`` transaction — a write lock taken
before the read — so two requests (threads or processes) cannot both pass the old-size
check and roll the stored size back (the race the spec spells out). Every size the
witness cosigned stays in ``history``, so a stale resubmission of one it cosigned is told
apart from a log showing a smaller tree it never showed before.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "witness.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
  origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
  origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL, PRIMARY KEY (origin, size)
);
CREATE TABLE IF NOT EXISTS alarms (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, origin TEXT NOT NULL,
  kind TEXT NOT NULL, detail TEXT NOT NULL, evidence BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class Alarm:
    """Evidence that a log showed the witness two views: kept, never retried away."""

    id: int
    at: int
    origin: str
    kind: str
    detail: str
    evidence: bytes


class WitnessState:
    """The state folder of one witness; safe to share between threads and processes
    (each call opens its own connection)."""

    def __init__(self, dir: Path) -> None:
        self.dir = Path(dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / STATE_FILE
        with contextlib.closing(self._connect()) as con:
            con.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        return con

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """The write lock, held from the first read to the commit."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(con)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with contextlib.closing(self._connect()) as con:
            return Transaction(con).latest(origin)

    def alarm(self, origin: str, kind: str, detail: str, evidence: bytes) -> None:
        """Record an alarm in its own transaction (it must outlive a refused request)."""
        with self.transaction() as tx:
            tx.alarm(origin, kind, detail, evidence)

    def alarms(self) -> list[Alarm]:
        with contextlib.closing(self._connect()) as con:
            rows = con.execute(
                "SELECT id, at, origin, kind, detail, evidence FROM alarms ORDER BY id"
            ).fetchall()
        return [Alarm(int(i), int(a), o, k, d, bytes(e)) for i, a, o, k, d, e in rows]


class Transaction:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        row = self.con.execute(
            "SELECT size, root FROM latest WHERE origin = ?", (origin,)
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def cosigned_root(self, origin: str, size: int) -> bytes | None:
        row = self.con.execute(
            "SELECT root FROM history WHERE origin = ? AND size = ?", (origin, size)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def advance(self, origin: str, size: int, root: bytes) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO latest (origin, size, root, updated) VALUES (?, ?, ?, ?)",
            (origin, size, root, int(time.time())),
        )
        self.con.execute(
            "INSERT OR IGNORE INTO history (origin, size, root) VALUES (?, ?, ?)",
            (origin, size, root),
        )

    def alarm(self, origin: str, kind: str, detail: str, evidence: bytes) -> None:
        self.con.execute(
            "INSERT INTO alarms (at, origin, kind, detail, evidence) VALUES (?, ?, ?, ?, ?)",
            (int(time.time()), origin, kind, detail, evidence),
        )
