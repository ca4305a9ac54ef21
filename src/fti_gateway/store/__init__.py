"""Request and decision state: SQLAlchemy, SQLite by default, PostgreSQL via FTI_DATABASE_URL."""

from fti_gateway.store.state import (
    STATUSES,
    DuplicateRequest,
    NewRequest,
    RequestRecord,
    RunRecord,
    StageRecord,
    StateStore,
)

__all__ = [
    "STATUSES",
    "DuplicateRequest",
    "NewRequest",
    "RequestRecord",
    "RunRecord",
    "StageRecord",
    "StateStore",
]
