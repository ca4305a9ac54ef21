"""receive(): persisted before anything acts, once per (agency, id), all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from fti_gateway.core.errors import InputError
from fti_gateway.intake import load_request
from fti_gateway.intake.persist import receive
from fti_gateway.store import StateStore
from fti_gateway.store import models as m
from fti_gateway.store import state as store_state


@pytest.fixture
def request_dir(tmp_path: Path, data_dir: Path) -> Path:
    folder = tmp_path / "req"
    folder.mkdir()
    shutil.copy(data_dir / "manifest.yaml", folder)
    (folder / "subjects.csv").write_text(
        (data_dir / "subjects.csv").read_text()
        + "S-005,Bad,,Tin,,,12345678,,,,,,,\n"
        + "S-001,Again,,Dup,,,,,,,,,,\n"
    )
    return folder


def test_first_receipt_stores_every_accepted_row_and_every_reject(
    store: StateStore, request_dir: Path
) -> None:
    parsed = load_request(request_dir / "manifest.yaml")
    receipt = receive(parsed, store)
    assert receipt.new and receipt.status == "received"
    assert receipt.message == (
        "received DOJ DOJ-USAO-DC-2025-0042: 4 subjects accepted, 2 rows rejected"
    )
    record = store.get_request("DOJ", "DOJ-USAO-DC-2025-0042")
    assert record is not None and record.pk == receipt.request_pk
    assert record.digest == parsed.digest and record.authority == "6103(i)(2)"
    assert record.manifest["requester"]["position"] == "us-attorney"
    stored = store.load_subjects(record.pk)
    pd.testing.assert_frame_equal(stored, parsed.subjects, check_dtype=False)
    rejects = store.load_rejects(record.pk)
    assert rejects["line"].tolist() == [6, 7]
    assert rejects["location"].tolist() == ["subjects.csv line 6", "subjects.csv line 7"]
    assert rejects["code"].tolist() == ["tin-invalid", "subject-id-duplicate"]


def test_same_request_again_changes_nothing_and_says_so(
    store: StateStore, request_dir: Path
) -> None:
    first = receive(load_request(request_dir / "manifest.yaml"), store)
    again = receive(load_request(request_dir / "manifest.yaml"), store)
    assert not again.new and again.request_pk == first.request_pk
    assert "already received on" in again.message and "nothing changed" in again.message
    assert len(store.list_requests()) == 1
    assert len(store.load_subjects(first.request_pk)) == 4
    assert len(store.load_rejects(first.request_pk)) == 2


def test_changed_content_under_the_same_id_is_refused(store: StateStore, request_dir: Path) -> None:
    original = load_request(request_dir / "manifest.yaml")
    receive(original, store)
    with (request_dir / "subjects.csv").open("a") as f:
        f.write("S-009,New,,Person,,,,,,,,,,\n")
    changed = load_request(request_dir / "manifest.yaml")
    with pytest.raises(InputError) as e:
        receive(changed, store)
    assert "already received" in e.value.message and "different content" in e.value.message
    assert any(original.digest in d for d in e.value.details)
    assert any(changed.digest in d for d in e.value.details)
    assert "new id" in (e.value.hint or "")
    (record,) = store.list_requests()
    assert record.digest == original.digest and record.subject_count == 4


def test_same_id_from_another_agency_is_another_request(
    store: StateStore, request_dir: Path
) -> None:
    receive(load_request(request_dir / "manifest.yaml"), store)
    text = (request_dir / "manifest.yaml").read_text().replace("agency: DOJ", "agency: FBI")
    (request_dir / "manifest.yaml").write_text(text)
    receipt = receive(load_request(request_dir / "manifest.yaml"), store)
    assert receipt.new
    assert sorted(r.agency for r in store.list_requests()) == ["DOJ", "FBI"]


def test_a_failure_midway_stores_nothing(
    store: StateStore, request_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_loader_for = store_state.loader_for

    class FailsOnRejects:
        """Stores the subject rows, then fails: the request row must not survive."""

        def load(self, conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
            if table.name == "request_rejects":
                raise RuntimeError("disk full")
            return real_loader_for(conn.dialect).load(conn, table, frame)

    parsed = load_request(request_dir / "manifest.yaml")
    monkeypatch.setattr(store_state, "loader_for", lambda dialect: FailsOnRejects())
    with pytest.raises(RuntimeError, match="disk full"):
        receive(parsed, store)
    assert store.list_requests() == []
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.SubjectRow)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(m.RequestEvent)) == 0
    monkeypatch.setattr(store_state, "loader_for", real_loader_for)
    assert receive(parsed, store).new  # and it can be received properly afterwards


def test_a_lost_race_is_judged_against_the_winner(
    store: StateStore, request_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two submissions of one request at once: the loser sees 'already received'."""
    parsed = load_request(request_dir / "manifest.yaml")
    receive(parsed, store)
    real_get = store.get_request
    calls = iter([None])
    monkeypatch.setattr(store, "get_request", lambda a, i: next(calls, real_get(a, i)))
    receipt = receive(parsed, store)
    assert not receipt.new and "already received" in receipt.message


def test_inline_request_is_stored_without_copying_rows_into_the_manifest(
    store: StateStore, data_dir: Path
) -> None:
    receipt = receive(load_request(data_dir / "inline.yaml"), store)
    record = store.request(receipt.request_pk)
    assert record.manifest["subjects"] == {"inline": 3}
    assert store.load_subjects(record.pk)["subject_id"].tolist() == ["C1", "C2"]


def test_warnings_are_kept_with_the_request(store: StateStore, request_dir: Path) -> None:
    text = (request_dir / "manifest.yaml").read_text() + "taxable_period: ['2021']\n"
    (request_dir / "manifest.yaml").write_text(text)
    parsed = load_request(request_dir / "manifest.yaml")
    assert parsed.warnings
    record = store.request(receive(parsed, store).request_pk)
    assert record.warnings == tuple(parsed.warnings)


def test_a_request_whose_every_row_was_rejected_is_still_received(
    store: StateStore, request_dir: Path
) -> None:
    (request_dir / "subjects.csv").write_text("subject_id,last_name,dob\nA,Lee,1/2/1980\n,Kim,\n")
    receipt = receive(load_request(request_dir / "manifest.yaml"), store)
    assert receipt.new and receipt.accepted == 0 and receipt.rejected_rows == 2
    assert "0 subjects accepted, 2 rows rejected" in receipt.message
    assert store.load_subjects(receipt.request_pk).empty
    assert store.load_rejects(receipt.request_pk)["line"].tolist() == [2, 3]
