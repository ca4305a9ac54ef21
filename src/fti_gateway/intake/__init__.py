"""Intake: parse and validate a request (manifest + subject rows), persist it before acting.

Public surface: :func:`load_request` → :class:`ParsedRequest` (with :class:`RowError`
rejects), and :func:`fti_gateway.intake.persist.receive` to store it; :func:`load_subjects`
checks a subject file on its own (for ``fti resolve``). Exported lazily (``core.lazy``):
the law imports ``intake.models`` alone and must not load pandas and the state store.
"""

from typing import TYPE_CHECKING

from fti_gateway.core.lazy import lazy_exports

if TYPE_CHECKING:
    from fti_gateway.intake.parse import CheckedSubjects, load_request, load_subjects
    from fti_gateway.intake.parsed import ParsedRequest, RowError
    from fti_gateway.intake.persist import Receipt, receive

__all__ = [
    "CheckedSubjects",
    "ParsedRequest",
    "Receipt",
    "RowError",
    "load_request",
    "load_subjects",
    "receive",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".parse": ("CheckedSubjects", "load_request", "load_subjects"),
        ".parsed": ("ParsedRequest", "RowError"),
        ".persist": ("Receipt", "receive"),
    },
)
