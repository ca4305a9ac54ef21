"""The agency register, tokens and replay cache on both backends."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator

import pytest
from joserfc.jwk import ECKey, OKPKey

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.store import StateStore
from fti_gateway.store import models as m
from fti_gateway.store.agencies import AgencyRegister, token_hash

NOW = dt.datetime(2025, 6, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def register(database_url: str) -> Iterator[AgencyRegister]:
    s = StateStore(database_url)
    s.create_all()
    yield AgencyRegister(s)
    s.dispose()


def ed25519() -> dict[str, str]:
    return dict(OKPKey.generate_key("Ed25519").as_dict())  # type: ignore[arg-type]


def test_add_list_revoke_and_readd(register: AgencyRegister) -> None:
    first = register.add("DOJ", ed25519())
    assert register.active("DOJ") == first and "d" not in first.jwk
    with pytest.raises(InputError, match="already has an active key"):
        register.add("DOJ", ed25519())
    revoked = register.revoke("DOJ")
    assert revoked.revoked_at is not None and register.active("DOJ") is None
    with pytest.raises(NotFoundError):
        register.revoke("DOJ")
    second = register.add("DOJ", dict(ECKey.generate_key("P-256").as_dict()))  # type: ignore[arg-type]
    assert [(k.pk, k.revoked_at is None) for k in register.list_keys()] == [
        (first.pk, False),
        (second.pk, True),
    ]


def test_a_private_key_is_never_stored(register: AgencyRegister) -> None:
    private = dict(OKPKey.generate_key("Ed25519").as_dict(private=True))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="private key"):
        register.add("DOJ", private)
    assert register.list_keys() == []


def test_tokens_are_stored_as_hashes_and_end_with_the_key(register: AgencyRegister) -> None:
    key = register.add("DOJ", ed25519())
    register.issue_token(key, "tok-secret", "jkt-1", NOW + dt.timedelta(minutes=5))
    got = register.token("tok-secret")
    assert got is not None and (got.agency, got.jkt, got.key_revoked) == ("DOJ", "jkt-1", False)
    with register.store.session() as s:
        stored = [t.token_hash for t in s.query(m.AccessToken)]
    assert stored == [token_hash("tok-secret")] and "tok-secret" not in stored
    register.revoke("DOJ")
    after = register.token("tok-secret")
    assert after is not None and after.key_revoked
    assert register.token("another") is None


def test_a_jti_is_accepted_once_per_issuer_and_purged_after_expiry(
    register: AgencyRegister,
) -> None:
    later = NOW + dt.timedelta(seconds=60)
    assert register.first_use("proof", "key-a", "j1", later, NOW)
    assert not register.first_use("proof", "key-a", "j1", later, NOW)
    assert register.first_use("proof", "key-b", "j1", later, NOW)  # another issuer
    assert register.first_use("assertion", "key-a", "j1", later, NOW)  # another kind
    assert register.purge(later + dt.timedelta(seconds=1)) == 3


def _race(url: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = StateStore(url)
    start.wait(10)
    out.put(AgencyRegister(store).first_use("assertion", "DOJ", "same", NOW, NOW))
    store.dispose()


def test_one_jti_racing_in_several_processes_is_accepted_once(
    register: AgencyRegister, database_url: str
) -> None:
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(database_url, start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
