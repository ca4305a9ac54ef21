"""The ledger's local state: a small SQLite file beside the log, never part of it.

``<ledger>/state.sqlite`` remembers what this ledger has checked and seen, so that opening
it stays cheap and a damaged or shrunken log is refused instead of extended:

- ``files``: for every full tile (and kept checkpoint) a verification hashed, its
  *fingerprint* (size, mtime, ctime, inode) and, for hash tiles, its perfect root. A file
  whose fingerprint still matches was verified and has not been written since, so it is
  not hashed again; one whose fingerprint changed is re-hashed and checked against its
  neighbours before anything is appended. (Bit rot that changes no metadata is only
  found by a full ``fti ledger verify``.)
- ``meta``: the largest (size, root) the log has had — a log never shrinks, and its tree
  at that size never changes — the last verification, damage a verification found (the
  ledger refuses appends until a full verification passes), and how far the id index
  reaches;
- ``ids``: leaf id → index, the index ``Ledger.append_once`` uses; derived from the log
  and caught up from it whenever it is behind;
- ``subjects``: taxpayer commitment → index of every leaf naming it, caught up with ``ids``
  (same mark): a taxpayer's view finds their leaves without reading the log. A reader
  (:meth:`LocalState.open_readonly`) uses it up to the mark and reads only the tail.

Everything here is a cache or a lower bound: deleting the file costs one full
verification and an index rebuild on the next open, never data. It is not under
``tile/``, so the C2SP layout and ``fti ledger verify --dir`` ignore it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

STATE_FILE = "state.sqlite"
STATE_FILES = frozenset(
    {STATE_FILE, f"{STATE_FILE}-wal", f"{STATE_FILE}-shm", f"{STATE_FILE}-journal"}
)
"""The file and SQLite's companions: the only non-log files a ledger folder may hold."""

Fingerprint = str
Record = tuple[Fingerprint, bytes | None]
"""A verified file: its fingerprint, and its perfect root if it is a full hash tile."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, size INTEGER, root BLOB, text TEXT);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, root BLOB);
CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY, idx INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subjects (
  taxpayer TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (taxpayer, idx)
);
"""
INDEX_VERSION = "ids+subjects/v1"
"""Marks an index that holds subjects too; an older mark is read as "nothing indexed"."""


def fingerprint(path: Path) -> Fingerprint | None:
    """What changes whenever a file's bytes do: size, mtime, ctime (no program can set
    it back) and inode (a restored copy is a new file). None if the file is missing."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def changed_since(fp: Fingerprint, ref_ns: int) -> bool:
    """True if the file was last changed in the file-system clock tick of ``ref_ns`` or
    later. Such a file is not recorded as verified: a write in that same tick would leave
    its fingerprint unchanged (git's "racily clean" files)."""
    return int(fp.split(":")[2]) >= ref_ns


class LocalState:
    """The sidecar of one ledger folder; used under the ledger's lock."""

    def __init__(self, con: sqlite3.Connection, path: Path) -> None:
        self.con = con
        self.path = path

    @classmethod
    def open(cls, dir: Path) -> LocalState:
        """Open (or create) the state; a file SQLite cannot read is a lost cache: it is
        replaced by an empty one (which only means checking everything once)."""
        path = Path(dir) / STATE_FILE
        try:
            return cls._connect(path)
        except sqlite3.DatabaseError:
            for name in STATE_FILES:
                (path.parent / name).unlink(missing_ok=True)
            return cls._connect(path)

    @classmethod
    def open_readonly(cls, dir: Path) -> LocalState | None:
        """The state opened read-only for a reader that holds no lock (None if absent or
        unreadable: a reader then reads the log itself)."""
        path = (Path(dir) / STATE_FILE).resolve()  # a URI needs an absolute path
        if not path.is_file():
            return None
        try:
            con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
            con.execute("SELECT count(*) FROM subjects").fetchone()
        except sqlite3.Error:
            return None
        return cls(con, path)

    @classmethod
    def _connect(cls, path: Path) -> LocalState:
        con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            # WAL + NORMAL: a crash or power cut may lose the latest updates, never
            # corrupt the file; and no fsync per append (the log itself is the record).
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.executescript(_SCHEMA)
            con.execute("SELECT count(*) FROM meta").fetchone()
        except BaseException:
            con.close()
            raise
        return cls(con, path)

    def close(self) -> None:
        self.con.close()

    def clock(self) -> int:
        """The file system's "now" (touch our own file, read its mtime): files changed
        at or after it are not recorded as verified (see :func:`changed_since`)."""
        os.utime(self.path)
        return os.stat(self.path).st_mtime_ns

    # -- meta -------------------------------------------------------------------------
    def _get(self, key: str) -> tuple[int, bytes, str | None] | None:
        row = self.con.execute("SELECT size, root, text FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1] or b""), row[2])

    def _put(self, key: str, size: int, root: bytes, text: str | None = None) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO meta (key, size, root, text) VALUES (?, ?, ?, ?)",
            (key, size, root, text),
        )

    def high_water(self) -> tuple[int, bytes] | None:
        """The largest (size, root) this ledger has been committed at."""
        row = self._get("high_water")
        return None if row is None else (row[0], row[1])

    def raise_high_water(self, size: int, root: bytes) -> None:
        mark = self.high_water()
        if mark is None or size > mark[0]:
            self._put("high_water", size, root)

    def verified(self) -> tuple[int, bytes, str | None] | None:
        """(size, root, kind) of the last verification that passed."""
        return self._get("verified")

    def damage(self) -> str | None:
        row = self._get("damage")
        return None if row is None else row[2]

    def set_damage(self, text: str) -> None:
        self._put("damage", 0, b"", text)

    # -- verified files ------------------------------------------------------------------
    def files(self) -> dict[str, Record]:
        rows = self.con.execute("SELECT path, fingerprint, root FROM files")
        return {p: (fp, None if r is None else bytes(r)) for p, fp, r in rows}

    def record_verified(
        self, size: int, root: bytes, kind: str, files: Mapping[str, Record], *, full: bool
    ) -> None:
        """A verification passed: remember what it hashed; a full one also clears damage."""
        with self._transaction():
            self._replace_files(files)
            self._put("verified", size, root, kind)
            mark = self.high_water()
            if mark is None or size > mark[0]:
                self._put("high_water", size, root)
            if full:
                self.con.execute("DELETE FROM meta WHERE key = 'damage'")

    def record_files(self, files: Mapping[str, Record]) -> None:
        """Replace the verified files alone (what opening the ledger re-hashed)."""
        with self._transaction():
            self._replace_files(files)

    def _replace_files(self, files: Mapping[str, Record]) -> None:
        self.con.execute("DELETE FROM files")
        self.con.executemany(
            "INSERT INTO files (path, fingerprint, root) VALUES (?, ?, ?)",
            [(p, fp, r) for p, (fp, r) in files.items()],
        )

    # -- the id index --------------------------------------------------------------------
    def indexed(self) -> tuple[int, bytes]:
        """How far the id and subject index reaches: (size, root) of the log."""
        row = self._get("indexed")
        return (0, b"") if row is None or row[2] != INDEX_VERSION else (row[0], row[1])

    def leaves_of(self, taxpayer: str, below: int) -> list[int]:
        """Indices below ``below`` of the leaves naming ``taxpayer`` (a commitment)."""
        rows = self.con.execute(
            "SELECT idx FROM subjects WHERE taxpayer = ? AND idx < ? ORDER BY idx",
            (taxpayer, below),
        )
        return [int(r[0]) for r in rows]

    def lookup(self, ids: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.con.execute(f"SELECT id, idx FROM ids WHERE id IN ({marks})", chunk)
            out.update((k, int(v)) for k, v in rows)
        return out

    def add_ids(
        self,
        pairs: Iterable[tuple[str, int]],
        size: int,
        root: bytes,
        *,
        reset: bool = False,
        subjects: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Index ``pairs`` (the first index of an id wins) and ``subjects`` (taxpayer
        commitment, index), and mark the index as reaching the log at (size, root);
        ``reset`` starts it over."""
        with self._transaction():
            if reset:
                self.con.execute("DELETE FROM ids")
                self.con.execute("DELETE FROM subjects")
            self.con.executemany("INSERT OR IGNORE INTO ids (id, idx) VALUES (?, ?)", pairs)
            self.con.executemany(
                "INSERT OR IGNORE INTO subjects (taxpayer, idx) VALUES (?, ?)", subjects
            )
            self._put("indexed", size, root, INDEX_VERSION)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
