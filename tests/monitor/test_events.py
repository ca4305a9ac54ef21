"""`fti inspect import`: good lines kept (unknown fields too), bad lines reported by line
and reason and kept aside, re-import a no-op, ids unique per source."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor.events import import_file

GOOD = {
    "format": "fti/inspection/v1", "id": "IDRS-1", "time": "2026-03-02T15:04:05Z",
    "principal": "E00001", "role": "revenue-agent", "taxpayer": "900-12-3456",
    "action": "lookup", "rows": 1, "case": "C1", "purpose": "examination",
    "source_system": "IDRS", "outcome": "allowed",
}  # fmt: skip


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _rows(folder: Path) -> list[tuple[object, ...]]:
    glob = str(folder / "part-*.parquet")
    return duckdb.sql(
        f"SELECT id, taxpayer, case_id, extra, line FROM read_parquet('{glob}') ORDER BY line"
    ).fetchall()


def test_good_lines_kept_bad_lines_reported(workspace: Workspace, tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.jsonl",
        [
            {**GOOD, "terminal": "T-9"},  # unknown field: kept
            {**GOOD, "id": "IDRS-2", "time": "2026-03-02T10:04:05-05:00"},  # not UTC
            {**GOOD, "id": "IDRS-3", "taxpayer": None},  # a lookup without a taxpayer
            "{not json",
            {**GOOD, "id": "IDRS-5", "action": "export", "taxpayer": None, "rows": 900},
            {**GOOD, "id": "IDRS-6", "outcome": "maybe"},
            {**GOOD},  # IDRS-1 again
        ],
    )
    r = import_file(workspace, f)
    assert r.imported == 2
    assert r.rejected == 5
    lines = {n: why for n, why in r.rejects}
    assert set(lines) == {2, 3, 4, 6, 7}
    assert "UTC" in lines[2]
    assert "taxpayer" in lines[3]
    assert "outcome" in lines[6]
    assert "repeats the id of line 1" in lines[7]
    rows = _rows(r.folder)
    assert [x[0] for x in rows] == ["IDRS-1", "IDRS-5"]
    assert rows[0][1] == "900123456"
    assert json.loads(str(rows[0][3])) == {"terminal": "T-9"}
    kept_aside = [json.loads(x) for x in (r.folder / "rejects.jsonl").read_text().splitlines()]
    assert sorted(x["line"] for x in kept_aside) == [2, 3, 4, 6, 7]


def test_reimport_is_a_no_op(workspace: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "t.jsonl", [GOOD, {**GOOD, "id": "IDRS-2"}])
    first = import_file(workspace, f)
    again = import_file(workspace, f)
    assert (first.already, again.already) == (False, True)
    assert again.imported == 2
    assert len(list(first.folder.parent.iterdir())) == 1


def test_reason_never_quotes_the_value(workspace: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "t.jsonl", [{**GOOD, "taxpayer": "900-12-345X"}])
    r = import_file(workspace, f)
    assert r.rejected == 1
    assert "900-12-345X" not in r.rejects[0][1]


@pytest.mark.parametrize("missing", ["time", "principal", "outcome", "source_system"])
def test_a_required_field_is_required(workspace: Workspace, tmp_path: Path, missing: str) -> None:
    doc = {k: v for k, v in GOOD.items() if k != missing}
    r = import_file(workspace, _write(tmp_path / "t.jsonl", [doc]))
    assert r.imported == 0
    assert missing in r.rejects[0][1]


def test_an_overlapping_export_stores_each_event_once(workspace: Workspace, tmp_path: Path) -> None:
    first = import_file(workspace, _write(tmp_path / "a.jsonl", [GOOD, {**GOOD, "id": "IDRS-2"}]))
    other_source = {**GOOD, "source_system": "AMS"}  # the same id in another system is new
    second = import_file(
        workspace,
        _write(
            tmp_path / "b.jsonl", [{**GOOD, "id": "IDRS-2"}, {**GOOD, "id": "IDRS-3"}, other_source]
        ),
    )
    assert (first.imported, second.imported, second.present, second.rejected) == (2, 2, 1, 0)
    assert [x[0] for x in _rows(second.folder)] == ["IDRS-3", "IDRS-1"]
