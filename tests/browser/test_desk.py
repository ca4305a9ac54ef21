"""The review desk in a real browser (Debian's Chromium, tests/browser/conftest.py).

`fti serve`'s app runs in uvicorn on a free port over a workspace of the desk's world
(tests/deskworld.py: a contested signer and ambiguous matches). Every desk page is checked
with axe-core (no serious or critical violation) and the queue, a request and a match
page are photographed; then an officer signs in and clears a match in blind mode with
the keyboard alone, and the disposition is read back from the ledger.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline.review import list_items
from fti_gateway.service.app import create_app
from fti_gateway.store import StateStore
from tests import deskworld as world
from tests.browser.conftest import describe

WAIT_MS = 120_000  # a decision runs the request's next revision before the page answers


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """axe-core is injected as an inline script, which the desk's CSP forbids: the axe
    pages bypass it (the keyboard test below runs under the CSP, in its own context)."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="module")
def ws(desk_source: tuple[Workspace, Path], tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return world.fresh(desk_source, tmp_path_factory.mktemp("desk-browser") / "ws")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def desk_url(ws: Workspace) -> Iterator[str]:
    """`fti serve`'s app on a free local port, in a thread of this process."""
    port = _free_port()
    config = uvicorn.Config(create_app(ws.home), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the desk's server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def open_items(ws: Workspace, kind: str) -> list[Any]:
    return [x for x in list_items(ws, StateStore.for_workspace(ws)) if x.item.kind == kind]


def sign_in(page: Any, desk_url: str, who: str) -> None:
    """Sign in with the keyboard: the account field has the focus, Tab, Enter."""
    page.goto(f"{desk_url}/desk/signin")
    page.keyboard.type(who)
    page.keyboard.press("Tab")
    page.keyboard.type(world.pw(who))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{desk_url}/desk/")


def check(page: Any, axe: Any) -> None:
    violations = axe(page)
    assert violations == [], describe(violations)


def test_every_desk_page_passes_axe(
    page: Any, axe: Any, screenshot: Any, desk_url: str, ws: Workspace
) -> None:
    page.goto(f"{desk_url}/desk/signin")
    check(page, axe)
    sign_in(page, desk_url, "avery")
    check(page, axe)
    screenshot(page, "desk-queue")

    page.goto(f"{desk_url}/desk/?kind=match&sort=age")
    check(page, axe)
    match = open_items(ws, "match")[0]
    page.goto(f"{desk_url}/desk/requests/{match.record.pk}")
    check(page, axe)
    screenshot(page, "desk-request")

    page.goto(f"{desk_url}/desk/items/{match.item.id}")
    assert page.get_by_text("Blind mode").count() == 1
    check(page, axe)
    screenshot(page, "desk-match-blind")
    page.goto(f"{desk_url}/desk/items/{match.item.id}?blind=0")
    assert page.locator("svg[role=img]").count() >= 1
    check(page, axe)
    screenshot(page, "desk-match")

    (request_item,) = open_items(ws, "request")
    page.goto(f"{desk_url}/desk/items/{request_item.item.id}")
    check(page, axe)
    (ws.home / "principals.yaml").write_text(
        "format: fti/principals/v1\nprincipals:\n  - {id: avery, role: disclosure_officer, "
        "unit: disclosure, cases: [C-1], cleared_from: 2024-01-01}\n"
    )
    page.goto(f"{desk_url}/desk/lookup")
    check(page, axe)
    page.get_by_label("TIN").fill("000000001")  # no one: the look is still recorded
    page.get_by_label("Case").fill("C-1")
    page.get_by_label("Purpose").fill("case-work")
    page.get_by_role("button", name="Look up (recorded)").click()
    page.get_by_text("No taxpayer with this TIN").wait_for()
    check(page, axe)
    page.get_by_label("Case").fill("C-9")
    page.get_by_role("button", name="Look up (recorded)").click()
    page.get_by_role("heading", name="Refused").wait_for()
    check(page, axe)
    screenshot(page, "desk-lookup-refused")

    page.goto(f"{desk_url}/desk/items/it-no-such-item")  # the error page
    assert "no review item" in page.content()
    check(page, axe)


def test_a_match_is_cleared_in_blind_mode_with_the_keyboard_alone(
    browser: Any, desk_url: str, ws: Workspace
) -> None:
    context = browser.new_context()  # the desk's own CSP applies here
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, desk_url, "avery")

    listed = open_items(ws, "match")[-1]
    item = listed.item
    page.goto(f"{desk_url}/desk/items/{item.id}")
    assert page.get_by_text("Blind mode").count() == 1
    assert "bits" not in page.content()

    page.keyboard.press("1")  # choose candidate 1
    page.get_by_text("your choice").wait_for()
    chosen = page.locator("input[name=candidate][type=hidden]").get_attribute("value")
    assert chosen and "bits" in page.content()  # the model's weights, now shown

    page.keyboard.press("a")  # approve: the focus goes to the reason
    assert page.evaluate("document.activeElement.id") == "reason"
    assert page.locator("#outcome-approve").is_checked()
    page.keyboard.type("same person: the address and names agree; the DOB is a typo")
    page.keyboard.press("Enter")
    page.get_by_text("approve in effect").wait_for()
    assert "decided" in page.locator("#h-history + ol").inner_text()
    assert not errors, errors  # htmx and the keys ran under the CSP without complaint
    context.close()

    found = [leaf for leaf in world.leaves(ws, "disposition") if leaf.get("item") == item.id]
    assert found, "the disposition is in the ledger"
    assert found[0]["outcome"] == "approve"
