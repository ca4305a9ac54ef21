"""Subject CSV files as requesters really send them (FORMATS §2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.intake import RowError, load_request, load_subjects
from fti_gateway.intake.models import SUBJECT_COLUMNS
from tests.intake.conftest import MakeRequest

HEADER = "subject_id,first_name,last_name,dob,tin\n"


def rejects_by_line(rejects: list[RowError]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for r in rejects:
        out.setdefault(r.line, []).append(r.reason)
    return out


def test_sample_rows_come_through_as_written(data_dir: Path) -> None:
    parsed = load_request(data_dir / "manifest.yaml")
    df = parsed.subjects
    assert list(df.columns) == [*SUBJECT_COLUMNS, "line"]
    assert parsed.rejects == []
    assert df["subject_id"].tolist() == ["S-001", "S-002", "S-003", "S-004"]
    assert df["line"].tolist() == [2, 3, 4, 5]
    first = df.iloc[0]
    assert (first.first_name, first.middle_name, first.last_name) == (
        "Ana",
        "María",
        "García López",
    )
    assert first.suffix is None and first.dob == "1984-03-09"
    second = df.iloc[1]
    assert second.street == "400 Main St, Rear"  # quoted comma
    assert second.zip == "02134"  # leading zero kept: all columns are text
    assert second.tin is None and second.dob == "1979-11-30" and second.unit is None
    assert df.iloc[3].last_name == "Peña"


def test_tin_with_dashes_or_spaces_is_accepted_as_digits(data_dir: Path) -> None:
    tins = load_request(data_dir / "manifest.yaml").subjects["tin"].tolist()
    assert tins == ["900123456", None, "900123457", "666123458"]


@pytest.mark.parametrize(
    ("tin", "reason"),
    [
        ("90012345", "tin '90012345' has 8 digits; a TIN has 9"),
        ("900-12-34567", "tin '900-12-34567' has 10 digits"),
        ("9OO-12-3456", "contains characters other than digits and dashes (first: 'O')"),
        # Digits outside 0-9 are named, not counted as if they were digits.
        ("９００-１２-３４５６", "must use the digits 0-9; found full-width digits"),
        ("٩٠٠١٢٣٤٥٦", "must use the digits 0-9; found Arabic-Indic digits ('٩', U+0669)"),
        ("900\u3000123456", "other than digits and dashes (first: U+3000 IDEOGRAPHIC SPACE)"),
    ],
)
def test_bad_tin_rejects_the_row(make_request: MakeRequest, tin: str, reason: str) -> None:
    csv = HEADER + f"A,Ann,Lee,,{tin}\nB,Bob,Kim,,900-11-2222\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["subject_id"].tolist() == ["B"]
    (r,) = parsed.rejects
    assert (r.line, r.subject_id, r.field) == (2, "A", "tin")
    assert reason in r.reason
    assert str(r).startswith("subjects.csv line 2 (subject A): tin")


@pytest.mark.parametrize(
    ("dob", "reason"),
    [
        ("04/17/1980", "dob '04/17/1980' is not a date written YYYY-MM-DD"),
        ("1980-4-17", "is not a date written YYYY-MM-DD"),
        ("2023-02-29", "dob '2023-02-29' is not a real calendar date"),
        ("1980-13-01", "is not a real calendar date"),
        ("2030-01-01", "is after the date the request was received (2025-06-04)"),
        ("1066-10-14", "is before 1880"),
        (
            "１９８０-０４-１７",
            "dob '１９８０-０４-１７' must use the digits 0-9; found full-width digits",
        ),
    ],
)
def test_bad_dob_rejects_the_row(make_request: MakeRequest, dob: str, reason: str) -> None:
    csv = HEADER + f"A,Ann,Lee,{dob},\nB,Bob,Kim,2024-02-29,\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["dob"].tolist() == ["2024-02-29"]
    (r,) = parsed.rejects
    assert r.field == "dob" and reason in r.reason and r.line == 2


def test_a_whole_column_of_other_dates_is_rejected_and_explained(
    make_request: MakeRequest,
) -> None:
    csv = HEADER + "".join(f"S{i},Ann,Lee,04/{i + 1:02d}/1980,\n" for i in range(12))
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.accepted == 0 and parsed.rejected_rows == 12
    assert any("12 of 12 dob values are not YYYY-MM-DD" in w for w in parsed.warnings)


def test_empty_subject_id_and_last_name_are_rejected(make_request: MakeRequest) -> None:
    csv = HEADER + ",Ann,Lee,,\nB,Bob,  ,,\nC,Cy,Tan,,\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["subject_id"].tolist() == ["C"]
    got = rejects_by_line(parsed.rejects)
    assert got == {
        2: ["subject_id is empty — every row needs one"],
        3: ["last_name is empty — every subject needs a last name"],
    }


def test_duplicate_subject_id_keeps_the_first_and_names_its_line(
    make_request: MakeRequest,
) -> None:
    csv = HEADER + "A,Ann,Lee,,\nB,Bob,Kim,,\nA,Again,Lee,,\nA,Third,Lee,,\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["first_name"].tolist() == ["Ann", "Bob"]
    assert [(r.line, r.subject_id) for r in parsed.rejects] == [(4, "A"), (5, "A")]
    assert all("already used on line 2" in r.reason for r in parsed.rejects)


def test_broken_lines_are_rejected_and_every_good_row_kept(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "subjects.csv").write_bytes((data_dir / "subjects_broken.csv").read_bytes())
    manifest = (data_dir / "manifest.yaml").read_text()
    (tmp_path / "m.yaml").write_text(manifest)
    parsed = load_request(tmp_path / "m.yaml")
    assert parsed.subjects["subject_id"].tolist() == ["B-01", "B-04", "B-06"]
    assert parsed.subjects["line"].tolist() == [2, 5, 7]
    got = rejects_by_line(parsed.rejects)
    assert set(got) == {3, 4, 6}
    assert "has 6 values but the header has 5 columns" in got[3][0]
    assert "double quotes" in got[3][0]
    assert "double quote opened on this line is never closed" in got[4][0]
    assert "has 3 values but the header has 5 columns (a value is missing)" in got[6][0]


def test_unterminated_quote_at_the_end_costs_only_its_own_row(make_request: MakeRequest) -> None:
    csv = HEADER + 'A,Ann,Lee,,\nB,Bob,"Kim,,\n'
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["subject_id"].tolist() == ["A"]
    (r,) = parsed.rejects
    assert r.line == 3 and "never closed" in r.reason


def test_a_quoted_value_may_span_lines(make_request: MakeRequest) -> None:
    csv = 'subject_id,last_name,street\nA,Lee,"12 Elm St\nBuilding 4"\nB,Kim,3 Oak Ave\n'
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.rejects == []
    assert parsed.subjects["street"].tolist() == ["12 Elm St\nBuilding 4", "3 Oak Ave"]
    assert parsed.subjects["line"].tolist() == [2, 4]


def test_blank_lines_are_skipped_and_line_numbers_stay_true(make_request: MakeRequest) -> None:
    csv = HEADER + "A,Ann,Lee,,\n\n   \nB,Bob,Kim,,123\n\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["subject_id"].tolist() == ["A"]
    assert [(r.line, r.field) for r in parsed.rejects] == [(5, "tin")]


def test_windows_line_ends_and_byte_order_mark(make_request: MakeRequest) -> None:
    csv = ("\ufeff" + HEADER + "A,Ann,Lee,,\nB,Bob,Kim,,12\n").replace("\n", "\r\n")
    parsed = load_request(make_request(subjects_csv=csv.encode("utf-8")))
    assert parsed.subjects["subject_id"].tolist() == ["A"]
    assert parsed.subjects["last_name"].tolist() == ["Lee"]  # no stray \r
    assert [r.line for r in parsed.rejects] == [3]


def test_surrounding_white_space_is_trimmed(make_request: MakeRequest) -> None:
    csv = " subject_id , last_name \n  A  ,  Lee  \n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects[["subject_id", "last_name"]].values.tolist() == [["A", "Lee"]]


def test_control_characters_are_refused(make_request: MakeRequest) -> None:
    csv = HEADER + "A,Ann,Le\x00e,,\nB,Bob,Kim,,\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.subjects["subject_id"].tolist() == ["B"]
    assert (
        parsed.rejects[0].field == "last_name" and "control character" in parsed.rejects[0].reason
    )


def test_missing_required_column_fails_the_file(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv="subject_id,first_name,Last_Name\nA,Ann,Lee\n"))
    assert e.value.message == "the subject file has no last_name column"
    assert e.value.where == "subjects.csv line 1"
    assert "'Last_Name'" in (e.value.hint or "") and "lower case" in (e.value.hint or "")


def test_zero_byte_subject_file(make_request: MakeRequest, data_dir: Path) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv=(data_dir / "empty.csv").read_bytes()))
    assert "empty (0 bytes)" in e.value.message and e.value.where == "subjects.csv"
    assert "header line" in (e.value.hint or "")


def test_header_only_file_is_read_with_a_warning(make_request: MakeRequest, data_dir: Path) -> None:
    parsed = load_request(make_request(subjects_csv=(data_dir / "header_only.csv").read_bytes()))
    assert parsed.accepted == 0 and parsed.rejects == []
    assert any("lists no subjects" in w for w in parsed.warnings)


def test_non_utf8_subject_file_says_line_and_byte(
    data_dir: Path, make_request: MakeRequest
) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv=(data_dir / "latin1.csv").read_bytes()))
    assert e.value.where == "subjects.csv"
    assert "line 2, byte 7" in e.value.message
    assert "0xE9" in e.value.details[0]
    assert "UTF-8" in (e.value.hint or "")


def test_semicolon_separated_file_is_explained(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv="subject_id;last_name\nA;Lee\n"))
    assert "not comma-separated" in e.value.message


def test_duplicate_column_name(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv="subject_id,last_name,last_name\nA,Lee,Kim\n"))
    assert "'last_name' is named twice" in e.value.message


def test_extra_columns_are_kept_not_dropped(make_request: MakeRequest) -> None:
    csv = "subject_id,last_name,alias\nA,Lee,Annie\nB,Kim,\n"
    parsed = load_request(make_request(subjects_csv=csv))
    assert "alias" not in parsed.subjects.columns
    assert parsed.extra is not None
    assert parsed.extra.to_dict("list") == {"line": [2, 3], "alias": ["Annie", None]}
    assert any("'alias' is not part of FORMATS §2" in w for w in parsed.warnings)


def test_a_miscased_optional_column_is_named_in_a_warning(make_request: MakeRequest) -> None:
    parsed = load_request(make_request(subjects_csv="subject_id,last_name,DOB\nA,Lee,1980-01-01\n"))
    assert parsed.subjects["dob"].tolist() == [None]  # not guessed
    assert any("'DOB'" in w and "did you mean 'dob'?" in w for w in parsed.warnings)


def test_missing_subject_file_names_where_it_looked(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "people.csv"})
    with pytest.raises(InputError) as e:
        load_request(path)
    assert "'people.csv' does not exist" in e.value.message
    assert str((path.parent / "people.csv").resolve()) in e.value.message
    line = path.read_text().splitlines().index("subjects: people.csv") + 1
    assert e.value.where == f"manifest.yaml line {line}: subjects"


def test_subject_file_of_unknown_kind(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "subjects.xlsx"})
    (path.parent / "subjects.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError) as e:
        load_request(path)
    assert "neither CSV nor Parquet" in e.value.message


def test_values_are_plain_str_or_none(data_dir: Path) -> None:
    df = load_request(data_dir / "manifest.yaml").subjects
    for col in SUBJECT_COLUMNS:
        assert all(v is None or type(v) is str for v in df[col]), col
    assert pd.api.types.is_integer_dtype(df["line"])


@pytest.mark.parametrize("spec", ["../subjects.csv", "/etc/hostname"])
def test_subject_file_must_travel_with_the_manifest(make_request: MakeRequest, spec: str) -> None:
    path = make_request(set={"subjects": spec})
    (path.parent.parent / "subjects.csv").write_text("subject_id,last_name\nA,Lee\n")
    with pytest.raises(InputError) as e:
        load_request(path)
    assert "outside the manifest's folder" in e.value.message


def test_subject_file_in_a_folder_below_the_manifest(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "files/subjects.csv"})
    (path.parent / "files").mkdir()
    (path.parent / "files" / "subjects.csv").write_text("subject_id,last_name\nA,Lee\n")
    assert load_request(path).subjects["subject_id"].tolist() == ["A"]


def test_utf16_file_is_named_as_such(make_request: MakeRequest) -> None:
    csv = "subject_id,last_name\nA,Peña\n".encode("utf-16")
    with pytest.raises(InputError) as e:
        load_request(make_request(subjects_csv=csv))
    assert "UTF-16" in e.value.message and "UTF-8" in (e.value.hint or "")


def test_a_large_file_with_a_few_broken_lines_loses_only_those(make_request: MakeRequest) -> None:
    """20,000 rows: large enough that clean ranges go through pyarrow and the broken
    ones are narrowed down by bisection. Every good row arrives, with its own line."""
    lines = ["subject_id,last_name,street"]
    lines += [f"S{i},Name{i},{i} Main St" for i in range(20_000)]
    lines[5_001] = 'S5000,"Unclosed,5000 Main St'  # stray quote: runs on, re-read from 5003
    lines[12_001] = "S12000,Name12000,12000 Main St,extra"  # one value too many
    lines[17_001] = 'S17000,Name17000,"17000 Main St\nBuilding B"'  # a legal two-line value
    parsed = load_request(make_request(subjects_csv="\n".join(lines) + "\n"))
    assert [(r.line, r.field) for r in parsed.rejects] == [(5_002, None), (12_002, None)]
    ids = parsed.subjects["subject_id"].tolist()
    assert len(ids) == 19_998 and "S5000" not in ids and "S12000" not in ids
    assert ids[:3] == ["S0", "S1", "S2"] and ids[-1] == "S19999"
    by_id = dict(zip(ids, parsed.subjects["line"].tolist(), strict=True))
    assert by_id["S4999"] == 5_001 and by_id["S5001"] == 5_003
    assert by_id["S17000"] == 17_002 and by_id["S17001"] == 17_004  # after the two-line row
    street = parsed.subjects.set_index("subject_id").loc["S17000", "street"]
    assert street == "17000 Main St\nBuilding B"


def test_every_reject_has_a_known_kind(
    make_request: MakeRequest, data_dir: Path, tmp_path: Path
) -> None:
    from fti_gateway.intake.parsed import REJECT_KINDS

    csv = (
        HEADER + ",Ann,Lee,,\nB,Bob,,,\nC,Cy,Tan,1980-02-30,\nD,Di,Do,,12\nE,E\x01,Ek,,\n"
        'C,Again,Tan,,\nF,"Fa"x,Fo,,\nG,Gu,Go,,,\n'
        f"H,{'h' * (128 * 1024 + 1)},Ho,,\n"
    )
    parsed = load_request(make_request(subjects_csv=csv))
    inline = load_request(data_dir / "inline.yaml")
    parquet = tmp_path / "subjects.parquet"
    not_utf8 = pa.array([b"Doe\xff"], pa.binary()).view(pa.string())
    pq.write_table(pa.table({"subject_id": ["P"], "last_name": not_utf8}), parquet)
    from_parquet = load_subjects(parquet)
    kinds = {r.code for r in [*parsed.rejects, *inline.rejects, *from_parquet.rejects]}
    assert kinds == set(REJECT_KINDS)
    assert parsed.rejects_by_kind()["subject-id-missing"] == 1
