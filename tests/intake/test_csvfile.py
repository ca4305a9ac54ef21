"""The CSV reader, held to one property: whatever a CSV writer wrote, we read back exactly,
each row with the physical line it starts on — on the fast path and the careful path."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from fti_gateway.intake.csvfile import read_csv_rows

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
    # Whole-file fast path, bisection down to single lines, and all-careful reading.
    for careful_lines in (2048, 1, 10**9):
        raw = read_csv_rows(text.encode(), "s.csv", careful_lines=careful_lines)
        assert raw.rejects == []
        got = [[d[h] for h in HEADER] for d in raw.table.to_pylist()]
        # Blank rows carry nothing and are skipped; every other row comes back exactly.
        assert list(zip(got, raw.lines.tolist(), strict=True)) == keep


def test_fast_path_is_taken_for_a_clean_file() -> None:
    text = write([["A", "Lee", "1 Elm"], ["B", "Kim", "2 Oak"]], "\n")
    raw = read_csv_rows(text.encode(), "s.csv", careful_lines=1)
    assert not raw.careful_path and raw.lines.tolist() == [2, 3]


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, broken=st.lists(st.integers(0, 11), max_size=3))
def test_broken_lines_cost_only_themselves_whatever_the_range_sizes(
    rows: list[list[str]], broken: list[int]
) -> None:
    """Break some lines (a value too many, or too few): exactly those are rejected, every
    other row is read, and the result is the same however the file is cut into ranges.
    (Values here hold no line ends, so each record is one line and the oracle is exact;
    stray quotes are covered by the example files.)"""
    rows = [[v.replace("\r", "").replace("\n", " ") for v in r] for r in rows]
    text_lines = write(rows, "\n").split("\n")
    for i in broken:
        if 1 <= i < len(text_lines) - 1:
            text_lines[i] = text_lines[i] + ",extra" if i % 2 else "only-one-value"
    data = "\n".join(text_lines).encode()
    results = [read_csv_rows(data, "s.csv", careful_lines=c) for c in (2048, 1, 2, 10**9)]
    first = results[0]
    for other in results[1:]:
        assert other.table.to_pylist() == first.table.to_pylist()
        assert other.lines.tolist() == first.lines.tolist()
        assert [(r.line, r.reason) for r in other.rejects] == [
            (r.line, r.reason) for r in first.rejects
        ]
    bad_lines = {i + 1 for i in broken if 1 <= i < len(text_lines) - 1}
    assert {r.line for r in first.rejects} == bad_lines
    good = [n for n in range(2, len(rows) + 2) if n not in bad_lines and not is_blank(rows[n - 2])]
    assert first.lines.tolist() == good


messy_line = st.lists(st.sampled_from([*'a,"', " ", "\r"]), max_size=7).map("".join)


@settings(max_examples=150, deadline=None)
@given(body=st.lists(messy_line, max_size=14), crlf=st.booleans())
def test_any_text_reads_the_same_however_the_file_is_cut(body: list[str], crlf: bool) -> None:
    """Stray quotes, short and long lines, blank lines: the fast ranges, the bisection and
    the all-careful reading agree on every row, line and reject."""
    data = ("subject_id,last_name,street\n" + ("\r\n" if crlf else "\n").join(body)).encode()
    results = [read_csv_rows(data, "s.csv", careful_lines=c) for c in (10**9, 1, 2, 3)]
    reference = results[0]
    for other in results[1:]:
        assert other.table.to_pylist() == reference.table.to_pylist()
        assert other.lines.tolist() == reference.lines.tolist()
        assert [(r.line, r.reason) for r in other.rejects] == [
            (r.line, r.reason) for r in reference.rejects
        ]


def test_one_broken_line_sends_the_file_down_the_careful_path() -> None:
    text = "subject_id,last_name,street\nA,Lee,1 Elm\nB,Kim\nC,Tan,3 Ash\n"
    raw = read_csv_rows(text.encode(), "s.csv", careful_lines=1)
    assert raw.careful_path
    assert raw.table.column("subject_id").to_pylist() == ["A", "C"]
    assert raw.lines.tolist() == [2, 4]
    assert [r.line for r in raw.rejects] == [3]
