"""Shared fixtures: a fresh workspace, and database URLs for both state backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.store import StateStore


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "home")


def _postgres_url() -> str | None:
    return os.environ.get("FTI_TEST_DATABASE_URL")


@pytest.fixture
def store(database_url: str) -> Iterator[StateStore]:
    """A state store on each backend (``database_url``), tables at head."""
    s = StateStore(database_url)
    s.create_all()
    yield s
    s.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Both state backends. PostgreSQL runs when FTI_TEST_DATABASE_URL is set; CI sets
    FTI_REQUIRE_POSTGRES=1 so that a missing server fails instead of skipping."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    url = postgres_url_or_skip()
    with private_schema(url, tmp_path) as schema_url:
        yield schema_url


def postgres_url_or_skip() -> str:
    """The test server's URL; skip without one (fail in CI, which requires it)."""
    url = _postgres_url()
    if not url:
        if os.environ.get("FTI_REQUIRE_POSTGRES") == "1":
            pytest.fail("FTI_REQUIRE_POSTGRES=1 but FTI_TEST_DATABASE_URL is not set")
        pytest.skip("set FTI_TEST_DATABASE_URL to run the PostgreSQL backend tests")
    return url


@contextmanager
def private_schema(url: str, tmp_path: Path) -> Iterator[str]:
    """``url`` narrowed to a fresh schema of its own (dropped after): runs stay independent
    on a shared database."""
    import sqlalchemy as sa

    schema = f"t_{os.getpid()}_{abs(hash(str(tmp_path))) % 10**8}"
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def desk_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    """The review desk's world (tests/deskworld.py), made once per session: it trains a
    model, which the review, desk and browser tests all copy."""
    from tests.deskworld import make_source

    return make_source(tmp_path_factory.mktemp("desk-src"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real-browser tests run last. pytest-playwright's sync API keeps an asyncio loop
    running in the main thread from its first browser test to the end of the session, and
    any later test that calls ``asyncio.run`` (the upload and job tests do) would fail with
    "cannot be called from a running event loop". A stable sort keeps every other order."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/"))
