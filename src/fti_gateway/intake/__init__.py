"""Intake: parse and validate a request (manifest + subject rows), persist it before acting.

Public surface: :func:`load_request` → :class:`ParsedRequest` (with :class:`RowError`
rejects), and :func:`fti_gateway.intake.persist.receive` to store it.
"""

from fti_gateway.intake.parse import load_request
from fti_gateway.intake.parsed import ParsedRequest, RowError
from fti_gateway.intake.persist import Receipt, receive

__all__ = ["ParsedRequest", "Receipt", "RowError", "load_request", "receive"]
