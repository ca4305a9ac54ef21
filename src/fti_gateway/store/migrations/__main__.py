"""Write the next revision from models.py (developers, in a checkout)::

    PYTHONPATH=src .venv/bin/python -m fti_gateway.store.migrations "add agency tables"

Alembic's autogenerate compares models.py with a scratch database brought to the current
head (a temporary SQLite file, or ``--url`` for an empty scratch PostgreSQL database when
a change depends on PostgreSQL's types), so the revision holds what models.py has that
the migrations do not. It is written into this package's ``versions/`` folder as
``NNNN_<slug>.py``, numbered after the head. Review it before committing (README,
"Schema migrations").
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from fti_gateway.store import migrate


def next_id() -> str:
    """The head's number plus one, four digits (revisions are numbered, not hashed, so
    their order reads off the folder)."""
    scripts = ScriptDirectory.from_config(migrate.config())
    return f"{max(int(s.revision) for s in scripts.walk_revisions()) + 1:04d}"


def new_revision(message: str, scratch_url: str | None = None) -> Path:
    """Autogenerate the next revision; returns its path."""
    with tempfile.TemporaryDirectory() as tmp:
        url = sa.make_url(scratch_url or f"sqlite:///{Path(tmp) / 'scratch.db'}")
        migrate.upgrade(url)
        with migrate.locked(url) as conn:
            script = command.revision(
                migrate.config(conn), message=message, autogenerate=True, rev_id=next_id()
            )
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m fti_gateway.store.migrations")
    parser.add_argument("message", help="what the revision changes, e.g. 'add agency tables'")
    parser.add_argument("--url", help="an empty scratch database (default: a temporary SQLite)")
    args = parser.parse_args()
    path = new_revision(args.message, args.url)
    print(f"wrote {path}\nreview it (renames, server defaults, data), ruff format it, then run")
    print("tests/store with FTI_TEST_DATABASE_URL set; commit it with the models.py change")


if __name__ == "__main__":
    main()
