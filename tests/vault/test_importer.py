"""Import of fti/master/v1 files: bad rows reported where a user finds them, good rows
kept, unreadable files refused whole, and never half a part in the vault."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.vault import importer
from fti_gateway.vault.importer import import_master
from fti_gateway.vault.store import Vault

HEADER = "taxpayer_id,tin,first_name,last_name,dob,tax_year,street,city,state,zip,return.agi,return.dependents,irs.open_tax_investigation\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _count(vault: Vault) -> int:
    row = vault.connect().execute("SELECT count(*) FROM master").fetchone()
    return int(row[0]) if row else 0


def test_good_rows_are_imported_with_their_types(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    f = _write(
        tmp_path / "m.csv",
        HEADER
        + "TP1,900-12-3456,Ann,Smith,1980-01-02,2023,1 Main St,Austin,TX,78701,50000,2,false\n"
        + "TP1,900123456,Ann,Smith,1980-01-02,2024,1 Main St,Austin,TX,78701-1234,52000.5,2,TRUE\n",
    )
    report = import_master(vault, f)
    assert (report.accepted, report.rejected) == (2, [])
    assert report.part is not None and report.part.name.startswith("part-import-")
    row = (
        vault.connect()
        .execute(
            """SELECT tin, tin_kind, dob, "return.agi", "return.dependents", "irs.open_tax_investigation"
           FROM master WHERE tax_year = 2024"""
        )
        .fetchone()
    )
    assert row is not None
    assert row[0] == "900123456" and row[1] == "ssn"
    assert str(row[2]) == "1980-01-02"
    assert row[3:] == (52000.5, 2, True)


def test_bad_rows_are_reported_by_the_line_a_user_sees(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    f = _write(
        tmp_path / "m.csv",
        HEADER
        + "TP1,900123456,Ann,Smith,1980-01-02,2023,1 Main St,Austin,TX,78701,1,0,no\n"  # 2 ok
        + 'TP2,900123457,"Bo\nB",Jones,1980-01-02,2023,,,,,,,\n'  # 3-4 ok, two lines
        + "TP3,12345,Cy,Lee,,2023,,,,,,,\n"  # 5 bad tin
        + "TP4,900123459,Di,,,2023,,,,,,,\n"  # 6 no last name
        + "TP5,900123460,Ed,Kim,1990-13-01,20x3,,,,,,,\n"  # 7 bad date and year
        + "\n"  # 8 blank: not a row
        + "TP6,900123461,Fa,Ng,,2024,,,,,abc,-1,maybe\n"  # 9 bad element values
        + "TP7,900123462,Gu,Ok\n"  # 10 short row
        + "TP1,900123456,Ann,Smith,1980-01-02,2023,,,,,,,\n"  # 11 repeats line 2
        + "TP1,900999999,Ann,Smith,1980-01-02,2024,,,,,,,\n"  # 12 another TIN for TP1
        + "TP8,900123463,Ha,Park,,2024,,,Texas,7870,,,\n",  # 13 bad state, bad zip
    )
    report = import_master(vault, f)
    assert report.accepted == 2
    by_line = {e.line: e for e in report.rejected}
    assert sorted(by_line) == [5, 6, 7, 9, 10, 11, 12, 13]
    assert by_line[5].field == "tin" and "9-digit" in by_line[5].reason
    assert by_line[6].field == "last_name"
    assert by_line[7].field == "dob" and "tax_year" in str(by_line[7])
    for col in ("return.agi", "return.dependents", "irs.open_tax_investigation"):
        assert col in str(by_line[9])  # every problem of the row, not just the first
    assert "4 fields" in by_line[10].reason
    assert "line 2" in by_line[11].reason
    assert by_line[12].field == "tin"
    assert by_line[13].field == "state" and "zip" in str(by_line[13])
    assert _count(vault) == 2
    names = {r[0] for r in vault.connect().execute("SELECT first_name FROM master").fetchall()}
    assert names == {"Ann", "Bo\nB"}


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    f = _write(tmp_path / "m.csv", HEADER + "TP1,900123456,Ann,Smith,,2023,,,,,,,\n")
    assert import_master(vault, f).accepted == 1
    again = import_master(vault, f)
    assert again.accepted == 0 and again.part is None
    assert "already in the vault" in again.rejected[0].reason
    assert len(vault.parts()) == 1
    other_tin = _write(tmp_path / "n.csv", HEADER + "TP1,900123999,Ann,Smith,,2024,,,,,,,\n")
    assert "another TIN" in import_master(vault, other_tin).rejected[0].reason


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty (0 bytes)"),
        (b"taxpayer_id,tin,last_name,tax_year\nTP1,900123456,Mu\xf1oz,2023\n", "not UTF-8"),
        (b"taxpayer_id,tin,name\nTP1,900123456,Ann\n", "missing: last_name, tax_year"),
        (b"taxpayer_id,tin,last_name,tax_year,return.secret\n", "unknown column(s): return.secret"),
        (b"taxpayer_id,tin,last_name,tax_year,tin\n", "columns appear twice: tin"),
        (b"PAR1 not really parquet", "not a readable Parquet file"),
    ],
)
def test_unreadable_files_are_refused_whole(tmp_path: Path, content: bytes, needle: str) -> None:
    vault = Vault(tmp_path / "v")
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(InputError) as e:
        import_master(vault, f)
    assert needle in e.value.message
    assert str(f) in (e.value.where or "")
    assert vault.is_empty()


def test_a_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "latin1.csv"
    f.write_bytes(
        b"taxpayer_id,tin,last_name,tax_year\nTP1,900123456,Smith,2023\nTP2,900123457,Pe\xf1a,2023\n"
    )
    with pytest.raises(InputError) as e:
        import_master(Vault(tmp_path / "v"), f)
    assert e.value.where == f"{f}, line 3"
    assert "UTF-8" in (e.value.hint or "")


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        import_master(Vault(tmp_path / "v"), tmp_path / "nope.csv")


def test_a_failure_midway_leaves_the_vault_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = Vault(tmp_path / "v")
    rows = "".join(f"TP{i},900{i:06d},N{i},Last,,2023,,,,,,,\n" for i in range(1, 40))
    f = _write(tmp_path / "m.csv", HEADER + rows)
    monkeypatch.setattr(importer, "BATCH_ROWS", 10)
    real = pq.ParquetWriter.write_table
    calls = {"n": 0}

    def failing(self: pq.ParquetWriter, table: pa.Table, *a: object, **k: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(self, table, *a, **k)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        import_master(vault, f)
    assert vault.is_empty()
    assert list(vault.master_dir.iterdir()) == []  # no temporary file left behind
    monkeypatch.setattr(pq.ParquetWriter, "write_table", real)
    assert import_master(vault, f).accepted == 39
    assert _count(vault) == 39


def test_parquet_rows_are_checked_and_numbered(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    table = pa.table(
        {
            "taxpayer_id": ["TP1", "TP2", "TP3"],
            "tin": ["900123456", "bad", "900123458"],
            "last_name": ["Smith", "Jones", "Lee"],
            "tax_year": pa.array([2023, 2023, 2024], pa.int64()),
            "dob": pa.array([None, None, None], pa.date32()),
            "return.agi": [1.5, 2.5, None],
        }
    )
    f = tmp_path / "m.parquet"
    pq.write_table(table, f)
    report = import_master(vault, f)
    assert report.accepted == 2
    assert report.line_label == "row"
    assert [(e.line, e.field) for e in report.rejected] == [(2, "tin")]
    assert vault.count_taxpayers() == 2


def test_numeric_tins_and_zips_in_parquet_get_their_leading_zeros_back(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    f = tmp_path / "m.parquet"
    pq.write_table(
        pa.table(
            {
                "taxpayer_id": ["TP1"],
                "tin": pa.array([12345678], pa.int64()),
                "last_name": ["Smith"],
                "tax_year": [2023],
                "zip": pa.array([2108], pa.int64()),
            }
        ),
        f,
    )
    assert import_master(vault, f).accepted == 1
    row = vault.connect().execute("SELECT tin, zip FROM master").fetchone()
    assert row == ("012345678", "02108")


def test_a_generated_part_can_be_imported_into_another_vault(
    synth_vault: Vault, tmp_path: Path
) -> None:
    part = synth_vault.parts()[0]
    target = Vault(tmp_path / "v")
    report = import_master(target, part)
    assert report.rejected == []
    assert report.accepted == pq.read_metadata(part).num_rows
