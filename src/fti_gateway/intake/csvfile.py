"""Reading a subject CSV quickly without losing a good row or the line of a bad one.

Fast path: pyarrow reads the whole file multi-threaded, every column as text. Its result
is only trusted when it is provably one row per physical line — no row pyarrow found
invalid, and (rows + header) equals the number of lines — because only then is the line
number of row *i* simply *i + 2*.

Careful path (anything else: a broken line, a quoted value spanning lines, blank lines,
old Mac line ends): Python's ``csv`` module reads record by record while we count the
physical lines each record uses. A record with the wrong number of values is rejected
with its first line; if a stray quote made it swallow the following lines, reading
starts again on the next line, so one bad quote costs one row, not the rest of the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fti_gateway.core.errors import InputError
from fti_gateway.intake.parsed import RowError
from fti_gateway.intake.text import decode_utf8

_BOM = b"\xef\xbb\xbf"
_BLOCK_ROWS = 65_536


@dataclass
class RawRows:
    """Rows as read, before any per-field check: text columns, source lines, and rejects."""

    table: pa.Table
    lines: np.ndarray
    rejects: list[RowError]
    careful_path: bool = False


def read_csv_rows(data: bytes, source: str) -> RawRows:
    """Read subject CSV bytes into text columns (header names as given, trimmed)."""
    if not data:
        raise InputError(
            "the subject file is empty (0 bytes)",
            where=source,
            hint="it needs a header line such as `subject_id,first_name,last_name,dob,...` "
            "and one line per subject",
        )
    text = decode_utf8(data, source)
    if not text.strip():
        raise InputError(
            "the subject file has no header line (it is blank)",
            where=source,
            hint="the first line names the columns, e.g. `subject_id,first_name,last_name`",
        )
    header, header_lines = _header(text, source)
    if header_lines == 1:
        del text  # a large file: do not hold its text while pyarrow holds its rows
        fast = _fast(data, header)
        if fast is not None:
            return fast
        text = decode_utf8(data, source)
    return _careful(text, header, header_lines, source)


def _header(text: str, source: str) -> tuple[list[str], int]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader)
        while not any(c.strip() for c in first):  # leading blank lines
            first = next(reader)
    except (csv.Error, StopIteration) as e:
        raise InputError(
            f"the header line cannot be read: {e}",
            where=f"{source} line {reader.line_num}",
        ) from None
    names = [c.strip() for c in first]
    where = f"{source} line {reader.line_num}"
    if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
        raise InputError(
            f"the header '{names[0][:60]}' is one column: the file is not comma-separated",
            where=where,
            hint="separate columns with commas (save as 'CSV UTF-8 (comma delimited)')",
        )
    for i, name in enumerate(names, start=1):
        if not name:
            raise InputError(
                f"column {i} of the header has no name",
                where=where,
                hint="every column needs a name; remove empty columns or trailing commas",
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(
                f"the column '{name}' is named twice in the header",
                where=where,
                hint="each column may appear once",
            )
        seen.add(name)
    return names, reader.line_num


def _fast(data: bytes, header: list[str]) -> RawRows | None:
    # Work on a zero-copy slice: without the byte-order mark and the final line ends.
    start = len(_BOM) if data.startswith(_BOM) else 0
    end = len(data)
    while end > start and data[end - 1] in b"\r\n":
        end -= 1
    if data.count(b"\r", start, end) != data.count(b"\r\n", start, end):
        return None  # a bare CR ends a line for the careful path's count: keep one count
    physical_lines = data.count(b"\n", start, end) + 1
    body = pa.BufferReader(pa.py_buffer(data).slice(start, end - start))
    invalid: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            body,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if invalid or table.num_rows + 1 != physical_lines:
        return None
    lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return RawRows(table=table, lines=lines, rejects=[])


class _Feed:
    """Lines handed to ``csv.reader`` one at a time, so we know which lines a record used."""

    def __init__(self, lines: list[str], pos: int) -> None:
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _careful(text: str, header: list[str], header_lines: int, source: str) -> RawRows:
    all_lines = io.StringIO(text, newline="").readlines()
    ncols = len(header)
    chunks: list[list[pa.Array]] = [[] for _ in header]
    pending: list[list[str]] = []
    lines: list[int] = []

    def flush() -> None:
        # Rows go to arrow in blocks: a million Python strings at once would cost ~1 GB.
        if pending:
            for chunk, values in zip(chunks, zip(*pending, strict=True), strict=True):
                chunk.append(
                    pa.array(list(values), type=pa.string())
                )  # list: 10x faster than a tuple
            pending.clear()

    rejects: list[RowError] = []
    # csv's line_num counted the header and any blank lines before it.
    feed = _Feed(all_lines, header_lines)
    reader = csv.reader(feed, strict=True)

    def reject(line: int, reason: str) -> None:
        rejects.append(
            RowError(line=line, subject_id=None, field=None, reason=reason, source=source)
        )

    while True:
        start = feed.pos
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            reject(start + 1, _quote_problem(str(e), start, feed.pos))
            feed.pos = start + 1
            reader = csv.reader(feed, strict=True)
            continue
        used = feed.pos - start
        if len(record) == ncols:
            pending.append(record)
            lines.append(start + 1)
            if len(pending) >= _BLOCK_ROWS:
                flush()
            continue
        if not any(v.strip() for v in record):
            continue  # a blank line carries nothing to lose
        if used > 1:
            reject(
                start + 1,
                f"a double quote on this line is not closed where expected, so the row ran "
                f"on to line {start + used} and read as {len(record)} values; the header "
                f"has {ncols} columns",
            )
            feed.pos = start + 1
            reader = csv.reader(feed, strict=True)
            continue
        reject(start + 1, _count_problem(record, ncols))
    flush()
    table = pa.table(
        {
            name: pa.chunked_array(chunk, type=pa.string())
            for name, chunk in zip(header, chunks, strict=True)
        }
    )
    return RawRows(
        table=table, lines=np.asarray(lines, dtype=np.int64), rejects=rejects, careful_path=True
    )


def _count_problem(record: list[str], ncols: int) -> str:
    n = len(record)
    if n > ncols:
        return (
            f"has {n} values but the header has {ncols} columns — a value containing a "
            'comma must be put in double quotes (e.g. "Smith, Jr."), and a line must not '
            "end with an extra comma"
        )
    return f"has {n} values but the header has {ncols} columns (a value is missing)"


def _quote_problem(message: str, start: int, end: int) -> str:
    if "unexpected end of data" in message or "field larger" in message:
        return (
            "a double quote opened on this line is never closed "
            f"(it runs to line {end}); the row cannot be read"
        )
    return f"a double quote is misplaced ({message}); the row cannot be read"
