"""Inspection events (``fti/inspection/v1``, FORMATS §9): where the gate records each read.

Every read of vault data through :mod:`fti_gateway.vault.access` — allowed or denied — is one
JSON line in ``<workspace>/inspections/gate.jsonl``. Other systems' audit trails, once
imported, sit beside it as further ``*.jsonl`` files in the same folder, so the UNAX monitor
reads one folder for every look at taxpayer data, whichever system made it.

Why append-only JSON lines with ``fsync``: a record of who looked must outlive a crash of the
process that looked (the read is not returned until its line is on disk), and must never be
rewritten — a log anyone can edit proves nothing. Lines are written under an ``flock`` with one
``write`` each, so two processes reading at once never interleave half-lines.

This module sits in ``vault`` (a low layer) so both the gate and the monitor above it can use it
without importing each other.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

FORMAT = "fti/inspection/v1"
INSPECTIONS_DIR = "inspections"
GATE_LOG = "gate.jsonl"
SOURCE_SYSTEM = "fti-gateway"
ACTIONS = ("lookup", "export")
OUTCOMES = ("allowed", "denied")

Action = Literal["lookup", "export"]
Outcome = Literal["allowed", "denied"]


def inspections_dir(workspace_root: Path) -> Path:
    """``<workspace>/inspections``: every inspection trail the monitor reads (``*.jsonl``)."""
    return Path(workspace_root) / INSPECTIONS_DIR


def gate_log(workspace_root: Path) -> Path:
    """The gateway's own trail, ``<workspace>/inspections/gate.jsonl``."""
    return inspections_dir(workspace_root) / GATE_LOG


def utc_now() -> str:
    """RFC 3339 in UTC with ``Z`` and microseconds (FORMATS §9 ``time``)."""
    second, micro = divmod(time.time_ns() // 1000, 1_000_000)
    return f"{utc_second(second, '%Y-%m-%dT%H:%M:%S')}.{micro:06d}Z"


def new_event_id() -> str:
    """Unique per source: a time-ordered prefix and 64 random bits (no counter to share
    between processes)."""
    second, micro = divmod(time.time_ns() // 1000, 1_000_000)
    return f"gate-{utc_second(second, '%Y%m%dT%H%M%S')}{micro:06d}-{secrets.token_hex(8)}"


@lru_cache(maxsize=8)
def utc_second(second: int, fmt: str) -> str:
    """One second (Unix time) in UTC, formatted once: every read is decided and recorded,
    many in the same second, and ``strftime`` was a fifth of a record's own work."""
    return time.strftime(fmt, time.gmtime(second))


@dataclass(frozen=True)
class InspectionEvent:
    """One look (or attempted look) at taxpayer data.

    ``taxpayer`` is the TIN looked at, or ``None`` for an export of many rows; ``extra``
    holds the gate's own fields (``policies`` that decided, ``reason``, ``request``,
    ``taxpayer_ids`` …), which §9 allows ("unknown fields are kept").
    """

    principal: str
    role: str
    taxpayer: str | None
    action: Action
    rows: int
    case: str | None
    purpose: str
    outcome: Outcome
    id: str = field(default_factory=new_event_id)
    time: str = field(default_factory=utc_now)
    source_system: str = SOURCE_SYSTEM
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action {self.action!r} is not one of {ACTIONS}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {OUTCOMES}")

    def to_json(self) -> dict[str, Any]:
        """The §9 object; the extra fields follow the standard ones and never replace them."""
        obj: dict[str, Any] = {
            "format": FORMAT,
            "id": self.id,
            "time": self.time,
            "principal": self.principal,
            "role": self.role,
            "taxpayer": self.taxpayer,
            "action": self.action,
            "rows": self.rows,
            "case": self.case,
            "purpose": self.purpose,
            "source_system": self.source_system,
            "outcome": self.outcome,
        }
        for k, v in self.extra.items():
            obj.setdefault(k, v)
        return obj


def append_events(
    workspace_root: Path, events: Iterable[InspectionEvent | Mapping[str, Any]]
) -> int:
    """Append events to the gate's trail as JSON lines and ``fdatasync`` before returning.

    One ``write`` under an exclusive ``flock`` for the whole batch; returns the number of
    lines written. The folder is created on first use.
    """
    lines = [
        json.dumps(
            e.to_json() if isinstance(e, InspectionEvent) else dict(e),
            separators=(",", ":"),
            ensure_ascii=False,
            sort_keys=False,
        )
        + "\n"
        for e in events
    ]
    if not lines:
        return 0
    path = _log_path(str(workspace_root))
    data = "".join(lines).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except FileNotFoundError:  # the first record of this workspace: make the folder
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fdatasync(fd)  # the data and the file's new length; no need for its times
    finally:
        os.close(fd)  # releases the lock
    return len(lines)


@lru_cache(maxsize=64)
def _log_path(workspace_root: str) -> str:
    return os.fspath(gate_log(Path(workspace_root)))


def read_events(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) per non-blank line of one trail, as written; a line that is not
    a JSON object raises ``ValueError`` naming the file and line (the monitor's importer does
    the full §9 check)."""
    with Path(path).open("r", encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}, line {lineno}: not JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise ValueError(f"{path}, line {lineno}: not a JSON object")
            yield lineno, obj
