"""The browser desk over HTTP (TestClient): sign-in, sessions, CSRF, roles, and decisions
through the same functions as `fti review` (four eyes and the ledger included).

One workspace for the module (tests/deskworld.py): a request-level item (a contested
signer) and match items; the tests that decide take different items.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline.review import list_items
from fti_gateway.service.app import create_app
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import ReviewStore
from tests import deskworld as world


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def ws(desk_source: tuple[Workspace, Path], tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return world.fresh(desk_source, tmp_path_factory.mktemp("desk-pages") / "ws")


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def app(ws: Workspace, clock: Clock) -> object:
    return create_app(ws.home, clock=clock)


def client(app: object, *, https: bool = False) -> TestClient:
    base = "https://testserver" if https else "http://testserver"
    return TestClient(app, base_url=base, follow_redirects=False)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def sign_in(c: TestClient, who: str) -> str:
    """Sign ``who`` in; the signed-in session's CSRF token."""
    form = c.get("/desk/signin")
    r = c.post("/desk/signin", data={"csrf": csrf_of(form.text), "officer": who,
                                      "password": world.pw(who), "next": "/desk/"})  # fmt: skip
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/desk/").text)


def open_items(ws: Workspace, kind: str) -> list[str]:
    return [x.item.id for x in list_items(ws, StateStore.for_workspace(ws)) if x.item.kind == kind]


def disposition(ws: Workspace, item: str) -> object:
    return ReviewStore(StateStore.for_workspace(ws)).by_item(item)


def test_pages_need_a_signed_in_officer(app: object) -> None:
    c = client(app)
    for path in ("/desk/", "/desk/requests/1", "/desk/items/it-x"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/desk/signin")


def test_sign_in_makes_a_new_session_with_safe_cookie_flags(app: object) -> None:
    c = client(app, https=True)
    form = c.get("/desk/signin")
    anon = c.cookies.get("fti_desk_session")
    bad = c.post("/desk/signin", data={"csrf": csrf_of(form.text), "officer": "avery",
                                        "password": "not the password"})  # fmt: skip
    assert bad.status_code == 401 and "officer name or password is wrong" in bad.text
    r = c.post("/desk/signin", data={"csrf": csrf_of(form.text), "officer": "avery",
                                      "password": world.pw("avery")})  # fmt: skip
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    assert c.cookies.get("fti_desk_session") != anon  # never the pre-sign-in id
    plain = client(app)
    plain.get("/desk/signin")
    assert "Secure" not in plain.get("/desk/signin").headers.get("set-cookie", "Secure-less")


@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_post_without_the_csrf_token_is_403(
    app: object, ws: Workspace, token: str | None
) -> None:
    c = client(app)
    sign_in(c, "avery")
    item = open_items(ws, "match")[0]
    data = {"outcome": "deny", "reason": "no csrf"}
    if token:
        data["csrf"] = token
    r = c.post(f"/desk/items/{item}/decide", data=data)
    assert r.status_code == 403 and "security token" in r.text
    assert disposition(ws, item) is None
    # The sign-in form is protected too.
    fresh = client(app)
    fresh.get("/desk/signin")
    r = fresh.post("/desk/signin", data={"officer": "avery", "password": world.pw("avery")})
    assert r.status_code == 403


def test_an_auditor_reads_and_cannot_decide(app: object, ws: Workspace) -> None:
    c = client(app)
    token = sign_in(c, "drew")
    item = open_items(ws, "match")[0]
    page = c.get(f"/desk/items/{item}")
    assert page.status_code == 200 and "decide none" in page.text
    assert 'action="/desk/items/' + item + '/decide"' not in page.text
    r = c.post(f"/desk/items/{item}/decide",
               data={"csrf": token, "outcome": "deny", "reason": "an auditor tries"})  # fmt: skip
    assert r.status_code == 403 and "auditors see every item and decide none" in r.text
    assert disposition(ws, item) is None


def test_four_eyes_on_the_desk_self_confirmation_refused(app: object, ws: Workspace) -> None:
    (item,) = open_items(ws, "request")
    blake = client(app)
    token = sign_in(blake, "blake")
    r = blake.post(f"/desk/items/{item}/decide", data={"csrf": token, "outcome": "approve",
                   "reason": "the component head is the head of the agency here"})  # fmt: skip
    assert r.status_code == 303
    assert "proposed by blake" in blake.get(r.headers["location"]).text
    r = blake.post(f"/desk/items/{item}/confirm", data={"csrf": token})
    assert r.status_code == 403 and "cannot confirm it" in r.text
    avery = client(app)
    r = avery.post(f"/desk/items/{item}/confirm", data={"csrf": sign_in(avery, "avery")})
    assert r.status_code == 403 and "only a supervisor confirms" in r.text
    casey = client(app)
    r = casey.post(f"/desk/items/{item}/confirm", data={"csrf": sign_in(casey, "casey")})
    assert r.status_code == 303
    d = disposition(ws, item)
    assert d is not None and d.confirmed_by == "casey" and d.effective  # type: ignore[attr-defined]
    kinds = [leaf.get("outcome") for leaf in world.leaves(ws, "disposition")]
    assert kinds, "the proposal and the confirmation are ledger leaves"


def test_blind_mode_hides_the_score_until_a_candidate_is_chosen(app: object, ws: Workspace) -> None:
    c = client(app)
    token = sign_in(c, "avery")
    item = open_items(ws, "match")[-1]
    blind = c.get(f"/desk/items/{item}").text
    assert "Blind mode" in blind and "bits" not in blind and "waterfall" not in blind
    assert "model's best" not in blind and "runner-up" not in blind.lower()
    cands = re.findall(r'name="candidate" value="(TP\d+)"', blind)
    assert cands
    r = c.post(f"/desk/items/{item}/choose", data={"csrf": token, "candidate": "TP000000000"})
    assert r.status_code == 400 and "not a candidate" in r.text
    r = c.post(f"/desk/items/{item}/choose", data={"csrf": token, "candidate": cands[0]})
    assert r.status_code == 303
    seen = c.get(f"/desk/items/{item}").text
    assert "bits" in seen and "<svg" in seen and "your choice" in seen
    r = c.post(f"/desk/items/{item}/decide", data={"csrf": token, "outcome": "approve",
               "candidate": cands[0], "reason": "same person; the DOB is a typo"})  # fmt: skip
    assert r.status_code == 303
    d = disposition(ws, item)
    assert d is not None and d.candidate == cands[0]  # type: ignore[attr-defined]
    assert "approve in effect" in c.get(r.headers["location"]).text
    assert any(leaf.get("item") == item for leaf in world.leaves(ws, "disposition"))


def test_a_decision_needs_a_reason(app: object, ws: Workspace) -> None:
    c = client(app)
    token = sign_in(c, "avery")
    item = open_items(ws, "match")[0]
    r = c.post(f"/desk/items/{item}/decide", data={"csrf": token, "outcome": "deny",
                                                    "reason": "   "})  # fmt: skip
    assert r.status_code == 400 and "needs a reason" in r.text
    assert disposition(ws, item) is None


def test_queue_filters_and_request_page(app: object, ws: Workspace) -> None:
    c = client(app)
    sign_in(c, "drew")
    everything = c.get("/desk/").text
    matches = c.get("/desk/?kind=match").text
    assert "<td>match</td>" in matches and "<td>request</td>" not in matches
    assert everything.count("<tr>") >= matches.count("<tr>")
    assert "No open review items match" in c.get("/desk/?request_id=NOPE").text
    record = StateStore.for_workspace(ws).get_request(world.AGENCY, world.RID)
    assert record is not None
    page = c.get(f"/desk/requests/{record.pk}").text
    assert "fti law explain" in page and "Who may sign" in page
    assert "26 U.S.C. 6103" in page  # the findings' citations, with the statute's words


def test_the_session_expires_when_idle(app: object, clock: Clock) -> None:
    c = client(app)
    sign_in(c, "avery")
    assert c.get("/desk/").status_code == 200
    clock.now += 14 * 60  # still alive: each request restarts the idle clock
    assert c.get("/desk/").status_code == 200
    clock.now += 16 * 60
    r = c.get("/desk/")
    assert r.status_code == 303 and r.headers["location"].startswith("/desk/signin")


def test_sign_out_ends_the_session(app: object) -> None:
    c = client(app)
    token = sign_in(c, "avery")
    sid = c.cookies.get("fti_desk_session")
    assert c.post("/desk/signout", data={"csrf": token}).status_code == 303
    c.cookies.set("fti_desk_session", sid or "", path="/desk")
    assert c.get("/desk/").status_code == 303


LOOKUP_PRINCIPALS = """\
format: fti/principals/v1
principals:
  - {id: avery, role: disclosure_officer, unit: disclosure, cases: [C-1], cleared_from: 2024-01-01}
"""


def _a_taxpayer(ws: Workspace) -> tuple[str, str]:
    """A TIN in the vault and its holder's last name."""
    from fti_gateway.vault.store import Vault

    con = Vault(ws.vault_dir).connect()
    try:
        row = con.execute("SELECT tin, last_name FROM master ORDER BY tin LIMIT 1").fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0]), str(row[1])


def test_a_lookup_at_the_desk_is_the_policys_and_recorded_either_way(
    app: object, ws: Workspace
) -> None:
    """The desk's look is `fti vault lookup` for the signed-in person: the register or
    principals.yaml decides (not the desk role), the TIN goes in the body, and the allowed
    and the refused look are both in the gate's trail and the taxpayer's accounting."""
    from fti_gateway.core.keys import load_commitment_secret
    from fti_gateway.ledger import accounting, entries
    from fti_gateway.ledger.workspace import verifier_key
    from fti_gateway.vault.inspections import gate_log, read_events

    (ws.home / "principals.yaml").write_text(LOOKUP_PRINCIPALS)
    tin, last_name = _a_taxpayer(ws)
    c = client(app)
    assert c.get("/desk/lookup").status_code == 303  # signed in first
    csrf = sign_in(c, "avery")
    assert 'action="/desk/lookup"' in c.get("/desk/lookup").text
    before = len(list(read_events(gate_log(ws.home)))) if gate_log(ws.home).exists() else 0
    form = {"tin": tin, "case": "C-1", "purpose": "case-work"}
    assert c.post("/desk/lookup", data=form).status_code == 403  # no CSRF token

    ok = c.post("/desk/lookup", data={**form, "csrf": csrf})
    assert ok.status_code == 200, ok.text
    assert "officer-lookup-in-assigned-case" in ok.text and f"<td>{last_name}</td>" in ok.text
    assert ok.headers["cache-control"] == "no-store"
    refused = c.post("/desk/lookup", data={**form, "case": "C-9", "csrf": csrf})
    assert refused.status_code == 403 and "Refused" in refused.text
    assert "decided by no-case-no-lookup" in refused.text  # the policy that refused, named
    assert last_name not in refused.text  # no record shown
    missing = c.post("/desk/lookup", data={"tin": tin, "case": "C-1", "csrf": csrf})
    assert missing.status_code == 400 and "purpose" in missing.text

    trail = [o for _, o in read_events(gate_log(ws.home))][before:]
    assert [(e["principal"], e["taxpayer"], e["outcome"]) for e in trail] == [
        ("avery", tin, "allowed"), ("avery", tin, "denied"),
    ]  # fmt: skip
    commitment = entries.commit_taxpayer(load_commitment_secret(ws.keys_dir), tin)
    view = accounting.load(ws.ledger_dir, verifier_key(ws))
    rows = accounting.query(view.rows, taxpayer=commitment, kinds=["inspection"])
    assert [(r.kind, r.outcome) for r in rows][-2:] == [
        ("inspection", "allowed"), ("inspection", "denied"),
    ]  # fmt: skip
