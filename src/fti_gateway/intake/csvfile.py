"""Reading a subject CSV quickly without losing a good row or the line of a bad one.

Fast path: pyarrow reads a range of lines multi-threaded, every column as text. Its
result is only trusted when it is provably one row per physical line — no row pyarrow
found invalid, and as many rows as lines — because only then is the line of row *i*
simply the range's first line + *i*. A clean file is one such range.

Careful path: when a range is not clean, it is split in half and each half tried again,
down to small ranges, which Python's ``csv`` module reads record by record while we
count the physical lines each record uses. A record with the wrong number of values is
rejected with its first line; if a stray quote made it swallow the following lines,
reading starts again on the next line, so one bad quote costs one row, not the rest of
the file. A few broken lines in a million therefore cost a few small careful reads.

Every range starts on a record boundary: the header's end, the end of a clean range, or
where the careful reader stopped (it always stops between records).

Block by block (:func:`read_csv_blocks`, for uploads of any size): the same reader runs
on one block of lines at a time, each block starting where the last one stopped, so the
rows, lines and rejects are those of the whole file while memory holds one block.

Long values: the csv module refuses a field over ``csv.field_size_limit()`` characters
(128 Ki by default) with the same error as a quote that never closes. So that a long value
is judged by the one documented rule (``validate.MAX_FIELD_BYTES``, for CSV, Parquet and
inline rows alike, with the column's name), the csv limit is raised to ``CSV_READ_LIMIT``,
well above it; a value beyond even that is rejected as "over the limit" when it sits on
one line, and as a run-on quote when it spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fti_gateway.core.errors import InputError
from fti_gateway.intake.parsed import RowError
from fti_gateway.intake.text import decode_utf8, read_file
from fti_gateway.intake.validate import MAX_FIELD_BYTES

_BOM = b"\xef\xbb\xbf"
# Ranges at most this long go straight to the careful reader.
CAREFUL_LINES = 2048
# Enough of the file to hold the header (a header longer than this is not a header).
_HEADER_PREFIX = 1 << 20
# read_csv_blocks: how much of the file is read at a time (a block ends at a line end).
BLOCK_BYTES = 2 << 20
# What the csv module may read into one field (characters); values over MAX_FIELD_BYTES
# are then rejected by validate, which names the column. Only ever raised, never lowered.
CSV_READ_LIMIT = 8 * MAX_FIELD_BYTES
if csv.field_size_limit() < CSV_READ_LIMIT:
    csv.field_size_limit(CSV_READ_LIMIT)


@dataclass
class RawRows:
    """Rows as read, before any per-field check: text columns, source lines, and rejects."""

    table: pa.Table
    lines: np.ndarray
    rejects: list[RowError]
    careful_path: bool = False


def read_csv_rows(data: bytes, source: str, *, careful_lines: int = CAREFUL_LINES) -> RawRows:
    """Read subject CSV bytes into text columns (header names as given, trimmed)."""
    if not data:
        raise InputError(
            "the subject file is empty (0 bytes)",
            where=source,
            hint="it needs a header line such as `subject_id,first_name,last_name,dob,...` "
            "and one line per subject",
        )
    text = decode_utf8(data, source)  # the whole file must be UTF-8; the text is not kept
    if not text.strip():
        raise InputError(
            "the subject file has no header line (it is blank)",
            where=source,
            hint="the first line names the columns, e.g. `subject_id,first_name,last_name`",
        )
    header, header_lines = _header(text[:_HEADER_PREFIX], source)
    del text
    return _Reader(data, header, source, max(1, careful_lines)).read(header_lines)


def read_csv_blocks(
    path: Path,
    source: str,
    on_bytes: Callable[[bytes], None],
    *,
    block_bytes: int = BLOCK_BYTES,
    careful_lines: int = CAREFUL_LINES,
) -> Iterator[RawRows]:
    """Read a subject CSV file block by block, so memory stays flat whatever its size.

    The blocks' rows, line numbers and rejects together are exactly what
    :func:`read_csv_rows` gives for the whole file: each block ends at a line end, a
    block starts where the previous one stopped (a record boundary), and a record the
    block cuts short — a quoted value running past its last line — is read again from
    its first line with the next block. Errors that concern the whole file (not UTF-8,
    blank, a header that cannot be read) are found before any block is read, and said
    exactly as the whole-file reader says them. ``on_bytes`` gets every byte of the file
    once, in order (the request digest). A file of at most one block is read whole.
    """
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size <= block_bytes or not _text_with_content(path, source, block_bytes):
        data = read_file(path, source)
        on_bytes(data)
        yield read_csv_rows(data, source, careful_lines=careful_lines)
        return
    with path.open("rb") as f:
        prefix = f.read(4 * _HEADER_PREFIX)
        cut = prefix if len(prefix) == size else prefix[: prefix.rfind(b"\n") + 1]
        text = decode_utf8(cut, source)  # the file is UTF-8: checked above
        if len(cut) < size and len(text) < _HEADER_PREFIX:
            # A header region that does not fit the prefix: whatever it is, the
            # whole-file reader says it.
            f.seek(0)
            data = f.read()
            on_bytes(data)
            yield read_csv_rows(data, source, careful_lines=careful_lines)
            return
        header, pos = _header(text[:_HEADER_PREFIX], source)
        del prefix, cut, text
        f.seek(0)
        # The system allocator gives back what a block used (pyarrow's default pool keeps
        # it, and the process would grow by a block's parse buffers again and again).
        pool = pa.system_memory_pool()
        reader = _Reader(b"", header, source, max(1, careful_lines), pool=pool)
        carry = b""
        eof = False
        yielded = False
        while not eof:
            block = f.read(block_bytes)
            on_bytes(block)
            eof = not block
            data = carry + block
            end = len(data) if eof else data.rfind(b"\n") + 1
            lines = _Lines(data[:end]) if end else None
            if lines is None or (pos >= lines.count and not eof):
                carry = data  # no line end yet, or the header is still being read
                continue
            reader.data, reader.final = lines.data, eof
            rows, stopped = reader.read_block(lines, pos)
            pool.release_unused()
            if rows.table.num_rows or rows.rejects:
                yielded = True
                yield rows
            rest = int(lines.starts[stopped]) if stopped < lines.count else end
            carry = data[rest:]
            reader.offset += stopped
            pos = 0
            del data, lines, rows
        if not yielded:  # a header and blank lines: the (empty) columns still speak
            yield reader.read_block(_Lines(b""), 0)[0]


def _text_with_content(path: Path, source: str, block_bytes: int) -> bool:
    """Is the file UTF-8 text with something besides white space? Read in blocks; a file
    that is not UTF-8 is refused here with the whole-file reader's own message."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    content = False
    try:
        with path.open("rb") as f:
            first = f.read(block_bytes)
            if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                decode_utf8(first, source)  # raises: UTF-16
            block = first.removeprefix(codecs.BOM_UTF8)
            while block:
                text = decoder.decode(block)
                content = content or bool(text.strip())
                block = f.read(block_bytes)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        decode_utf8(read_file(path, source), source)  # raises, naming every bad line
        raise  # not reached: decode_utf8 found what the decoder found
    except OSError:
        return False  # read_file says what is wrong
    return content


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


class _Lines:
    """A file's physical lines as byte ranges (no copies). Lines end at LF, CRLF or a bare
    CR — the same "universal newlines" that Python's csv reader and pyarrow count."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        raw = np.frombuffer(data, dtype=np.uint8)
        ends_line = raw == 0x0A
        if b"\r" in data:
            bare_cr = raw == 0x0D
            bare_cr[:-1] &= ~ends_line[1:]
            ends_line |= bare_cr
        newlines = np.flatnonzero(ends_line)
        starts = np.concatenate(([0], newlines + 1))
        if starts[-1] == len(data):  # the file ends with a line end: no empty last line
            starts = starts[:-1]
        self.starts = starts
        self.ends = np.append(starts[1:], len(data))
        self.count = len(starts)
        # Lines holding a double quote: the only ones where pyarrow and csv may disagree.
        quotes = np.flatnonzero(raw == 0x22)
        self.quoted = np.unique(np.searchsorted(starts, quotes, side="right") - 1)

    def quoted_in(self, first: int, end: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.quoted, [first, end])
        return self.quoted[lo:hi]

    def buffer(self, first: int, end: int) -> pa.Buffer:
        begin, stop = int(self.starts[first]), int(self.ends[end - 1])
        return pa.py_buffer(self.data).slice(begin, stop - begin)

    def text(self, i: int) -> str:
        return self.data[int(self.starts[i]) : int(self.ends[i])].decode("utf-8")


class _Feed:
    """Lines handed to ``csv.reader`` one at a time, so we know which lines a record used."""

    def __init__(self, lines: _Lines, pos: int) -> None:
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= self.lines.count:
            raise StopIteration
        self.pos += 1
        return self.lines.text(self.pos - 1)


@dataclass
class _Reader:
    data: bytes
    header: list[str]
    source: str
    careful_lines: int
    tables: list[pa.Table] = field(default_factory=list)
    line_numbers: list[np.ndarray] = field(default_factory=list)
    rejects: list[RowError] = field(default_factory=list)
    careful: bool = False
    # Reading a file block by block (read_csv_blocks): ``data`` is one block, whose first
    # line is line ``offset + 1`` of the file; ``final`` is False while more blocks follow,
    # and ``stop_at`` is then set to the first line of a record the block cuts short.
    offset: int = 0
    final: bool = True
    stop_at: int | None = None
    # Where pyarrow's parser allocates (None: its default pool, which keeps what it frees).
    pool: pa.MemoryPool | None = None

    def read(self, header_lines: int) -> RawRows:
        return self.read_block(_Lines(self.data), header_lines)[0]

    def read_block(self, lines: _Lines, pos: int) -> tuple[RawRows, int]:
        """Read the block's lines from ``pos`` (a record boundary); the rows, and the line
        where the next block must start (``lines.count`` unless a record is cut short)."""
        self.stop_at = None
        while pos < lines.count and self.stop_at is None:
            pos = self._range(lines, pos, lines.count)
        return self._take(), pos if self.stop_at is None else self.stop_at

    def _take(self) -> RawRows:
        table = (
            pa.concat_tables(self.tables)
            if self.tables
            else pa.table({h: pa.array([], pa.string()) for h in self.header})
        )
        numbers = np.concatenate(self.line_numbers) if self.line_numbers else np.empty(0, np.int64)
        table, numbers = _drop_blank(table, numbers)
        rejects = sorted(self.rejects, key=lambda r: r.line)
        self.tables, self.line_numbers, self.rejects = [], [], []
        return RawRows(table, numbers, rejects, careful_path=self.careful)

    def _range(self, lines: _Lines, first: int, end: int) -> int:
        """Read lines [first, end) (``first`` on a record boundary); return where it stopped."""
        if end - first <= self.careful_lines:
            return self._careful(lines, first, end)
        table = self._fast(lines, first, end)
        if table is not None:
            self.tables.append(table)
            at = first + self.offset
            self.line_numbers.append(np.arange(at + 1, at + end - first + 1, dtype=np.int64))
            return end
        pos = self._range(lines, first, max(first + 1, (first + end) // 2))
        while pos < end and self.stop_at is None:
            pos = self._range(lines, pos, end)
        return pos

    def _fast(self, lines: _Lines, first: int, end: int) -> pa.Table | None:
        invalid: list[int] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            invalid.append(1)
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.BufferReader(lines.buffer(first, end)),
                read_options=pacsv.ReadOptions(
                    column_names=self.header, block_size=min(16 << 20, max(1 << 20, len(self.data)))
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=False,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in self.header},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
                memory_pool=self.pool,
            )
        except (pa.ArrowInvalid, pa.ArrowException):
            return None
        if invalid or table.num_rows != end - first:
            return None
        if not _strictly_one_record_each(lines, lines.quoted_in(first, end)):
            return None
        return table

    def _careful(self, lines: _Lines, first: int, end: int) -> int:
        """Python csv from ``first`` until the first record boundary at or after ``end``."""
        self.careful = True
        ncols = len(self.header)
        records: list[list[str]] = []
        numbers: list[int] = []
        feed = _Feed(lines, first)
        reader = csv.reader(feed, strict=True)
        at = self.offset  # line numbers in the file = line index in this block + at + 1
        while feed.pos < lines.count:
            if feed.pos >= end and feed.pos > first:
                break  # at least one record read, and past the range: a record boundary
            start = feed.pos
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if not self.final and feed.pos >= lines.count:
                    self.stop_at = start  # the record may go on in the next block
                    break
                problem = _quote_problem(str(e), start + at, feed.pos + at)
                self._reject(start + at + 1, problem, "csv-quote")
                feed.pos = start + 1
                reader = csv.reader(feed, strict=True)
                continue
            used = feed.pos - start
            if len(record) == ncols:
                records.append(record)
                numbers.append(start + at + 1)
            elif not any(v.strip() for v in record):
                continue  # a blank line carries nothing to lose
            elif used > 1:
                self._reject(
                    start + at + 1,
                    f"a double quote on this line is not closed where expected, so the row "
                    f"ran on to line {start + at + used} and read as {len(record)} values; the "
                    f"header has {ncols} columns",
                    "csv-quote",
                )
                feed.pos = start + 1
                reader = csv.reader(feed, strict=True)
            else:
                self._reject(start + at + 1, _count_problem(record, ncols), "csv-values")
        if records:
            columns = zip(*records, strict=True)
            self.tables.append(
                pa.table(
                    {
                        name: pa.array(list(values), type=pa.string())  # list: 10x a tuple
                        for name, values in zip(self.header, columns, strict=True)
                    }
                )
            )
            self.line_numbers.append(np.asarray(numbers, dtype=np.int64))
        return feed.pos

    def _reject(self, line: int, reason: str, code: str) -> None:
        self.rejects.append(RowError(line, None, None, reason, source=self.source, code=code))


def _strictly_one_record_each(lines: _Lines, which: np.ndarray) -> bool:
    """Do these lines each hold one well-formed record by Python's strict csv rules?

    pyarrow is lenient where csv is strict: it reads ``"Smith"Jr`` as ``SmithJr`` and
    accepts a quote left open at the end of its input. The careful reader rejects both,
    so a range is only "clean" if its quoted lines pass the strict rules too; then the
    result does not depend on how the file was cut into ranges.
    """
    if which.size == 0:
        return True
    texts = (lines.text(int(i)) for i in which)
    try:
        records = sum(1 for _ in csv.reader(texts, strict=True))
    except csv.Error:
        return False
    return records == which.size  # fewer: a quote left open swallowed the next line


def _drop_blank(table: pa.Table, numbers: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Rows with nothing but white space (blank lines, ",,,,") carry nothing to lose."""
    if table.num_rows == 0:
        return table, numbers
    blank = None
    for name in table.column_names:
        empty = pc.equal(pc.utf8_trim_whitespace(table.column(name)), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return table, numbers
    keep = pc.invert(blank)
    mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
    return table.filter(keep), numbers[mask]


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
    if "field larger" in message and end - start <= 1:
        return (
            f"a value on this line is over {CSV_READ_LIMIT:,} characters; a value may hold "
            f"at most {MAX_FIELD_BYTES:,} bytes"
        )
    if "field larger" in message:
        return (
            "a double quote opened on this line is not closed within "
            f"{CSV_READ_LIMIT:,} characters (it runs on to line {end}); the row cannot be read"
        )
    if "unexpected end of data" in message:
        return (
            "a double quote opened on this line is never closed "
            f"(it runs to line {end}); the row cannot be read"
        )
    return f"a double quote is misplaced ({message}); the row cannot be read"
