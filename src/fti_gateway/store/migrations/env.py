"""Alembic's environment: run by ``alembic.command`` with the connection the caller opened.

The caller (:mod:`fti_gateway.store.migrate`) holds the migration lock in that connection's
transaction, so every step here joins it: one transaction, all or nothing.
"""

from alembic import context

from fti_gateway.store import migrate, models

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the state store's migrations run through fti_gateway.store.migrate "
        "(`fti db upgrade`), with a connection it opens; there is no alembic.ini"
    )
context.configure(
    connection=connection,
    target_metadata=models.Base.metadata,
    **migrate.context_options(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
