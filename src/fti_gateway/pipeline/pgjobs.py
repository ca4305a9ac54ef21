"""The PostgreSQL job queue (procrastinate): any number of ``fti worker`` processes."""

from __future__ import annotations

from fti_gateway.core.errors import ConfigError
from fti_gateway.core.workspace import Workspace


class PgQueue:
    """Placeholder until the procrastinate queue lands: refuses clearly."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def enqueue(self, request_pk: int) -> None:
        raise ConfigError("the PostgreSQL job queue is not available yet")

    def cancel(self, request_pk: int) -> bool:
        raise ConfigError("the PostgreSQL job queue is not available yet")
