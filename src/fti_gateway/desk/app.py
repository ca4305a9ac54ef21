"""``desk_app(ws)``: the review desk in a browser, mounted by the service under ``/desk/``.

Server-rendered pages (Jinja2); every page reads without JavaScript and every form posts
normally. htmx (vendored, ``static/VENDORED.md``) only enhances: ``hx-boost`` swaps pages
in place, and ``static/desk.js`` adds the keys (1..n choose a candidate, a approve,
d deny; the focus goes to the required reason, Enter submits).

Decisions go through ``pipeline.review.decide_as``/``confirm_as`` — the very functions
behind `fti review decide/confirm` — so four eyes, the bright-line refusal and the ledger
entries are the same; the desk only replaces the password prompt with a signed-in
session (``sessions``), re-reading the account on every action. They run in a worker
thread (a decision runs the request's next revision), never on the event loop. Every POST checks the
session's CSRF token (form field or ``X-CSRF-Token`` header); a failure is 403.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from fti_gateway.core.errors import FtiError, InputError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.desk import views
from fti_gateway.desk.sessions import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    IDLE_S,
    LIFETIME_S,
    Session,
    Sessions,
    csrf_ok,
)
from fti_gateway.law import BrightLineError, load_registry
from fti_gateway.pipeline.review import DeskResult, confirm_as, decide_as, locate
from fti_gateway.review import AuthenticationFailed, NotAllowed, authenticate, still_active
from fti_gateway.review.items import candidate_ids
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import ReviewStore
from fti_gateway.vault.access import AccessDenied

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class Redirect(Exception):
    """Not signed in (or the session expired): go to the sign-in page."""


class Forbidden(Exception):
    """A POST without the session's CSRF token."""


def _status(e: FtiError) -> int:
    if isinstance(e, AuthenticationFailed | NotAllowed):
        return 403
    if isinstance(e, NotFoundError):
        return 404
    if isinstance(e, BrightLineError):
        return 409
    if isinstance(e, InputError):
        return 400
    return 500


def desk_app(
    ws: Workspace,
    *,
    clock: Callable[[], float] | None = None,
    idle: float = IDLE_S,
    lifetime: float = LIFETIME_S,
) -> FastAPI:
    """The desk over ``ws``; ``clock`` (seconds) is for tests of session expiry."""
    store = StateStore.for_workspace(ws)
    registry = load_registry(ws.registry_dir)
    sessions = Sessions(idle=idle, lifetime=lifetime, clock=clock or time.time)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["level_of"] = views.level_of
    app = FastAPI(title="FTI Gateway review desk", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.sessions = sessions

    def page(
        request: Request, name: str, s: Session | None, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        flash = None
        if s is not None:
            flash, s.flash = s.flash, None
        resp = templates.TemplateResponse(
            request, name, {"s": s, "flash": flash, "csrf_field": CSRF_FIELD, **ctx},
            status_code=status,
        )  # fmt: skip
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Cache-Control"] = "no-store"  # pages show return information
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    def set_cookie(request: Request, resp: Response, s: Session) -> None:
        resp.set_cookie(
            COOKIE, s.id, httponly=True, samesite="strict", path="/desk",
            secure=request.url.scheme == "https",
        )  # fmt: skip

    def signed_in(request: Request) -> Session:
        s = sessions.get(request.cookies.get(COOKIE))
        if s is None or s.officer is None:
            raise Redirect
        return s

    async def checked(request: Request) -> Session | None:
        """The request's session if the POST carries its CSRF token; else Forbidden."""
        s = sessions.get(request.cookies.get(COOKIE))
        form = await request.form()
        sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
        if not csrf_ok(s, sent if isinstance(sent, str) else None):
            raise Forbidden
        return s

    def back(to: str) -> RedirectResponse:
        return RedirectResponse(to, status_code=303)

    @app.exception_handler(Redirect)
    def _to_signin(request: Request, _: Redirect) -> Response:
        nxt = request.url.path if request.method == "GET" else "/desk/"
        resp = back(f"/desk/signin?next={quote(nxt)}")
        resp.delete_cookie(COOKIE, path="/desk")
        return resp

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, _: Forbidden) -> Response:
        s = sessions.get(request.cookies.get(COOKIE))
        msg = "the form's security token is missing or wrong (reload the page and try again)"
        return page(request, "error.html", s, 403, message=msg, hint=None)

    @app.exception_handler(FtiError)
    def _error(request: Request, e: FtiError) -> Response:
        s = sessions.get(request.cookies.get(COOKIE))
        return page(request, "error.html", s, _status(e), message=str(e.message), hint=e.hint,
                    where=e.where)  # fmt: skip

    # --- sign-in / sign-out -------------------------------------------------------------
    @app.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request, next: str = "/desk/") -> Response:
        s = sessions.get(request.cookies.get(COOKIE))
        if s is not None and s.officer is not None:
            return back(_local(next))
        s = s or sessions.new()
        resp = page(request, "signin.html", s, next=_local(next), error=None)
        set_cookie(request, resp, s)
        return resp

    @app.post("/signin", response_class=HTMLResponse)
    async def signin(request: Request) -> Response:
        anon = await checked(request)
        form = await request.form()
        name, password = str(form.get("officer", "")), str(form.get("password", ""))
        nxt = _local(str(form.get("next", "/desk/")))
        try:
            who = await run_in_threadpool(authenticate, ReviewStore(store), name, password)
        except AuthenticationFailed as e:
            return page(request, "signin.html", anon, 401, next=nxt, error=e.message)
        sessions.end(anon.id if anon else None)
        s = sessions.new(who.name, who.role)
        resp = back(nxt)
        set_cookie(request, resp, s)
        return resp

    @app.post("/signout")
    async def signout(request: Request) -> Response:
        s = await checked(request)
        sessions.end(s.id if s else None)
        resp = back("/desk/signin")
        resp.delete_cookie(COOKIE, path="/desk")
        return resp

    # --- reading ------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def queue(
        request: Request,
        request_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
        sort: str | None = None,
    ) -> Response:
        s = signed_in(request)
        rows = views.queue(
            ws, store, request_id=request_id, kind=kind or None, state=state or None,
            oldest_first=sort == "age",
        )  # fmt: skip
        return page(
            request, "queue.html", s, rows=rows, kinds=views.KINDS, states=views.STATES,
            f={"request_id": request_id or "", "kind": kind or "", "state": state or "",
               "sort": sort or ""},
        )  # fmt: skip

    @app.get("/requests/{pk}", response_class=HTMLResponse)
    def request_(request: Request, pk: int) -> Response:
        s = signed_in(request)
        return page(request, "request.html", s, p=views.request_page(ws, store, registry, pk))

    @app.get("/items/{item_id}", response_class=HTMLResponse)
    def item(request: Request, item_id: str, blind: int = 1) -> Response:
        s = signed_in(request)
        p = views.item_page(ws, store, item_id, blind=bool(blind), chosen=s.chosen.get(item_id))
        return page(request, "item.html", s, p=p)

    # --- acting (the same functions as the CLI) -----------------------------------------
    @app.post("/items/{item_id}/choose")
    async def choose(request: Request, item_id: str) -> Response:
        s = _officer(await checked(request))
        form = await request.form()
        chosen = str(form.get("candidate", ""))
        _, it = locate(ws, store, item_id)
        if chosen not in candidate_ids(it):
            raise InputError(
                f"{chosen[:20]!r} is not a candidate of this match",
                where=item_id,
                hint=f"one of: {', '.join(candidate_ids(it)) or '(none recorded)'}",
            )
        s.chosen[item_id] = chosen
        return back(f"/desk/items/{quote(item_id)}#decide")

    @app.post("/items/{item_id}/decide")
    async def decide(request: Request, item_id: str) -> Response:
        s = _officer(await checked(request))
        form = await request.form()
        outcome = str(form.get("outcome", ""))
        if outcome not in ("approve", "deny"):
            raise InputError("choose approve or deny", where="outcome")
        candidate = str(form.get("candidate") or "") or None
        who = still_active(ReviewStore(store), str(s.officer))
        r = await run_in_threadpool(
            lambda: decide_as(
                ws, who, item_id, outcome=outcome, reason=str(form.get("reason", "")),
                candidate=candidate if outcome == "approve" else None,
            )
        )  # fmt: skip
        s.flash = _said(r)
        return back(f"/desk/items/{quote(item_id)}")

    @app.post("/items/{item_id}/confirm")
    async def confirm(request: Request, item_id: str) -> Response:
        s = _officer(await checked(request))
        who = still_active(ReviewStore(store), str(s.officer))
        r = await run_in_threadpool(confirm_as, ws, who, item_id)
        s.flash = _said(r)
        return back(f"/desk/items/{quote(item_id)}")

    # --- a person's look at one taxpayer (issue 19: the same as `fti vault lookup`) -------
    @app.get("/lookup", response_class=HTMLResponse)
    def lookup_form(request: Request) -> Response:
        s = signed_in(request)
        return page(request, "lookup.html", s, f=views.LookupForm(), result=None, refused=None)

    @app.post("/lookup", response_class=HTMLResponse)
    async def lookup(request: Request) -> Response:
        """The signed-in person's look, decided by the read policy from the register (not
        by the desk role) and recorded allowed or refused, as `fti vault lookup` does. The
        TIN travels in the form body, never in a URL that logs and history keep."""
        s = _officer(await checked(request))
        form = await request.form()
        f = views.LookupForm.read(form)
        who = still_active(ReviewStore(store), str(s.officer))
        try:
            result = await run_in_threadpool(views.look_up, ws, who.name, f)
        except AccessDenied as e:
            return page(request, "lookup.html", s, 403, f=f, result=None, refused=e)
        return page(request, "lookup.html", s, f=f, result=result, refused=None)

    return app


def _officer(s: Session | None) -> Session:
    if s is None or s.officer is None:
        raise Redirect
    return s


def _local(path: str) -> str:
    """Only a path on the desk itself (never an open redirect)."""
    return path if path.startswith("/desk/") and not path.startswith("//") else "/desk/"


def _said(r: DeskResult) -> str:
    """What a desk action did, in the words `fti review decide` prints."""
    d = r.disposition
    if not d.effective:
        return f"{d.outcome} proposed by {d.officer}; a supervisor confirms it"
    out = f"{d.outcome} in effect (decision revision {d.revision})"
    if r.run is not None:
        out += f"; decision: {r.run.outcome}; {r.open_items} item(s) still open"
        if r.run.disclosed:
            out += f"; disclosed: {r.run.disclosed} subject(s)"
    return out
