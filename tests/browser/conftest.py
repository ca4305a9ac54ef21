"""Real-browser tests: pytest-playwright driving Debian's ``chromium`` package.

Never ``playwright install`` (it downloads a browser): the launch is pointed at the
system's ``/usr/bin/chromium`` (``FTI_CHROMIUM`` overrides). axe-core comes from the npm
package pinned in ``tests/browser/package.json`` (``npm ci --prefix tests/browser``) and is
injected into each page under test. Screenshots go to ``artifacts/screenshots/``
(``FTI_SCREENSHOTS`` overrides), which CI keeps.

Without a browser these tests skip, except where ``FTI_REQUIRE_BROWSER=1`` (CI) makes a
missing browser or axe-core a failure, as ``FTI_REQUIRE_POSTGRES`` does for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Flags for a headless root Chromium on a machine with no outside network: without the
# background-networking ones it keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe impacts that fail a page (the issue: zero serious or critical violations).
FAILING_IMPACTS = ("serious", "critical")


def chromium_path() -> str | None:
    given = os.environ.get("FTI_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _require_or_skip(what: str) -> None:
    if os.environ.get("FTI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FTI_REQUIRE_BROWSER=1 but {what}")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, pointed at the system Chromium."""
    path = chromium_path()
    if path is None:
        _require_or_skip("no chromium on PATH (Debian: apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        _require_or_skip(f"axe-core is not installed ({AXE_JS}); run npm ci --prefix tests/browser")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Any:
    """``axe(page)`` → the serious and critical violations axe-core finds on the page."""

    def run(page: Any) -> list[dict[str, Any]]:
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async () => await axe.run(document)")
        return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]

    return run


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as lines a person can act on: rule, impact, help and the first targets."""
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v.get("nodes", [])[:3]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    out = Path(os.environ.get("FTI_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def screenshot(screenshots_dir: Path) -> Any:
    """``screenshot(page, name)`` saves a full-page PNG CI keeps, and returns its path."""

    def take(page: Any, name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
