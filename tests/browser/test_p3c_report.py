"""The (p)(3)(C) HTML report in a real browser: charts drawn offline, accessible, shot."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pytest

from fti_gateway.report import html, p3c, suppress
from tests.browser.conftest import describe
from tests.report.ledgers import build, event_list

RULE_EVENTS = [
    {
        "kind": "decision",
        "agency": "ICE",
        "id": f"D{i}",
        "authority": "6103(i)(2)",
        "outcome": "partial",
        "date": f"2025-{i % 12 + 1:02d}-02",
        "refused": {"return.agi": "6103(i)(2)(A)", "identity.address": "6103(i)(2)(B)(i)"},
    }
    for i in range(14)
] + [
    {
        "kind": "disposition",
        "agency": "ICE",
        "id": "D0",
        "item": f"it-{i:020d}",
        "rule": "6103(i)(2)(B)(iv)",
        "outcome": "deny" if i % 3 else "approve",
        "date": "2025-03-03",
    }
    for i in range(40)
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    d = tmp_path_factory.mktemp("p3c") / "ledger"
    vk = build(d, event_list(random.Random(4), 60) + RULE_EVENTS)
    full = p3c.build(d, vk, 2025).to_json()
    return {"full": full, "public": suppress.public(full)}


@pytest.mark.parametrize("version", ["full", "public"])
def test_the_report_page_draws_its_charts_offline_and_passes_axe(
    version: str,
    reports: dict[str, dict[str, Any]],
    page: Any,
    axe: Any,
    screenshot: Any,
    tmp_path: Path,
) -> None:
    doc = reports[version]
    path = tmp_path / f"p3c-{version}.html"
    path.write_text(html.to_html(doc), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    for chart in ("#chart-time", "#chart-rules"):
        page.wait_for_selector(f"{chart} svg", timeout=20000)
        marks = page.locator(f"{chart} svg path, {chart} svg rect").count()
        assert marks > 3, chart  # bars, not an empty frame
    assert errors == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    violations = axe(page)
    assert violations == [], describe(violations)
    shot = screenshot(page, f"p3c-report-{version}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = page.locator("tbody tr").count()
    assert rows == len(doc["agencies"]) + sum(len(a["cells"]) for a in doc["agencies"]) + 1


def test_the_csv_has_every_cell_and_leaves_suppressed_counts_empty(
    reports: dict[str, dict[str, Any]],
) -> None:
    for version, doc in reports.items():
        lines = list(csv.DictReader(io.StringIO(html.to_csv(doc))))
        assert (
            len(lines) == len(doc["agencies"]) + sum(len(a["cells"]) for a in doc["agencies"]) + 1
        )
        hidden = [x for x in lines if x["instances"] == ""]
        assert bool(hidden) == (version == "public")
        assert lines[-1]["recipient"] == "total"
