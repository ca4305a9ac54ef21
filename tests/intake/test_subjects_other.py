"""Subject rows from Parquet files and from the manifest itself (inline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.intake import load_request
from fti_gateway.intake.models import SUBJECT_COLUMNS
from tests.intake.conftest import MakeRequest


def parquet_request(make_request: MakeRequest, table: pa.Table) -> Path:
    path = make_request(set={"subjects": "subjects.parquet"})
    pq.write_table(table, path.parent / "subjects.parquet")
    return path


SAMPLE = {
    "subject_id": ["P1", "P2", "P3", "P1"],
    "first_name": ["Ann", None, "Cy", "Dup"],
    "last_name": ["Lee", "Kim", "Tan", "Lee"],
    "dob": pa.array([dt.date(1980, 1, 2), None, dt.date(1999, 9, 9), None], pa.date32()),
    "tin": ["900-12-3456", None, "1234", None],
    "zip": ["02134", None, None, None],
}


def test_parquet_subjects_with_row_numbers(make_request: MakeRequest) -> None:
    parsed = load_request(parquet_request(make_request, pa.table(SAMPLE)))
    df = parsed.subjects
    assert list(df.columns) == [*SUBJECT_COLUMNS, "line"]
    assert df["subject_id"].tolist() == ["P1", "P2"]
    assert df["dob"].tolist() == ["1980-01-02", None]  # a date column becomes ISO text
    assert df["tin"].tolist() == ["900123456", None]
    assert df["zip"].tolist() == ["02134", None]
    assert [str(r) for r in parsed.rejects] == [
        "subjects.parquet row 3 (subject P3): tin '1234' has 4 digits; a TIN has 9 "
        "(dashes allowed)",
        "subjects.parquet row 4 (subject P1): subject_id 'P1' is already used on row 1; "
        "each subject_id may appear once in a request",
    ]


def test_parquet_tin_stored_as_numbers_is_refused(make_request: MakeRequest) -> None:
    table = pa.table({**SAMPLE, "tin": pa.array([900123456, None, 1234, None], pa.int64())})
    with pytest.raises(InputError) as e:
        load_request(parquet_request(make_request, table))
    assert "'tin' is stored as numbers" in e.value.message
    assert "leading zeros" in e.value.message


def test_parquet_timestamp_dob_at_midnight_is_a_date(make_request: MakeRequest) -> None:
    ts = pa.array([dt.datetime(1980, 1, 2), None, None, None], pa.timestamp("us"))
    parsed = load_request(parquet_request(make_request, pa.table({**SAMPLE, "dob": ts})))
    assert parsed.subjects["dob"].tolist() == ["1980-01-02", None]


def test_parquet_missing_required_column(make_request: MakeRequest) -> None:
    table = pa.table({"subject_id": ["A"], "surname": ["Lee"]})
    with pytest.raises(InputError) as e:
        load_request(parquet_request(make_request, table))
    assert "no last_name column" in e.value.message


def test_not_really_parquet(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "subjects.parquet"})
    (path.parent / "subjects.parquet").write_text("subject_id,last_name\nA,Lee\n")
    with pytest.raises(InputError) as e:
        load_request(path)
    assert "not a readable Parquet file" in e.value.message


def test_zero_byte_parquet(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "subjects.parquet"})
    (path.parent / "subjects.parquet").write_bytes(b"")
    with pytest.raises(InputError) as e:
        load_request(path)
    assert "empty (0 bytes)" in e.value.message


def test_inline_subjects_keep_text_and_report_manifest_lines(data_dir: Path) -> None:
    parsed = load_request(data_dir / "inline.yaml")
    df = parsed.subjects
    assert df["subject_id"].tolist() == ["C1", "C2"]
    assert df["zip"].tolist() == ["02134", None]  # not YAML 1.1's octal 1116
    assert df["dob"].tolist() == ["1990-04-05", None]
    assert df["tin"].tolist() == [None, "900000001"]
    assert df["line"].tolist() == [15, 20]  # the lines where the items start
    assert [(r.line, r.field) for r in parsed.rejects] == [(23, None), (24, "last_name")]
    assert str(parsed.rejects[0]).startswith("inline.yaml line 23: this subject is not a block")
    assert "last_name holds a list" in parsed.rejects[1].reason
    assert parsed.rejects[1].subject_id == "C4"


def test_inline_subjects_in_json(make_request: MakeRequest, data_dir: Path) -> None:
    text = (
        (data_dir / "manifest.json")
        .read_text()
        .replace(
            '"subjects": "subjects.csv"',
            '"subjects": [{"subject_id": "J1", "last_name": "Lee", "tin": 900123456},\n'
            '             {"subject_id": "J2", "last_name": ""}]',
        )
    )
    parsed = load_request(make_request(manifest_text=text, name="manifest.json"))
    assert parsed.subjects["tin"].tolist() == ["900123456"]
    (r,) = parsed.rejects
    assert (r.subject_id, r.field, r.line) == ("J2", "last_name", 17)


def test_inline_empty_list_warns(make_request: MakeRequest) -> None:
    parsed = load_request(make_request(set={"subjects": []}))
    assert parsed.accepted == 0
    assert any("lists no subjects" in w for w in parsed.warnings)


def test_parquet_integer_subject_ids_become_text(make_request: MakeRequest) -> None:
    table = pa.table({"subject_id": pa.array([7, 8], pa.int64()), "last_name": ["Lee", "Kim"]})
    parsed = load_request(parquet_request(make_request, table))
    assert parsed.subjects["subject_id"].tolist() == ["7", "8"]
