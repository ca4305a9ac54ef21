"""API lookups and uploads in the state store, on both backends: always within one
agency, an upload attached once, keyset pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.store import DuplicateRequest, StateStore
from fti_gateway.store import uploads as up
from tests.store.test_state import NO_REJECTS, new_request, subjects


def attached(n: int, sha: str = "a" * 64) -> up.Attached:
    rejects = pd.DataFrame(
        [(n + 2, "SX", "last_name", "last_name is empty", "subjects.csv line 9", "x")],
        columns=list(NO_REJECTS.columns),
    )
    return up.Attached(subjects(n), rejects, None, 1, "sha256:bb", ("w",), sha)


def test_a_request_is_found_by_its_random_id_only_within_its_agency(store: StateStore) -> None:
    req = up.record_awaiting(store, new_request(), b"manifest bytes")
    assert req.api_id.startswith("r_") and len(req.api_id) == 34
    assert req.record.status == "awaiting-subjects" and req.manifest_raw == b"manifest bytes"
    assert up.find(store, "DOJ", req.api_id) == req
    assert up.find(store, "ICE", req.api_id) is None
    assert up.find_by_key(store, "DOJ", "R-1") == req
    with pytest.raises(DuplicateRequest):
        up.record_awaiting(store, new_request(), b"other")
    # Requests stored the old way (the CLI) get their own random id too.
    other = store.record_request(new_request("R-2"), subjects(1), NO_REJECTS)
    assert up.get(store, other.pk).api_id not in ("", req.api_id)


def test_an_upload_is_attached_once_with_its_rows_and_rejects(store: StateStore) -> None:
    req = up.record_awaiting(store, new_request(), b"m")
    assert up.attach_subjects(store, req.pk, attached(3))
    assert not up.attach_subjects(store, req.pk, attached(5, "b" * 64))  # changes nothing
    after = up.get(store, req.pk)
    assert after.record.status == "queued" and after.subjects_sha256 == "a" * 64
    assert after.record.subject_count == 3 and after.record.reject_count == 1
    assert after.record.digest == "sha256:bb"
    assert len(store.load_subjects(req.pk)) == 3
    assert up.first_rejects(store, req.pk, 10) == [
        {"line": 5, "field": "last_name", "message": "last_name is empty"}
    ]
    assert up.count_rejects(store, req.pk) == 1


def test_pages_are_newest_first_by_keyset(store: StateStore) -> None:
    made = [up.record_awaiting(store, new_request(f"R-{i}"), b"m").api_id for i in range(5)]
    store.record_request(replace(new_request("ICE-1"), agency="ICE"), subjects(1), NO_REJECTS)
    first = up.page(store, "DOJ", limit=2)
    assert first is not None
    items, more = first
    assert [i.api_id for i in items] == made[:2:-1] and more
    rest = up.page(store, "DOJ", after=items[-1].api_id, limit=10)
    assert rest is not None and [i.api_id for i in rest[0]] == made[2::-1] and not rest[1]
    assert up.page(store, "ICE", after=made[0]) is None  # not ICE's to page from
    only = up.page(store, "DOJ", statuses=["queued"])
    assert only == ([], False)


def _blocks(n: int, fail_after: int | None = None) -> Iterator[up.AttachedBlock]:
    rows = subjects(n)
    for i, start in enumerate(range(0, n, 2)):
        if fail_after is not None and i == fail_after:
            raise InputError("the file is not UTF-8 text", where="subjects.csv")
        yield up.AttachedBlock(rows.iloc[start : start + 2], NO_REJECTS, None)


def test_an_upload_stored_block_by_block_is_one_transaction(store: StateStore) -> None:
    req = up.record_awaiting(store, new_request(), b"m")
    totals = up.AttachedTotals(6, 0, "sha256:cc", ("w",))
    with pytest.raises(InputError):  # the third block cannot be read: nothing is kept
        up.attach_blocks(store, req.pk, "a" * 64, _blocks(6, fail_after=2), lambda: totals)
    before = up.get(store, req.pk)
    assert before.record.status == "awaiting-subjects" and before.subjects_sha256 is None
    assert len(store.load_subjects(req.pk)) == 0
    assert up.attach_blocks(store, req.pk, "a" * 64, _blocks(6), lambda: totals)
    after = up.get(store, req.pk)
    assert after.record.status == "queued" and after.record.subject_count == 6
    assert after.record.digest == "sha256:cc" and after.record.warnings == ("w",)
    assert len(store.load_subjects(req.pk)) == 6
    # Taken: a second upload reads no block at all.
    assert not up.attach_blocks(store, req.pk, "b" * 64, _blocks(6, fail_after=0), lambda: totals)
