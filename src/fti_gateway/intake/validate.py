"""Per-row checks on subject rows (FORMATS §2), vectorized with pyarrow compute.

Intake checks only what can be read: a row needs a subject_id and a last_name, a dob
must be a real calendar date in YYYY-MM-DD form, a tin must be 9 digits (dashes and
spaces allowed), no value may be over MAX_FIELD_BYTES, and a subject_id may be used once
per request. Whether an address is
usable, or whether the authority allows the request, is the law stage's business.

Every failed check becomes a :class:`RowError` naming the line, the field and the value;
a row with two problems has two rejects. Rows that pass are returned untouched except
for white space trimmed and the TIN reduced to its digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fti_gateway.intake.models import SUBJECT_COLUMNS
from fti_gateway.intake.parsed import RowError
from fti_gateway.intake.text import describe_char, foreign_digits

# Nobody born before this is a living or recently deceased filer for the tax years a
# request can name; an earlier dob is a typing error (e.g. 1087 for 1987).
EARLIEST_DOB = date(1880, 1, 1)

# The most one value may hold, in UTF-8 bytes (the same for CSV, Parquet and inline rows).
# A name, an address or a reason fits many times over; a larger value is a broken file
# (or an attempt to make every later copy of the row expensive), so its row is rejected.
MAX_FIELD_BYTES = 128 * 1024

_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_BYTES = re.compile(_CONTROL.encode())


@dataclass(frozen=True)
class _Found:
    """One check's failures: which rows, which field, how to say why, and its code."""

    rows: np.ndarray
    field: str
    why: Callable[[str | None], str]
    code: str


@dataclass
class CheckedRows:
    subjects: pd.DataFrame
    extra: pd.DataFrame | None
    rejects: list[RowError]
    warnings: list[str]


def normalize(table: pa.Table) -> pa.Table:
    """Every column as text, white space trimmed, empty text as null."""
    out = {}
    for name in table.column_names:
        col = table.column(name)
        if not pa.types.is_string(col.type):
            col = pc.cast(col, pa.string())
        col = pc.utf8_trim_whitespace(col)
        out[name] = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    return pa.table(out) if out else table


def check_rows(
    table: pa.Table,
    lines: np.ndarray,
    *,
    received: date,
    source: str,
    unit: str,
) -> CheckedRows:
    """Split normalized rows into accepted subjects and rejects."""
    n = table.num_rows
    for name in SUBJECT_COLUMNS:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(n, pa.string()))
    extras = [c for c in table.column_names if c not in SUBJECT_COLUMNS]
    found: list[_Found] = []

    def add(
        mask: pa.ChunkedArray | pa.Array, field: str, why: Callable[[str | None], str], code: str
    ) -> None:
        as_np = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        if as_np.any():
            found.append(_Found(np.flatnonzero(as_np), field, why, code))

    sid = table.column("subject_id")
    add(
        pc.is_null(sid),
        "subject_id",
        lambda v: "subject_id is empty — every row needs one",
        "subject-id-missing",
    )
    add(
        pc.is_null(table.column("last_name")),
        "last_name",
        lambda v: "last_name is empty — every subject needs a last name",
        "last-name-missing",
    )
    add(_dob_bad(table.column("dob"), received), "dob", _dob_reason(received), "dob-invalid")
    tin_digits = _digits_only(table.column("tin"))
    tin_bad = pc.invert(pc.match_substring_regex(tin_digits, r"^\d{9}$"))
    add(tin_bad, "tin", _tin_reason, "tin-invalid")
    for name in table.column_names:
        add(
            pc.greater(pc.binary_length(table.column(name)), MAX_FIELD_BYTES),
            name,
            _too_long_reason(name),
            "field-too-long",
        )
        if _may_hold_control_characters(table.column(name)):
            control = pc.match_substring_regex(table.column(name), _CONTROL)
            add(control, name, _control_reason(name), "control-character")
    dup_idx, first_line = _duplicates(sid, lines)
    rejects = _rejects(table, lines, found, source, unit)
    for i, first in zip(dup_idx, first_line, strict=True):
        rejects.append(
            duplicate_reject(sid[int(i)].as_py(), int(lines[i]), int(first), source, unit)
        )
    rejects.sort(key=lambda r: r.line)
    bad = np.zeros(n, dtype=bool)
    for f in found:
        bad[f.rows] = True
    bad[dup_idx] = True
    warnings = _warnings(table, lines, found, source, unit)
    table = table.set_column(table.column_names.index("tin"), "tin", tin_digits)
    good = table.filter(pa.array(~bad)) if bad.any() else table
    del table, tin_digits
    kept_lines = lines[~bad]
    extra = None
    if extras:
        extra = good.select(extras).to_pandas()
        extra.insert(0, "line", kept_lines)
    # self_destruct: arrow buffers are freed column by column as pandas takes them over,
    # which keeps a 1.3-million-row request well inside memory.
    subjects = good.select(list(SUBJECT_COLUMNS)).to_pandas(self_destruct=True, split_blocks=True)
    del good
    subjects["line"] = kept_lines
    return CheckedRows(subjects=subjects, extra=extra, rejects=rejects, warnings=warnings)


def _dob_bad(dob: pa.ChunkedArray, received: date) -> pa.ChunkedArray:
    """Present but not a real date written YYYY-MM-DD within the plausible range.

    Checked as numbers, not by parsing and printing each date back (strptime +
    strftime was ~4 µs a row, the largest cost of reading an upload): written in full
    (RE2), then month 1-12 and day within its month, leap years counted."""
    written = pc.fill_null(pc.match_substring_regex(dob, _ISO_DATE), False)
    safe = pc.if_else(written, dob, "2000-01-01")
    year, month, day = (
        pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int32()).to_numpy(zero_copy_only=False)
        for a, b in ((0, 4), (5, 7), (8, 10))
    )
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok_month = (month >= 1) & (month <= 12)
    last = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    real = ok_month & (day >= 1) & (day <= last)
    as_written = pc.and_(written, pa.array(real))
    in_range = pc.and_(
        pc.greater_equal(dob, pa.scalar(EARLIEST_DOB.isoformat())),
        pc.less_equal(dob, pa.scalar(received.isoformat())),
    )
    return pc.and_(pc.is_valid(dob), pc.invert(pc.and_(as_written, pc.fill_null(in_range, False))))


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)


def _dob_reason(received: date) -> Callable[[str | None], str]:
    def why(v: str | None) -> str:
        text = v or ""
        foreign = foreign_digits(text)
        if foreign:
            return f"dob '{v}' must use the digits 0-9; found {foreign}"
        if not re.fullmatch(_ISO_DATE, text):
            return f"dob '{v}' is not a date written YYYY-MM-DD"
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"dob '{v}' is not a real calendar date"
        if text > received.isoformat():
            return f"dob '{v}' is after the date the request was received ({received})"
        return f"dob '{v}' is before {EARLIEST_DOB.year}: not a plausible date of birth"

    return why


def _may_hold_control_characters(col: pa.ChunkedArray) -> bool:
    """A fast scan of the raw string bytes; only a hit pays for the per-row check. Only
    the chunk's own bytes (a slice shares its block's buffer), by ``bytes.translate``
    deleting every other byte — one pass in C, ~30× a regex search."""
    for chunk in col.chunks:
        buffers = chunk.buffers()
        if len(buffers) < 3 or buffers[2] is None or len(chunk) == 0:
            continue
        width = 8 if pa.types.is_large_string(chunk.type) else 4
        offsets = np.frombuffer(
            buffers[1], dtype=np.int64 if width == 8 else np.int32,
            count=len(chunk) + 1, offset=chunk.offset * width,
        )  # fmt: skip
        data = memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])]
        if bytes(data).translate(None, _NOT_CONTROL):
            return True
    return False


_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL_BYTES.match(bytes([b])))


def _digits_only(tin: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.replace_substring_regex(tin, r"[-\s]", "")


def _too_long_reason(name: str) -> Callable[[str | None], str]:
    def why(value: str | None) -> str:
        size = len((value or "").encode("utf-8"))
        return f"{name} is {size:,} bytes; a value may hold at most {MAX_FIELD_BYTES:,} bytes"

    return why


def _control_reason(name: str) -> Callable[[str | None], str]:
    def why(value: str | None) -> str:
        return f"{name} contains a control character (such as NUL), which is not text"

    return why


# What _digits_only removes: dashes and the white space RE2's \s matches (ASCII only).
_TIN_SEPARATORS = frozenset("-\t\n\f\r ")


def _tin_reason(value: str | None) -> str:
    """Why a TIN failed, by the same rule that failed it (0-9 only, ASCII separators)."""
    text = value or ""
    foreign = foreign_digits(text)
    if foreign:
        return f"tin '{value}' must use the digits 0-9; found {foreign}"
    rest = [c for c in text if c not in _TIN_SEPARATORS]
    other = next((c for c in rest if not "0" <= c <= "9"), None)
    if other is None:
        return f"tin '{value}' has {len(rest)} digits; a TIN has 9 (dashes allowed)"
    return (
        f"tin '{value}' contains characters other than digits and dashes "
        f"(first: {describe_char(other)})"
    )


def _duplicates(sid: pa.ChunkedArray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose subject_id appeared on an earlier row, and that earlier row's line."""
    ids = pd.Series(sid.to_numpy(zero_copy_only=False), dtype=object)
    dup = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
    if not dup.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    first_pos = ids[ids.notna()].drop_duplicates(keep="first")
    first_line = pd.Series(lines[first_pos.index.to_numpy()], index=first_pos.to_numpy())
    idx = np.flatnonzero(dup)
    return idx, first_line.loc[ids.iloc[idx].to_numpy()].to_numpy()


def _rejects(
    table: pa.Table,
    lines: np.ndarray,
    found: list[_Found],
    source: str,
    unit: str,
) -> list[RowError]:
    out: list[RowError] = []
    sid = table.column("subject_id")
    # A value over the limit is reported once, as too long, and never quoted in a message.
    too_long = {(int(i), f.field) for f in found if f.code == "field-too-long" for i in f.rows}
    for f in found:
        take = pa.array(f.rows)
        values = table.column(f.field).take(take).to_pylist()
        ids = sid.take(take).to_pylist()
        for i, value, subject in zip(f.rows, values, ids, strict=True):
            if f.code != "field-too-long" and (int(i), f.field) in too_long:
                continue
            out.append(
                RowError(
                    line=int(lines[i]),
                    subject_id=None if (int(i), "subject_id") in too_long else subject,
                    field=f.field,
                    reason=f.why(value),
                    source=source,
                    unit=unit,
                    code=f.code,
                )
            )
    return out


def _warnings(
    table: pa.Table,
    lines: np.ndarray,
    found: list[_Found],
    source: str,
    unit: str,
) -> list[str]:
    """File-level patterns worth one sentence, e.g. a whole dob column in another format."""
    warnings: list[str] = []
    present = int(pc.sum(pc.is_valid(table.column("dob"))).as_py() or 0)
    for f in found:
        idx = f.rows
        if f.code == "dob-invalid":
            example = table.column("dob")[int(idx[0])].as_py()
            said = dob_warning(source, unit, len(idx), present, example, int(lines[idx[0]]))
            warnings.extend([said] if said else [])
    return warnings


def duplicate_reject(value: str | None, line: int, first: int, source: str, unit: str) -> RowError:
    """The reject for a subject_id already used on ``first`` (also for a file read in
    blocks, where the first use may be in an earlier block)."""
    return RowError(
        line=line,
        subject_id=value,
        field="subject_id",
        reason=f"subject_id '{value}' is already used on {unit} {first}; "
        "each subject_id may appear once in a request",
        source=source,
        unit=unit,
        code="subject-id-duplicate",
    )


def dob_warning(
    source: str, unit: str, invalid: int, present: int, example: str | None, line: int
) -> str | None:
    """One sentence when at least half of the (≥ 10) dob values given are not dates: the
    column is probably in another format. ``example`` is the first such value, on ``line``."""
    if present < 10 or invalid * 2 < present:
        return None
    return (
        f"{source}: {invalid:,} of {present:,} dob values are not YYYY-MM-DD "
        f"(e.g. '{example}' on {unit} {line}): the whole column may use "
        "another date format; those rows were rejected, not guessed"
    )
