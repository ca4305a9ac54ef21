"""The agency's side of the service benchmark, run as its own process (never the server's).

    python -m bench.service.client upload --base URL --key KEY.json --manifest M --csv C
    python -m bench.service.client load --base URL --key KEY.json --path /v1/... --rate R ...

``upload`` gets a token (RFC 7523 assertion + DPoP, as API.md says), POSTs the manifest,
prints ``READY <api id>`` and waits for a line on stdin, so the runner can start sampling
the server's memory; then it streams the CSV with httpx (a generator body, 1 MiB at a
time, never the whole file in memory) and prints one JSON line: the seconds from the
first byte sent to the 202, and the answer.

``load`` sends calls on a fixed open-loop schedule (call *i* is due at ``i / rate`` s):
a latency is measured from the moment the call was *due*, so a slow server cannot hide
its slowness by slowing the client down (no coordinated omission). Requests are written
by hand over keep-alive sockets, with every DPoP proof signed before the clock starts,
so the client's own CPU stays small next to the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc import jws
from joserfc.jwk import OKPKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CHUNK = 1 << 20


class Caller:
    """An agency key (registered with ``fti agency add``) and a fresh DPoP key."""

    def __init__(self, base: str, key_file: Path) -> None:
        self.base = base.rstrip("/")
        data = json.loads(key_file.read_text())
        self.key = OKPKey.import_key(data["jwk"])
        self.agency = str(data["agency"])
        self.dpop = OKPKey.generate_key("Ed25519")
        self.public = self.dpop.as_dict(private=False)
        self.token = ""

    def _sign(self, header: dict[str, Any], claims: dict[str, Any], key: OKPKey) -> str:
        payload = json.dumps({k: v for k, v in claims.items() if v is not None}).encode()
        return str(jws.serialize_compact(header, payload, key, algorithms=["Ed25519"]))

    def proof(self, method: str, path: str) -> str:
        ath = None
        if self.token:
            digest = hashlib.sha256(self.token.encode()).digest()
            ath = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        claims = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": self.base + path,
            "iat": int(time.time()),
            "ath": ath,
        }
        head = {"typ": "dpop+jwt", "alg": "Ed25519", "jwk": self.public}
        return self._sign(head, claims, self.dpop)

    def get_token(self, client: httpx.Client) -> str:
        now = int(time.time())
        assertion = self._sign(
            {"alg": "Ed25519"},
            {
                "iss": self.agency,
                "sub": self.agency,
                "aud": self.base + "/v1/token",
                "exp": now + 120,
                "iat": now,
                "jti": uuid.uuid4().hex,
            },
            self.key,
        )
        r = client.post(
            self.base + "/v1/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.agency,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
            },
            headers={"DPoP": self.proof("POST", "/v1/token")},
        )
        r.raise_for_status()
        self.token = str(r.json()["access_token"])
        return self.token

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"Authorization": f"DPoP {self.token}", "DPoP": self.proof(method, path)}


def upload(args: argparse.Namespace) -> None:
    caller = Caller(args.base, args.key)
    with httpx.Client(timeout=600) as client:
        caller.get_token(client)
        r = client.post(
            caller.base + "/v1/requests",
            content=args.manifest.read_bytes(),
            headers={**caller.headers("POST", "/v1/requests"), "Content-Type": "application/yaml"},
        )
        if r.status_code != 201:
            raise SystemExit(f"manifest refused: {r.status_code} {r.text}")
        api_id = r.json()["id"]
        path = f"/v1/requests/{api_id}/subjects"
        headers = {**caller.headers("PUT", path), "Content-Type": "text/csv"}
        print("READY", api_id, flush=True)
        sys.stdin.readline()
        first: list[float] = []

        def body() -> Iterator[bytes]:
            with args.csv.open("rb") as f:
                while chunk := f.read(CHUNK):
                    if not first:
                        first.append(time.perf_counter())
                    yield chunk

        r = client.put(caller.base + path, content=body(), headers=headers)
        done = time.perf_counter()
    answer = r.json()
    answer.pop("errors", None)  # at most a hundred; the counts say enough here
    out = {"status": r.status_code, "seconds": done - first[0], "api_id": api_id, **answer}
    print(json.dumps(out), flush=True)


# -- open-loop load -------------------------------------------------------------------------


async def _call(
    conns: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]], raw: bytes
) -> tuple[int, bytes]:
    reader, writer = await conns.get()
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await reader.readexactly(length)
        return status, body
    finally:
        conns.put_nowait((reader, writer))


async def _run_load(
    base: str, raws: list[bytes], rate: float, conns_n: int, grace: float
) -> dict[str, Any]:
    parts = urlsplit(base)
    conns: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(conns_n):
        conns.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies: list[bytes] = []
    loop = asyncio.get_running_loop()

    async def one(due: float, raw: bytes, keep: bool) -> None:
        try:
            status, body = await _call(conns, raw)
        except (OSError, asyncio.IncompleteReadError):
            status, body = 0, b""
        latencies.append(loop.time() - due)
        statuses[status] = statuses.get(status, 0) + 1
        if keep:
            bodies.append(body)

    tasks = []
    start = loop.time() + 0.05
    for i, raw in enumerate(raws):
        due = start + i / rate if rate > 0 else loop.time()
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, raw, i in (0, len(raws) - 1))))
    sent_over = loop.time() - start
    _, late = await asyncio.wait(tasks, timeout=grace) if tasks else (set(), set())
    for t in late:
        t.cancel()
    wall = loop.time() - start
    while not conns.empty():
        conns.get_nowait()[1].close()
    lat = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    out: dict[str, Any] = {
        "calls": len(raws),
        "completed": len(lat),
        "unfinished_after_grace": len(late),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "schedule_s": round(sent_over, 2),
        "wall_s": round(wall, 2),
        "achieved_per_s": round(len(lat) / wall, 1) if wall else None,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 2) if lat else None,
    }
    for name, body in zip(("first_body", "last_body"), bodies, strict=False):
        try:
            out[name] = {k: v for k, v in json.loads(body).items() if k in ("status", "stages")}
        except ValueError:
            out[name] = body[:200].decode(errors="replace")
    return out


async def _closed_loop(base: str, raw: bytes, conns_n: int, seconds: float) -> dict[str, Any]:
    """As many calls as ``conns_n`` keep-alive connections get answered in ``seconds``."""
    parts = urlsplit(base)
    conns: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(conns_n):
        conns.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds
    done = 0
    bad = 0

    async def worker() -> None:
        nonlocal done, bad
        while loop.time() < stop:
            status, _ = await _call(conns, raw)
            done += 1
            bad += status != 200

    t0 = loop.time()
    await asyncio.gather(*(worker() for _ in range(conns_n)))
    wall = loop.time() - t0
    while not conns.empty():
        conns.get_nowait()[1].close()
    return {"connections": conns_n, "calls": done, "non_200": bad, "per_s": round(done / wall, 1)}


def _raw(base: str, method: str, path: str, headers: dict[str, str]) -> bytes:
    host = urlsplit(base).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def load(args: argparse.Namespace) -> None:
    n = int(args.rate * args.seconds)
    if args.auth:
        caller = Caller(args.base, args.key)
        with httpx.Client(timeout=30) as client:
            caller.get_token(client)
        t = time.perf_counter()
        raws = [
            _raw(args.base, "GET", args.path, caller.headers("GET", args.path)) for _ in range(n)
        ]
        signing = time.perf_counter() - t
    else:
        raws = [_raw(args.base, "GET", args.path, {})] * n
        signing = 0.0
    if args.closed_loop:
        out = asyncio.run(_closed_loop(args.base, raws[0], args.connections, args.seconds))
    else:
        out = asyncio.run(_run_load(args.base, raws, args.rate, args.connections, args.grace))
        out["rate"] = args.rate
    out["proofs_signed_before_s"] = round(signing, 2)
    print(json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upload")
    up.add_argument("--base", required=True)
    up.add_argument("--key", type=Path, required=True)
    up.add_argument("--manifest", type=Path, required=True)
    up.add_argument("--csv", type=Path, required=True)
    ld = sub.add_parser("load")
    ld.add_argument("--base", required=True)
    ld.add_argument("--key", type=Path)
    ld.add_argument("--path", required=True)
    ld.add_argument("--auth", action="store_true")
    ld.add_argument("--rate", type=float, default=500)
    ld.add_argument("--seconds", type=float, default=20)
    ld.add_argument("--connections", type=int, default=64)
    ld.add_argument("--grace", type=float, default=20)
    ld.add_argument("--closed-loop", action="store_true")
    args = ap.parse_args()
    (upload if args.cmd == "upload" else load)(args)


if __name__ == "__main__":
    main()
