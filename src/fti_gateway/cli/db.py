"""`fti db`: the state database's schema — where it stands, and upgrading it on purpose.

A workspace's own SQLite file is upgraded when it is opened; a server database
(``FTI_DATABASE_URL``) only here, once per deployment, before new workers start
(fti_gateway.store.migrate says why).
"""

from __future__ import annotations

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace

app = typer.Typer(
    help="The state database: schema revision and upgrades.",
    no_args_is_help=True,
)


@app.command()
def status(home: HomeOpt) -> None:
    """Show the database's schema revision against the newest this version knows."""
    from fti_gateway.store import StateStore  # SQLAlchemy and Alembic: only when run

    store = StateStore(open_workspace(home).database_url)
    try:
        console.print(str(store.schema_state()), highlight=False, markup=False, soft_wrap=True)
    finally:
        store.dispose()


@app.command()
def upgrade(home: HomeOpt) -> None:
    """Upgrade the database to this version's schema; say from which revision to which."""
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    store = StateStore(ws.database_url)
    try:
        console.print(str(store.upgrade()), highlight=False, markup=False, soft_wrap=True)
    finally:
        store.dispose()
    if store.engine.dialect.name == "postgresql":
        from fti_gateway.pipeline.pgjobs import ensure_schema

        if ensure_schema(ws.database_url):
            console.print("job queue tables created (procrastinate)")
