"""The harness itself: the system Chromium runs, and axe-core tells a bad page from a good one.

Every page test leans on ``axe`` finding nothing; this shows it finds what is there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import describe

GOOD = """<!doctype html><html lang="en"><head><title>Good</title></head>
<body><main><h1>A page</h1><img src="data:," alt="a blank picture">
<label for="r">Reason</label><input id="r" name="reason"></main></body></html>"""
BAD = """<!doctype html><html><head><title>Bad</title></head>
<body><img src="data:,"><input name="reason"><button></button></body></html>"""


def test_axe_passes_a_good_page(page: Any, axe: Any) -> None:
    page.set_content(GOOD)
    violations = axe(page)
    assert violations == [], describe(violations)


def test_axe_fails_a_bad_page(page: Any, axe: Any) -> None:
    page.set_content(BAD)
    found = {v["id"] for v in axe(page)}
    # an image without alt text, an unlabelled field and a button without a name
    assert {"image-alt", "label", "button-name"} <= found


def test_screenshot_is_a_png(page: Any, screenshot: Any, tmp_path: Path) -> None:
    page.set_content(GOOD)
    path = screenshot(page, "harness-good-page")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
