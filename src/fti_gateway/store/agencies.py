"""``AgencyRegister``: who may call the service, the tokens they hold, the JWTs already used.

Three small jobs over the state store (same tables on SQLite and PostgreSQL):

- the register of agency keys (``fti agency add/list/revoke``): one active public key per
  agency, revocations kept as history;
- issued access tokens, stored as a SHA-256 only, each bound to the DPoP key's thumbprint
  and to the agency key that obtained it (revoking the agency ends its tokens at once);
- the replay cache of accepted ``jti`` values. "Never accepted twice" is the database's
  primary key, not a read-then-write, so it holds across service processes and workers.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.jwk import public_jwk, thumbprint
from fti_gateway.store import models as m
from fti_gateway.store.state import StateStore

JtiKind = Literal["assertion", "proof"]
AGENCY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # the OAuth client_id
PURGE_EVERY_S = 60.0  # expired replay-cache rows and tokens are swept at most this often


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


class AgencyRegister:
    """Agency keys, access tokens and the replay cache of one state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._next_purge = 0.0

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

    # -- replay cache -----------------------------------------------------------------------

    def first_use(
        self, kind: JtiKind, issuer: str, jti: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record ``jti`` (scoped to its issuer: an agency or a DPoP key) as accepted; False
        if it already was. ``expires_at`` is when the JWT could no longer be accepted
        anyway — after that the row may be purged without weakening the check."""
        self._maybe_purge(now)
        digest = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
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
