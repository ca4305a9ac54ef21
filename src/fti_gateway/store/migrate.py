"""Schema migrations (Alembic): which revision a state database is at, and what to do.

The policy, and why:

- An **empty** database is created at the newest revision (head) and stamped, so it
  never needs the migrations' history replayed later.
- A database made **before migrations** (our tables, no ``alembic_version``) is compared
  with the baseline revision's tables; if they match it is stamped at the baseline and
  then treated as behind. If they do not, nothing is touched and a :class:`ConfigError`
  names each difference: guessing which revision such a database is at could lose data.
- A database **behind** head is upgraded — automatically for a SQLite file (it belongs
  to one machine and to the version of FTI Gateway installed there; the notice is
  returned and logged, never silent), but only by ``fti db upgrade`` for a server
  database: PostgreSQL is shared by workers, and during a rolling deployment the schema
  must not change under the old ones because a new one happened to start first.
- A database **ahead** of this code (a revision it does not know) is refused: a newer
  version wrote it, and this one cannot know what it would misread or drop.

Every change runs in one transaction under a lock (a PostgreSQL advisory lock, SQLite's
``BEGIN IMMEDIATE``), and the state is read again under it, so two processes starting
together migrate once. On SQLite the migration connection leaves foreign keys off, as
Alembic's batch mode needs: with them on, recreating ``requests`` to alter it would
cascade-delete every row that refers to it.

A new revision: change models.py, run ``python -m fti_gateway.store.migrations "what"``
(autogenerate against a scratch database at head), review, commit (README, "Schema
migrations"). Revisions run beside old workers, so they add before they remove.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.dialects.postgresql import JSONB

from fti_gateway.core.errors import ConfigError
from fti_gateway.store import models

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
# One advisory lock per database for every FTI Gateway process that migrates it.
_PG_LOCK = zlib.crc32(b"fti_gateway.store.migrate")

Kind = Literal["empty", "unversioned", "behind", "current", "ahead"]


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands against this code's migrations."""

    where: str
    current: str | None  # the revision in alembic_version; None before migrations
    head: str
    kind: Kind

    def __str__(self) -> str:
        said = {
            "empty": "empty (no tables yet): it will be created at head",
            "unversioned": "made before schema migrations: `fti db upgrade` checks and stamps it",
            "behind": "behind: run `fti db upgrade`",
            "current": "up to date",
            "ahead": "AHEAD of this version of FTI Gateway (a newer version upgraded it)",
        }[self.kind]
        return f"{self.where}: revision {self.current or '(none)'}, head {self.head}: {said}"


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: ``before`` is None when the database was empty."""

    where: str
    before: str | None
    after: str
    stamped: bool = False  # a database made before migrations, stamped at the baseline

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.where}: created the state database at revision {self.after}"
        if self.stamped:
            done = (
                "nothing else to do"
                if self.before == self.after
                else f"upgraded from {self.before} to {self.after}"
            )
            return (
                f"{self.where}: the state database was made before schema migrations; its "
                f"tables match revision {BASELINE}, stamped it so; {done}"
            )
        if self.before == self.after:
            return f"{self.where}: the state database is already at revision {self.after} (head)"
        return (
            f"{self.where}: upgraded the state database from revision {self.before} to {self.after}"
        )


def config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration, in code: the migrations folder inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this code knows."""
    rev = ScriptDirectory.from_config(config()).get_current_head()
    assert rev is not None, "the migrations folder has no revision"
    return rev


def context_options(dialect: str, metadata: sa.MetaData | None = None) -> dict[str, Any]:
    """Alembic context options shared by env.py and :func:`differences`."""
    return {
        "render_as_batch": dialect == "sqlite",  # SQLite alters by copying the table
        "compare_type": True,
        "include_name": _tables_of(metadata or models.Base.metadata),
        "render_item": _render_item,
    }


def state(url: sa.URL) -> SchemaState:
    """Read where the database stands; changes nothing."""
    with _connect(url) as conn:
        return _classify(conn)


def ensure(url: sa.URL, *, upgrade_if_behind: bool) -> Upgrade | None:
    """Make the database ready for this code under the policy above.

    Returns what was upgraded (to be told to the user), or None when nothing was or the
    database was empty and has just been created.
    """
    st = state(url)
    if st.kind == "current":
        return None
    if st.kind == "ahead":
        raise _ahead(st)
    if st.kind != "empty" and not upgrade_if_behind:
        raise ConfigError(
            f"the state database is at revision {st.current or '(none: made before schema migrations)'}"
            f"; this version of FTI Gateway needs revision {st.head}",
            where=st.where,
            hint="a server database is upgraded only on purpose, once, before new workers "
            "start: run `fti db upgrade` with this version",
        )
    done = upgrade(url)
    return None if done.before is None else done


def upgrade(url: sa.URL) -> Upgrade:
    """Bring the database to head (``fti db upgrade``), stamping one made before migrations."""
    with locked(url) as conn:
        st = _classify(conn)  # again, under the lock: another process may have done it
        if st.kind == "ahead":
            raise _ahead(st)
        if st.kind == "current":
            return Upgrade(st.where, st.current, st.head)
        stamped = st.kind == "unversioned"
        if stamped:
            _check_baseline(conn, st.where)
            command.stamp(config(conn), BASELINE)
        command.upgrade(config(conn), "head")
        before = BASELINE if stamped else st.current
        done = Upgrade(st.where, before, st.head, stamped=stamped)
    if done.before is not None:
        log.warning("%s", done)
    return done


def differences(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """How the database's tables differ from ``metadata``, in words (empty: they match).
    Tables the metadata does not name (another application's) are not ours to judge."""
    opts = context_options(conn.dialect.name, metadata)
    del opts["render_as_batch"], opts["render_item"]
    ctx = MigrationContext.configure(conn, opts=opts)
    return [_describe(d) for d in _flatten(compare_metadata(ctx, metadata))]


def baseline_schema() -> sa.MetaData:
    """The baseline revision's tables (its frozen copy of models.py at the time)."""
    script = ScriptDirectory.from_config(config()).get_revision(BASELINE)
    assert script is not None
    schema: Callable[[], sa.MetaData] = script.module.schema
    return schema()


# -- internals ----------------------------------------------------------------------------


def _classify(conn: sa.Connection) -> SchemaState:
    where = conn.engine.url.render_as_string(hide_password=True)
    heads = MigrationContext.configure(conn).get_current_heads()
    scripts = ScriptDirectory.from_config(config())
    top = scripts.get_current_head()
    assert top is not None
    if not heads:
        ours = set(baseline_schema().tables) & set(sa.inspect(conn).get_table_names())
        return SchemaState(where, None, top, "unversioned" if ours else "empty")
    current = ",".join(heads)
    if len(heads) == 1 and heads[0] == top:
        return SchemaState(where, current, top, "current")
    try:
        known = all(scripts.get_revision(h) is not None for h in heads)
    except CommandError:  # alembic's "Can't locate revision"
        known = False
    return SchemaState(where, current, top, "behind" if known else "ahead")


def _check_baseline(conn: sa.Connection, where: str) -> None:
    diffs = differences(conn, baseline_schema())
    if diffs:
        raise ConfigError(
            f"the state database was made before schema migrations, but its tables are not "
            f"those of revision {BASELINE}, so it cannot be upgraded safely",
            where=where,
            details=diffs,
            hint="it was probably made by an older development version: move it aside (for "
            "a workspace: its state.db) and resubmit; requests and decisions stay in the "
            "ledger and run folders",
        )


def _ahead(st: SchemaState) -> ConfigError:
    return ConfigError(
        f"the state database is at revision {st.current}, which this version of FTI Gateway "
        f"does not know (its newest is {st.head}): a newer version upgraded it",
        where=st.where,
        hint="run the newer version of FTI Gateway; this one could misread or lose what the "
        "newer schema keeps",
    )


def _engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    # pysqlite's own transaction handling defers BEGIN and commits before DDL; take it over
    # so the whole migration is one transaction, begun IMMEDIATE (the write lock at once).
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def _connect(url: sa.URL) -> Iterator[sa.Connection]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    except sa.exc.OperationalError as e:
        raise _cannot_open(e, url) from None
    finally:
        engine.dispose()


@contextmanager
def locked(url: sa.URL) -> Iterator[sa.Connection]:
    """A connection in a transaction that holds the migration lock (the only way in)."""
    with _connect(url) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK)))
        yield conn


def _cannot_open(e: sa.exc.OperationalError, url: sa.URL) -> ConfigError:
    return ConfigError(
        f"cannot open the state database: {str(e.orig).strip().splitlines()[0]}",
        where=url.render_as_string(hide_password=True),
        hint="check FTI_DATABASE_URL (unset it to use the workspace's SQLite file) "
        "and that the database server is running",
    )


def _tables_of(metadata: sa.MetaData) -> Callable[..., bool]:
    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return type_ != "table" or name in metadata.tables

    return include_name


def _render_item(type_: str, obj: Any, ctx: Any) -> str | Literal[False]:
    """Revisions spell column types in SQLAlchemy's terms, never models' helper classes,
    so a revision keeps meaning the same when models.py changes. JSONB is spelt out here
    because against a SQLite scratch database Alembic would write ``Text()`` unimported."""
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, JSONB):
        ctx.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB()"
    return False


def _flatten(diffs: list[Any]) -> Iterator[tuple[Any, ...]]:
    for d in diffs:
        if isinstance(d, list):  # column modifications come grouped per column
            yield from d
        else:
            yield d


def _describe(d: tuple[Any, ...]) -> str:
    """One difference, said from the database's side."""
    op = d[0]
    if op == "add_table":
        return f"table {d[1].name} is missing"
    if op == "remove_table":
        return f"table {d[1].name} is not expected"
    if op == "add_column":
        return f"table {d[2]} lacks column {d[3].name}"
    if op == "remove_column":
        return f"table {d[2]} has an unexpected column {d[3].name}"
    if op.startswith("modify_"):
        what = op.removeprefix("modify_")
        return f"column {d[2]}.{d[3]}: {what} is {d[5]!r}, expected {d[6]!r}"
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        thing = d[1]
        table = getattr(getattr(thing, "table", None), "name", "?")
        verb = "lacks" if op.startswith("add") else "has an unexpected"
        kind = op.split("_", 1)[1]
        return f"table {table} {verb} {kind} {thing.name or '(unnamed)'}"
    if op in ("add_fk", "remove_fk"):
        fk = d[1]
        verb = "lacks" if op == "add_fk" else "has an unexpected"
        cols = ", ".join(c.name for c in fk.columns)
        return f"table {fk.parent.name} {verb} foreign key ({cols})"
    return f"{op}: {d[1:]}"
