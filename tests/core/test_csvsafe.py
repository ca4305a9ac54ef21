"""Spreadsheet-safe CSV cells (OWASP CSV injection): text escaped, numbers left as numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from fti_gateway.core.csvsafe import (
    FORMULA_STARTS,
    escape_cell,
    escape_table,
    write_frame_csv,
)

DANGEROUS = ["=1+1", "+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "\x00=1"]
FULL_WIDTH = ["＝1+1", "＋1", "－1", "＠SUM(A1)"]


@pytest.mark.parametrize("value", DANGEROUS + FULL_WIDTH)
def test_a_cell_starting_a_formula_gets_a_single_quote(value: str) -> None:
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Smith", "S-1", "a=b", " =1", "'=already", "1-2"])
def test_other_cells_are_left_alone(value: str) -> None:
    assert escape_cell(value) == value


def test_the_column_rule_is_the_cell_rule() -> None:
    cells = [c + "x" for c in FORMULA_STARTS] + ["Smith", "", " =1", "1-2"]
    table = escape_table(pa.table({"t": cells}))
    assert table.column("t").to_pylist() == [escape_cell(c) for c in cells]
    assert sum(v.startswith("'") for v in table.column("t").to_pylist()) == len(FORMULA_STARTS)


def test_a_frame_keeps_numeric_columns_and_nulls_and_escapes_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"id": ["-12.50", "=A1", None], "wages": [-12.5, 3.0, None], "line": [2, 3, 4]}
    )
    path = tmp_path / "out.csv"
    write_frame_csv(frame, path)
    text = path.read_text()
    assert text.splitlines() == [
        '"id","wages","line"',
        '"\'-12.50",-12.5,2',  # text that looks like a number is still text: escaped
        '"\'=A1",3,3',
        ",,4",  # nulls are empty, not an empty text
    ]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "-12.5"  # a negative wage stays a number
    assert frame["id"].tolist() == ["-12.50", "=A1", None]  # the caller's frame is untouched


def test_a_table_keeps_typed_numbers_raw() -> None:
    table = pa.table(
        {
            "subject_id": ["@x", "ok"],
            "wages": pa.array([-12.5, 1.0]),
            "year": pa.array([2023, 2024], pa.int32()),
            "code": pa.array(["-a", "b"]).dictionary_encode(),
        }
    )
    buf = io.BytesIO()
    pacsv.write_csv(escape_table(table), buf)
    assert buf.getvalue().decode().splitlines() == [
        '"subject_id","wages","year","code"',
        '"\'@x",-12.5,2023,"\'-a"',
        '"ok",1,2024,"b"',
    ]
