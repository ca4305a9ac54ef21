"""Request and decision state: SQLAlchemy, SQLite by default, PostgreSQL via FTI_DATABASE_URL.

Exported lazily (``core.lazy``): SQLAlchemy and Alembic load when the store is first used,
not when a light module (or ``fti --help``) imports something beside it.
"""

from typing import TYPE_CHECKING

from fti_gateway.core.lazy import lazy_exports

if TYPE_CHECKING:
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
__getattr__, __dir__ = lazy_exports(__name__, {".state": tuple(__all__)})
