"""The review desk's roles, in one light module: the CLI names them in its help text,
which must not load the state store (SQLAlchemy) just to print ``fti officer add --help``."""

from __future__ import annotations

ROLES = ("officer", "supervisor", "auditor")
