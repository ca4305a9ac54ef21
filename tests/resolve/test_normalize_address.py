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
        ("12 Oak Ave Apt4B", None, "12 oak ave", "4b"),
        ("9 Sunset Blvd", "Ste100", "9 sunset blvd", "100"),
        # A street word that begins with a unit designator is not a unit.
        ("1 Phoenix", None, "1 phoenix", None),
        ("12 Fleetwood", None, "12 fleetwood", None),
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


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("3 Light Setreet", "3 Light Street"),  # a typo in the type word
        ("26 Yambina Cerscent", "26 Yambina Crescent"),
        ("105 Lambriggstreet", "105 Lambrigg Street"),  # run on
        ("400 N Mainstreet", "400 N Main St"),
        ("16 Brunto Nstreet", "16 Brunton Street"),  # the space slipped
        ("20 Higinbothamstreet", "20 Higinbotham St"),
    ],
)
def test_street_core_survives_type_word_errors(
    con: duckdb.DuckDBPyConnection, typed: str, clean: str
) -> None:
    """The core (number and name, no type word, no spaces) of a mistyped line equals the
    clean one's, where the whole lines are more than three edits apart."""
    got = con.execute(
        "SELECT fti_street_core(fti_street(?)), fti_street_core(fti_street(?)),"
        " levenshtein(fti_street(?), fti_street(?))",
        [typed, clean, typed, clean],
    ).fetchone()
    assert got is not None
    assert got[0] == got[1]
    assert got[2] > 3


@pytest.mark.parametrize(
    ("a", "b"),
    [("12 Oak St", "12 Elm St"), ("7 Maple Ave", "7 Birchwood Ave"),
     ("40 Wallaroe Road", "40 Maribyrnong Avenue")],
)  # fmt: skip
def test_street_core_keeps_other_streets_apart(
    con: duckdb.DuckDBPyConnection, a: str, b: str
) -> None:
    got = con.execute(
        "SELECT levenshtein(fti_street_core(fti_street(?)), fti_street_core(fti_street(?)))",
        [a, b],
    ).fetchone()
    assert got is not None
    assert got[0] > 2


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
