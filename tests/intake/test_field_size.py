"""The most one value may hold (validate.MAX_FIELD_BYTES): just under is read, just over is
rejected as too long — never as "a double quote never closed" (the csv module's own limit
of 128 Ki characters used to say that)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.intake import load_request
from fti_gateway.intake.csvfile import CAREFUL_LINES, CSV_READ_LIMIT
from fti_gateway.intake.validate import MAX_FIELD_BYTES
from tests.intake.conftest import MakeRequest

HEADER = "subject_id,first_name,last_name,reason\n"
TOO_LONG = (
    f"reason is {MAX_FIELD_BYTES + 1:,} bytes; a value may hold at most {MAX_FIELD_BYTES:,} bytes"
)


def _rows(reason: str, *, pad: int = 0) -> str:
    filler = "".join(f"F{i},Fay,Lee,r\n" for i in range(pad))
    return HEADER + "A,Ann,Lee,ok\n" + f'B,Bob,Kim,"{reason}"\n' + "C,Cy,Tan,ok\n" + filler


@pytest.mark.parametrize("pad", [0, CAREFUL_LINES + 10], ids=["careful-path", "fast-path"])
def test_just_under_the_limit_is_read(make_request: MakeRequest, pad: int) -> None:
    parsed = load_request(make_request(subjects_csv=_rows("x" * MAX_FIELD_BYTES, pad=pad)))
    assert parsed.rejects == []
    assert len(parsed.subjects.loc[1, "reason"]) == MAX_FIELD_BYTES


@pytest.mark.parametrize("pad", [0, CAREFUL_LINES + 10], ids=["careful-path", "fast-path"])
@pytest.mark.parametrize(
    "value",
    ["x" * (MAX_FIELD_BYTES + 1), "é" * (MAX_FIELD_BYTES // 2) + "x"],  # bytes, not characters
    ids=["ascii", "two-byte"],
)
def test_just_over_the_limit_is_rejected_as_too_long(
    make_request: MakeRequest, pad: int, value: str
) -> None:
    parsed = load_request(make_request(subjects_csv=_rows(value, pad=pad)))
    assert [(r.line, r.subject_id, r.field, r.code) for r in parsed.rejects] == [
        (3, "B", "reason", "field-too-long")
    ]
    assert parsed.rejects[0].reason == TOO_LONG
    assert parsed.subjects["subject_id"].tolist()[:2] == ["A", "C"]


def test_a_value_beyond_what_csv_reads_on_one_line_is_not_called_a_quote(
    make_request: MakeRequest,
) -> None:
    parsed = load_request(make_request(subjects_csv=_rows("x" * (CSV_READ_LIMIT + 1))))
    (r,) = parsed.rejects
    assert r.line == 3 and "double quote" not in r.reason
    assert f"a value on this line is over {CSV_READ_LIMIT:,} characters" in r.reason
    assert parsed.subjects["subject_id"].tolist() == ["A", "C"]


def test_an_unclosed_quote_is_still_called_one(make_request: MakeRequest) -> None:
    csv = HEADER + 'A,Ann,Lee,"never closed\n' + "".join(f"F{i},Fay,Lee,r\n" for i in range(5))
    parsed = load_request(make_request(subjects_csv=csv))
    assert parsed.rejects[0].line == 2 and "double quote" in parsed.rejects[0].reason


def test_the_same_limit_holds_for_parquet(make_request: MakeRequest) -> None:
    path = make_request(set={"subjects": "subjects.parquet"})
    table = pa.table(
        {
            "subject_id": ["P1", "P2"],
            "last_name": ["Lee", "Kim"],
            "reason": ["x" * MAX_FIELD_BYTES, "x" * (MAX_FIELD_BYTES + 1)],
        }
    )
    pq.write_table(table, path.parent / "subjects.parquet")
    parsed = load_request(path)
    assert [(r.line, r.field, r.reason) for r in parsed.rejects] == [(2, "reason", TOO_LONG)]
    assert parsed.subjects["subject_id"].tolist() == ["P1"]


def test_an_over_long_subject_id_is_not_repeated_in_the_reject(make_request: MakeRequest) -> None:
    big = "S" * (MAX_FIELD_BYTES + 1)
    parsed = load_request(make_request(subjects_csv=HEADER + f"{big},Ann,Lee,r\nC,Cy,Tan,ok\n"))
    (r,) = parsed.rejects
    assert r.subject_id is None and r.field == "subject_id" and r.code == "field-too-long"
    assert len(str(r)) < 200
