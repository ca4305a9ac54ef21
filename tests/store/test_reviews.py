"""Officers and dispositions in the state store, on both backends: one disposition per
item, revisions given in the order dispositions take effect, proposals wait."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import NewDisposition, ReviewStore
from tests.store.test_state import NO_REJECTS, new_request, subjects


@pytest.fixture
def reviews(database_url: str) -> Iterator[ReviewStore]:
    s = StateStore(database_url)
    s.create_all()
    yield ReviewStore(s)
    s.dispose()


def new(pk: int, item: str, *, needs: bool = False) -> NewDisposition:
    return NewDisposition(pk, item, "subject", "S0", "6103(i)(2)(B)(i)", "approve", None,
                          "checked the lease", needs_confirmation=needs)  # fmt: skip


def test_officers_are_unique_and_can_be_disabled(reviews: ReviewStore) -> None:
    a = reviews.add_officer("avery", "officer", "$argon2id$x")
    with pytest.raises(InputError, match="already exists"):
        reviews.add_officer("avery", "supervisor", "$argon2id$y")
    with pytest.raises(InputError, match="unknown role"):
        reviews.add_officer("blake", "boss", "$argon2id$y")
    assert reviews.officer("avery") == a and a.active
    assert not reviews.disable_officer("avery").active
    with pytest.raises(NotFoundError):
        reviews.officer("nobody")


def test_revisions_follow_the_order_dispositions_take_effect(reviews: ReviewStore) -> None:
    pk = reviews.store.record_request(new_request(), subjects(2), NO_REJECTS).pk
    avery = reviews.add_officer("avery", "officer", "$argon2id$x")
    blake = reviews.add_officer("blake", "supervisor", "$argon2id$x")
    assert reviews.revision(pk) == 1
    proposal = reviews.record(new(pk, "it-a", needs=True), avery)
    assert proposal.revision is None and reviews.revision(pk) == 1
    first = reviews.record(new(pk, "it-b"), avery)
    assert first.revision == 2
    confirmed = reviews.confirm(proposal.pk, blake)
    assert (confirmed.revision, confirmed.confirmed_by) == (3, "blake")
    with pytest.raises(InputError, match="already has a disposition"):
        reviews.record(new(pk, "it-b"), blake)
    with pytest.raises(InputError, match="already decided"):
        reviews.confirm(proposal.pk, blake)
    assert [d.item_id for d in reviews.for_request(pk, effective=True)] == ["it-b", "it-a"]
    assert reviews.by_item("it-a") == confirmed


def test_a_revision_taken_meanwhile_is_not_mistaken_for_a_decided_item(
    reviews: ReviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two desks decide two items of one request at once: both read "next is 2" before
    either commits. The second is turned away by the unique (request, revision) and takes
    3 — it is not told that its item "already has a disposition"."""
    pk = reviews.store.record_request(new_request(), subjects(2), NO_REJECTS).pk
    avery = reviews.add_officer("avery", "officer", "$argon2id$x")
    assert reviews.record(new(pk, "it-a"), avery).revision == 2
    real = ReviewStore._next_revision
    stale = iter([2])  # what a transaction that read before it-a committed would compute

    def racing(s: object, request_pk: int) -> int:
        return next(stale, None) or real(s, request_pk)  # type: ignore[arg-type]

    monkeypatch.setattr(ReviewStore, "_next_revision", staticmethod(racing))
    assert reviews.record(new(pk, "it-b"), avery).revision == 3
