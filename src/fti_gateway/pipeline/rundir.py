"""A request's run folder: named so no two requests share one, written so none is torn.

The folder name keeps the readable ``<agency>__<id>`` (characters a file name cannot hold
become ``_``) and adds a digest of the exact (agency, id) pair, so "CASE 9" and "CASE_9"
get different folders. Files are written under a temporary name and renamed into place,
and ``decision.json`` is renamed last: a folder with a ``decision.json`` is a finished run.
A lock file serializes runs of one request (two submits of one manifest, a retry beside
a worker), while runs of other requests go on beside it.

A request decided again after review (each disposition that takes effect makes a new
revision of its decision) never overwrites a finished folder: revision 1 stays where it
always was, ``runs/<key>/``, and revision n ≥ 2 is a complete run folder of its own,
``runs/<key>/revisions/<n>/`` (its decision, findings, matches, package, summary and
checkpoint), finished, like the first, when its ``decision.json`` is renamed in.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from fti_gateway.core.workspace import Workspace

DECISION = "decision.json"
FINDINGS = "subject_findings.csv"
MATCHES = "matches.parquet"
PACKAGE = "package"
SUMMARY = "summary.md"
CHECKPOINT = "checkpoint"
LOCK = ".lock"
REVISIONS = "revisions"


def run_dir_for(ws: Workspace, agency: str, request_id: str) -> Path:
    """The one folder of request (``agency``, ``request_id``)."""
    key = hashlib.sha256(f"{agency}\x00{request_id}".encode()).hexdigest()[:12]
    readable = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{agency}__{request_id}")
    return ws.runs_dir / f"{readable[:100]}--{key}"


def revision_dir(run_dir: Path, revision: int) -> Path:
    """The folder of decision revision ``revision`` of the request whose folder is
    ``run_dir`` (revision 1: ``run_dir`` itself)."""
    if revision < 1:
        raise ValueError(f"revisions count from 1, not {revision}")
    return run_dir if revision == 1 else run_dir / REVISIONS / str(revision)


def latest_matches(run_dir: Path, before: int) -> Path | None:
    """The newest ``matches.parquet`` of a revision before ``before``: the subjects already
    resolved, whose inspections are already accounted."""
    for n in range(before - 1, 0, -1):
        path = revision_dir(run_dir, n) / MATCHES
        if path.is_file():
            return path
    return None


def released_earlier(run_dir: Path, before: int) -> set[str]:
    """The subject ids the revisions before ``before`` released: every approved, matched
    subject of a revision that built a package, whether or not the vault had records for
    the periods. A subject without records never shows in a package's data, yet it was
    dealt with: handed to the builder again, it would make an empty package each time."""
    import pandas as pd

    out = disclosed_earlier(run_dir, before)
    for folder in _packaged(run_dir, before):
        findings = folder / FINDINGS
        if findings.is_file():  # absent only in a revision that stopped before finishing
            table = pd.read_csv(findings, dtype=str, usecols=["subject_id", "result"])
            out.update(table.loc[table["result"] == "approve", "subject_id"].dropna())
    return out


def disclosed_earlier(run_dir: Path, before: int) -> set[str]:
    """The subject ids whose data the packages of revisions before ``before`` hold."""
    import pyarrow.parquet as pq

    out: set[str] = set()
    for folder in _packaged(run_dir, before):
        data = folder / PACKAGE / "data.parquet"
        if data.is_file():
            ids = pq.read_table(data, columns=["subject_id"]).column(0).to_pylist()
            out.update(str(i) for i in ids)
    return out


def _packaged(run_dir: Path, before: int) -> Iterator[Path]:
    """The folders of the revisions before ``before`` that built a package."""
    for n in range(1, before):
        folder = revision_dir(run_dir, n)
        if (folder / PACKAGE / "manifest.json").is_file():
            yield folder


def revisions_of(run_dir: Path) -> list[int]:
    """The request's finished decision revisions, oldest first (1 is ``run_dir`` itself)."""
    found = [1] if (run_dir / DECISION).is_file() else []
    folder = run_dir / REVISIONS
    if folder.is_dir():
        numbered = (int(p.name) for p in folder.iterdir() if p.name.isdigit())
        found += sorted(n for n in numbered if n >= 2 and (folder / str(n) / DECISION).is_file())
    return found


def released_package(run_dir: Path, revision: int | None = None) -> tuple[int, Path] | None:
    """The newest revision's finished package that released someone (``revision``: that
    revision's package, whatever it holds), or None. After a partial release each revision
    packages only its newly released subjects, so the newest is what the agency has not
    fetched yet; the earlier ones stay where they are. A revision whose package holds no
    subject (its newly approved subjects had no records for the periods) is passed over."""
    for n in reversed(revisions_of(run_dir)):
        if revision is not None and n != revision:
            continue
        manifest = revision_dir(run_dir, n) / PACKAGE / "manifest.json"
        if manifest.is_file() and (revision is not None or _released_anyone(manifest)):
            return n, manifest.parent
    return None


def _released_anyone(manifest: Path) -> bool:
    try:
        return int(json.loads(manifest.read_text(encoding="utf-8"))["data"]["subjects"]) > 0
    except (ValueError, KeyError, TypeError):
        return True  # a manifest we cannot read this way: serve it; the verifier judges it


@contextlib.contextmanager
def request_lock(run_dir: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the run lock of one request; waits for a run of the same request to end.
    The lock is an ``flock``: the kernel releases it when its holder dies (``kill -9``),
    so a crashed run never blocks a retry."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait("waiting for another run of this request to finish")
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (temporary file, fsync, rename, folder fsync)."""
    with staged(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it is flushed and renamed
    to ``path`` (then the folder flushed), on failure removed: ``path`` is never torn."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    sync_dir(path.parent)


def sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_temporaries(run_dir: Path) -> None:
    """Remove what an interrupted run left half-written: files and folders whose names
    start with '.' (staged writes, a package being built), never the lock."""
    for p in run_dir.iterdir():
        if p.name.startswith(".") and p.name != LOCK:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def finished(run_dir: Path) -> bool:
    return (run_dir / DECISION).is_file()
