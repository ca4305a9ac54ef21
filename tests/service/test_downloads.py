"""GET /v1/requests/{id}/package (a deterministic ZIP, Range) and /proof (tlog-proofs)."""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest

from fti_gateway.disclose import verify_package
from fti_gateway.ledger import accounting
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.service import downloads
from fti_gateway.service.auth import Principal
from tests.service import c2sp
from tests.service.conftest import AWAITING_ID, DENIED_ID, RELEASED_ID, Served

PACKAGE = f"/v1/requests/{RELEASED_ID}/package"
PROOF = f"/v1/requests/{RELEASED_ID}/proof"


def ranged(served: Served, extra: dict[str, str]) -> httpx.Response:
    """GET the package as DOJ with extra headers (Range, If-Range)."""
    return served.client.get(PACKAGE, headers={**served.doj.headers("GET", PACKAGE), **extra})


def test_the_package_is_the_signed_folder_as_a_zip(served: Served, tmp_path: Path) -> None:
    r = served.doj.get(PACKAGE)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"].startswith('"') and r.headers["content-length"] == str(len(r.content))
    folder = served.run_dir / "package"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
        assert names == sorted(p.name for p in folder.iterdir())
        for name in names:
            assert zf.read(name) == (folder / name).read_bytes()
        zf.extractall(tmp_path / "pkg")
    # A recipient checks it with the published key alone (note format → raw key).
    vkey = served.client.get("/v1/keys/package").text.strip()
    raw = base64.b64decode(vkey.split("+", 2)[2])[1:]
    assert verify_package(tmp_path / "pkg", raw).ok


def test_the_zip_is_the_same_bytes_when_built_again(served: Served) -> None:
    first = served.doj.get(PACKAGE)
    for cached in served.run_dir.glob("package-*.zip"):
        cached.unlink()  # forces a rebuild
    second = served.doj.get(PACKAGE)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize(
    ("spec", "want"),
    [("bytes=0-9", (0, 9)), ("bytes=10-", (10, None)), ("bytes=-7", (-7, None))],
)
def test_a_single_range_is_206(served: Served, spec: str, want: tuple[int, int | None]) -> None:
    whole = served.doj.get(PACKAGE).content
    size = len(whole)
    r = ranged(served, {"Range": spec})
    assert r.status_code == 206, r.text
    start = want[0] if want[0] >= 0 else size + want[0]
    end = want[1] if want[1] is not None else size - 1
    assert r.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert r.content == whole[start : end + 1]
    assert r.headers["content-length"] == str(end - start + 1)


def test_if_range_resumes_only_the_same_file(served: Served) -> None:
    whole = served.doj.get(PACKAGE)
    etag = whole.headers["etag"]
    same = ranged(served, {"Range": "bytes=5-", "If-Range": etag})
    assert same.status_code == 206 and same.content == whole.content[5:]
    other = ranged(served, {"Range": "bytes=5-", "If-Range": '"old"'})
    assert other.status_code == 200 and other.content == whole.content


@pytest.mark.parametrize("spec", ["bytes=0-1,4-5", "items=0-1", "bytes=9-3", "bytes=x-"])
def test_a_range_we_cannot_use_gets_the_whole_file(served: Served, spec: str) -> None:
    whole = served.doj.get(PACKAGE).content
    r = ranged(served, {"Range": spec})
    assert r.status_code == 200 and r.content == whole


def test_a_range_past_the_end_is_416_problem(served: Served) -> None:
    size = len(served.doj.get(PACKAGE).content)
    for spec in (f"bytes={size}-", "bytes=-0"):
        r = ranged(served, {"Range": spec})
        assert r.status_code == 416, spec
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["content-range"] == f"bytes */{size}"
        body = r.json()
        assert {"type", "title", "status", "detail", "instance"} <= set(body)
        assert body["status"] == 416 and body["instance"] == PACKAGE


def test_no_package_until_released_and_none_for_another_agency(served: Served) -> None:
    r = served.doj.get(f"/v1/requests/{DENIED_ID}/package")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    theirs = served.ice.get(PACKAGE)
    assert theirs.status_code == 404
    assert served.ice.get(PROOF).status_code == 404
    assert served.client.get(PACKAGE).status_code == 401  # no credentials


def test_a_package_awaiting_witnesses_is_refused_with_its_reason(served: Served) -> None:
    """The package folder exists, but no witness quorum has cosigned a checkpoint over
    its entries: the download is refused, and the problem says why."""
    r = served.doj.get(f"/v1/requests/{AWAITING_ID}/package")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "urn:fti-gateway:problem:awaiting-witness"
    assert "witness quorum" in problem["detail"]
    assert served.doj.get(PACKAGE).status_code == 200  # the released one still downloads


def test_every_entry_of_the_request_is_proven_against_one_checkpoint(served: Served) -> None:
    r = served.doj.get(PROOF)
    assert r.status_code == 200, r.text
    body = r.json()
    vkey = served.client.get("/v1/keys/ledger").text.strip()
    _origin, size, _root = c2sp.open_checkpoint(body["checkpoint"], vkey)
    rows = accounting.load(served.ws.ledger_dir, verifier_key(served.ws)).rows
    mine = [row for row in rows if row.request_id == served.request_id]
    assert [(e["index"], e["kind"]) for e in body["entries"]] == [
        (row.index, row.kind) for row in mine
    ]
    kinds = {e["kind"] for e in body["entries"]}
    assert {"request_received", "decision", "disclosure"} <= kinds
    for e in body["entries"]:
        entry = base64.b64decode(e["entry"])
        assert json.loads(entry)["request"]["id"] == served.request_id
        assert e["proof"].endswith(body["checkpoint"])  # one checkpoint for all
        assert c2sp.verify_tlog_proof(e["proof"], entry, vkey) == (e["index"], size)
        with pytest.raises(AssertionError):
            c2sp.verify_tlog_proof(e["proof"], entry + b" ", vkey)


def test_tlog_scales_accepts_the_proofs(served: Served) -> None:
    """A second, independent implementation: tlog-scales parses and verifies the
    checkpoint and checks each audit path (taken from the tlog-proof text)."""
    from tlog_scales.signing import Vkey
    from tlog_scales.tiles import leaf_hash
    from tlog_scales.tlog import Checkpoint, InclusionProof

    body = served.doj.get(PROOF).json()
    vkey = served.client.get("/v1/keys/ledger").text.strip()
    cp = Checkpoint.from_text(body["checkpoint"])
    cp.verify(Vkey.from_string(vkey))
    for e in body["entries"]:
        head = e["proof"].partition("\n\n")[0].split("\n")
        hashes = [base64.b64decode(h) for h in head[2:]]
        proof = InclusionProof(int(head[1].split(" ")[1]), cp.size, hashes)
        proof.check(leaf_hash(base64.b64decode(e["entry"])), cp.root_hash)


def test_after_a_revision_the_newest_released_package_is_served(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After review, revision n ≥ 2 has its own package (the subjects it newly released):
    that one is served, also while other items keep the request in review; ``?revision=1``
    still fetches the first."""
    first = served.doj.get(PACKAGE)
    second = served.run_dir / "revisions" / "2"
    shutil.copytree(served.run_dir / "package", second / "package")
    (second / "decision.json").write_bytes((served.run_dir / "decision.json").read_bytes())
    try:
        r = served.doj.get(PACKAGE)
        assert r.status_code == 200 and r.headers["fti-package-revision"] == "2"
        assert "-r2.zip" in r.headers["content-disposition"]
        assert list(second.glob("package-*.zip")), "the ZIP came from revision 2's folder"
        old = served.doj.get(PACKAGE + "?revision=1")
        assert old.headers["fti-package-revision"] == "1" and old.content == first.content
        assert served.doj.get(PACKAGE + "?revision=3").status_code == 404
        # A later revision whose package released nobody is passed over (asked by number,
        # it is still there).
        third = served.run_dir / "revisions" / "3"
        (third / "package").mkdir(parents=True)
        doc = json.loads((second / "package" / "manifest.json").read_text())
        doc["data"] = {**doc["data"], "rows": 0, "subjects": 0}
        (third / "package" / "manifest.json").write_text(json.dumps(doc))
        (third / "decision.json").write_bytes((served.run_dir / "decision.json").read_bytes())
        assert served.doj.get(PACKAGE).headers["fti-package-revision"] == "2"
        shutil.rmtree(third)
        # A partial release: other items are still open, the request is in review.
        real = downloads.resolve_request

        def in_review(home: Path, principal: Principal, rid: str) -> downloads.RequestRecord:
            rec = real(home, principal, rid)
            return downloads.RequestRecord(rec.id, rec.agency, rec.request_id, "review")

        monkeypatch.setattr(downloads, "resolve_request", in_review)
        assert served.doj.get(PACKAGE).headers["fti-package-revision"] == "2"
        (second / "package" / "manifest.json").unlink()  # an unfinished package is not served
        assert served.doj.get(PACKAGE).headers["fti-package-revision"] == "1"
    finally:
        shutil.rmtree(served.run_dir / "revisions")
