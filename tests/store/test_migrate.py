"""Schema migrations on both backends: an older database is upgraded (a SQLite file on
opening, a server database by `fti db upgrade`), never refused for its age nor altered
silently; one made before migrations is stamped only if it matches the baseline."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fti_gateway.core.errors import ConfigError
from fti_gateway.store import StateStore, migrate
from fti_gateway.store import models as m

UTC = dt.UTC


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    e = sa.create_engine(database_url)
    yield e
    e.dispose()


def is_server(url: str) -> bool:
    return not url.startswith("sqlite")


def seed(conn: sa.Connection, md: sa.MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """A request with subject rows, a reject, events, a decision with findings and a run,
    written through the baseline's own tables; returns every row, table by table."""
    t = md.tables
    now = dt.datetime(2025, 6, 4, 12, 0, tzinfo=UTC)
    conn.execute(
        t["requests"].insert(),
        [{"pk": 1, "agency": "DOJ", "external_id": "R-1", "authority": "6103(i)(2)",
          "received": dt.date(2025, 6, 4), "format": "fti/request/v1",
          "manifest": {"id": "R-1"}, "digest": "sha256:aa", "source": "/tmp/m.yaml",
          "status": "decided", "subject_count": 2, "reject_count": 1, "warnings": ["w"],
          "created_at": now, "updated_at": now}],
    )  # fmt: skip
    conn.execute(
        t["request_subjects"].insert(),
        [{"request_pk": 1, "line": i + 2, "subject_id": f"S{i}", "last_name": f"Name{i}",
          "tin": f"90000000{i}", "extra": {"alias": "A"} if i else None} for i in range(2)],
    )  # fmt: skip
    conn.execute(
        t["request_rejects"].insert(),
        [{"request_pk": 1, "line": 5, "reason": "dob 'x' is not a date", "code": "dob-invalid"}],
    )
    conn.execute(
        t["request_events"].insert(),
        [{"request_pk": 1, "at": now, "status": s} for s in ("received", "decided")],
    )
    conn.execute(
        t["decisions"].insert(),
        [{"pk": 1, "request_pk": 1, "outcome": "partial", "decision": {"outcome": "partial"},
          "created_at": now}],
    )  # fmt: skip
    conn.execute(
        t["subject_findings"].insert(),
        [{"decision_pk": 1, "subject_id": f"S{i}", "result": r} for i, r in enumerate(("approve", "deny"))],
    )  # fmt: skip
    conn.execute(
        t["runs"].insert(),
        [{"request_pk": 1, "run_dir": "/runs/1", "status": "done", "started_at": now}],
    )
    return rows(conn, md)


def rows(conn: sa.Connection, md: sa.MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the baseline's tables, in the baseline's columns, by primary key."""
    return {
        name: [tuple(r) for r in conn.execute(sa.select(*t.c).order_by(*t.primary_key))]
        for name, t in md.tables.items()
    }


def at_baseline(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """A database at the baseline revision (not head: there may be revisions since)."""
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), migrate.BASELINE)
    with engine.begin() as conn:
        return seed(conn, migrate.baseline_schema())


def revision_of(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# -- head is models.py ------------------------------------------------------------------


def test_an_empty_database_is_created_at_head_exactly_as_models_define(
    database_url: str, engine: sa.Engine
) -> None:
    store = StateStore(database_url)
    assert store.create_all() is None  # nothing to tell: it was empty
    assert revision_of(engine) == migrate.head()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, m.Base.metadata) == []
    assert store.schema_state().kind == "current"
    store.dispose()


def test_the_baseline_is_the_schema_the_code_before_migrations_made(engine: sa.Engine) -> None:
    """What is stamped without a change must be exactly what create_all made then; at the
    baseline revision, models.py's tables were that (a frozen copy since)."""
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), migrate.BASELINE)
    with engine.connect() as conn:
        assert migrate.differences(conn, migrate.baseline_schema()) == []
    scratch = sa.MetaData()
    migrate.baseline_schema().create_all(engine)  # idempotent: every table already there
    scratch.reflect(engine)
    assert set(scratch.tables) == {*migrate.baseline_schema().tables, "alembic_version"}


# -- before migrations --------------------------------------------------------------------


def test_a_database_made_before_migrations_is_stamped_then_upgraded_with_its_rows(
    database_url: str, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    baseline = migrate.baseline_schema()
    baseline.create_all(engine)  # what `create_all` did before migrations
    with engine.begin() as conn:
        before = seed(conn, baseline)
    store = StateStore(database_url)
    if is_server(database_url):
        with pytest.raises(ConfigError) as e:
            store.create_all()
        assert e.value.exit_code == 5 and "fti db upgrade" in (e.value.hint or "")
        assert "made before schema migrations" in e.value.message
        assert revision_of(engine) is None  # refused, and untouched
        assert store.schema_state().kind == "unversioned"
        caplog.set_level(logging.WARNING, logger="fti_gateway.store.migrate")
        done = store.upgrade()
    else:
        caplog.set_level(logging.WARNING, logger="fti_gateway.store.migrate")
        done = store.create_all()
    assert done is not None and done.stamped
    assert (done.before, done.after) == (migrate.BASELINE, migrate.head())
    assert "made before schema migrations" in str(done) and str(done) in caplog.text
    assert revision_of(engine) == migrate.head()
    with engine.connect() as conn:
        assert rows(conn, baseline) == before
    assert store.get_request("DOJ", "R-1") is not None
    store.dispose()


def test_a_database_before_migrations_that_is_not_the_baseline_is_refused_untouched(
    database_url: str, engine: sa.Engine
) -> None:
    with engine.begin() as conn:  # the requests table as an earlier development version made it
        conn.execute(sa.text("CREATE TABLE requests (pk INTEGER PRIMARY KEY, agency TEXT)"))
        conn.execute(sa.text("INSERT INTO requests VALUES (1, 'DOJ')"))
    store = StateStore(database_url)
    with pytest.raises(ConfigError) as e:
        store.upgrade()
    assert "not those of revision 0001" in e.value.message
    assert "table requests lacks column external_id" in e.value.details
    assert "table decisions is missing" in e.value.details
    assert "move it aside" in (e.value.hint or "")
    with pytest.raises(ConfigError):
        store.create_all()  # on opening too, whichever the backend
    insp = sa.inspect(engine)
    assert insp.get_table_names() == ["requests"]  # no alembic_version, nothing created
    assert [c["name"] for c in insp.get_columns("requests")] == ["pk", "agency"]
    store.dispose()


# -- behind and ahead -------------------------------------------------------------------

NEXT_REVISION = '''
"""Test only: alters requests by copying it on SQLite, where a cascade would empty
every table that refers to it if foreign keys were on."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {down!r}
branch_labels = None
depends_on = None


def copy_on_sqlite() -> str:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("requests", recreate=copy_on_sqlite()) as batch:
        batch.add_column(sa.Column("channel", sa.String(20), nullable=False,
                                   server_default="cli"))
    op.add_column("request_subjects", sa.Column("checked", sa.Boolean, nullable=True))


def downgrade() -> None:
    op.drop_column("request_subjects", "checked")
    with op.batch_alter_table("requests", recreate=copy_on_sqlite()) as batch:
        batch.drop_column("channel")
'''


@pytest.fixture
def next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """This code's migrations plus one more revision on top, in a temporary folder."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = NEXT_REVISION.format(down=migrate.head())
    (folder / "versions" / "9999_next.py").write_text(text)
    monkeypatch.setattr(migrate, "MIGRATIONS", folder)
    return "9999"


def test_an_older_database_is_upgraded_and_its_rows_survive(
    database_url: str, engine: sa.Engine, next_revision: str
) -> None:
    before = at_baseline(engine)

    store = StateStore(database_url)
    if is_server(database_url):
        with pytest.raises(ConfigError) as e:  # never by whichever worker starts first
            store.create_all()
        assert e.value.exit_code == 5 and "`fti db upgrade`" in (e.value.hint or "")
        assert f"at revision {migrate.BASELINE}" in e.value.message
        assert revision_of(engine) == migrate.BASELINE
        assert store.schema_state().kind == "behind"
        done = store.upgrade()
    else:
        done = store.create_all()
        assert done is not None and store.upgraded == done
    assert (done.before, done.after, done.stamped) == (migrate.BASELINE, next_revision, False)
    assert f"from revision {migrate.BASELINE} to {next_revision}" in str(done)
    assert revision_of(engine) == next_revision
    with engine.connect() as conn:
        assert rows(conn, migrate.baseline_schema()) == before
        assert conn.scalar(sa.text("SELECT channel FROM requests")) == "cli"
    assert store.create_all() is None  # at head now: nothing more to do
    store.dispose()


def test_a_database_ahead_of_this_code_is_refused(database_url: str, engine: sa.Engine) -> None:
    StateStore(database_url).create_all()
    with engine.begin() as conn:  # a newer version upgraded it
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00d'"))
    store = StateStore(database_url)
    for attempt in (store.create_all, store.upgrade):
        with pytest.raises(ConfigError) as e:
            attempt()
        assert "revision f00d, which this version of FTI Gateway does not know" in e.value.message
        assert e.value.exit_code == 5
    assert store.schema_state().kind == "ahead"
    assert revision_of(engine) == "f00d"
    store.dispose()


# -- processes starting together ----------------------------------------------------------

UPGRADER = """
import pathlib, sys, time
from fti_gateway.store import StateStore, migrate
url, folder, migrations, me = sys.argv[1:]
migrate.MIGRATIONS = pathlib.Path(migrations)
(pathlib.Path(folder) / f"ready-{me}").touch()
deadline = time.monotonic() + 60
while not (pathlib.Path(folder) / "go").exists():
    assert time.monotonic() < deadline, "never told to go"
    time.sleep(0.002)
done = StateStore(url).upgrade()
print(done.before, done.after, done.stamped)
"""


def test_processes_upgrading_together_migrate_once(
    database_url: str, engine: sa.Engine, next_revision: str, tmp_path: Path
) -> None:
    """Workers (or operators) starting at once on a database made before migrations: one
    stamps and upgrades, the others find it done; no error, no step applied twice."""
    baseline = migrate.baseline_schema()
    baseline.create_all(engine)
    with engine.begin() as conn:
        before = seed(conn, baseline)
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                UPGRADER,
                database_url,
                str(gate),
                str(migrate.MIGRATIONS),
                str(i),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    try:
        deadline = time.monotonic() + 90
        while len(list(gate.glob("ready-*"))) < len(procs):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.01)
        (gate / "go").touch()
        outs = [p.communicate(timeout=90) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    said = sorted(out.strip() for out, _ in outs)
    assert said == sorted(
        [f"{migrate.BASELINE} {next_revision} True"]
        + [f"{next_revision} {next_revision} False"] * 2
    )
    assert revision_of(engine) == next_revision
    with engine.connect() as conn:
        assert rows(conn, baseline) == before


# -- writing the next revision --------------------------------------------------------------


def test_the_next_revision_is_written_from_models_and_applies(
    next_revision: str, tmp_path: Path
) -> None:
    from fti_gateway.store.migrations.__main__ import new_revision

    notes = sa.Table(
        "scratch_notes",
        m.Base.metadata,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("request_pk", sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True),
        sa.Column("at", m.UTCDateTime, nullable=False),
        sa.Column("body", m.JSONType),
    )
    try:
        path = new_revision("add scratch notes")
    finally:
        m.Base.metadata.remove(notes)
    assert path.parent == migrate.MIGRATIONS / "versions"
    assert path.name == "10000_add_scratch_notes.py"  # numbered after the head (9999)
    text = path.read_text()
    assert "op.create_table('scratch_notes'" in text or 'op.create_table("scratch_notes"' in text
    assert "sa.DateTime(timezone=True)" in text and "UTCDateTime" not in text
    assert "down_revision: str | Sequence[str] | None = '9999'" in text
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    StateStore(url).create_all()
    assert "scratch_notes" in sa.inspect(sa.create_engine(url)).get_table_names()
