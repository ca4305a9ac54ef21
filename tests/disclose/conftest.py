"""A tiny vault with exactly the INTERFACES master columns, served as a DuckDB view.

Four taxpayers over 2021–2023 (synthetic; TINs from the never-issued 900 area):
TP000000001 moves in 2023; TP000000002 filed only 2021; TP000000003 carries both
internal flags set; TP000000004 is in no request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.disclose import PackageSpec

IDENTITY = [
    "taxpayer_id",
    "tin",
    "tin_kind",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "dob",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "tax_year",
    "household_id",
]
ELEMENT_COLUMNS = [
    "return.filing_status",
    "return.agi",
    "return.dependents",
    "return.total_tax",
    "info_return.w2.employer",
    "info_return.w2.wages",
    "info_return.1099int.interest",
    "irs.examination_status",
    "irs.balance_due",
    "irs.open_tax_investigation",
    "irs.confidential_informant",
]
MASTER_COLUMNS = IDENTITY + ELEMENT_COLUMNS


def _row(tp: int, year: int, street: str, city: str, flags: bool = False) -> dict[str, object]:
    return {
        "taxpayer_id": f"TP{tp:09d}",
        "tin": f"9{tp:02d}70{tp:04d}",
        "tin_kind": "itin",
        "first_name": ["Ana", "Ben", "Cleo", "Dov"][tp - 1],
        "middle_name": None,
        "last_name": ["Reyes", "Okafor", "Nguyen", "Stein"][tp - 1],
        "suffix": None,
        "dob": date(1980 + tp, tp, 10),
        "street": street,
        "unit": None,
        "city": city,
        "state": "MD",
        "zip": f"2070{tp}",
        "tax_year": year,
        "household_id": f"HH{tp:06d}",
        "return.filing_status": "single",
        "return.agi": 40_000 + 1_000 * tp + year,
        "return.dependents": tp % 3,
        "return.total_tax": 4_000 + tp,
        "info_return.w2.employer": f"Employer {tp}",
        "info_return.w2.wages": 39_000 + tp,
        "info_return.1099int.interest": 12.5 * tp,
        "irs.examination_status": "none",
        "irs.balance_due": 0.0,
        "irs.open_tax_investigation": flags,
        "irs.confidential_informant": flags,
    }


def master_frame() -> pd.DataFrame:
    rows = [
        _row(1, 2021, "1 Old Rd", "Laurel"),
        _row(1, 2022, "1 Old Rd", "Laurel"),
        _row(1, 2023, "9 New Ave", "Bowie"),
        _row(2, 2021, "2 Elm St", "Dover"),
        *(_row(3, y, "3 Oak Ct", "Salem", flags=True) for y in (2021, 2022, 2023)),
        *(_row(4, y, "4 Pine Ln", "Bel Air") for y in (2021, 2022, 2023)),
    ]
    df = pd.DataFrame(rows, columns=MASTER_COLUMNS)
    assert list(df.columns) == MASTER_COLUMNS
    return df


@pytest.fixture(scope="session")
def master_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vault") / "part-0.parquet"
    master_frame().to_parquet(path, index=False)
    return path


@pytest.fixture
def vault_con(master_file: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{master_file}')")
    yield con
    con.close()


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def make_spec(elements: list[str], periods: list[str] | None = None) -> PackageSpec:
    return PackageSpec(
        request_agency="DOJ",
        request_id="DOJ-USAO-DC-2025-0042",
        authority="6103(i)(2)",
        recipient="DOJ",
        elements=elements,
        periods=periods if periods is not None else ["2021", "2022"],
        use_restriction="solely for the investigation of 18 U.S.C. 1343 named in the request",
    )


def subjects(*pairs: tuple[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["subject_id", "taxpayer_id"])


ALL_THREE = subjects(("S1", "TP000000001"), ("S2", "TP000000002"), ("S3", "TP000000003"))
