"""The public ledger over HTTP (no credentials): checkpoint, tiles as C2SP tlog-tiles
lays them out, caching, refusals; and the verifier keys."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.service import create_app
from tests.service import c2sp

N = 600  # two full entry bundles and level-0 tiles, and a partial one of each
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, list[bytes]]:
    ws = Workspace.init(tmp_path_factory.mktemp("public") / "home")
    leaves = [f"leaf-{i}".encode() for i in range(N)]
    with open_ledger(ws) as led:
        led.append(leaves[:300])  # the partial tile of size 300 is grown by the next batch
        led.append(leaves[300:])
    return TestClient(create_app(ws.home)), leaves


class HttpBackend:
    """tlog-scales' backend protocol over the service (what its HttpBackend does, but
    through the in-process client)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, *path: str) -> bytes | None:
        r = self.client.get("/ledger/" + "/".join(path))
        return r.content if r.status_code == 200 else None


def test_tlog_scales_walks_the_log_over_http(ledger: tuple[TestClient, list[bytes]]) -> None:
    from tlog_scales.reader import TilesReader
    from tlog_scales.signing import Vkey
    from tlog_scales.tiles import leaf_hash

    client, leaves = ledger
    vkey = client.get("/v1/keys/ledger").text.strip()
    reader = TilesReader(HttpBackend(client))
    cp = reader.get_checkpoint()
    cp.verify(Vkey.from_string(vkey))
    assert cp.size == N
    assert reader.calculate_root_hash() == cp.root_hash
    for i in (0, 255, 256, 511, 512, N - 1):
        assert reader.get_entry(i) == leaves[i]
        reader.get_inclusion_proof(i, N).check(leaf_hash(leaves[i]), cp.root_hash)


def test_a_spec_written_client_recomputes_the_root_from_the_tiles(
    ledger: tuple[TestClient, list[bytes]],
) -> None:
    client, leaves = ledger
    vkey = client.get("/v1/keys/ledger").text.strip()
    _origin, size, root = c2sp.open_checkpoint(client.get("/ledger/checkpoint").text, vkey)
    got: list[bytes] = []
    for path in ("000", "001", "002.p/88"):
        data = client.get(f"/ledger/tile/entries/{path}").content
        while data:
            n = int.from_bytes(data[:2], "big")
            got.append(data[2 : 2 + n])
            data = data[2 + n :]
    assert got == leaves and size == N
    hashes = b"".join(client.get(f"/ledger/tile/0/{p}").content for p in ("000", "001", "002.p/88"))
    level0 = [hashes[i : i + 32] for i in range(0, len(hashes), 32)]
    assert level0 == [c2sp.leaf_hash(x) for x in leaves]
    assert _mth(level0) == root


def _mth(nodes: list[bytes]) -> bytes:
    import hashlib

    if len(nodes) == 1:
        return nodes[0]
    k = 1 << ((len(nodes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(nodes[:k]) + _mth(nodes[k:])).digest()


def test_caching_full_tiles_forever_partial_briefly_checkpoint_never(
    ledger: tuple[TestClient, list[bytes]],
) -> None:
    client, _ = ledger
    for path in ("tile/0/000", "tile/entries/001"):
        r = client.get("/ledger/" + path)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE
        assert r.headers["content-type"] == "application/octet-stream"
    partial = client.get("/ledger/tile/0/002.p/88")
    assert partial.status_code == 200 and "immutable" not in partial.headers["cache-control"]
    cp = client.get("/ledger/checkpoint")
    assert cp.headers["cache-control"] == "no-cache"
    assert cp.headers["content-type"].startswith("text/plain")


def test_an_older_partial_tile_is_served_from_the_grown_one(
    ledger: tuple[TestClient, list[bytes]],
) -> None:
    """A client holding the checkpoint at size 300 asks for tile/0/001.p/44, which the
    second append replaced by the full tile/0/001: it gets the same first 44 hashes."""
    client, leaves = ledger
    r = client.get("/ledger/tile/0/001.p/44")
    assert r.status_code == 200
    assert r.content == client.get("/ledger/tile/0/001").content[: 44 * 32]
    entries = client.get("/ledger/tile/entries/001.p/44")
    assert entries.status_code == 200 and leaves[256 + 43] in entries.content


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/003",  # past the checkpoint
        "tile/0/002",  # not full yet
        "tile/0/002.p/89",  # wider than the log
        "tile/1/000",  # level 1 has no full tile at 600
        "tile/0/x000/000",  # not canonical
        "tile/0/0",
        "tile/0/000.p/256",
        "tile/0/000.p/0",
        "tile/%2E%2E/checkpoint",
        "tile/..%2F..%2Fstate.sqlite",
        "tile/0/../../state.sqlite",
        "state.sqlite",
        "checkpoints/600",
        "tile/entries/000/../../../../etc/passwd",
    ],
)
def test_anything_else_is_404_problem(ledger: tuple[TestClient, list[bytes]], path: str) -> None:
    client, _ = ledger
    r = client.get("/ledger/" + path)
    assert r.status_code == 404, (path, r.status_code)
    assert r.headers["content-type"] == "application/problem+json"


def test_writes_are_refused(ledger: tuple[TestClient, list[bytes]]) -> None:
    client, _ = ledger
    for method in ("PUT", "POST", "DELETE"):
        r = client.request(method, "/ledger/tile/0/000", content=b"x")
        assert r.status_code == 405, method
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 405 and "GET" in r.headers["allow"]


def test_the_keys_are_public_note_format_text(ledger: tuple[TestClient, list[bytes]]) -> None:
    client, _ = ledger
    for path in ("/v1/keys/ledger", "/v1/keys/package"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        name, key_id, b64 = r.text.strip().split("+", 2)
        assert len(key_id) == 8 and name and len(base64.b64decode(b64)) == 33
    ledger_key = client.get("/v1/keys/ledger").text.strip()
    origin = client.get("/ledger/checkpoint").text.split("\n")[0]
    assert ledger_key.split("+")[0] == origin
