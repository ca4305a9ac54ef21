"""Ledger leaves (FORMATS §7, ``fti/ledger-entry/v1``): one canonical JSON object per event.

Five kinds, each carrying what the (p)(3)(A) accounting needs — date, reason, authority,
recipient and elements — and nothing that identifies a taxpayer in the clear:

- ``request_received``: a written request reached the disclosure office;
- ``decision``: the outcome the law stage reached for it;
- ``disclosure``: one per disclosed subject; the taxpayer appears only as a keyed
  commitment ``hmac-sha256:<hex>`` = HMAC-SHA256(workspace secret, TIN). Whoever holds
  the secret (the disclosure office) can answer "who saw my data?" for a TIN; anyone
  else sees an opaque value that cannot be brute-forced over the 10⁹ possible TINs;
- ``inspection``: someone examined return information ((b)(7)). Versioned since its
  second layout: a ``"v": 2`` leaf names the inspector by keyed pseudonym
  (:func:`pseudonym`), like every other official in the log; a leaf without ``v`` (the
  first layout, still read and verified: the log is never rewritten) holds the account id
  as written. :func:`inspector_pseudonym` reads both the same way;
- ``disposition``: an officer decided, proposed or confirmed a review item (the review
  desk). Its own layout is versioned (``"v": 1``) so it can grow without a new format;
  the officer is a keyed pseudonym (:func:`pseudonym`), never a name;
- ``alert``: the UNAX monitor found a look at return information that a rule of its
  catalogue calls suspect (§ 7213A); the employee is a pseudonym, the taxpayer a
  commitment, the evidence a count and a digest of the inspection event ids. Versioned
  (``"v": 1``). Its "request" is the alert itself (agency ``TREASURY``, id ``al-…``), so
  the (p)(3)(A) accounting reads it like every other leaf;
- ``alert_disposition``: a reviewer found an alert substantiated or not; reason as a
  digest, reviewer as a pseudonym. Versioned (``"v": 1``).

The log can never be edited, so **no free text enters a leaf**: a reason is a keyed digest
(:func:`digest_text`; the text itself stays in the state store), and every other string
is a short identifier checked against a strict pattern and length (requester-supplied
statute citations included), and every list has a bound — so any leaf these builders
return fits the log's 64 KiB entry limit, whatever the request held.

Every leaf also has an ``id``: SHA-256 over its *identity* — kind, request and subject,
never the time — so a retried step builds the same id and ``Ledger.append_once`` writes
it once.

Canonical JSON — sorted keys, no spaces, UTF-8 — makes the bytes, and so the leaf hash,
a function of the content alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fti_gateway.core.errors import InputError
from fti_gateway.core.identifiers import IDENTIFIERS
from fti_gateway.ledger.tiles import MAX_ENTRY

FORMAT = "fti/ledger-entry/v1"
KINDS = (
    "request_received",
    "decision",
    "disclosure",
    "inspection",
    "disposition",
    "alert",
    "alert_disposition",
)
DISPOSITION_VERSION = 1
INSPECTION_VERSION = 2
"""The inspection layout written now: ``"v": 2``, the inspector a :func:`pseudonym`. A
leaf without ``v`` is layout 1 (inspector in clear), written before this one."""
ALERT_VERSION = 1
ALERT_AGENCY = "TREASURY"
"""The "agency" of an alert's leaves: the monitor is the Department's own control."""
ALERT_OUTCOMES = ("substantiated", "not-substantiated")
DISPOSITION_ACTIONS = ("decide", "propose", "confirm")
NOTICE_DEFERRED = "deferred"
"""The ``notice`` marker of a leaf whose notice to the taxpayer the office defers."""
COMMITMENT = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")
DIGEST = COMMITMENT
"""A text digest from :func:`digest_text` has the commitment's shape (both are HMACs)."""
LEAF_ID = re.compile(r"[0-9a-f]{64}")
_TIN_DIGITS = re.compile(r"^[0-9]{9}$")
_ID_DOMAIN = "fti/ledger-id/v1"
_TEXT_DOMAIN = b"fti/text/v1\x00"
_OFFICER_DOMAIN = b"fti/officer/v1\x00"

# What each string field of a leaf may hold: (pattern, what it is, an example). The
# patterns are ASCII (plus § in citations) and bounded, so a name, an address, a date of
# birth in prose or a pasted paragraph cannot pass; what cannot pass is refused, loudly.
# The request's own identifiers come from core.identifiers (intake checks them too).
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    **IDENTIFIERS,
    "rule": (
        re.compile(r"[A-Za-z0-9§][A-Za-z0-9§.()/-]{0,59}"),
        "a rule id without spaces, e.g. 6103(i)(2)(A)",
    ),
    "inspector": (
        re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@-]{0,63}"),
        "an office user id, e.g. officer-7",
    ),
    "sha256": (re.compile(r"(?:sha256:)?[0-9a-f]{64}"), "a SHA-256 in hex"),
    "event": (
        re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,79}"),
        "an inspection event id, e.g. gate-20261207T101500000000-0123456789abcdef",
    ),
    "policy": (
        re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
        "a read policy id, e.g. officer-lookup-in-assigned-case",
    ),
    "count": (re.compile(r"[a-z][a-z_]{0,31}"), "a count's name, e.g. approved"),
    "item": (re.compile(r"it-[0-9a-f]{20}"), "a review item id, e.g. it-0123456789abcdef0123"),
    "item_kind": (re.compile(r"request|element|subject|match"), "a review item kind"),
    "alert": (re.compile(r"al-[0-9a-f]{20}"), "an alert id, e.g. al-0123456789abcdef0123"),
    "version": (re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,2}"), "a rule version, e.g. 1.0"),
}
MAX_LIST = {"elements": 200, "periods": 100, "statutes": 50, "counts": 16, "policies": 16}
"""Bounds on every list a leaf holds; with the patterns' lengths a leaf stays < 40 KB."""


MAX_DEPTH = 4
"""Deepest nesting of a leaf: ``{"elements": {"refused": {…}}}`` is 3. Checked on the raw
bytes before ``json.loads`` sees them, which would otherwise recurse until RecursionError."""
MAX_INT_DIGITS = 20
"""Longest integer a leaf holds (counts; 2**64 has 20 digits). ``int()`` of thousands of
digits costs quadratic time and, past 4300, raises ValueError."""


def canonical(obj: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8. Text that UTF-8 cannot hold (a lone surrogate from a
    ``"\\ud800"`` escape) is refused here as input, not left to crash the run later."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError(
            f"a ledger leaf cannot hold U+{ord(text[e.start]):04X} (a lone surrogate): "
            "it is not a character and has no UTF-8 form",
            hint="the text came from a \\ud800-style escape; write the character itself",
        ) from None


def commit_taxpayer(secret: bytes, tin: str) -> str:
    """The keyed commitment that stands for a taxpayer in the ledger."""
    digits = re.sub(r"[\s-]", "", str(tin))
    if not _TIN_DIGITS.match(digits):
        raise InputError(
            f"a TIN has 9 digits; got {len(digits)} characters", hint="e.g. 900-12-3456"
        )
    _check_secret(secret)
    return "hmac-sha256:" + hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()


def digest_text(secret: bytes, text: str) -> str:
    """The keyed digest that stands for a piece of free text (a reason) in the ledger.

    HMAC-SHA256 under the workspace's commitment secret, domain-separated from
    :func:`commit_taxpayer` so a digest can never equal a taxpayer's commitment. Keyed,
    because a short reason ("wire fraud") could otherwise be found by trying guesses.
    Whoever holds the text (the state store keeps it) and the secret can show that a leaf
    names it; the leaf alone discloses nothing."""
    if not isinstance(text, str):
        raise InputError("only text can be digested")
    _check_secret(secret)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError(
            f"the text holds U+{ord(text[e.start]):04X} at character {e.start + 1}, a lone "
            "surrogate that is not a character and has no UTF-8 form",
            hint="intake refuses such text; write the character itself, not a \\ud800 escape",
        ) from None
    mac = hmac.new(secret, _TEXT_DOMAIN + data, hashlib.sha256)
    return "hmac-sha256:" + mac.hexdigest()


def pseudonym(secret: bytes, officer: str) -> str:
    """An officer's stable pseudonymous id in the ledger: HMAC-SHA256 of the account name
    under the workspace secret, domain-separated from text digests and commitments. The
    same officer always gets the same id (who decided what can be counted and audited);
    only the office, holding the secret and the account list, can say who it is."""
    _check_secret(secret)
    try:
        account = officer.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "an account id holds a lone surrogate, which is not a character", where="officer"
        ) from None
    return "hmac-sha256:" + hmac.new(secret, _OFFICER_DOMAIN + account, hashlib.sha256).hexdigest()


def _check_secret(secret: bytes) -> None:
    if len(secret) < 16:
        raise InputError("the commitment secret is shorter than 16 bytes")


def leaf_id(kind: str, agency: str, request_id: str, *parts: str | int) -> str:
    """A leaf's identity as hex SHA-256 of canonical JSON ``[domain, kind, agency,
    request id, *parts]``: what the leaf is *about*, never when it was written, so every
    retry of a step builds the same id."""
    return hashlib.sha256(canonical([_ID_DOMAIN, kind, agency, request_id, *parts])).hexdigest()


def id_of(data: bytes) -> str | None:
    """The ``id`` of a leaf in the log, or None for a legacy leaf (or foreign bytes)."""
    if not data.startswith(b"{"):
        return None
    try:
        obj = _loads(data)
    except InputError:
        return None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        return None
    value = obj.get("id")
    return value if isinstance(value, str) and LEAF_ID.fullmatch(value) else None


def index_keys(data: bytes) -> tuple[str | None, str | None]:
    """A leaf's ``id`` and the taxpayer commitment it names (either None): what the local
    state indexes, from one parse."""
    if not data.startswith(b"{"):
        return None, None
    try:
        obj = _loads(data)
    except InputError:
        return None, None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        return None, None
    value, taxpayer = obj.get("id"), obj.get("taxpayer")
    leaf = value if isinstance(value, str) and LEAF_ID.fullmatch(value) else None
    return leaf, taxpayer if isinstance(taxpayer, str) and COMMITMENT.match(taxpayer) else None


def _time(t: datetime | None) -> str:
    t = t or datetime.now(UTC)
    if t.tzinfo is None:
        raise InputError("ledger times must be timezone-aware")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date(d: date | str | None) -> str | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.date().isoformat()
    if isinstance(d, date):
        return d.isoformat()
    try:
        return date.fromisoformat(d).isoformat()
    except (TypeError, ValueError) as e:
        raise InputError(f"{str(d)[:40]!r} is not a date", hint="use YYYY-MM-DD") from e


def _commitment(value: str) -> str:
    if not isinstance(value, str) or not COMMITMENT.match(value):
        raise InputError(
            "a ledger leaf names a taxpayer only by commitment, never by TIN or name",
            hint="pass commit_taxpayer(secret, tin)",
        )
    return value


def _digest(value: str | None, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not DIGEST.match(value):
        raise InputError(
            f"a ledger leaf holds its {field} only as a keyed digest, never as text",
            where=field,
            hint="pass entries.digest_text(secret, text) and keep the text in the state store",
        )
    return value


def _check(kind: str, value: object, field: str) -> str:
    """``value`` if it is a short identifier of ``kind``; an InputError otherwise (which
    quotes no more than 20 characters of it: the value may be what must not be kept)."""
    pattern, what = PATTERNS[kind]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = repr(value)[:20] + ("…" if len(repr(value)) > 20 else "")
        raise InputError(
            f"{shown} is not {what}; a ledger leaf holds no free text",
            where=field,
        )
    return value


def _maybe(kind: str, value: str | None, field: str) -> str | None:
    return None if value is None else _check(kind, value, field)


def _as_given(kind: str, value: object, field: str) -> str:
    """An identifier the requester wrote (a statute, a period, an element asked for): kept
    when it has the identifier's shape, or as the keyed digest the caller made of it
    (:func:`given`) — the law stage, not the log, judges odd spellings."""
    if isinstance(value, str) and DIGEST.fullmatch(value):
        return value
    return _check(kind, value, field)


def given(secret: bytes, kind: str, value: str) -> str:
    """``value`` itself when it is a ``kind`` identifier, else its keyed digest: what a
    leaf records of an identifier as a requester wrote it ("Title 18, United States Code,
    Section 1028A" is a citation the law reads, but not one a leaf may hold as text)."""
    pattern, _what = PATTERNS[kind]
    return value if pattern.fullmatch(value) else digest_text(secret, value)


def _list(
    kind: str, values: Sequence[str], field: str, limit: str, *, as_given: bool = False
) -> list[str]:
    if isinstance(values, str):
        raise InputError(f"{field} must be a list, not one string", where=field)
    items = list(values)
    if len(items) > MAX_LIST[limit]:
        raise InputError(
            f"{field} has {len(items)} items; a ledger leaf holds at most {MAX_LIST[limit]}",
            where=field,
        )
    check = _as_given if as_given else _check
    return [check(kind, v, f"{field}[{i}]") for i, v in enumerate(items)]


def _leaf(leaf: dict[str, Any]) -> bytes:
    data = canonical(leaf)
    if len(data) > MAX_ENTRY:  # unreachable with the bounds above; a last guard
        raise InputError(f"a {leaf['kind']} leaf is {len(data)} bytes; the limit is {MAX_ENTRY}")
    return data


def _base(
    kind: str, agency: str, request_id: str, time: datetime | None, *identity: str | int
) -> dict[str, Any]:
    if not agency or not request_id:
        raise InputError("a ledger leaf needs the request's agency and id")
    _check("agency", agency, "request.agency")
    _check("request_id", request_id, "request.id")
    return {
        "format": FORMAT,
        "kind": kind,
        "id": leaf_id(kind, agency, request_id, *identity),
        "time": _time(time),
        "request": {"agency": agency, "id": request_id},
    }


def request_received(
    *,
    agency: str,
    request_id: str,
    authority: str,
    received: date | str | None,
    digest: str,
    purpose: str | None = None,
    reason_digest: str | None = None,
    statutes: Sequence[str] = (),
    elements: Sequence[str] = (),
    periods: Sequence[str] = (),
    subjects: int = 0,
    requester_position: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """A written request reached the office. ``digest`` is intake's sha256 of its bytes;
    ``reason_digest`` is :func:`digest_text` of the request-level reason the requester
    stated ((p)(3)(A) "reason"; the text is in the state store). Identity: the request."""
    leaf = _base("request_received", agency, request_id, time)
    leaf.update(
        authority=_check("citation", authority, "authority"),
        received=_date(received),
        digest=_check("sha256", digest, "digest"),
        purpose=_maybe("purpose", purpose, "purpose"),
        reason=_digest(reason_digest, "reason", optional=True),
        statutes=_list("citation", statutes, "statutes", "statutes", as_given=True),
        elements=_list("element", elements, "elements", "elements", as_given=True),
        periods=_list("period", periods, "periods", "periods", as_given=True),
        subjects=int(subjects),
        requester_position=_maybe("position", requester_position, "requester_position"),
    )
    return _leaf(leaf)


def decision(
    *,
    agency: str,
    request_id: str,
    authority: str,
    outcome: str,
    elements_allowed: Sequence[str] = (),
    elements_refused: Mapping[str, str] | None = None,
    subjects: Mapping[str, int] | None = None,
    digest: str | None = None,
    revision: int = 1,
    previous: str | None = None,
    cause: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """The law stage's decision. ``subjects`` = counts (total/approved/denied/review);
    ``digest`` = sha256 of the decision JSON (FORMATS §5) as stored in the run folder.
    Identity: the request and ``revision`` (1 for the first decision; a later, different
    decision on the same request — after a review, say — is revision 2, 3, ...). A
    revision after review names the ``previous`` decision leaf's id and the disposition
    leaf that caused it (``cause``); without them the leaf's bytes are as they always were."""
    if outcome not in ("approve", "partial", "deny", "review"):
        raise InputError(f"unknown decision outcome {outcome!r}")
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise InputError(f"a decision's revision is a whole number from 1, not {revision!r}")
    refused = dict(elements_refused or {})
    if len(refused) > MAX_LIST["elements"]:
        raise InputError(
            f"elements.refused has {len(refused)} items; at most {MAX_LIST['elements']}"
        )
    counts = dict(subjects or {})
    if len(counts) > MAX_LIST["counts"]:
        raise InputError(f"subjects has {len(counts)} counts; at most {MAX_LIST['counts']}")
    leaf = _base("decision", agency, request_id, time, revision)
    leaf.update(
        authority=_check("citation", authority, "authority"),
        outcome=outcome,
        elements={
            "allowed": _list("element", elements_allowed, "elements.allowed", "elements"),
            "refused": {
                _as_given("element", k, "elements.refused"): _check(
                    "rule", v, f"elements.refused[{k}]"
                )
                for k, v in refused.items()
            },
        },
        subjects={_check("count", k, "subjects"): int(v) for k, v in counts.items()},
        digest=_maybe("sha256", digest, "digest"),
    )
    if previous is not None:
        if revision < 2 or not LEAF_ID.fullmatch(previous):
            raise InputError("only a decision after the first names a previous decision leaf")
        leaf.update(previous=previous, revision=revision)
        if cause is not None:
            leaf["cause"] = _check("sha256", cause, "cause")
    return _leaf(leaf)


def disposition(
    *,
    agency: str,
    request_id: str,
    item: str,
    item_kind: str,
    rule: str,
    action: str,
    outcome: str,
    reason_digest: str,
    officer: str,
    confirmed_by: str | None = None,
    revision: int | None = None,
    taxpayer: str | None = None,
    time: datetime | None = None,
) -> bytes:
    r"""A review item was decided (``decide``), proposed for a supervisor (``propose``) or
    confirmed by one (``confirm``). ``officer`` and ``confirmed_by`` are
    :func:`pseudonym`\ s; ``reason_digest`` is :func:`digest_text` of the stated reason
    (the text stays in the state store); ``revision`` the decision it produced (none for
    a proposal); ``taxpayer`` the commitment of the taxpayer a cleared match chose, so
    that taxpayer's accounting shows it. Identity: the request, the item and the action
    (an item is decided once; a retry writes nothing new)."""
    if action not in DISPOSITION_ACTIONS:
        raise InputError(f"unknown disposition action {action!r}")
    if outcome not in ("approve", "deny"):
        raise InputError(f"a disposition approves or denies, not {outcome!r}")
    if revision is not None and (isinstance(revision, bool) or revision < 2):
        raise InputError(f"a disposition produces revision 2 or later, not {revision!r}")
    leaf = _base("disposition", agency, request_id, time, _check("item", item, "item"), action)
    leaf.update(
        v=DISPOSITION_VERSION,
        item=item,
        item_kind=_check("item_kind", item_kind, "item_kind"),
        rule=_check("rule", rule, "rule"),
        action=action,
        outcome=outcome,
        reason=_digest(reason_digest, "reason"),
        officer=_digest(officer, "officer"),
        confirmed_by=_digest(confirmed_by, "confirmed_by", optional=True),
        revision=revision,
        taxpayer=None if taxpayer is None else _commitment(taxpayer),
    )
    return _leaf(leaf)


def alert(
    *,
    alert_id: str,
    rule: str,
    rule_version: str,
    principal: str,
    events: int,
    events_digest: str,
    score: int,
    taxpayer: str | None,
    seen: datetime,
    time: datetime | None = None,
) -> bytes:
    """The monitor raised ``alert_id`` under catalogue rule ``rule`` (at ``rule_version``).
    ``principal`` is the employee's :func:`pseudonym`; ``events`` how many inspection
    events are its evidence and ``events_digest`` the SHA-256 of their sorted ids (the
    ids themselves are in the workspace's alert store); ``seen`` the time of the last of
    them, ``time`` when the monitor raised it (the detection lag is the difference).
    Identity: the alert id (a re-run of the monitor raises nothing twice)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise InputError(f"an alert's score is a whole number 0..100, not {score!r}")
    if isinstance(events, bool) or not isinstance(events, int) or events < 1:
        raise InputError("an alert has at least one inspection event as its evidence")
    _check("alert", alert_id, "alert")
    leaf = _base("alert", ALERT_AGENCY, alert_id, time)
    leaf.update(
        v=ALERT_VERSION,
        alert=alert_id,
        rule=_check("rule", rule, "rule"),
        rule_version=_check("version", rule_version, "rule_version"),
        principal=_digest(principal, "principal"),
        events=events,
        events_digest=_check("sha256", events_digest, "events_digest"),
        score=score,
        seen=_time(seen),
        taxpayer=None if taxpayer is None else _commitment(taxpayer),
    )
    return _leaf(leaf)


def alert_disposition(
    *,
    alert_id: str,
    outcome: str,
    reason_digest: str,
    officer: str,
    taxpayer: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """A reviewer decided an alert: ``substantiated`` (a referral follows) or
    ``not-substantiated``. ``officer`` is a :func:`pseudonym`, ``reason_digest`` a
    :func:`digest_text`; ``taxpayer`` the alert's commitment, so that taxpayer's
    accounting shows the outcome. Identity: the alert (decided once)."""
    if outcome not in ALERT_OUTCOMES:
        raise InputError(f"an alert is substantiated or not-substantiated, not {outcome!r}")
    leaf = _base("alert_disposition", ALERT_AGENCY, _check("alert", alert_id, "alert"), time)
    leaf.update(
        v=ALERT_VERSION,
        alert=alert_id,
        outcome=outcome,
        reason=_digest(reason_digest, "reason"),
        officer=_digest(officer, "officer"),
        taxpayer=None if taxpayer is None else _commitment(taxpayer),
    )
    return _leaf(leaf)


def disclosure(
    *,
    agency: str,
    request_id: str,
    authority: str,
    recipient: str,
    elements: Sequence[str],
    periods: Sequence[str],
    taxpayer: str,
    purpose: str | None = None,
    package: str | None = None,
    notice_deferred: bool = False,
    time: datetime | None = None,
) -> bytes:
    """One subject's data went to ``recipient``. ``taxpayer`` is a commitment from
    :func:`commit_taxpayer`; ``package`` the signed package's manifest digest;
    ``notice_deferred`` marks the leaf ``"notice": "deferred"`` (a taxpayer's view counts
    it without showing it; the key is absent otherwise, so other leaves' bytes are as
    before). Identity: the request and the taxpayer."""
    leaf = _base("disclosure", agency, request_id, time, _commitment(taxpayer))
    leaf.update(
        authority=_check("citation", authority, "authority"),
        recipient=_check("agency", recipient, "recipient"),
        elements=_list("element", elements, "elements", "elements"),
        periods=_list("period", periods, "periods", "periods"),
        taxpayer=taxpayer,
        purpose=_maybe("purpose", purpose, "purpose"),
        package=_maybe("sha256", package, "package"),
    )
    if notice_deferred:
        leaf["notice"] = NOTICE_DEFERRED
    return _leaf(leaf)


def inspection(
    *,
    agency: str,
    request_id: str,
    inspector: str,
    reason_digest: str,
    taxpayer: str,
    elements: Sequence[str] = (),
    authority: str | None = None,
    time: datetime | None = None,
    outcome: str | None = None,
    event: str | None = None,
    policies: Sequence[str] = (),
) -> bytes:
    """``inspector`` — the :func:`pseudonym` of an office user, never the account id,
    which a proof of the leaf would otherwise hand to everyone it is shown to — examined a
    taxpayer's data; ``reason_digest`` is :func:`digest_text` of why. Identity: the
    request, the taxpayer and the inspector's pseudonym (stable for one account under one
    workspace secret, so a retry builds the same id) — and, for a read through the read
    gate (``event``: its ``fti/inspection/v1`` id), that event, so each look is its own
    leaf. The leaf is layout ``"v": 2`` (:data:`INSPECTION_VERSION`).

    ``outcome`` is ``"denied"`` for an attempt the read policy refused (recorded too: an
    attempt to inspect without need is what 7213A punishes), with the ``policies`` that
    refused it; absent for a read that happened."""
    if outcome not in (None, "allowed", "denied"):
        raise InputError(f"an inspection is allowed or denied, not {outcome!r}")
    identity: list[str] = [
        _commitment(taxpayer),
        _pseudonymous(inspector, "inspector"),
    ]
    if event is not None:
        identity.append(_check("event", event, "event"))
    leaf = _base("inspection", agency, request_id, time, *identity)
    leaf.update(
        v=INSPECTION_VERSION,
        inspector=inspector,
        reason=_digest(reason_digest, "reason"),
        taxpayer=taxpayer,
        elements=_list("element", elements, "elements", "elements"),
        authority=_maybe("citation", authority, "authority"),
    )
    if outcome is not None:
        leaf["outcome"] = outcome
    if event is not None:
        leaf["event"] = event
    if policies:
        leaf["policies"] = _list("policy", policies, "policies", "policies")
    return _leaf(leaf)


def _pseudonymous(value: object, field: str) -> str:
    """``value`` if it is a :func:`pseudonym`; an InputError that shows none of it
    otherwise (it may be the account id that must not be kept)."""
    if not isinstance(value, str) or not DIGEST.fullmatch(value):
        raise InputError(
            "a ledger leaf names an official only by pseudonym, never by account id",
            where=field,
            hint="pass entries.pseudonym(secret, account)",
        )
    return value


def inspector_pseudonym(secret: bytes, obj: Mapping[str, Any]) -> str:
    """The inspector of an inspection leaf as a pseudonym, whichever its layout: a
    ``"v": 2`` leaf holds it already; a first-layout leaf (no ``v``) holds the account id,
    which is turned into its pseudonym here, so one official has one name in every view
    across the change of layout."""
    if obj.get("kind") != "inspection":
        raise InputError(f"a {obj.get('kind')} leaf has no inspector")
    value = obj.get("inspector")
    version = obj.get("v", 1)
    if version == INSPECTION_VERSION:
        return _pseudonymous(value, "inspector")
    if version != 1:
        raise InputError(f"unknown inspection leaf layout v{version!r}", where="v")
    return pseudonym(secret, _check("inspector", value, "inspector"))


def _depth(data: bytes) -> int:
    """Deepest ``[``/``{`` nesting in ``data`` (outside strings), stopping early past
    MAX_DEPTH: one linear pass, no recursion, whatever the bytes."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InputError(f"a number of {len(text)} digits is not a count a leaf holds")
    return int(text)


def _loads(data: bytes, where: str | None = None) -> Any:
    """``json.loads`` bounded for bytes from disk: size, nesting and number length are
    checked first, so foreign or damaged bytes are refused, never a RecursionError or a
    ValueError (Python's 4300-digit limit)."""
    if len(data) > MAX_ENTRY:
        raise InputError(f"ledger leaf is {len(data)} bytes; the limit is {MAX_ENTRY}", where=where)
    if _depth(data) > MAX_DEPTH:
        raise InputError(
            f"ledger leaf is nested more than {MAX_DEPTH} levels deep: not a leaf",
            where=where,
        )
    try:
        return json.loads(data.decode("utf-8"), parse_int=_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"ledger leaf is not JSON: {e}", where=where) from e
    except InputError as e:
        e.where = where
        raise


def parse(data: bytes, where: str | None = None) -> dict[str, Any]:
    """A leaf's JSON, checked to be one of ours and canonical."""
    obj = _loads(data, where)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") not in KINDS:
        raise InputError(f"not an {FORMAT} leaf", where=where)
    if canonical(obj) != data:
        raise InputError("ledger leaf is not in canonical JSON form", where=where)
    return obj


def leaf_date(obj: Mapping[str, Any]) -> date:
    """The UTC calendar date of a leaf's event time."""
    return date.fromisoformat(str(obj["time"])[:10])
