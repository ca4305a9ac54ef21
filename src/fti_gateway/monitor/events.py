"""Inspection events (FORMATS §9, ``fti/inspection/v1``): the model and the importer.

The agency's own systems log most looks at return information; ``fti inspect import``
brings their audit trails in. Each line is checked by :class:`InspectionEvent` (pydantic,
unknown fields kept in ``extra``); a bad line is reported with its number and reason and
kept in the import's ``rejects.jsonl`` (nothing is lost), the good ones are stored as
Parquet parts under ``inspections/imported/<digest>/`` — columnar, so the monitor's SQL
reads only the columns each rule needs from ten million events.

Re-importing the same file (same bytes) is a no-op: the folder is named by the file's
SHA-256. An id is unique per source system: a repeat within the file is a bad line; an event an
earlier import already holds (an overlapping re-export) is the same event, counted and
not stored again — so the monitor reads each event once without deduplicating.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.locks import hold
from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor.paths import imported_dir, inspections_dir

FORMAT = "fti/inspection/v1"
PART_ROWS = 500_000
"""Rows per Parquet part: big enough for fast scans, small enough to bound memory."""
MAX_LINE = 64 * 1024
SHOWN_REJECTS = 20
_TIN = re.compile(r"^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$")
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/@#-]{0,127}$"

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("principal", pa.string()),
        ("role", pa.string()),
        ("taxpayer", pa.string()),
        ("action", pa.string()),
        ("rows", pa.int64()),
        ("case_id", pa.string()),
        ("purpose", pa.string()),
        ("source_system", pa.string()),
        ("outcome", pa.string()),
        ("extra", pa.string()),
        ("line", pa.int64()),
    ]
)
"""The stored layout: the format's fields (``case`` as ``case_id``, a SQL keyword), the
unknown fields as one JSON text, and the line of the source file each came from."""


class InspectionEvent(BaseModel):
    """One look at return information, as FORMATS §9 writes it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["fti/inspection/v1"]
    id: str = Field(pattern=_ID)
    time: AwareDatetime
    principal: str = Field(pattern=_ID)
    role: str = Field(min_length=1, max_length=64)
    taxpayer: str | None
    action: Literal["lookup", "export"]
    rows: int = Field(ge=0)
    case: str | None = Field(pattern=_ID)
    purpose: str = Field(min_length=1, max_length=64)
    source_system: str = Field(min_length=1, max_length=64)
    outcome: Literal["allowed", "denied"]

    @field_validator("time")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.utcoffset() != UTC.utcoffset(None):
            raise ValueError("time must be UTC (RFC 3339 with Z)")
        return v.astimezone(UTC)

    @field_validator("taxpayer")
    @classmethod
    def _tin(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not _TIN.match(v):
            raise ValueError("taxpayer is a TIN of 9 digits (e.g. 900-12-3456) or null")
        return v.replace("-", "")

    @model_validator(mode="after")
    def _lookup_names_taxpayer(self) -> InspectionEvent:
        if self.action == "lookup" and self.taxpayer is None:
            raise ValueError("a lookup names its taxpayer; only an export may have none")
        return self


@dataclass
class ImportResult:
    source: Path
    digest: str
    folder: Path
    imported: int = 0
    rejected: int = 0
    present: int = 0
    """Events an earlier import already holds (same source system and id): not stored twice."""
    already: bool = False
    rejects: list[tuple[int, str]] = field(default_factory=list)
    """The first :data:`SHOWN_REJECTS` bad lines: (line number, reason)."""


def reason_of(e: ValidationError | ValueError) -> str:
    """One line a person reads: each failing field and why (never the value itself,
    which may be a TIN)."""
    if isinstance(e, ValidationError):
        parts = []
        for err in e.errors(include_url=False, include_input=False):
            where = ".".join(str(x) for x in err["loc"]) or "line"
            msg = str(err["msg"]).removeprefix("Value error, ")
            parts.append(f"{where}: {msg}")
        return "; ".join(parts)
    return str(e)


def parse_line(raw: bytes) -> InspectionEvent:
    """One JSON line as an event; ValidationError/ValueError says why not."""
    if len(raw) > MAX_LINE:
        raise ValueError(f"line is {len(raw)} bytes; an event is at most {MAX_LINE}")
    return InspectionEvent.model_validate_json(raw)


def _row(ev: InspectionEvent, line: int) -> tuple[Any, ...]:
    extra = ev.model_extra
    return (
        ev.id,
        ev.time,
        ev.principal,
        ev.role,
        ev.taxpayer,
        ev.action,
        ev.rows,
        ev.case,
        ev.purpose,
        ev.source_system,
        ev.outcome,
        orjson.dumps(extra, option=orjson.OPT_SORT_KEYS).decode() if extra else None,
        line,
    )


def _table(rows: list[tuple[Any, ...]]) -> pa.Table:
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in SCHEMA]
    return pa.table([pa.array(c, type=f.type) for c, f in zip(cols, SCHEMA, strict=True)], SCHEMA)


def _lines(file: Path) -> Iterator[tuple[int, bytes]]:
    with file.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            line = raw.strip()
            if line:
                yield n, line


def file_digest(file: Path) -> str:
    h = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def import_file(ws: Workspace, file: Path) -> ImportResult:
    """Import one JSON Lines audit trail into the workspace (see the module docstring)."""
    file = Path(file)
    if not file.is_file():
        raise NotFoundError(f"no file {file}")
    digest = file_digest(file)
    final = imported_dir(ws) / digest[:32]
    result = ImportResult(file, digest, final)
    with hold(inspections_dir(ws) / ".import.lock", what="the inspection store", wait=600):
        if (final / "source.json").is_file():
            meta = json.loads((final / "source.json").read_text())
            result.already, result.imported = True, int(meta["imported"])
            result.rejected = int(meta["rejected"])
            return result
        tmp = imported_dir(ws) / f".tmp-{digest[:32]}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            _write_parts(file, tmp, result)
            _drop_repeated_ids(tmp, result, imported_dir(ws))
            meta = {
                "format": "fti/inspection-import/v1",
                "file": file.name,
                "sha256": digest,
                "imported": result.imported,
                "rejected": result.rejected,
                "at": datetime.now(UTC).isoformat(),
            }
            (tmp / "source.json").write_text(json.dumps(meta, indent=1) + "\n")
            shutil.rmtree(final, ignore_errors=True)  # a folder without source.json: a crash
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return result


def _write_parts(file: Path, folder: Path, result: ImportResult) -> None:
    batch: list[tuple[Any, ...]] = []
    part = 0
    with (folder / "rejects.jsonl").open("wb") as rejects:
        for n, raw in _lines(file):
            try:
                ev = parse_line(raw)
            except (ValidationError, ValueError) as e:
                reason = reason_of(e)
                _reject(result, rejects, n, reason)
                continue
            batch.append(_row(ev, n))
            if len(batch) >= PART_ROWS:
                part = _flush(folder, part, batch)
                result.imported += len(batch)
                batch = []
    if batch or part == 0:
        _flush(folder, part, batch)
        result.imported += len(batch)


def _reject(result: ImportResult, out: Any, line: int, reason: str) -> None:
    result.rejected += 1
    if len(result.rejects) < SHOWN_REJECTS:
        result.rejects.append((line, reason))
    out.write(orjson.dumps({"line": line, "reason": reason}) + b"\n")


def _flush(folder: Path, part: int, batch: list[tuple[Any, ...]]) -> int:
    pq.write_table(_table(batch), folder / f"part-{part:05d}.parquet", compression="zstd")
    return part + 1


def _drop_repeated_ids(folder: Path, result: ImportResult, store: Path) -> None:
    """An id repeated within one source system is a bad line (the first one is kept); an
    event an earlier import holds is dropped and counted in ``result.present``."""
    glob = _q(folder / "part-*.parquet")
    earlier = sorted(store.glob("[0-9a-f]*/part-*.parquet"))
    con = duckdb.connect()
    try:
        dups = con.execute(
            f"""
            SELECT line, first_line FROM (
              SELECT line, min(line) OVER (PARTITION BY source_system, id) AS first_line
              FROM read_parquet({glob}))
            WHERE line <> first_line ORDER BY line
            """
        ).fetchall()
        present: list[int] = []
        if earlier:
            files = "[" + ", ".join(_q(p) for p in earlier) + "]"
            present = [
                int(r[0])
                for r in con.execute(
                    f"""SELECT n.line FROM read_parquet({glob}) n
                        SEMI JOIN read_parquet({files}) o
                          ON o.source_system = n.source_system AND o.id = n.id"""
                ).fetchall()
            ]
        if not dups and not present:
            return
        with (folder / "rejects.jsonl").open("ab") as rejects:
            for line, first in dups:
                reason = f"id: repeats the id of line {first} (ids are unique per source)"
                _reject(result, rejects, int(line), reason)
        dropped = {int(line) for line, _ in dups} | set(present)
        result.present = len(set(present) - {int(line) for line, _ in dups})
        result.imported -= len(dropped)
        con.register("_dropped", pa.table({"line": pa.array(sorted(dropped), pa.int64())}))
        out = _q(folder / "dedup.parquet")
        con.execute(
            f"""COPY (SELECT * FROM read_parquet({glob}) ANTI JOIN _dropped USING (line)
                 ORDER BY line) TO {out} (FORMAT parquet, COMPRESSION zstd)"""
        )
    finally:
        con.close()
    for p in folder.glob("part-*.parquet"):
        p.unlink()
    (folder / "dedup.parquet").rename(folder / "part-00000.parquet")


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
