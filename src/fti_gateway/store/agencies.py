"""``AgencyRegister``: who may call the service, the tokens they hold, the JWTs already used.

Three small jobs over the state store (same tables on SQLite and PostgreSQL):

- the register of agency keys (``fti agency add/list/revoke``): one active public key per
  agency, revocations kept as history;
- issued access tokens, stored as a SHA-256 only, each bound to the DPoP key's thumbprint
  and to the agency key that obtained it (revoking the agency ends its tokens at once);
- the replay cache of accepted ``jti`` values. "Never accepted twice" is the database's
  primary key, not a read-then-write, so it holds across service processes and workers.

Every authenticated call pays for this, so its path is lean (issue 15's 500 calls/s): a
token's record never changes once issued, so each process keeps the ones it has seen
(:class:`TokenCache`, until they expire); what can change — the agency key's revocation —
is checked in the same single statement that records the proof's ``jti``
(:meth:`AgencyRegister.use_proof`): the row goes in only while the key is active, so a
revoked agency is refused on its very next call, in every process, with a cached token.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.jwk import public_jwk, thumbprint
from fti_gateway.store import models as m
from fti_gateway.store.state import StateStore

JtiKind = Literal["assertion", "proof"]
AGENCY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # the OAuth client_id
PURGE_EVERY_S = 60.0  # expired replay-cache rows and tokens are swept at most this often
TOKEN_CACHE_SIZE = 10_000  # tokens kept per process (each at most TOKEN_TTL_S)
ProofUse = Literal["accepted", "replayed", "revoked"]


@dataclass(frozen=True)
class AgencyKeyRecord:
    pk: int
    agency: str
    jwk: dict[str, str]
    thumbprint: str
    added_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: m.AgencyKey) -> AgencyKeyRecord:
        return cls(row.pk, row.agency, dict(row.jwk), row.thumbprint, row.added_at, row.revoked_at)


@dataclass(frozen=True)
class TokenRecord:
    agency: str
    key_pk: int
    jkt: str
    expires_at: datetime
    key_revoked: bool


def token_hash(token: str) -> str:
    """What is stored of an access token: its SHA-256 (tokens are 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenCache:
    """Issued tokens' records as this process has read them, by token hash.

    Safe to keep because nothing in a token's row changes after it is issued (expiry is
    checked by the caller on every call; revocation is the agency key's, checked by
    :meth:`AgencyRegister.use_proof`). Bounded: when full, expired entries go, then the
    oldest. Unknown tokens are never cached (each such call asks the database)."""

    def __init__(self, size: int = TOKEN_CACHE_SIZE) -> None:
        self.size = size
        self._records: dict[str, TokenRecord] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> TokenRecord | None:
        return self._records.get(digest)

    def put(self, digest: str, record: TokenRecord, now: datetime) -> None:
        with self._lock:
            if len(self._records) >= self.size:
                for k in [k for k, r in self._records.items() if r.expires_at <= now]:
                    del self._records[k]
                while len(self._records) >= self.size:
                    del self._records[next(iter(self._records))]
            self._records[digest] = record


class AgencyRegister:
    """Agency keys, access tokens and the replay cache of one state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._next_purge = 0.0
        self.tokens = TokenCache()
        self._use_proof = _use_if_active_statement(store.engine.dialect.name)

    # -- keys -----------------------------------------------------------------------------

    def add(self, agency: str, jwk: Mapping[str, Any], where: str = "jwk") -> AgencyKeyRecord:
        """Register ``agency``'s public key; refuses a private key, a disallowed key type,
        and an agency that already has an active key (revoke it first: a key change is
        two recorded acts, not a silent overwrite)."""
        if not AGENCY_ID.match(agency):
            raise InputError(
                f"{agency!r} is not a usable agency id",
                where="agency",
                hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
            )
        public = public_jwk(jwk, where)
        if self.active(agency) is not None:
            raise InputError(
                f"agency {agency} already has an active key",
                where=f"agency {agency}",
                hint=f"run 'fti agency revoke {agency}' first to replace it",
            )
        row = m.AgencyKey(agency=agency, jwk=public, thumbprint=thumbprint(public))
        try:
            with self.store.session() as s:
                s.add(row)
                s.flush()
                return AgencyKeyRecord.of(row)
        except sa.exc.IntegrityError:  # a concurrent add won
            raise InputError(
                f"agency {agency} already has an active key", where=f"agency {agency}"
            ) from None

    def active(self, agency: str) -> AgencyKeyRecord | None:
        with self.store.session() as s:
            row = s.scalars(
                sa.select(m.AgencyKey).where(
                    m.AgencyKey.agency == agency, m.AgencyKey.revoked_at.is_(None)
                )
            ).one_or_none()
            return None if row is None else AgencyKeyRecord.of(row)

    def list_keys(self) -> list[AgencyKeyRecord]:
        """Every key ever registered, active and revoked, by agency then age."""
        with self.store.session() as s:
            rows = s.scalars(sa.select(m.AgencyKey).order_by(m.AgencyKey.agency, m.AgencyKey.pk))
            return [AgencyKeyRecord.of(r) for r in rows]

    def revoke(self, agency: str) -> AgencyKeyRecord:
        """End the agency's active key; every token it obtained stops working with it."""
        with self.store.session() as s:
            row = s.scalars(
                sa.select(m.AgencyKey).where(
                    m.AgencyKey.agency == agency, m.AgencyKey.revoked_at.is_(None)
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(
                    f"agency {agency} has no active key",
                    where=f"agency {agency}",
                    hint="'fti agency list' shows the registered agencies",
                )
            row.revoked_at = m.utcnow()
            return AgencyKeyRecord.of(row)

    # -- tokens ---------------------------------------------------------------------------

    def issue_token(self, key: AgencyKeyRecord, token: str, jkt: str, expires_at: datetime) -> None:
        with self.store.session() as s:
            s.add(
                m.AccessToken(
                    token_hash=token_hash(token),
                    key_pk=key.pk,
                    agency=key.agency,
                    jkt=jkt,
                    expires_at=expires_at,
                )
            )

    def token(self, token: str) -> TokenRecord | None:
        """The token's record (the caller checks expiry, binding and revocation)."""
        with self.store.session() as s:
            row = s.execute(
                sa.select(m.AccessToken, m.AgencyKey.revoked_at)
                .join(m.AgencyKey, m.AgencyKey.pk == m.AccessToken.key_pk)
                .where(m.AccessToken.token_hash == token_hash(token))
            ).one_or_none()
            if row is None:
                return None
            tok, revoked_at = row
            return TokenRecord(
                tok.agency, tok.key_pk, tok.jkt, tok.expires_at, revoked_at is not None
            )

    def cached_token(self, token: str, now: datetime) -> TokenRecord | None:
        """The token's record from this process's cache, else the database (then cached).
        ``key_revoked`` of a cached record is as it was first read: the caller must check
        revocation with :meth:`use_proof`."""
        digest = token_hash(token)
        record = self.tokens.get(digest)
        if record is None:
            record = self.token(token)
            if record is not None and not record.key_revoked:
                self.tokens.put(digest, record, now)
        return record

    # -- replay cache -----------------------------------------------------------------------

    def use_proof(
        self, key_pk: int, issuer: str, jti: str, expires_at: datetime, now: datetime
    ) -> ProofUse:
        """Record a DPoP proof's ``jti`` as accepted if agency key ``key_pk`` is still
        active — one statement, one round trip, the replay check still the primary key.
        Nothing is recorded for a revoked key (as before: only an accepted proof uses up
        its jti); which of the two refused it is asked only when one did."""
        self._maybe_purge(now)
        params = {"kind": "proof", "jti": _digest(issuer, jti), "exp": expires_at, "key": key_pk}
        # Autocommit: the one INSERT is its own transaction, durable when it returns (a
        # commit as before: synchronous_commit / synchronous=FULL are untouched), without
        # the BEGIN and COMMIT round trips of an explicit transaction around it.
        with self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.execute(self._use_proof, params).first() is not None:
                return "accepted"
            revoked = conn.execute(
                sa.select(m.AgencyKey.revoked_at).where(m.AgencyKey.pk == key_pk)
            ).one_or_none()
        return "revoked" if revoked is None or revoked[0] is not None else "replayed"

    def first_use(
        self, kind: JtiKind, issuer: str, jti: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record ``jti`` (scoped to its issuer: an agency or a DPoP key) as accepted; False
        if it already was. ``expires_at`` is when the JWT could no longer be accepted
        anyway — after that the row may be purged without weakening the check."""
        self._maybe_purge(now)
        digest = _digest(issuer, jti)
        try:
            with self.store.session() as s:
                s.add(m.SeenJti(kind=kind, jti=digest, expires_at=expires_at))
        except sa.exc.IntegrityError:
            return False
        return True

    def purge(self, now: datetime) -> int:
        """Delete replay-cache rows and tokens past their expiry; returns how many."""
        with self.store.session() as s:
            jtis = s.execute(sa.delete(m.SeenJti).where(m.SeenJti.expires_at < now))
            toks = s.execute(sa.delete(m.AccessToken).where(m.AccessToken.expires_at < now))
            return int(getattr(jtis, "rowcount", 0)) + int(getattr(toks, "rowcount", 0))

    def _maybe_purge(self, now: datetime) -> None:
        tick = time.monotonic()
        if tick >= self._next_purge:
            self._next_purge = tick + PURGE_EVERY_S
            self.purge(now)


def _digest(issuer: str, jti: str) -> str:
    """What the replay cache keeps of a ``jti``: scoped to its issuer, fixed length."""
    return hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()


def _use_if_active_statement(dialect: str) -> sa.Insert:
    """``INSERT INTO seen_jtis SELECT … WHERE <key active> ON CONFLICT DO NOTHING
    RETURNING``: a row returned means accepted; none means replayed or revoked. Built once per register
    (SQLAlchemy then caches its compiled form)."""
    seen, keys = m.SeenJti.__table__, m.AgencyKey.__table__
    active = sa.exists().where(
        keys.c.pk == sa.bindparam("key", type_=keys.c.pk.type), keys.c.revoked_at.is_(None)
    )
    rows = sa.select(
        sa.bindparam("kind", type_=seen.c.kind.type),
        sa.bindparam("jti", type_=seen.c.jti.type),
        sa.bindparam("exp", type_=seen.c.expires_at.type),
    ).where(active)
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(seen)
    insert = insert.from_select(["kind", "jti", "expires_at"], rows)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … SELECT … ON CONFLICT.
    return insert.on_conflict_do_nothing().returning(seen.c.kind)
