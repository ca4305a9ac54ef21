"""Alembic migrations of the state store, shipped inside the package.

No ``alembic.ini``: :mod:`fti_gateway.store.migrate` configures Alembic in code and hands
it a connection, so the same migrations run from a checkout and from an installed wheel.
``python -m fti_gateway.store.migrations "message"`` writes the next revision (see
:mod:`fti_gateway.store.migrations.__main__`).
"""
