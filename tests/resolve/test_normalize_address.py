from __future__ import annotations

import duckdb
import pytest

from fti_gateway.resolve.normalize.address import install_macros, split_one_line


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    install_macros(c)
    return c


@pytest.mark.parametrize(
    ("street", "unit", "want_street", "want_unit"),
    [
        ("123 North Main Street Apt 4B", None, "123 n main st", "4b"),
        ("123 N. MAIN ST, #4b", None, "123 n main st", "4b"),
        ("123 n main st", "Apartment 4-B", "123 n main st", "4b"),
        ("P.O. Box 55", None, "po box 55", None),
        ("Post Office Box 55", None, "po box 55", None),
        ("9 Sunset Boulevard", "Suite 100", "9 sunset blvd", "100"),
        ("Failed to Provide", None, None, None),
        ("Unknown Address", None, None, None),
        ("N/A", None, None, None),
    ],
)
def test_street_and_unit(
    con: duckdb.DuckDBPyConnection,
    street: str,
    unit: str | None,
    want_street: str | None,
    want_unit: str | None,
) -> None:
    got = con.execute("SELECT fti_street(?), fti_unit(?, ?)", [street, unit, street]).fetchone()
    assert got == (want_street, want_unit)


def test_zip_city_state(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT fti_zip5('2134'), fti_zip5('62701-1234'), fti_zip5('x'), "
        "fti_city('Saint Louis'), fti_state('Illinois'), fti_state('il')"
    ).fetchone()
    assert row == ("02134", "62701", None, "st louis", "il", "il")


def test_one_line_address_is_split_with_usaddress() -> None:
    parts = split_one_line("12 Oak Ave Apt 4, Springfield, IL 62701")
    assert parts["street"] == "12 Oak Ave"
    assert parts["city"] == "Springfield"
    assert parts["state"] == "IL"
    assert parts["zip"] == "62701"
    assert parts["unit"] == "Apt 4"
