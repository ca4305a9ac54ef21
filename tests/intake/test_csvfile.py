"""The CSV reader, held to one property: whatever a CSV writer wrote, we read back exactly,
each row with the physical line it starts on — on the fast path and the careful path."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from fti_gateway.intake.csvfile import _careful, read_csv_rows

HEADER = ["subject_id", "last_name", "street"]
# Text that stresses CSV: separators, quotes, line ends of every kind, non-ASCII.
piece = st.sampled_from([*'ab ,"\n\r;éñ漢\t', "\r\n"])
value = st.lists(piece, max_size=8).map("".join)
rows_strategy = st.lists(st.lists(value, min_size=3, max_size=3), max_size=12)


def write(rows: list[list[str]], lineterminator: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


def expected_lines(rows: list[list[str]], lineterminator: str) -> list[int]:
    out, line = [], 2
    for row in rows:
        out.append(line)
        one = io.StringIO()
        csv.writer(one, lineterminator=lineterminator).writerow(row)
        line += len(io.StringIO(one.getvalue(), newline="").readlines())
    return out


def is_blank(row: list[str]) -> bool:
    return not any(v.strip() for v in row)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, crlf=st.booleans())
def test_what_a_csv_writer_writes_is_read_back_with_true_lines(
    rows: list[list[str]], crlf: bool
) -> None:
    term = "\r\n" if crlf else "\n"
    if not crlf:
        # csv.writer leaves a bare CR unquoted when lines end in LF: the file it writes
        # is then ambiguous to any reader, so such values are not part of the property.
        rows = [
            [v.replace("\r\n", "§").replace("\r", "").replace("§", "\r\n") for v in r] for r in rows
        ]
    text = write(rows, term)
    keep = [
        (r, n) for r, n in zip(rows, expected_lines(rows, term), strict=True) if not is_blank(r)
    ]
    for raw in (read_csv_rows(text.encode(), "s.csv"), _careful(text, HEADER, 1, "s.csv")):
        assert raw.rejects == []
        got = raw.table.to_pylist()
        # Blank rows carry nothing; the fast path keeps them as empty text, the careful
        # path skips them — either way no value is lost or changed.
        got_rows = [[d[h] for h in HEADER] for d in got]
        pairs = [(r, int(n)) for r, n in zip(got_rows, raw.lines, strict=True) if not is_blank(r)]
        assert pairs == keep


def test_fast_path_is_taken_for_a_clean_file() -> None:
    text = write([["A", "Lee", "1 Elm"], ["B", "Kim", "2 Oak"]], "\n")
    raw = read_csv_rows(text.encode(), "s.csv")
    assert not raw.careful_path and raw.lines.tolist() == [2, 3]


def test_one_broken_line_sends_the_file_down_the_careful_path() -> None:
    text = "subject_id,last_name,street\nA,Lee,1 Elm\nB,Kim\nC,Tan,3 Ash\n"
    raw = read_csv_rows(text.encode(), "s.csv")
    assert raw.careful_path
    assert raw.table.column("subject_id").to_pylist() == ["A", "C"]
    assert raw.lines.tolist() == [2, 4]
    assert [r.line for r in raw.rejects] == [3]
