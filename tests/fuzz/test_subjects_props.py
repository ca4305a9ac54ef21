"""The subject CSV reader (FORMATS §2): every data line is either kept or rejected with
its own line number — never silently dropped — and the result does not depend on how
the reader cut the file into ranges (pyarrow fast path vs. the careful csv reader)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fti_gateway.core.errors import FtiError
from fti_gateway.intake import load_subjects
from fti_gateway.intake.csvfile import read_csv_blocks, read_csv_rows
from fuzz import targets

from .conftest import examples

HEADER = "subject_id,first_name,last_name,dob,tin"
names = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzÁÉñøßŁ '-"), min_size=1, max_size=10
).filter(lambda s: s.strip() != "")
dobs = st.dates(min_value=targets.RECEIVED.replace(year=1900), max_value=targets.RECEIVED)
tins = st.one_of(
    st.just(""),
    st.integers(900_000_000, 999_999_999).map(str),
    st.integers(0, 99_999).map(lambda n: f"666-{n // 10_000 % 100:02d}-{n % 10_000:04d}"),
)
BAD_KINDS = (
    "bad-dob",
    "bad-tin",
    "no-last-name",
    "duplicate-id",
    "too-many",
    "too-few",
    "control",
    "misplaced-quote",
    "unclosed-quote",
)


@dataclass
class Line:
    text: str
    good: bool | None  # None: a blank line, not a data row


def _quote(v: str) -> str:
    return f'"{v}"' if ("," in v or '"' in v) else v


@st.composite
def subject_files(draw: st.DrawFn) -> tuple[bytes, list[Line]]:
    lines: list[Line] = []
    good_ids: list[str] = []
    unclosed = False
    for i in range(draw(st.integers(0, 25))):
        sid = f"S-{i}"
        first = draw(names)
        last = draw(st.one_of(names, names.map(lambda n: n + ", Jr.")))
        dob = draw(dobs).isoformat()
        tin = draw(tins)
        kind = draw(st.sampled_from(("good", "good", "good", "blank", *BAD_KINDS)))
        if kind == "unclosed-quote" and unclosed:
            kind = "good"  # a second open quote could legally close the first
        fields = [sid, first, last, dob, tin]
        if kind == "blank":
            lines.append(Line(draw(st.sampled_from(["", " ", ",,,,", " , ,,,"])), None))
            continue
        if kind == "bad-dob":
            fields[3] = draw(
                st.sampled_from(
                    ["2023-02-30", "1979/11/30", "30-11-1979", "1879-12-31", "2999-01-01"]
                )
            )
        elif kind == "bad-tin":
            fields[4] = draw(
                st.sampled_from(["12345", "9001234567", "900-12-345X", "９００１２３４５６"])
            )
        elif kind == "no-last-name":
            fields[2] = ""
        elif kind == "duplicate-id":
            if not good_ids:
                kind = "good"
            else:
                fields[0] = draw(st.sampled_from(good_ids))
        elif kind == "control":
            fields[1] = first + "\x00"
        text = ",".join(_quote(f) for f in fields)
        if kind == "too-many":
            text += ",extra"
        elif kind == "too-few":
            text = ",".join(_quote(f) for f in fields[:3])
        elif kind == "misplaced-quote":
            text = f'{sid},"{first}"x,{_quote(last)},{dob},{tin}'
        elif kind == "unclosed-quote":
            text = f'{sid},"{first},{_quote(last)},{dob},{tin}'
            unclosed = True
        good = kind == "good"
        if good:
            good_ids.append(sid)
        lines.append(Line(text, good))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    end = draw(st.sampled_from(["", eol]))
    body = eol.join([HEADER, *(line.text for line in lines)])
    return (bom + body + end).encode(), lines


@examples(150)
@given(subject_files())
def test_every_data_line_is_kept_or_rejected_by_its_line_number(
    made: tuple[bytes, list[Line]],
) -> None:
    data, lines = made
    path = targets.scratch() / "subjects-prop.csv"
    path.write_bytes(data)
    checked = load_subjects(path, received=targets.RECEIVED)
    good = {n for n, line in enumerate(lines, start=2) if line.good}
    bad = {n for n, line in enumerate(lines, start=2) if line.good is False}
    kept = set(checked.subjects["line"].astype(int))
    rejected = {r.line for r in checked.rejects}
    assert kept == good, f"kept lines {sorted(kept)}, good lines {sorted(good)}"
    assert rejected == bad, f"rejected lines {sorted(rejected)}, bad lines {sorted(bad)}"
    assert len(checked.subjects) + len(rejected) == len(good) + len(bad)
    for r in checked.rejects:
        assert f"line {r.line}" in str(r), f"a reject that does not name its line: {r}"


@examples(150)
@given(subject_files(), st.integers(1, 4))
def test_the_rows_read_do_not_depend_on_how_the_file_is_cut(
    made: tuple[bytes, list[Line]], careful_lines: int
) -> None:
    data, _ = made
    whole = read_csv_rows(data, "s.csv")
    cut = read_csv_rows(data, "s.csv", careful_lines=careful_lines)
    assert cut.table.to_pylist() == whole.table.to_pylist()
    assert cut.lines.tolist() == whole.lines.tolist()
    assert cut.rejects == whole.rejects


@examples(200)
@given(st.one_of(st.binary(max_size=300), subject_files().map(lambda m: m[0][: len(m[0]) // 2])))
def test_any_bytes_as_a_subject_file_are_read_or_refused(data: bytes) -> None:
    for target in (targets.subjects, targets.subject_rows):
        with contextlib.suppress(FtiError):
            target(data)


@examples(150)
@given(subject_files(), st.integers(1, 64), st.integers(1, 4))
def test_reading_block_by_block_gives_the_whole_file_reading(
    tmp_path_factory: pytest.TempPathFactory,
    made: tuple[bytes, list[Line]],
    block_bytes: int,
    careful_lines: int,
) -> None:
    data, _ = made
    path = tmp_path_factory.mktemp("blocks") / "s.csv"
    path.write_bytes(data)
    try:
        whole = read_csv_rows(data, "s.csv")
    except FtiError as e:
        with pytest.raises(type(e)) as got:
            list(read_csv_blocks(path, "s.csv", lambda _b: None, block_bytes=block_bytes))
        assert str(got.value) == str(e)
        return
    seen: list[bytes] = []
    blocks = list(
        read_csv_blocks(
            path, "s.csv", seen.append, block_bytes=block_bytes, careful_lines=careful_lines
        )
    )
    assert b"".join(seen) == data
    assert [r for b in blocks for r in b.table.to_pylist()] == whole.table.to_pylist()
    assert [n for b in blocks for n in b.lines.tolist()] == whole.lines.tolist()
    assert [r for b in blocks for r in b.rejects] == whole.rejects
