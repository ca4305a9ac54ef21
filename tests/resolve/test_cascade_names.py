"""The deterministic pass's name check: could the name given with a TIN be the TIN holder's?

A "no" makes the TIN a conflict ("a TIN belonging to a different name is not a match", sent
to review); a wrong "no" refuses a lawful request, a wrong "yes" lets the TIN decide. Each
case: subject (first, last) → record (first, last) → compatible?
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from fti_gateway.resolve.backends.duckdb import DuckDBBackend
from fti_gateway.resolve.cascade import _compatible
from fti_gateway.resolve.subjects import prepare

CASES = [
    # the same person, written differently
    (("Rosa", "Vaballos"), ("Rosa", "Vaballos"), True),
    (("Rsoa", "Vaballos"), ("Rosa", "Vaballos"), True),  # transposed letters, short name
    (("Joesph", "Rolbes"), ("Joseph", "Robles"), True),
    (("Bill", "Harrison"), ("William", "Harrison"), True),  # nickname
    (("De", "Brooland"), ("Deborah", "Brooland"), True),  # shortened
    (("W", "Harrison"), ("William", "Harrison"), True),  # initial
    (("Lan", "NguyenL"), ("Lan", "Nguyen-Lin"), True),  # compound part with a typo
    (("Yesenia", "Cruz"), ("Yesenia", "Cruz Hernandez"), True),  # one part of a compound
    (("Jos", "Agurire"), ("Jose", "Casnillas Aguirre"), True),  # the second part, mistyped
    (("Castro Rodriguez", "Luis"), ("Luis", "Castro Rodriguez"), True),  # transposed
    (("Zaceda Saanchez", "Ana"), ("Ana", "Zaceda Sanchez"), True),  # transposed, typo
    (("RODRIGUEZ", "SHELLY"), ("Rachel", "Rodriguez"), True),  # transposed nickname
    (("Hoang", "Jnet"), ("Janet", "Hoang"), True),  # transposed, typo
    (("Dtotie", "Hofferler"), ("Dorothy", "Hofferler"), True),  # a nickname (Dottie), mistyped
    (("Jnny", "Amoing"), ("John", "Amoing"), True),  # Jonny, mistyped
    # another person's name
    (("Maria", "Vaballos"), ("Rosa", "Vaballos"), False),
    (("Rosa", "Gonzalez"), ("Rosa", "Vaballos"), False),
    (("Ann", "Lee"), ("Rosa", "Vaballos"), False),
    (("Rosa", "Vaballos"), ("Vaballos", "Maria"), False),  # transposed, other first name
    (("Luis", "Ortiz"), ("Luis", "Castro Rodriguez"), False),
    (("Luis", "Ruiz"), ("Luis", "Castro Rodriguez"), False),  # short: one edit from neither part
    (("Luis", "Lopez"), ("Luis", "Castro Perez"), False),  # three edits from a part: another name
    (("Rosa", "Vaballos Jr"), ("Rosa", "Vaballos Sr"), False),  # the other generation
    (("Ib", "Lopez"), ("Al", "Lopez"), False),  # too short to call a typo of a nickname
    (("Maria", "Lopez"), ("Isabella", "Lopez"), False),  # far from all of her nicknames
]


def _people(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return prepare(
        pd.DataFrame(
            {
                "subject_id": [f"p{i}" for i in range(len(rows))],
                "first_name": [f for f, _ in rows],
                "last_name": [last for _, last in rows],
            }
        )
    )


@pytest.fixture(scope="module")
def verdicts() -> list[bool]:
    con = duckdb.connect()
    con.register("s_people", _people([s for s, _, _ in CASES]))
    con.register("r_people", _people([r for _, r, _ in CASES]))
    # The SQL helpers do not touch the connection: a bare instance is enough to render them.
    sql = _compatible(object.__new__(DuckDBBackend))
    got = con.execute(
        f"""SELECT coalesce({sql}, false) FROM s_people s JOIN r_people r
            ON s.subject_id = r.subject_id ORDER BY CAST(substr(s.subject_id, 2) AS INT)"""
    ).fetchall()
    return [bool(x) for (x,) in got]


@pytest.mark.parametrize(("i", "case"), list(enumerate(CASES)), ids=lambda c: str(c))
def test_name_compatibility(
    verdicts: list[bool], i: int, case: tuple[tuple[str, str], tuple[str, str], bool]
) -> None:
    subject, record, expected = case
    assert verdicts[i] is expected, f"{subject} vs {record}"
