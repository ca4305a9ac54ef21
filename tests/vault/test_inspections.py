"""The gate's trail: FORMATS §9 objects, one JSON line per event, appended and never
rewritten."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from fti_gateway.vault.inspections import (
    FORMAT,
    InspectionEvent,
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


def test_appending_keeps_what_was_there(tmp_path: Path) -> None:
    append_events(tmp_path, [_event(1)])
    first = gate_log(tmp_path).read_bytes()
    append_events(tmp_path, [_event(2), _event(3, outcome="denied")])
    after = gate_log(tmp_path).read_bytes()
    assert after.startswith(first)
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
    lines = gate_log(tmp_path).read_text().splitlines()
    assert len(lines) == 200
    assert len({json.loads(x)["id"] for x in lines}) == 200


def test_times_and_ids_keep_their_format() -> None:
    import re
    from datetime import UTC, datetime

    from fti_gateway.vault.inspections import new_event_id, utc_now

    before = datetime.now(UTC)
    stamp, eid = utc_now(), new_event_id()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp)
    assert before <= datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) <= after
    m = re.fullmatch(r"gate-(\d{8}T\d{12})-[0-9a-f]{16}", eid)
    assert m is not None
    t = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    assert before <= t <= after


def test_a_trail_folder_removed_between_records_is_made_again(tmp_path: Path) -> None:
    import shutil

    append_events(tmp_path, [_event(1)])
    shutil.rmtree(gate_log(tmp_path).parent)
    append_events(tmp_path, [_event(2)])
    assert [o["principal"] for _, o in read_events(gate_log(tmp_path))] == ["E00002"]
