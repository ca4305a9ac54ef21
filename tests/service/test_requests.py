"""API.md "Requests" end to end with the agency's own credentials: manifest, streamed
upload, status, decision, idempotency, limits, isolation, pages, and a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.workspace import Workspace
from fti_gateway.service import create_app
from fti_gateway.store import StateStore
from tests.service.authclient import BASE, Agency
from tests.service.test_app import (
    INLINE,
    MANIFEST,
    SUBJECTS,
    TERMINAL,
    finish,
    is_problem,
    submit,
    upload,
)

BAD_ROW = "S3,Cleo,,9 Pine Rd,Salem,MD,20703\n"  # line 4: no last_name


@pytest.fixture
def doj(workspace: Workspace) -> Iterator[Agency]:
    with TestClient(create_app(workspace.home)) as tc:
        yield Agency(tc).register(workspace.home)


def stored_requests(home: Path) -> int:
    store = StateStore.for_workspace(Workspace.open(home))
    try:
        return len(store.list_requests())
    finally:
        store.dispose()


def test_the_whole_flow_from_nothing(doj: Agency) -> None:
    r = submit(doj)
    assert r.status_code == 201, r.json()
    body = r.json()
    rid = body["id"]
    assert body["status"] == "awaiting-subjects"
    assert body["links"] == {
        "self": f"/v1/requests/{rid}",
        "subjects": f"/v1/requests/{rid}/subjects",
        "decision": f"/v1/requests/{rid}/decision",
        "package": f"/v1/requests/{rid}/package",
        "proof": f"/v1/requests/{rid}/proof",
    }
    assert r.headers["location"] == body["links"]["self"]
    assert "DOJ" not in rid and "0042" not in rid  # not derived from (agency, id)
    assert is_problem(doj.get(f"/v1/requests/{rid}/decision"), 404)

    put = upload(doj, rid, SUBJECTS + BAD_ROW)
    assert put.status_code == 202, put.json()
    answer = put.json()
    assert answer["accepted"] == 2 and answer["rejected"] == 1
    assert answer["errors"] == [
        {"line": 4, "field": "last_name", "message": answer["errors"][0]["message"]}
    ]
    assert "last_name" in answer["errors"][0]["message"]

    finish(doj)
    got = doj.get(f"/v1/requests/{rid}").json()
    assert got["status"] in TERMINAL - {"failed"}, got
    assert got["agency"] == "DOJ" and got["request_id"] == "DOJ-USAO-DC-2025-0042"
    assert [s["name"] for s in got["stages"]] == ["intake", "law", "resolve", "disclose", "ledger"]
    assert got["stages"][0]["state"] == "done" and got["stages"][0]["done"] == 2
    assert got["outcome"] == "deny"  # no vault: nobody resolves, nothing may go out
    assert got["counts"]["accepted"] == 2 and got["counts"]["rejected"] == 1

    decision = doj.get(f"/v1/requests/{rid}/decision").json()
    assert decision["format"] == "fti/decision/v1" and decision["outcome"] == "deny"
    findings = decision["subject_findings"]
    # The refused row is decided too (denied, for its intake error), so nothing is lost.
    assert {f["subject_id"] for f in findings} == {"S1", "S2", "S3"}
    assert all(set(f) == {"subject_id", "result", "rule", "message"} for f in findings)


def test_inline_subjects_are_queued_at_once_and_take_no_upload(doj: Agency) -> None:
    r = submit(doj, INLINE)
    assert r.status_code == 201 and r.json()["status"] == "queued", r.json()
    rid = r.json()["id"]
    assert is_problem(upload(doj, rid), 409)
    finish(doj)
    got = doj.get(f"/v1/requests/{rid}").json()
    assert got["status"] in TERMINAL - {"failed"}
    assert got["counts"]["accepted"] == 1 and got["counts"]["rejected"] == 1  # 1990-02-30


def test_the_same_manifest_again_is_the_same_resource_and_a_changed_one_409(
    doj: Agency,
) -> None:
    first = submit(doj)
    again = submit(doj)
    assert again.status_code == 200 and again.json() == first.json()
    changed = submit(doj, MANIFEST.replace("reason: fraud", "reason: tax fraud"))
    assert is_problem(changed, 409)
    assert stored_requests(Path(doj.client.app.state.service.ws.home)) == 1  # type: ignore[attr-defined]


def test_the_same_upload_again_answers_the_same_and_another_is_409(doj: Agency) -> None:
    rid = submit(doj).json()["id"]
    first = upload(doj, rid, SUBJECTS + BAD_ROW)
    again = upload(doj, rid, SUBJECTS + BAD_ROW)
    assert again.status_code == 202 and again.json() == first.json()
    assert is_problem(upload(doj, rid, SUBJECTS), 409)
    finish(doj)
    assert doj.get(f"/v1/requests/{rid}").json()["counts"]["accepted"] == 2


def test_over_the_limit_is_413_and_nothing_is_kept(workspace: Workspace) -> None:
    with TestClient(create_app(workspace.home, max_upload_bytes=100)) as tc:
        doj = Agency(tc).register(workspace.home)
        is_problem(submit(doj), 413)  # the manifest alone is over 100 bytes
    assert stored_requests(workspace.home) == 0
    with TestClient(create_app(workspace.home, max_upload_bytes=len(MANIFEST))) as tc:
        doj.client, doj.token = tc, None  # the same agency, calling the next app
        rid = submit(doj).json()["id"]
        body = (SUBJECTS * 20).encode()  # well over the limit

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for i in range(0, len(body), 64):
                yield body[i : i + 64]

        path = f"/v1/requests/{rid}/subjects"
        r = doj.put(path, content=chunks(), headers={"Content-Type": "text/csv"})
        assert is_problem(r, 413)["status"] == 413
        got = doj.get(f"/v1/requests/{rid}").json()
        assert got["status"] == "awaiting-subjects" and got["counts"]["accepted"] == 0
        assert not any((workspace.home / "spool").iterdir())


def test_a_large_upload_is_streamed_in_chunks_never_read_whole(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent in 64 KiB chunks through the ASGI interface (the TestClient would buffer it);
    any whole-body read (Request.body) fails the test."""
    from starlette.requests import Request

    rows = 60_000  # ~3 MB: larger than any one chunk by far
    csv = "subject_id,first_name,last_name,dob\n" + "".join(
        f"S{i},Ana,Reyes{i},1980-01-01\n" for i in range(rows)
    )
    csv += "S-bad,Ana,Reyes,1980-13-01\n"
    data = csv.encode()
    app = create_app(workspace.home)
    with TestClient(app) as tc:
        doj = Agency(tc).register(workspace.home)
        rid = submit(doj).json()["id"]
        path = f"/v1/requests/{rid}/subjects"
        headers = {**doj.headers("PUT", path), "Content-Type": "text/csv"}

    async def whole(_self: Request) -> bytes:
        raise AssertionError("the upload was read whole into memory")

    monkeypatch.setattr(Request, "body", whole)
    sent = []

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 65536):
            sent.append(i)
            yield data[i : i + 65536]

    async def put() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            return await c.put(path, content=chunks(), headers=headers)

    r = asyncio.run(put())
    assert len(sent) == -(-len(data) // 65536) > 20
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == rows and r.json()["rejected"] == 1
    assert r.json()["errors"][0]["line"] == rows + 2 and r.json()["errors"][0]["field"] == "dob"


def test_another_agencys_request_does_not_exist_for_the_caller(
    doj: Agency, workspace: Workspace
) -> None:
    rid = submit(doj).json()["id"]
    ice = Agency(doj.client, "ICE").register(workspace.home)
    unknown = "r_" + "0" * 32
    for suffix in ("", "/decision"):
        theirs, never = (
            ice.get(f"/v1/requests/{rid}{suffix}"),
            ice.get(f"/v1/requests/{unknown}{suffix}"),
        )
        assert theirs.status_code == never.status_code == 404
        assert theirs.content == never.content.replace(unknown.encode(), rid.encode())
    theirs, never = upload(ice, rid), upload(ice, unknown)
    assert theirs.status_code == never.status_code == 404
    assert theirs.content == never.content.replace(unknown.encode(), rid.encode())
    assert ice.get("/v1/requests").json() == {"items": [], "next_cursor": None}
    assert doj.get(f"/v1/requests/{rid}").json()["status"] == "awaiting-subjects"  # untouched


def test_the_list_is_newest_first_a_page_at_a_time(doj: Agency) -> None:
    made = []
    for n in range(5):
        manifest = MANIFEST.replace("DOJ-USAO-DC-2025-0042", f"DOJ-{n}")
        made.append(
            submit(
                doj, manifest if n != 2 else INLINE.replace("DOJ-USAO-DC-2025-0042", "DOJ-2")
            ).json()["id"]
        )
    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/requests?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = doj.get(q).json()
        pages += 1
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1] and pages == 3
    awaiting = doj.get("/v1/requests?status=awaiting-subjects").json()
    assert [i["id"] for i in awaiting["items"]] == [m for m in made[::-1] if m != made[2]]
    assert is_problem(doj.get("/v1/requests?cursor=bm90LW1pbmU"), 422)
    assert is_problem(doj.get("/v1/requests?status=nonsense"), 422)


def test_a_restarted_app_takes_up_a_queued_request(workspace: Workspace) -> None:
    # The first app is never started: its worker never runs (a service stopped after
    # the request was stored and queued).
    stopped = create_app(workspace.home)
    doj = Agency(TestClient(stopped)).register(workspace.home)
    rid = submit(doj, INLINE).json()["id"]
    assert doj.get(f"/v1/requests/{rid}").json()["status"] == "queued"
    with TestClient(create_app(workspace.home)) as tc:
        doj.client, doj.token = tc, None
        finish(doj)
        assert doj.get(f"/v1/requests/{rid}").json()["status"] in TERMINAL - {"failed"}


def test_the_download_routes_find_a_request_only_for_its_agency(
    doj: Agency, workspace: Workspace
) -> None:
    from fti_gateway.core.errors import NotFoundError
    from fti_gateway.service.adapters import get_request_record

    rid = submit(doj).json()["id"]
    got = get_request_record(workspace.home, "DOJ", rid)
    assert (got.agency, got.request_id, got.status) == (
        "DOJ",
        "DOJ-USAO-DC-2025-0042",
        "awaiting-subjects",
    )
    with pytest.raises(NotFoundError):
        get_request_record(workspace.home, "ICE", rid)
