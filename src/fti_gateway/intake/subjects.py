"""Where subject rows come from: a CSV file, a Parquet file, or a list in the manifest.

Each source yields the same thing — text columns, the line (or row) each came from, and
rows that could not be read at all — so the per-row checks in :mod:`validate` are one
code path for all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.errors import InputError
from fti_gateway.intake.csvfile import read_csv_rows
from fti_gateway.intake.models import REQUIRED_SUBJECT_COLUMNS, SUBJECT_COLUMNS
from fti_gateway.intake.parsed import RowError
from fti_gateway.intake.text import NOT_TEXT, read_file, what_char

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
# Integer storage drops leading zeros (TIN area 000, ZIP 02134): refuse rather than guess.
_NO_INTEGERS = ("tin", "zip")


@dataclass
class SubjectSource:
    table: pa.Table
    lines: np.ndarray
    rejects: list[RowError]
    label: str
    unit: str

    def release_table(self) -> pa.Table:
        """Hand the rows over and keep only their (empty) shape, so they can be freed."""
        table, self.table = self.table, self.table.slice(0, 0)
        return table


def subject_file(manifest_path: Path, spec: str, where: str) -> Path:
    """Resolve the manifest's ``subjects`` value to an existing file, or say what is wrong."""
    if not spec.strip():
        raise InputError(
            "subjects names no file",
            where=where,
            hint="give the subject file's name (e.g. subjects.csv), or a list of rows",
        )
    folder = manifest_path.parent.resolve()
    path = (folder / spec).resolve()
    if not path.is_relative_to(folder):
        # A manifest arriving through the service must not make the gateway read files
        # elsewhere on the server: the subject file travels with the manifest.
        raise InputError(
            f"the subject file '{spec}' is outside the manifest's folder",
            where=where,
            hint="put the subject file next to the manifest (or in a folder below it) and "
            "name it by a relative path, e.g. subjects.csv",
        )
    if not path.exists():
        raise InputError(
            f"the subject file '{spec}' does not exist (looked for {path})",
            where=where,
            hint="a relative path is read from the manifest's own folder",
        )
    if not path.is_file():
        raise InputError(f"the subject file '{spec}' is not a file", where=where)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
        raise InputError(
            f"the subject file '{spec}' is neither CSV nor Parquet (ends in '{suffix}')",
            where=where,
            hint="name it .csv (UTF-8, comma-separated, with a header) or .parquet",
        )
    return path


def require_columns(names: list[str], where: str) -> None:
    """A missing required column fails the whole file: no row could pass without it. A
    column name that is not text (a NUL, a control character) fails it too: extra
    columns are kept on record under their names, and the store could not keep it."""
    for i, name in enumerate(names, start=1):
        found = NOT_TEXT.search(name)
        if found:
            raise InputError(
                f"column {i} of the header holds {what_char(found.group())}, which is not text",
                where=where,
                hint="name the columns as in FORMATS §2 (subject_id, last_name, …), in plain text",
            )
    missing = [c for c in REQUIRED_SUBJECT_COLUMNS if c not in names]
    if not missing:
        return
    lower = {n.lower().replace(" ", "_"): n for n in names}
    near = [f"'{lower[m]}'" for m in missing if m in lower]
    hint = "the header must name at least: " + ", ".join(REQUIRED_SUBJECT_COLUMNS)
    if near:
        hint += f"; this file has {', '.join(near)} — column names are lower case, as in FORMATS §2"
    raise InputError(
        f"the subject file has no {' or '.join(missing)} column",
        where=where,
        details=[f"columns found: {', '.join(names) or '(none)'}"],
        hint=hint,
    )


DigestFeed = Callable[[bytes], None]


def from_csv(path: Path, feed: DigestFeed) -> SubjectSource:
    data = read_file(path, path.name)
    feed(data)
    raw = read_csv_rows(data, path.name)
    require_columns(raw.table.column_names, f"{path.name} line 1")
    return SubjectSource(
        table=raw.table,
        lines=raw.lines,
        rejects=raw.rejects,
        label=path.name,
        unit="line",
    )


def from_parquet(path: Path, feed: DigestFeed) -> SubjectSource:
    if path.stat().st_size == 0:
        raise InputError("the subject file is empty (0 bytes)", where=path.name)
    feed(read_file(path, path.name))
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(
            f"not a readable Parquet file: {e}",
            where=path.name,
            hint="write it with pyarrow, pandas or DuckDB, or send a CSV file instead",
        ) from None
    names = [str(n).strip() for n in table.column_names]
    table = table.rename_columns(names)
    require_columns(names, path.name)
    columns = {}
    for name in names:
        col = table.column(name)
        kind = col.type
        if name in _NO_INTEGERS and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            raise InputError(
                f"the column '{name}' is stored as numbers, which loses leading zeros",
                where=path.name,
                hint=f"store {name} as text (a string column) so that e.g. 000-12-3456 "
                "or ZIP 02134 arrive as written",
            )
        if name == "dob" and (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
            col = _dates_as_text(col, path.name)
        elif pa.types.is_nested(kind) or pa.types.is_binary(kind):
            raise InputError(
                f"the column '{name}' holds {kind} values, not text",
                where=path.name,
                hint="every subject column is text (dob may be a date)",
            )
        columns[name] = col
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)
    table = pa.table(columns)
    bad, rejects = _not_utf8(table, path.name)
    if bad.any():
        table, lines = table.filter(pa.array(~bad)), lines[~bad]
    return SubjectSource(table=table, lines=lines, rejects=rejects, label=path.name, unit="row")


def _not_utf8(table: pa.Table, label: str) -> tuple[np.ndarray, list[RowError]]:
    """Rows with a string value that is not UTF-8 (Parquet does not enforce it; an encoded
    lone surrogate is one such value), and a reject for each: every later step — trimming,
    pandas, the store, the ledger — would fail on them, after the request was received.
    The full check runs only on a column that fails arrow's fast validation."""
    bad = np.zeros(table.num_rows, dtype=bool)
    found: list[tuple[int, str]] = []
    for name in table.column_names:
        col = table.column(name)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        for i, value in enumerate(col.cast(pa.large_binary()).to_pylist()):
            if value is not None and _decode(value) is None:
                bad[i] = True
                found.append((i, name))
    ids = table.column("subject_id").cast(pa.large_binary()) if found else None
    rejects = [
        RowError(
            line=i + 1,
            subject_id=_decode(ids[i].as_py()) if ids is not None else None,
            field=name,
            reason=f"{name} is not UTF-8 text; Parquet string values must be UTF-8",
            source=label,
            unit="row",
            code="not-utf8",
        )
        for i, name in sorted(found)
    ]
    return bad, rejects


def _decode(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _dates_as_text(col: pa.ChunkedArray, where: str) -> pa.ChunkedArray:
    import pyarrow.compute as pc

    if pa.types.is_timestamp(col.type):
        try:
            col = pc.cast(col, pa.date32(), safe=True)
        except pa.ArrowInvalid:
            raise InputError(
                "the dob column holds times of day, not dates",
                where=where,
                hint="store dob as a date (or as text YYYY-MM-DD)",
            ) from None
    return pc.strftime(col, format="%Y-%m-%d")


def from_inline(items: list[Any], label: str, item_lines: dict[int, int]) -> SubjectSource:
    """Rows written in the manifest itself. ``item_lines`` maps list index → manifest line."""
    unit = "line" if len(item_lines) == len(items) else "item"

    def line_of(i: int) -> int:
        return item_lines[i] if unit == "line" else i + 1

    rejects: list[RowError] = []
    rows: list[dict[str, str | None]] = []
    lines: list[int] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            rejects.append(
                RowError(
                    line=line_of(i),
                    subject_id=None,
                    field=None,
                    reason="this subject is not a block of fields (subject_id: ..., "
                    "last_name: ...)",
                    source=label,
                    unit=unit,
                    code="not-a-row",
                )
            )
            continue
        row: dict[str, str | None] = {}
        problem = None
        for key, value in item.items():
            if isinstance(value, dict | list):
                problem = (str(key), f"{key} holds a {type(value).__name__}, not a single value")
                break
            row[str(key).strip()] = None if value is None else str(value)
        if problem:
            sid = row.get("subject_id") or _text(item.get("subject_id"))
            rejects.append(
                RowError(line_of(i), sid, problem[0], problem[1], label, unit, code="nested-value")
            )
            continue
        rows.append(row)
        lines.append(line_of(i))
    names = list(dict.fromkeys(k for row in rows for k in row))
    for name in SUBJECT_COLUMNS:
        if name not in names:
            names.append(name)
    table = pa.table({n: pa.array([r.get(n) for r in rows], type=pa.string()) for n in names})
    return SubjectSource(
        table=table,
        lines=np.asarray(lines, dtype=np.int64),
        rejects=rejects,
        label=label,
        unit=unit,
    )


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)
