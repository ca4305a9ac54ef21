"""The gate's trail: FORMATS §9 objects, one JSON line per event, appended and never
rewritten."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from fti_gateway.vault.inspections import (
    FORMAT,
    GROW_MIN,
    InspectionEvent,
    _content_end,
    append_events,
    gate_log,
    read_events,
)

STANDARD = {
    "format", "id", "time", "principal", "role", "taxpayer", "action", "rows", "case",
    "purpose", "source_system", "outcome",
}  # fmt: skip


def _event(i: int = 0, **kw: object) -> InspectionEvent:
    args: dict = dict(
        principal=f"E{i:05d}", role="disclosure_officer", taxpayer="900000001",
        action="lookup", rows=1, case="C-1", purpose="case-work", outcome="allowed",
    )  # fmt: skip
    args.update(kw)
    return InspectionEvent(**args)


def test_an_event_is_the_section_9_object_with_the_gates_extras(tmp_path: Path) -> None:
    ev = _event(extra={"policies": ["officer-in-case"], "format": "not this"})
    append_events(tmp_path, [ev])
    [(line, obj)] = list(read_events(gate_log(tmp_path)))
    assert line == 1
    assert set(obj) >= STANDARD
    assert obj["format"] == FORMAT  # an extra never replaces a standard field
    assert obj["policies"] == ["officer-in-case"]
    assert obj["source_system"] == "fti-gateway"
    assert obj["time"].endswith("Z")


def _content(path: Path) -> bytes:
    """The trail without its blank tail (see ``append_events``)."""
    return path.read_bytes().rstrip(b"\n") + b"\n"


def test_appending_keeps_what_was_there(tmp_path: Path) -> None:
    append_events(tmp_path, [_event(1)])
    first = _content(gate_log(tmp_path))
    append_events(tmp_path, [_event(2), _event(3, outcome="denied")])
    after = _content(gate_log(tmp_path))
    assert after.startswith(first) and len(after) > len(first)
    assert [o["principal"] for _, o in read_events(gate_log(tmp_path))] == [
        "E00001", "E00002", "E00003",
    ]  # fmt: skip


def test_an_unknown_action_or_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="action"):
        _event(action="browse")
    with pytest.raises(ValueError, match="outcome"):
        _event(outcome="maybe")


def _writer(args: tuple[str, int]) -> None:
    root, n = args
    append_events(Path(root), [_event(n * 1000 + k, extra={"pad": "x" * 3000}) for k in range(50)])


def test_processes_writing_at_once_never_interleave_lines(tmp_path: Path) -> None:
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_writer, [(str(tmp_path), n) for n in range(4)])
    lines = [x for x in gate_log(tmp_path).read_text().splitlines() if x]
    assert len(lines) == 200
    assert len({json.loads(x)["id"] for x in lines}) == 200


def test_the_trail_is_grown_ahead_and_records_fill_its_blank_tail(tmp_path: Path) -> None:
    append_events(tmp_path, [_event(1)])
    path = gate_log(tmp_path)
    size = path.stat().st_size
    assert size >= GROW_MIN  # grown ahead: the next records need no new length on disk
    data = path.read_bytes()
    content = data.rstrip(b"\n")
    assert content.endswith(b"}") and set(data[len(content) :]) == {0x0A}
    for i in range(2, 12):
        append_events(tmp_path, [_event(i)])
    assert path.stat().st_size == size  # written over the blank tail, the length unchanged
    assert [o["principal"] for _, o in read_events(path)] == [f"E{i:05d}" for i in range(1, 12)]


def test_a_full_tail_grows_again_and_nothing_is_lost(tmp_path: Path) -> None:
    events = [_event(i, extra={"pad": "x" * 2000}) for i in range(80)]  # > GROW_MIN in all
    for ev in events:
        append_events(tmp_path, [ev])
    path = gate_log(tmp_path)
    assert path.stat().st_size > GROW_MIN
    assert [o["id"] for _, o in read_events(path)] == [e.id for e in events]


def test_a_trail_written_before_the_blank_tail_is_continued(tmp_path: Path) -> None:
    path = gate_log(tmp_path)
    path.parent.mkdir(parents=True)
    old = json.dumps(_event(1).to_json()) + "\n"
    path.write_text(old + json.dumps(_event(2).to_json()))  # the last line left unterminated
    append_events(tmp_path, [_event(3)])
    text = path.read_text()
    assert text.startswith(old)
    assert [o["principal"] for _, o in read_events(path)] == ["E00001", "E00002", "E00003"]


def test_the_content_end_is_found_in_any_layout(tmp_path: Path) -> None:
    import os

    cases = [b"", b"\n\n\n", b"{}\n", b"{}\n{}\n\n", b"{}\n{}\n" + b"\n" * 5000, b"{}"]
    for data in cases:
        p = tmp_path / "t"
        p.write_bytes(data)
        fd = os.open(p, os.O_RDONLY)
        try:
            want = len(data.rstrip(b"\n")) + (1 if data.rstrip(b"\n") else 0)
            if not data.endswith(b"\n\n") and data.rstrip(b"\n"):
                want = len(data)  # no blank tail: the content runs to the end
            assert _content_end(fd, len(data)) == want, data[:20]
        finally:
            os.close(fd)


def test_the_monitor_reads_a_trail_with_a_blank_tail(tmp_path: Path) -> None:
    import duckdb

    append_events(tmp_path, [_event(1), _event(2, outcome="denied")])
    con = duckdb.connect()
    rows = con.execute(
        "SELECT principal, outcome FROM read_json(?, format='newline_delimited', "
        "columns={'principal': 'VARCHAR', 'outcome': 'VARCHAR'}) ORDER BY 1",
        [str(gate_log(tmp_path))],
    ).fetchall()
    assert rows == [("E00001", "allowed"), ("E00002", "denied")]
