"""build_package: minimization is enforced by the builder, whatever the caller passes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from fti_gateway.core.elements import CATALOGUE
from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.disclose import build_package, package_columns, verify_package
from tests.disclose.conftest import ALL_THREE, MASTER_COLUMNS, make_spec, subjects

RELEASABLE = sorted(e for e, el in CATALOGUE.items() if not el.internal and e != "return.copy")
INTERNAL = sorted(e for e, el in CATALOGUE.items() if el.internal)


def _data(path: Path) -> pd.DataFrame:
    return pq.read_table(path / "data.parquet").to_pandas()


@settings(max_examples=30, deadline=None)
@given(
    elements=st.lists(st.sampled_from(RELEASABLE), min_size=1, unique=True),
    periods=st.lists(st.sampled_from(["2021", "2022", "2023"]), min_size=1, unique=True),
)
def test_only_allowed_columns_reach_the_package(
    master_file: Path, signing_key: Ed25519PrivateKey, elements: list[str], periods: list[str]
) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{master_file}')")
    allowed = {c for e in elements for c in CATALOGUE[e].columns}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pkg"
        info = build_package(out, make_spec(elements, periods), ALL_THREE, con, signing_key)
        data = _data(out)
        csv_header = (out / "data.csv").read_text().splitlines()[0]
        assert verify_package(out, signing_key.public_key()).ok
    assert list(data.columns) == package_columns(elements)
    leaked = set(data.columns) - allowed - {"subject_id", "tax_year"}
    assert leaked == set()
    assert csv_header.replace('"', "").split(",") == list(data.columns)
    assert "taxpayer_id" not in data.columns
    assert ("tin" in data.columns) == ("identity.tin" in elements)
    for col in ("dob", "household_id", "tin_kind", *INTERNAL):
        assert col not in data.columns
    # A released value can never come from outside the requested periods.
    if "tax_year" in data.columns:
        assert set(data["tax_year"]) <= {int(p) for p in periods}
    assert info.manifest["elements"] == [e for e in CATALOGUE if e in set(elements)]
    con.close()


@pytest.mark.parametrize("internal", INTERNAL)
def test_internal_flags_are_never_released_even_if_asked(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    internal: str,
) -> None:
    with pytest.raises(InputError, match="never released") as e:
        build_package(
            tmp_path / "pkg",
            make_spec(["identity.address", internal]),
            ALL_THREE,
            vault_con,
            signing_key,
        )
    assert e.value.where == "spec.elements[1]"
    assert not (tmp_path / "pkg").exists()


@pytest.mark.parametrize(
    ("elements", "where"),
    [([], "spec.elements"), (["identity.address", "return.secret_sauce"], "spec.elements[1]")],
)
def test_empty_or_uncatalogued_elements_are_refused(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    elements: list[str],
    where: str,
) -> None:
    with pytest.raises(InputError) as e:
        build_package(tmp_path / "pkg", make_spec(elements), ALL_THREE, vault_con, signing_key)
    assert e.value.where == where


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_subject_without_taxpayer_id_is_refused(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    missing: str | None,
) -> None:
    subs = subjects(("S1", "TP000000001"), ("S9", missing))
    with pytest.raises(InputError, match="S9"):
        build_package(
            tmp_path / "pkg", make_spec(["identity.address"]), subs, vault_con, signing_key
        )


@pytest.mark.parametrize(
    ("periods", "where"), [([], "spec.periods"), (["2022", "FY22"], "spec.periods[1]")]
)
def test_missing_or_malformed_periods_are_refused(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    periods: list[str],
    where: str,
) -> None:
    with pytest.raises(InputError) as e:
        build_package(
            tmp_path / "pkg", make_spec(["return.agi"], periods), ALL_THREE, vault_con, signing_key
        )
    assert e.value.where == where


def test_denied_and_unmatched_subjects_never_reach_the_package(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = pd.DataFrame(
        {
            "subject_id": ["A", "B", "C", "D", "E"],
            "taxpayer_id": ["TP000000001", "TP000000004", None, "TP000000003", "TP000000002"],
            "status": ["match", "match", "no_match", "match", "ambiguous"],
            "result": ["approve", "deny", "approve", "review", "approve"],
        }
    )
    info = build_package(
        tmp_path / "pkg", make_spec(["identity.name", "return.agi"]), subs, vault_con, signing_key
    )
    data = _data(tmp_path / "pkg")
    assert set(data["subject_id"]) == {"A"}
    assert info.subjects == ["A"]
    assert set(info.excluded) == {"B", "C", "D", "E"}
    assert "deny" in info.excluded["B"] and "no_match" in info.excluded["C"]
    # Taxpayers of excluded subjects leave no trace, not even their names.
    assert set(data["last_name"]) == {"Reyes"}
    manifest_text = (tmp_path / "pkg" / "manifest.json").read_text()
    for sid in ("B", "C", "D", "E"):
        assert f'"{sid}"' not in manifest_text


def test_duplicate_subject_ids_are_refused(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = subjects(("S1", "TP000000001"), ("S1", "TP000000002"))
    with pytest.raises(InputError, match="more than once"):
        build_package(tmp_path / "pkg", make_spec(["identity.name"]), subs, vault_con, signing_key)


def test_periods_filter_per_year_rows(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    info = build_package(
        tmp_path / "pkg",
        make_spec(["return.agi", "info_return.w2.wages"], ["2022", "2023"]),
        ALL_THREE,
        vault_con,
        signing_key,
    )
    data = _data(tmp_path / "pkg")
    assert list(data.columns) == ["subject_id", "tax_year", "return.agi", "info_return.w2.wages"]
    # S2's taxpayer filed only for 2021: nothing for them in 2022–2023.
    assert sorted(zip(data["subject_id"], data["tax_year"], strict=True)) == [
        ("S1", 2022),
        ("S1", 2023),
        ("S3", 2022),
        ("S3", 2023),
    ]
    assert data.loc[(data.subject_id == "S1") & (data.tax_year == 2022), "return.agi"].item() == (
        41_000 + 2022
    )
    assert info.no_data == ["S2"]
    assert info.manifest["data"] == {
        "columns": list(data.columns),
        "rows": 4,
        "subjects": 2,
    }
    assert info.manifest["periods"] == ["2022", "2023"]


@pytest.mark.parametrize(
    ("periods", "street"),
    [(["2021", "2022"], "1 Old Rd"), (["2021", "2023"], "9 New Ave"), (["2021"], "1 Old Rd")],
)
def test_address_is_the_latest_requested_period(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    periods: list[str],
    street: str,
) -> None:
    subs = subjects(("S1", "TP000000001"))
    build_package(
        tmp_path / "pkg", make_spec(["identity.address"], periods), subs, vault_con, signing_key
    )
    data = _data(tmp_path / "pkg")
    # Identity only: one row per subject, no tax_year (which years were filed is not asked).
    assert list(data.columns) == ["subject_id", "street", "unit", "city", "state", "zip"]
    assert data["street"].tolist() == [street]


def test_address_with_per_year_elements_is_the_same_latest_address_on_each_row(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = subjects(("S1", "TP000000001"))
    build_package(
        tmp_path / "pkg",
        make_spec(["identity.address", "return.agi"], ["2021", "2022", "2023"]),
        subs,
        vault_con,
        signing_key,
    )
    data = _data(tmp_path / "pkg")
    assert data["tax_year"].tolist() == [2021, 2022, 2023]
    assert set(data["street"]) == {"9 New Ave"}


def test_taxpayer_id_and_tin_only_with_identity_tin(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    build_package(tmp_path / "a", make_spec(["identity.name"]), ALL_THREE, vault_con, signing_key)
    build_package(tmp_path / "b", make_spec(["identity.tin"]), ALL_THREE, vault_con, signing_key)
    for name in ("a", "b"):
        text = (tmp_path / name / "data.csv").read_text() + (
            tmp_path / name / "manifest.json"
        ).read_text()
        assert "TP00000000" not in text
    assert "901700001" not in (tmp_path / "a" / "data.csv").read_text()
    assert "901700001" in (tmp_path / "b" / "data.csv").read_text()


def test_taxpayer_missing_from_vault_stops_the_build(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = subjects(("S1", "TP000000001"), ("S7", "TP999999999"))
    with pytest.raises(IntegrityError, match="S7"):
        build_package(tmp_path / "pkg", make_spec(["identity.name"]), subs, vault_con, signing_key)
    assert list(tmp_path.iterdir()) == []


def test_element_the_vault_lacks_is_an_integrity_error(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(IntegrityError, match=r"return\.copy"):
        build_package(
            tmp_path / "pkg", make_spec(["return.copy"]), ALL_THREE, vault_con, signing_key
        )


def test_existing_package_is_never_overwritten(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    spec = make_spec(["identity.name"])
    build_package(tmp_path / "pkg", spec, ALL_THREE, vault_con, signing_key)
    before = (tmp_path / "pkg" / "manifest.json").read_bytes()
    with pytest.raises(InputError, match="already exists"):
        build_package(tmp_path / "pkg", spec, ALL_THREE, vault_con, signing_key)
    assert (tmp_path / "pkg" / "manifest.json").read_bytes() == before


def test_accepts_a_vault_object_with_connect(
    tmp_path: Path, master_file: Path, signing_key: Ed25519PrivateKey
) -> None:
    class FakeVault:
        def connect(self) -> duckdb.DuckDBPyConnection:
            con = duckdb.connect()
            con.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{master_file}')")
            return con

    info = build_package(
        tmp_path / "pkg", make_spec(["identity.name"]), ALL_THREE, FakeVault(), signing_key
    )
    assert info.rows == 3
    assert verify_package(tmp_path / "pkg").ok


def test_manifest_carries_the_duties(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    info = build_package(
        tmp_path / "pkg", make_spec(["identity.address"]), ALL_THREE, vault_con, signing_key
    )
    m = info.manifest
    assert m["format"] == "fti/disclosure-package/v1"
    assert m["request"] == {"agency": "DOJ", "id": "DOJ-USAO-DC-2025-0042"}
    assert m["recipient"] == {"agency": "DOJ"}
    assert m["use_restriction"]["authority"] == "6103(i)(2)"
    cites = [d["citation"] for d in m["safeguards"]["duties"]]
    assert cites == [f"6103(p)(4)({c})" for c in "ABCDE"]
    assert m["destruction"].startswith("6103(p)(4)(F)")
    assert set(m["files"]) == {"data.parquet", "data.csv"}
    assert len(MASTER_COLUMNS) == 26


@pytest.mark.parametrize("outcome", ["deny", "review", "maybe"])
def test_a_decision_that_discloses_nothing_builds_no_package(
    tmp_path: Path,
    vault_con: duckdb.DuckDBPyConnection,
    signing_key: Ed25519PrivateKey,
    outcome: str,
) -> None:
    from dataclasses import replace

    spec = replace(make_spec(["identity.address"]), outcome=outcome)
    with pytest.raises(InputError) as e:
        build_package(tmp_path / "pkg", spec, ALL_THREE, vault_con, signing_key)
    assert e.value.where == "spec.outcome"
    assert not (tmp_path / "pkg").exists()
    ok = replace(spec, outcome="partial")
    assert build_package(tmp_path / "pkg", ok, ALL_THREE, vault_con, signing_key).rows == 3


def test_missing_status_values_count_as_not_matched(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = pd.DataFrame(
        {
            "subject_id": pd.array(["A", "B", "C"], dtype="string"),
            "taxpayer_id": pd.array(["TP000000001", "TP000000002", pd.NA], dtype="string"),
            "status": pd.array(["match", pd.NA, "no_match"], dtype="string"),
        }
    )
    info = build_package(
        tmp_path / "pkg", make_spec(["identity.name"]), subs, vault_con, signing_key
    )
    assert info.subjects == ["A"]
    assert info.excluded == {
        "B": "match status is None, not 'match'",
        "C": "match status is 'no_match', not 'match'",
    }


def test_everyone_excluded_builds_nothing(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    subs = ALL_THREE.assign(result="deny")
    with pytest.raises(InputError, match="nothing to disclose"):
        build_package(tmp_path / "pkg", make_spec(["identity.name"]), subs, vault_con, signing_key)


def test_disclosed_gives_the_accounting_its_taxpayers_and_years(
    tmp_path: Path, vault_con: duckdb.DuckDBPyConnection, signing_key: Ed25519PrivateKey
) -> None:
    per_year = build_package(
        tmp_path / "a",
        make_spec(["return.agi"], ["2022", "2023"]),
        ALL_THREE,
        vault_con,
        signing_key,
    )
    assert per_year.disclosed.to_dict("records") == [
        {
            "subject_id": "S1",
            "taxpayer_id": "TP000000001",
            "tin": "901700001",
            "periods": ["2022", "2023"],
        },
        {
            "subject_id": "S3",
            "taxpayer_id": "TP000000003",
            "tin": "903700003",
            "periods": ["2022", "2023"],
        },
    ]
    identity = build_package(
        tmp_path / "b",
        make_spec(["identity.address"], ["2021", "2022"]),
        ALL_THREE,
        vault_con,
        signing_key,
    )
    # Identity only: the one year the address was taken from (S2 filed only 2021).
    assert identity.disclosed.to_dict("records") == [
        {"subject_id": "S1", "taxpayer_id": "TP000000001", "tin": "901700001", "periods": ["2022"]},
        {"subject_id": "S2", "taxpayer_id": "TP000000002", "tin": "902700002", "periods": ["2021"]},
        {"subject_id": "S3", "taxpayer_id": "TP000000003", "tin": "903700003", "periods": ["2022"]},
    ]
    # Provenance never reaches the files.
    for pkg in ("a", "b"):
        for name in ("data.csv", "manifest.json"):
            assert "_fti_source" not in (tmp_path / pkg / name).read_text()


def test_unknown_taxpayer_is_caught_even_if_master_has_a_null_id(
    tmp_path: Path, master_file: Path, signing_key: Ed25519PrivateKey
) -> None:
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW master AS SELECT * FROM read_parquet('{master_file}') "
        f"UNION ALL BY NAME SELECT NULL::VARCHAR AS taxpayer_id, 2022 AS tax_year"
    )
    subs = subjects(("S7", "TP999999999"))
    with pytest.raises(IntegrityError, match="S7"):
        build_package(tmp_path / "pkg", make_spec(["identity.name"]), subs, con, signing_key)
