"""Importing a master file (``fti/master/v1``, FORMATS §3) into the vault.

The vault is the source of record, so an import is all-or-nothing at the level of a
row and atomic at the level of the file:

- a file that cannot be read as a whole (missing, 0 bytes, not UTF-8, not Parquet,
  missing required columns, unknown columns) is refused with an :class:`InputError`
  naming the file, and nothing is imported;
- otherwise every row is checked; each bad row is reported with its line (CSV: the
  line a user sees in an editor, header = line 1; Parquet: the row number) and the
  reason, and the good rows are imported;
- parsed rows are staged in a temporary Parquet file; checks that need the whole file
  (a repeated key, a second TIN for one taxpayer, rows the vault already has) run in
  DuckDB over it, so memory stays bounded however large the file is;
- the accepted rows are written to another temporary file in the vault folder that is
  renamed into place (``os.replace``) only when complete, so a crash never leaves half
  a part behind, and a reader sees either none or all of the imported rows;
- the vault's lock is held from the whole-file checks (which read what the vault holds)
  to the commit, so of two imports of one file at once the second waits, then finds
  every row already in the vault, as if it had been run after the first.

A row whose (taxpayer_id, tax_year) is already in the vault or earlier in the file is
rejected, so importing the same file twice imports nothing the second time.
"""

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.errors import NotFoundError
from fti_gateway.vault.fields import parse_row
from fti_gateway.vault.readers import BATCH_ROWS, csv_rows, is_parquet, parquet_rows, refuse
from fti_gateway.vault.schema import MASTER_COLUMNS, master_schema
from fti_gateway.vault.store import WRITE_WAIT, Vault

IMPORT_MEMORY = "1GB"  # DuckDB's share during the whole-file checks; the rest spills to disk


@dataclass(frozen=True)
class RowError:
    """One rejected row: where (``line``) and why."""

    line: int
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    file: Path
    accepted: int = 0
    rejected: list[RowError] = field(default_factory=list)
    part: Path | None = None
    seconds: float = 0.0
    line_label: str = "line"  # "row" for Parquet, where there are no lines


class _Stage:
    """Parsed rows (with their source line) in a temporary Parquet file in the vault
    folder. Checks that need the whole file (repeated keys, TIN conflicts, clashes with
    the vault) run in DuckDB over this file, so memory stays bounded for any file size."""

    def __init__(self, vault: Vault) -> None:
        vault.master_dir.mkdir(parents=True, exist_ok=True)
        stem = f".import-{os.getpid()}-{time.time_ns()}"
        self.path = vault.master_dir / f"{stem}.stage.tmp"
        self.out = vault.master_dir / f"{stem}.parquet.tmp"
        self.schema = master_schema().append(pa.field(_LINE, pa.int64()))
        self.writer: pq.ParquetWriter | None = None
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, line: int, row: dict[str, Any]) -> None:
        row[_LINE] = line
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.path.unlink(missing_ok=True)
        self.out.unlink(missing_ok=True)


_LINE = "_line"
_CLASHES = """
WITH s AS (
  SELECT _line, taxpayer_id, tax_year, tin,
         min(_line) OVER (PARTITION BY taxpayer_id, tax_year) AS first_key,
         min(_line) OVER (PARTITION BY taxpayer_id) AS first_tp
  FROM staged),
f AS (SELECT s.*, t.tin AS first_tin FROM s JOIN staged t ON t._line = s.first_tp),
v AS (
  SELECT s._line, bool_or(m.tax_year = s.tax_year) AS same_year, bool_or(m.tin <> s.tin) AS other_tin
  FROM staged s JOIN master m USING (taxpayer_id) GROUP BY s._line)
SELECT f._line,
       CASE WHEN f._line <> f.first_key THEN 'dup'
            WHEN f.tin <> f.first_tin THEN 'tin'
            WHEN v.same_year THEN 'vault_year'
            WHEN v.other_tin THEN 'vault_tin' END AS why,
       f.first_key, f.first_tp
FROM f LEFT JOIN v USING (_line)
WHERE f._line <> f.first_key OR f.tin <> f.first_tin OR v.same_year OR v.other_tin
"""


def _whole_file_checks(vault: Vault, stage: _Stage, label: str) -> list[RowError]:
    """Reject repeated (taxpayer_id, tax_year) keys, a second TIN for one taxpayer, and
    rows the vault already has; write the remaining rows to ``stage.out``."""
    con = vault.connect(memory_limit=IMPORT_MEMORY, spill=True)
    try:
        path = str(stage.path).replace("'", "''")
        con.execute(f"CREATE VIEW staged AS SELECT * FROM read_parquet('{path}')")
        errors: list[RowError] = []
        for line, why, first_key, first_tp in con.execute(_CLASHES).fetchall():
            if why == "dup":
                errors.append(
                    RowError(
                        line, f"repeats taxpayer_id and tax_year of {label} {first_key}", "tax_year"
                    )
                )
            elif why == "tin":
                errors.append(
                    RowError(
                        line, f"TIN differs from {label} {first_tp} for the same taxpayer_id", "tin"
                    )
                )
            elif why == "vault_year":
                errors.append(
                    RowError(
                        line,
                        "this taxpayer_id and tax_year are already in the vault",
                        "taxpayer_id",
                    )
                )
            else:
                errors.append(
                    RowError(line, "the vault has this taxpayer_id with another TIN", "tin")
                )
        con.register("_rejected", pa.table({_LINE: pa.array([e.line for e in errors], pa.int64())}))
        cols = ", ".join(f'"{c}"' for c in MASTER_COLUMNS)
        reader: pa.RecordBatchReader = con.sql(
            f"SELECT {cols} FROM staged ANTI JOIN _rejected USING ({_LINE}) ORDER BY {_LINE}"
        ).to_arrow_reader(BATCH_ROWS)
        schema = master_schema()
        with pq.ParquetWriter(stage.out, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    finally:
        con.close()
    return errors


def _commit(vault: Vault, stage: _Stage, source: Path) -> Path:
    with stage.out.open("rb") as f:
        os.fsync(f.fileno())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    tag = hashlib.sha256(f"{source.resolve()}:{time.time_ns()}".encode()).hexdigest()[:8]
    final = vault.master_dir / f"part-import-{stamp}-{tag}.parquet"
    os.replace(stage.out, final)
    dir_fd = os.open(vault.master_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut, not only the bytes
    finally:
        os.close(dir_fd)
    stage.path.unlink(missing_ok=True)
    return final


def import_master(vault: Vault, file: Path, *, wait: float = WRITE_WAIT) -> ImportReport:
    """Import ``file`` (CSV or Parquet, FORMATS §3) into ``vault``; see the module doc.
    Waits up to ``wait`` seconds for another writer of the vault (then :class:`BusyError`)."""
    file = Path(file)
    started = time.perf_counter()
    if not file.is_file():
        raise NotFoundError("no such file", where=str(file))
    if file.stat().st_size == 0:
        raise refuse(file, "is empty (0 bytes)", hint="export the master file again")
    parquet = is_parquet(file)
    label = "row" if parquet else "line"
    report = ImportReport(file=file, line_label=label)
    rows = parquet_rows(file) if parquet else csv_rows(file)
    stage = _Stage(vault)
    try:
        for line, rec in rows:
            if isinstance(rec, str):
                report.rejected.append(RowError(line, rec))
                continue
            row, problems = parse_row(rec)
            if row is None:
                more = "; ".join(f"{c}: {r}" for c, r in problems[1:])
                message = problems[0][1] + (f"; {more}" if more else "")
                report.rejected.append(RowError(line, message, problems[0][0]))
                continue
            stage.add(line, row)
        stage.close()
        if stage.count:
            with vault.locked(wait):  # parsing needs no lock; checking and committing do
                clashes = _whole_file_checks(vault, stage, label)
                report.rejected += clashes
                report.accepted = stage.count - len(clashes)
                if report.accepted:
                    report.part = _commit(vault, stage, file)
    finally:
        stage.discard()
    report.rejected.sort(key=lambda e: e.line)
    report.seconds = time.perf_counter() - started
    return report
