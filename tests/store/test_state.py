"""The state store on both backends (SQLite file, PostgreSQL via FTI_TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from fti_gateway.core.errors import ConfigError, NotFoundError
from fti_gateway.intake.models import SUBJECT_COLUMNS
from fti_gateway.store import DuplicateRequest, NewRequest, StateStore
from fti_gateway.store import models as m


def new_request(id: str = "R-1", digest: str = "sha256:aa") -> NewRequest:
    return NewRequest(
        agency="DOJ",
        id=id,
        authority="6103(i)(2)",
        received=dt.date(2025, 6, 4),
        format="fti/request/v1",
        manifest={"id": id, "taxable_periods": ["2022"]},
        digest=digest,
        source="/tmp/manifest.yaml",
    )


def subjects(n: int) -> pd.DataFrame:
    df = pd.DataFrame({c: [None] * n for c in SUBJECT_COLUMNS}, dtype=object)
    df["subject_id"] = [f"S{i}" for i in range(n)]
    df["last_name"] = [f"Name{i}" for i in range(n)]
    df["line"] = list(range(2, n + 2))
    return df


NO_REJECTS = pd.DataFrame(columns=["line", "subject_id", "field", "reason", "location", "code"])


def test_create_all_is_idempotent(store: StateStore) -> None:
    store.create_all()
    assert store.list_requests() == []


def test_hard_text_survives_the_bulk_path(store: StateStore) -> None:
    """Quotes, commas, line ends, backslashes, tabs, non-ASCII, SQL-looking text and
    empty text must come back exactly (PostgreSQL takes these rows through COPY)."""
    df = subjects(6)
    nasty = [
        'O"Brien, Jr.',
        "line\none\r\ntwo",
        "back\\slash\\N",
        "tab\there",
        "Peña 漢字",
        "'); drop--",
    ]
    df["street"] = nasty
    df["reason"] = ["", None, "NULL", "\\.", ",", '""']
    rec = store.record_request(new_request(), df, NO_REJECTS)
    back = store.load_subjects(rec.pk)
    assert back["street"].tolist() == nasty
    assert back["reason"].tolist() == ["", None, "NULL", "\\.", ",", '""']
    assert back["line"].tolist() == df["line"].tolist()
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_the_row_by_row_loader_keeps_missing_values_and_column_order(tmp_path: Path) -> None:
    """SQLite's executemany path (PostgreSQL takes rows through COPY, tested above) builds
    rows column by column in the statement's order: a frame whose columns come in another
    order, with None, NaN and pd.NA in object columns and a nullable integer column, is
    stored value for value."""
    from fti_gateway.store.bulk import ExecuteManyLoader, loader_for

    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.create_all()
    assert isinstance(loader_for(store.engine.dialect), ExecuteManyLoader)
    rec = store.record_request(new_request(), subjects(0), NO_REJECTS)
    frame = pd.DataFrame(
        {
            "location": pd.Series(["why", None, float("nan"), pd.NA], dtype=object),
            "line": pd.array([9, 8, 7, 6], dtype="Int64"),
            "subject_id": ["S9", "S8", "S7", "S6"],
            "code": pd.Series([None, "tin-invalid", pd.NA, "x"], dtype=object),
            "reason": ["r9", "r8", "r7", "r6"],
            "request_pk": rec.pk,
        }
    )
    table = m.RejectedRow.__table__
    with store.engine.begin() as conn:
        assert ExecuteManyLoader().load(conn, table, frame) == 4  # type: ignore[arg-type]
        got = conn.execute(
            sa.select(table.c.line, table.c.subject_id, table.c.location, table.c.code)
            .where(table.c.request_pk == rec.pk)
            .order_by(table.c.pk)
        ).all()
    assert [tuple(r) for r in got] == [
        (9, "S9", "why", None),
        (8, "S8", None, "tin-invalid"),
        (7, "S7", None, None),
        (6, "S6", None, "x"),
    ]


def test_many_rows_round_trip_in_order(store: StateStore) -> None:
    df = subjects(25_000)
    rec = store.record_request(new_request(), df, NO_REJECTS)
    assert rec.subject_count == 25_000
    back = store.load_subjects(rec.pk)
    assert back["subject_id"].tolist() == df["subject_id"].tolist()


def test_extra_columns_are_stored_per_row(store: StateStore) -> None:
    df = subjects(2)
    extra = pd.DataFrame({"line": [2, 3], "alias": ["Annie", None]})
    rec = store.record_request(new_request(), df, NO_REJECTS, extra=extra)
    with store.session() as s:
        rows = s.scalars(sa.select(m.SubjectRow.extra).order_by(m.SubjectRow.line)).all()
    assert rows == [{"alias": "Annie"}, None]
    assert rec.subject_count == 2


def test_rejects_are_stored_with_their_place(store: StateStore) -> None:
    rejects = pd.DataFrame(
        [(7, "S9", "dob", "dob 'x' is not a date", "subjects.csv line 7", "dob-invalid")],
        columns=["line", "subject_id", "field", "reason", "location", "code"],
    )
    rec = store.record_request(new_request(), subjects(1), rejects, reject_count=1)
    assert store.load_rejects(rec.pk).to_dict("records") == [
        {"line": 7, "subject_id": "S9", "field": "dob", "reason": "dob 'x' is not a date",
         "location": "subjects.csv line 7", "code": "dob-invalid"}
    ]  # fmt: skip
    assert rec.reject_count == 1


def test_same_key_twice_raises_duplicate(store: StateStore) -> None:
    store.record_request(new_request(), subjects(2), NO_REJECTS)
    with pytest.raises(DuplicateRequest):
        store.record_request(new_request(digest="sha256:bb"), subjects(3), NO_REJECTS)
    (only,) = store.list_requests()
    assert only.digest == "sha256:aa" and only.subject_count == 2
    assert len(store.load_subjects(only.pk)) == 2


def test_a_failed_row_insert_leaves_nothing_behind(store: StateStore) -> None:
    df = subjects(3)
    df.loc[2, "subject_id"] = "S0"  # violates (request, subject_id) uniqueness mid-insert
    with pytest.raises(sa.exc.IntegrityError):
        store.record_request(new_request(), df, NO_REJECTS)
    assert store.list_requests() == []
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.SubjectRow)) == 0


def test_status_changes_are_logged(store: StateStore) -> None:
    rec = store.record_request(new_request(), subjects(1), NO_REJECTS)
    store.set_status(rec.pk, "decided", note="law: partial")
    got = store.get_request("DOJ", "R-1")
    assert got is not None and got.status == "decided"
    events = store.events(rec.pk)
    assert [(s, n) for _, s, n in events] == [("received", None), ("decided", "law: partial")]
    assert all(at.tzinfo is not None and at.utcoffset() == dt.timedelta(0) for at, _, _ in events)
    with pytest.raises(ValueError, match="unknown request status 'decidd'"):
        store.set_status(rec.pk, "decidd")
    with pytest.raises(NotFoundError):
        store.set_status(rec.pk + 1000, "decided")


def test_decision_and_findings(store: StateStore) -> None:
    rec = store.record_request(new_request(), subjects(2), NO_REJECTS)
    decision = {"format": "fti/decision/v1", "outcome": "partial", "findings": []}
    findings = pd.DataFrame(
        {"subject_id": ["S0", "S1"], "result": ["approve", "deny"],
         "rule": ["6103(i)(2)", "6103(i)(2)(B)(i)"], "message": [None, "no reason given"]}
    )  # fmt: skip
    pk = store.save_decision(rec.pk, decision, findings)
    latest = store.latest_decision(rec.pk)
    assert latest == (pk, decision)
    pd.testing.assert_frame_equal(store.load_subject_findings(pk), findings)
    with pytest.raises(ValueError):
        store.save_decision(rec.pk, {"format": "fti/decision/v1"}, findings)


def test_runs(store: StateStore) -> None:
    rec = store.record_request(new_request(), subjects(1), NO_REJECTS)
    run = store.start_run(rec.pk, "/runs/1")
    store.finish_run(run, "done", {"outcome": "deny"})
    (r,) = store.list_runs(rec.pk)
    assert (r.status, r.summary, r.run_dir) == ("done", {"outcome": "deny"}, "/runs/1")
    assert r.finished_at is not None and r.finished_at >= r.started_at


def test_requests_are_listed_oldest_first(store: StateStore) -> None:
    for i in range(3):
        store.record_request(new_request(id=f"R-{i}"), subjects(1), NO_REJECTS)
    assert [r.id for r in store.list_requests()] == ["R-0", "R-1", "R-2"]
    assert store.get_request("DOJ", "R-9") is None
    assert store.get_request("ICE", "R-1") is None


def test_findings_with_pandas_missing_values(store: StateStore) -> None:
    rec = store.record_request(new_request(), subjects(2), NO_REJECTS)
    findings = pd.DataFrame(
        {"subject_id": ["S0", "S1"], "result": ["review", "approve"],
         "rule": ["6103(i)(2)(A)", float("nan")], "message": [pd.NA, "ok"]}
    )  # fmt: skip
    pk = store.save_decision(rec.pk, {"outcome": "review"}, findings)
    back = store.load_subject_findings(pk)
    assert back["rule"].tolist() == ["6103(i)(2)(A)", None]
    assert back["message"].tolist() == [None, "ok"]


def test_a_bare_postgresql_url_means_psycopg_3() -> None:
    store = StateStore("postgresql://postgres@127.0.0.1:5432/test")
    assert store.engine.dialect.driver == "psycopg"


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path}/no/such/folder/state.db")
    with pytest.raises(ConfigError) as e:
        store.create_all()
    assert "cannot open the state database" in e.value.message
    assert "FTI_DATABASE_URL" in (e.value.hint or "")
