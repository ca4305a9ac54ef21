"""``ReviewStore``: officers and their dispositions, over the state store's tables.

Plain data in and out (the store sits below every stage): who the officers are, and for
each review item of a request at most one disposition — proposed, then (for what needs a
second person) confirmed. A disposition *takes effect* when it gets a revision number;
numbers are given in order under the table's unique (request, revision) constraint, so
two desks deciding at once cannot both produce "revision 3".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fti_gateway.core.errors import BusyError, InputError, NotFoundError
from fti_gateway.core.roles import ROLES
from fti_gateway.store import models as m
from fti_gateway.store.state import StateStore

__all__ = ["ROLES", "DispositionRecord", "OfficerRecord", "ReviewStore"]


@dataclass(frozen=True)
class OfficerRecord:
    pk: int
    name: str
    role: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @classmethod
    def of(cls, row: m.Officer) -> OfficerRecord:
        return cls(row.pk, row.name, row.role, row.password_hash, row.created_at, row.disabled_at)


@dataclass(frozen=True)
class DispositionRecord:
    pk: int
    request_pk: int
    item_id: str
    kind: str
    key: str
    rule: str
    outcome: str
    candidate: str | None
    reason: str
    officer: str
    proposed_at: datetime
    needs_confirmation: bool
    confirmed_by: str | None
    confirmed_at: datetime | None
    revision: int | None

    @property
    def effective(self) -> bool:
        return self.revision is not None


@dataclass(frozen=True)
class NewDisposition:
    request_pk: int
    item_id: str
    kind: str
    key: str
    rule: str
    outcome: str
    candidate: str | None
    reason: str
    needs_confirmation: bool


class ReviewStore:
    """The review desk's tables behind one :class:`StateStore`."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    # -- officers -----------------------------------------------------------------------
    def add_officer(self, name: str, role: str, password_hash: str) -> OfficerRecord:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}", hint=f"one of {', '.join(ROLES)}")
        try:
            with self.store.session() as s:
                row = m.Officer(name=name, role=role, password_hash=password_hash)
                s.add(row)
                s.flush()
                return OfficerRecord.of(row)
        except IntegrityError:
            raise InputError(
                f"an officer named {name!r} already exists", hint="choose another name"
            ) from None

    def officer(self, name: str) -> OfficerRecord:
        with self.store.session() as s:
            row = s.scalars(sa.select(m.Officer).where(m.Officer.name == name)).one_or_none()
            if row is None:
                raise NotFoundError(
                    f"no officer named {name!r}", hint="`fti officer list` shows them"
                )
            return OfficerRecord.of(row)

    def officers(self) -> list[OfficerRecord]:
        with self.store.session() as s:
            rows = s.scalars(sa.select(m.Officer).order_by(m.Officer.pk)).all()
            return [OfficerRecord.of(r) for r in rows]

    def disable_officer(self, name: str) -> OfficerRecord:
        with self.store.session() as s:
            row = s.scalars(sa.select(m.Officer).where(m.Officer.name == name)).one_or_none()
            if row is None:
                raise NotFoundError(f"no officer named {name!r}")
            if row.disabled_at is None:
                row.disabled_at = m.utcnow()
            return OfficerRecord.of(row)

    # -- dispositions -------------------------------------------------------------------
    def record(self, new: NewDisposition, officer: OfficerRecord) -> DispositionRecord:
        """Store a disposition; one that needs no second person takes effect at once."""
        try:
            with self.store.session() as s:
                row = m.ReviewDisposition(
                    request_pk=new.request_pk,
                    item_id=new.item_id,
                    kind=new.kind,
                    key=new.key,
                    rule=new.rule,
                    outcome=new.outcome,
                    candidate=new.candidate,
                    reason=new.reason,
                    officer_pk=officer.pk,
                    needs_confirmation=new.needs_confirmation,
                )
                s.add(row)
                s.flush()
                pk = row.pk
        except IntegrityError:
            raise InputError(
                f"item {new.item_id} already has a disposition",
                hint="`fti review show` gives its state; a decided item is not decided again",
            ) from None
        if not new.needs_confirmation:
            self.take_effect(pk)
        return self.get(pk)

    def confirm(self, disposition_pk: int, supervisor: OfficerRecord) -> DispositionRecord:
        with self.store.session() as s:
            row = s.get(m.ReviewDisposition, disposition_pk)
            if row is None:
                raise NotFoundError(f"no disposition {disposition_pk}")
            if row.revision is not None:
                raise InputError(f"item {row.item_id} is already decided")
            # Claimed in one statement: of two supervisors confirming at once, one wins.
            # The same supervisor again (a retry after a crash) goes on to take effect.
            claimed = s.execute(
                sa.update(m.ReviewDisposition)
                .where(
                    (m.ReviewDisposition.pk == disposition_pk)
                    & (
                        m.ReviewDisposition.confirmed_by_pk.is_(None)
                        | (m.ReviewDisposition.confirmed_by_pk == supervisor.pk)
                    )
                )
                .values(confirmed_by_pk=supervisor.pk, confirmed_at=m.utcnow())
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise InputError(f"item {row.item_id} is already decided")
        self.take_effect(disposition_pk)
        return self.get(disposition_pk)

    def take_effect(self, pk: int, attempts: int = 20) -> None:
        """Give disposition ``pk`` the request's next revision number. Two desks deciding
        items of one request at once both compute the same number; the unique constraint
        refuses the second, which takes the number after (never the same, never a gap)."""
        for _ in range(attempts):
            try:
                with self.store.session() as s:
                    row = s.get(m.ReviewDisposition, pk)
                    assert row is not None
                    if row.revision is not None:
                        return
                    row.revision = self._next_revision(s, row.request_pk)
                return
            except IntegrityError:
                continue
        raise BusyError("other dispositions kept taking the next revision", where=str(pk))

    @staticmethod
    def _next_revision(s: sa.orm.Session, request_pk: int) -> int:
        t = m.ReviewDisposition
        top = s.scalar(sa.select(sa.func.max(t.revision)).where(t.request_pk == request_pk))
        return int(top or 1) + 1

    def get(self, pk: int) -> DispositionRecord:
        found = self._select(m.ReviewDisposition.pk == pk)
        return found[0]

    def for_item(self, request_pk: int, item_id: str) -> DispositionRecord | None:
        t = m.ReviewDisposition
        found = self._select((t.request_pk == request_pk) & (t.item_id == item_id))
        return found[0] if found else None

    def by_item(self, item_id: str) -> DispositionRecord | None:
        """The disposition of item ``item_id``, whichever request it belongs to."""
        found = self._select(m.ReviewDisposition.item_id == item_id)
        return found[0] if found else None

    def for_request(self, request_pk: int, *, effective: bool = False) -> list[DispositionRecord]:
        """A request's dispositions in the order they took effect (proposals last)."""
        t = m.ReviewDisposition
        where = t.request_pk == request_pk
        if effective:
            where = where & t.revision.is_not(None)
        return self._select(where)

    def revision(self, request_pk: int) -> int:
        """The request's current decision revision: 1 + the dispositions in effect."""
        t = m.ReviewDisposition
        with self.store.session() as s:
            top = s.scalar(sa.select(sa.func.max(t.revision)).where(t.request_pk == request_pk))
        return int(top or 1)

    def _select(self, where: sa.ColumnElement[bool]) -> list[DispositionRecord]:
        t = m.ReviewDisposition
        officer = sa.orm.aliased(m.Officer)
        confirmer = sa.orm.aliased(m.Officer)
        stmt = (
            sa.select(t, officer.name, confirmer.name)
            .join(officer, officer.pk == t.officer_pk)
            .outerjoin(confirmer, confirmer.pk == t.confirmed_by_pk)
            .where(where)
            .order_by(t.revision.is_(None), t.revision, t.pk)
        )
        with self.store.session() as s:
            return [
                DispositionRecord(
                    pk=r.pk,
                    request_pk=r.request_pk,
                    item_id=r.item_id,
                    kind=r.kind,
                    key=r.key,
                    rule=r.rule,
                    outcome=r.outcome,
                    candidate=r.candidate,
                    reason=r.reason,
                    officer=name,
                    proposed_at=r.proposed_at,
                    needs_confirmation=r.needs_confirmation,
                    confirmed_by=conf,
                    confirmed_at=r.confirmed_at,
                    revision=r.revision,
                )
                for r, name, conf in s.execute(stmt).all()
            ]
