"""Officers: local accounts with one role, passwords hashed with argon2, and what each
role may do at the desk.

- ``officer``: decides subject, match and element items; *proposes* request-level ones;
- ``supervisor``: all of that, and confirms another person's proposal (never their own);
- ``auditor``: sees everything, decides nothing.

Separation of duties is checked here, before anything is stored or logged, and every
refusal says who, what and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from fti_gateway.core.errors import FtiError
from fti_gateway.review.items import NEEDS_SECOND_PERSON, Item
from fti_gateway.store.reviews import ROLES, DispositionRecord, OfficerRecord, ReviewStore

MIN_PASSWORD = 12
_HASHER = PasswordHasher()


@dataclass
class NotAllowed(FtiError):
    """The officer's role or the separation of duties forbids this (exit 7)."""

    exit_code: int = 7


@dataclass
class AuthenticationFailed(FtiError):
    """Unknown officer, wrong password, or a disabled account (exit 7); which one is not
    said, so that the message cannot be used to find account names."""

    exit_code: int = 7


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise NotAllowed(
            f"a password has at least {MIN_PASSWORD} characters",
            hint="a passphrase of several words is easiest to remember",
        )
    return _HASHER.hash(password)


def add_officer(reviews: ReviewStore, name: str, role: str, password: str) -> OfficerRecord:
    from fti_gateway.core.identifiers import IDENTIFIERS

    pattern, what = IDENTIFIERS["position"]
    if not pattern.fullmatch(name):
        raise NotAllowed(f"{name[:20]!r} is not an account name", hint=f"like {what[-14:]}")
    if role not in ROLES:
        raise NotAllowed(f"unknown role {role!r}", hint=f"one of {', '.join(ROLES)}")
    return reviews.add_officer(name, role, hash_password(password))


def authenticate(reviews: ReviewStore, name: str, password: str) -> OfficerRecord:
    """The officer ``name`` if ``password`` is theirs and the account is active."""
    fail = AuthenticationFailed(
        "the officer name or password is wrong, or the account is disabled",
        where=name[:64],
    )
    try:
        officer = reviews.officer(name)
    except FtiError:
        _HASHER.hash(password)  # the same work either way: timing does not tell
        raise fail from None
    try:
        _HASHER.verify(officer.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise fail from None
    if not officer.active:
        raise fail
    return officer


def still_active(reviews: ReviewStore, name: str) -> OfficerRecord:
    """The officer ``name`` of a signed-in session, read again on every action: an account
    disabled (or its role changed) since sign-in takes effect at once."""
    try:
        officer = reviews.officer(name)
    except FtiError:
        raise AuthenticationFailed("the account is gone; sign in again", where=name[:64]) from None
    if not officer.active:
        raise AuthenticationFailed("the account is disabled", where=name[:64])
    return officer


def check_may_decide(officer: OfficerRecord, item: Item, outcome: str) -> bool:
    """Whether the disposition needs a supervisor's confirmation; refuses what the role
    may not do at all."""
    if officer.role == "auditor":
        raise NotAllowed(
            f"{officer.name} is an auditor: auditors see every item and decide none",
            where=item.id,
        )
    return item.kind in NEEDS_SECOND_PERSON and outcome == "approve"


def check_may_confirm(officer: OfficerRecord, proposal: DispositionRecord) -> None:
    if officer.role != "supervisor":
        raise NotAllowed(
            f"{officer.name} is an {officer.role}: only a supervisor confirms a proposal",
            where=proposal.item_id,
        )
    if officer.name == proposal.officer:
        raise NotAllowed(
            f"{officer.name} proposed this disposition and cannot confirm it: a second "
            "person must (four eyes)",
            where=proposal.item_id,
            hint="ask another supervisor to run `fti review confirm`",
        )
