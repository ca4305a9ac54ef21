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
  a part behind, and a reader sees either none or all of the imported rows.

A row whose (taxpayer_id, tax_year) is already in the vault or earlier in the file is
rejected, so importing the same file twice imports nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.vault.schema import (
    ELEMENT_TYPES,
    EXAMINATION_STATUSES,
    FILING_STATUSES,
    MASTER_COLUMNS,
    REQUIRED_COLUMNS,
    TIN_KINDS,
    master_schema,
)
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth.tins import is_itin_shaped

BATCH_ROWS = 100_000
IMPORT_MEMORY = "1GB"  # DuckDB's share during the whole-file checks; the rest spills to disk
MAX_TEXT = 200  # longer "names" or "streets" are broken input, not data
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


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


class _Bad(ValueError):
    """A value that does not fit its column."""


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    if not s:
        return None
    if len(s) > MAX_TEXT:
        raise _Bad(f"longer than {MAX_TEXT} characters")
    return s


def _required(v: Any) -> str:
    s = _text(v)
    if s is None:
        raise _Bad("is empty")
    return s


def _tin(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**9:
        return f"{v:09d}"  # a TIN stored as a number lost its leading zeros
    s = _required(v).replace("-", "").replace(" ", "")
    if len(s) != 9 or not s.isdigit():
        raise _Bad(f"{v!r} is not a 9-digit TIN")
    return s


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = _text(v)
    if s is None:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise _Bad(f"{s!r} is not a date (YYYY-MM-DD)") from None


def _year(v: Any) -> int:
    if isinstance(v, bool):
        raise _Bad(f"{v!r} is not a year")
    try:
        y = int(v) if isinstance(v, int) else int(_required(v))
    except ValueError:
        raise _Bad(f"{v!r} is not a whole number") from None
    if not 1900 <= y <= 2100:
        raise _Bad(f"{y} is not a plausible tax year")
    return y


def _float(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return None if v != v else float(v)  # NaN means "not reported"
    s = _text(v)
    if s is None:
        return None
    try:
        return float(s.replace(",", ""))
    except ValueError:
        raise _Bad(f"{s!r} is not a number") from None


def _count(v: Any) -> int | None:
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    else:
        s = _text(v)
        if s is None:
            return None
        if not s.isdigit():
            raise _Bad(f"{s!r} is not a whole number of zero or more")
        n = int(s)
    if n < 0:
        raise _Bad(f"{n} is negative")
    return n


def _bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    s = _text(v)
    if s is None:
        return None
    if s.lower() in _TRUE:
        return True
    if s.lower() in _FALSE:
        return False
    raise _Bad(f"{s!r} is not true or false")


def _one_of(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        s = _text(v)
        if s is not None and s not in options:
            raise _Bad(f"{s!r} is not one of {', '.join(options)}")
        return s

    return check


def _pattern(rx: re.Pattern[str], what: str, digits: int = 0) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if digits and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**digits:
            v = f"{v:0{digits}d}"  # a ZIP stored as a number lost its leading zeros
        s = _text(v)
        if s is not None and not rx.match(s):
            raise _Bad(f"{s!r} is not {what}")
        return s

    return check


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "taxpayer_id": _required,
    "tin": _tin,
    "tin_kind": _one_of(TIN_KINDS),
    "first_name": _text,
    "middle_name": _text,
    "last_name": _required,
    "suffix": _text,
    "dob": _date,
    "street": _text,
    "unit": _text,
    "city": _text,
    "state": _pattern(_STATE, "a two-letter state code"),
    "zip": _pattern(_ZIP, "a ZIP code (12345 or 12345-6789)", digits=5),
    "tax_year": _year,
    "household_id": _text,
    "return.filing_status": _one_of(FILING_STATUSES),
    "irs.examination_status": _one_of(EXAMINATION_STATUSES),
    "return.dependents": _count,
}
for _name, _type in ELEMENT_TYPES.items():
    if _name not in _PARSERS:
        _PARSERS[_name] = (
            _bool if _type == pa.bool_() else _float if _type == pa.float64() else _text
        )


def _parse_row(values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Parse one row: ``(row, [])``, or ``(None, [(column, reason), …])`` for every problem."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for col, parse in _PARSERS.items():
        if col not in values:
            out[col] = None
            continue
        try:
            out[col] = parse(values[col])
        except _Bad as e:
            problems.append((col, str(e)))
    if problems:
        return None, problems
    if out["tin_kind"] is None:
        out["tin_kind"] = "itin" if is_itin_shaped(out["tin"]) else "ssn"
    return out, []


def _refuse(
    file: Path, message: str, hint: str | None = None, line: int | None = None
) -> InputError:
    where = f"{file}, line {line}" if line else str(file)
    return InputError(message, where=where, hint=hint)


def _check_columns(file: Path, columns: list[str], line: int | None) -> None:
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise _refuse(file, f"columns appear twice: {', '.join(dupes)}", line=line)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise _refuse(
            file,
            f"required column(s) missing: {', '.join(missing)}",
            hint=f"a fti/master/v1 file needs at least {', '.join(REQUIRED_COLUMNS)}",
            line=line,
        )
    unknown = [c for c in columns if c not in MASTER_COLUMNS]
    if unknown:
        raise _refuse(
            file,
            f"unknown column(s): {', '.join(unknown)}",
            hint="columns are the identity fields of FORMATS §2 plus taxpayer_id, tin, "
            "tin_kind, tax_year, household_id and catalogued element ids "
            "(fti_gateway.core.elements); remove or rename the others",
            line=line,
        )


def _check_utf8(file: Path) -> None:
    """Refuse a file that is not UTF-8, naming the first line that is not (before reading
    any row, so nothing is imported from a file in the wrong encoding)."""
    with file.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _not_utf8(file, e, lineno) from None


def _csv_rows(file: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line, row) per record, or (line, reason) for a record that is not a row."""
    _check_utf8(file)
    try:
        f = file.open("r", encoding="utf-8-sig", newline="", errors="strict")
    except OSError as e:
        raise _refuse(file, f"cannot be read: {e.strerror}") from None
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as e:
            raise _not_utf8(file, e, 1) from None
        if header is None:
            raise _refuse(file, "has no header line")
        header = [h.strip() for h in header]
        _check_columns(file, header, line=1)
        prev = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as e:
                raise _not_utf8(file, e, reader.line_num + 1) from None
            except csv.Error as e:
                yield prev + 1, f"cannot be read as CSV ({e})"
                prev = reader.line_num
                continue
            start, prev = prev + 1, reader.line_num
            if not record or all(not v.strip() for v in record):
                continue  # blank lines are not rows
            if len(record) != len(header):
                yield start, f"has {len(record)} fields, the header has {len(header)}"
                continue
            yield start, dict(zip(header, record, strict=True))


def _not_utf8(file: Path, e: UnicodeDecodeError, line: int) -> InputError:
    return _refuse(
        file,
        f"is not UTF-8 text (byte 0x{e.object[e.start]:02x} cannot be decoded)",
        hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        line=line,
    )


def _parquet_rows(file: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        pf = pq.ParquetFile(file)
    except (pa.ArrowInvalid, OSError) as e:
        raise _refuse(file, f"is not a readable Parquet file ({e})") from None
    _check_columns(file, list(pf.schema_arrow.names), line=None)
    row = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        for rec in batch.to_pylist():
            row += 1
            yield row, rec


def _is_parquet(file: Path) -> bool:
    with file.open("rb") as f:
        return f.read(4) == b"PAR1"


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
    stage.path.unlink(missing_ok=True)
    return final


def import_master(vault: Vault, file: Path) -> ImportReport:
    """Import ``file`` (CSV or Parquet, FORMATS §3) into ``vault``; see the module doc."""
    file = Path(file)
    started = time.perf_counter()
    if not file.is_file():
        raise NotFoundError("no such file", where=str(file))
    if file.stat().st_size == 0:
        raise _refuse(file, "is empty (0 bytes)", hint="export the master file again")
    parquet = _is_parquet(file)
    label = "row" if parquet else "line"
    report = ImportReport(file=file, line_label=label)
    rows = _parquet_rows(file) if parquet else _csv_rows(file)
    stage = _Stage(vault)
    try:
        for line, rec in rows:
            if isinstance(rec, str):
                report.rejected.append(RowError(line, rec))
                continue
            row, problems = _parse_row(rec)
            if row is None:
                more = "; ".join(f"{c}: {r}" for c, r in problems[1:])
                message = problems[0][1] + (f"; {more}" if more else "")
                report.rejected.append(RowError(line, message, problems[0][0]))
                continue
            stage.add(line, row)
        stage.close()
        if stage.count:
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
