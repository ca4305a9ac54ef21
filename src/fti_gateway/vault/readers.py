"""Reading a master file row by row, with the line (or row) each record came from.

CSV line numbers are the ones an editor shows: the header is line 1, and a quoted field
that spans lines counts every line. A file that cannot be read as a whole raises an
:class:`InputError` naming the file (and line) before any row is yielded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.errors import InputError
from fti_gateway.vault.schema import MASTER_COLUMNS, REQUIRED_COLUMNS

BATCH_ROWS = 100_000
Record = tuple[int, dict[str, Any] | str]  # (line, row) or (line, why it is not a row)


def refuse(
    file: Path, message: str, hint: str | None = None, line: int | None = None
) -> InputError:
    where = f"{file}, line {line}" if line else str(file)
    return InputError(message, where=where, hint=hint)


def _check_columns(file: Path, columns: list[str], line: int | None) -> None:
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise refuse(file, f"columns appear twice: {', '.join(dupes)}", line=line)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise refuse(
            file,
            f"required column(s) missing: {', '.join(missing)}",
            hint=f"a fti/master/v1 file needs at least {', '.join(REQUIRED_COLUMNS)}",
            line=line,
        )
    unknown = [c for c in columns if c not in MASTER_COLUMNS]
    if unknown:
        raise refuse(
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


def csv_rows(file: Path) -> Iterator[Record]:
    """(line, row) per record, or (line, reason) for a record that is not a row."""
    _check_utf8(file)
    try:
        f = file.open("r", encoding="utf-8-sig", newline="", errors="strict")
    except OSError as e:
        raise refuse(file, f"cannot be read: {e.strerror}") from None
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as e:
            raise _not_utf8(file, e, 1) from None
        if header is None:
            raise refuse(file, "has no header line")
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
    return refuse(
        file,
        f"is not UTF-8 text (byte 0x{e.object[e.start]:02x} cannot be decoded)",
        hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        line=line,
    )


def parquet_rows(file: Path) -> Iterator[Record]:
    try:
        pf = pq.ParquetFile(file)
    except (pa.ArrowInvalid, OSError) as e:
        raise refuse(file, f"is not a readable Parquet file ({e})") from None
    _check_columns(file, list(pf.schema_arrow.names), line=None)
    row = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        for rec in batch.to_pylist():
            row += 1
            yield row, rec


def is_parquet(file: Path) -> bool:
    with file.open("rb") as f:
        return f.read(4) == b"PAR1"
