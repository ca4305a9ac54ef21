"""The review desk: what the law and the resolver leave to a person, and who decides it.

Between resolution and disclosure: items are read from a request's decision and matches
(:mod:`.items`), officers and separation of duties are :mod:`.officers`. The pipeline
records dispositions, writes their ledger leaves and recomputes the decision
(``pipeline.review``); the law takes dispositions as plain data (``law.dispositions``).
"""

from fti_gateway.review.items import Item, item_id, items_of
from fti_gateway.review.officers import (
    AuthenticationFailed,
    NotAllowed,
    add_officer,
    authenticate,
    check_may_confirm,
    check_may_decide,
    still_active,
)

__all__ = [
    "AuthenticationFailed",
    "Item",
    "NotAllowed",
    "add_officer",
    "authenticate",
    "check_may_confirm",
    "check_may_decide",
    "item_id",
    "items_of",
    "still_active",
]
