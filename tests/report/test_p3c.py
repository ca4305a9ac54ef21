"""The (p)(3)(C) report as the statute words it: scenario ledgers, one file per rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fti_gateway.ledger.fsck import verify
from fti_gateway.report import p3c
from tests.report.ledgers import build

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, tmp_path: Path) -> None:
    sc: dict[str, Any] = yaml.safe_load(path.read_text())
    d = tmp_path / "ledger"
    vk = build(d, sc["events"])
    report = p3c.build(d, vk, int(sc["year"]))
    doc = report.to_json()
    by = {a["agency"]: a for a in doc["agencies"]}
    want = sc["expect"]
    assert set(by) == set(want["agencies"]), sorted(by)
    for agency, fields in want["agencies"].items():
        for name, value in fields.items():
            assert by[agency][name] == value, (agency, name, by[agency][name])
        cells = by[agency]["cells"]
        for m in ("requests", "instances"):
            assert by[agency][m] == sum(c[m] for c in cells)
    for agency in want.get("absent", []):
        assert agency not in by
    for cell in want.get("cells", []):
        found = [
            c
            for c in by[cell["agency"]]["cells"]
            if (c["authority"], c["purpose"]) == (cell["authority"], cell["purpose"])
        ]
        assert len(found) == 1
        for name, value in cell.items():
            if name != "agency":
                assert found[0][name] == value, (cell, found[0])
    if "decisions" in want:
        assert doc["decisions"] == want["decisions"]
    if "totals" in want:
        assert doc["totals"] == want["totals"]
    for reason, counts in want.get("excluded", {}).items():
        assert doc["excluded"][reason] == counts
    assert doc["format"] == "fti/p3c-report/v2"
    assert doc["ledger"]["size"] == report.checkpoint_size
    assert doc["rules"] == "fti/p3c-rules/v1#1"
    assert verify(d, vk).ok


def test_markdown_names_the_checkpoint_and_rows(tmp_path: Path) -> None:
    sc = yaml.safe_load((Path(__file__).parent / "scenarios" / SCENARIOS[0].name).read_text())
    d = tmp_path / "ledger"
    vk = build(d, sc["events"])
    report = p3c.build(d, vk, int(sc["year"]))
    md = report.to_markdown()
    assert f"signed size {report.checkpoint_size}" in md
    assert report.checkpoint_root in md
    for line in report.lines:
        assert f"| **{line.agency}** | {line.kind} |" in md
