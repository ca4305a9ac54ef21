"""The vectorised dob check (validate._dob_bad) against the plain definition it replaces:
present, written YYYY-MM-DD, a real calendar date, between EARLIEST_DOB and the day the
request was received."""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from fti_gateway.intake.validate import EARLIEST_DOB, _dob_bad

RECEIVED = date(2025, 6, 4)


def bad_by_definition(v: str | None) -> bool:
    if v is None:
        return False
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
        return True
    try:
        real = date.fromisoformat(v)
    except ValueError:
        return True
    return not (EARLIEST_DOB <= real <= RECEIVED)


EDGES = [
    None, "", "1980-01-02", "1980-1-2", "2000-02-29", "1900-02-29", "2024-02-29",
    "2023-02-29", "2023-02-30", "2023-04-31", "2023-12-31", "2023-13-01", "2023-00-10",
    "2023-01-00", "1879-12-31", "1880-01-01", "2025-06-04", "2025-06-05", "0000-01-01",
    "١٩٨٠-01-02", "1980-01-02 ", "+980-01-02", "1980/01/02", "99999-01-01",
]  # fmt: skip

digits = st.text(alphabet="0123456789", min_size=1, max_size=4)
dates = st.builds(lambda y, m, d: f"{y}-{m}-{d}", digits, digits, digits)


def check(values: list[str | None]) -> None:
    got = _dob_bad(pa.chunked_array([pa.array(values, pa.string())]), RECEIVED).to_pylist()
    assert got == [bad_by_definition(v) for v in values], list(zip(values, got, strict=True))


def test_edge_dates() -> None:
    check(EDGES)


@given(st.lists(st.one_of(st.none(), dates, st.dates().map(date.isoformat), st.text())))
def test_any_strings(values: list[str | None]) -> None:
    check(values)
