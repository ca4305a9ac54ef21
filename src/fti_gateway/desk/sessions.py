"""Server-side desk sessions: a random id in a cookie, everything else on the server.

The cookie carries only an unguessable id (``secrets.token_urlsafe``); who is signed in,
their CSRF token and the candidate they chose in blind mode stay here, so nothing a
browser sends can claim a role. A session ends on sign-out, after ``idle`` seconds
without a request, or ``lifetime`` seconds after sign-in, whichever comes first. Signing
in always starts a *new* session (the sign-in form's anonymous one is dropped), so an id
planted before sign-in never becomes a signed-in one (session fixation).

CSRF: a synchronizer token per session, compared in constant time with the ``csrf`` form
field or the ``X-CSRF-Token`` header (htmx sends it); the sign-in form has one too.

Sessions live in the process: restarting `fti serve` signs everyone out, which is the
safe way round. The table is bounded: expired sessions are dropped as new ones are made.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "fti_desk_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
IDLE_S = 15 * 60
LIFETIME_S = 8 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    id: str
    csrf: str
    created: float
    seen: float
    officer: str | None = None  # None: the anonymous session of the sign-in form
    role: str | None = None
    chosen: dict[str, str] = field(default_factory=dict)  # blind mode: item id → taxpayer
    flash: str | None = None  # what the last action did, shown once on the next page


class Sessions:
    """The desk's session table (thread-safe: FastAPI runs sync routes in threads)."""

    def __init__(
        self,
        *,
        idle: float = IDLE_S,
        lifetime: float = LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idle, self.lifetime, self.clock = idle, lifetime, clock
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, officer: str | None = None, role: str | None = None) -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, officer, role)
        with self._lock:
            self._sweep(now)
            self._by_id[s.id] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        """The live session ``sid`` names (its idle clock restarted), or None."""
        if not sid:
            return None
        now = self.clock()
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            if self._expired(s, now):
                del self._by_id[sid]
                return None
            s.seen = now
            return s

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)

    def _expired(self, s: Session, now: float) -> bool:
        return now - s.seen > self.idle or now - s.created > self.lifetime

    def _sweep(self, now: float) -> None:
        dead = [k for k, s in self._by_id.items() if self._expired(s, now)]
        for k in dead:
            del self._by_id[k]
        while len(self._by_id) >= MAX_SESSIONS:  # oldest first (dicts keep insertion order)
            del self._by_id[next(iter(self._by_id))]


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    """Whether ``sent`` is the session's synchronizer token (constant-time compare)."""
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
