"""Ledger benchmark: FTI Gateway's tiled log against pymerkle and tlog-scales, one run.

Workload (issue 5): N appends of 256-byte leaves, durable (fsync'd before the append
returns), in batches of 1,000 with a signed checkpoint after each batch; then inclusion and
consistency proof generation + verification at size N; then a full verification of the
whole log. See README.md for the command, the definitions and the committed results.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.checkpoint import Checkpoint, Signer, sign_checkpoint
from fti_gateway.ledger.fsck import verify as fsck_verify
from fti_gateway.ledger.log import Ledger
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.tree import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

ORIGIN = "bench.fti-gateway.example/ledger"
LEAF = 256
BATCH = 1000


def leaves(start: int, n: int) -> list[bytes]:
    """Deterministic 256-byte leaves (index in the first 8 bytes, then filler)."""
    return [i.to_bytes(8, "big") + bytes([i % 251]) * (LEAF - 8) for i in range(start, start + n)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def per_op(samples: list[float]) -> dict[str, float]:
    us = sorted(s * 1e6 for s in samples)
    return {
        "mean_us": round(statistics.fmean(us), 1),
        "p50_us": round(us[len(us) // 2], 1),
        "p99_us": round(us[int(len(us) * 0.99)], 1),
        "n": len(us),
    }


def pairs(rng: random.Random, n: int, count: int) -> list[tuple[int, int]]:
    """Consistency pairs between checkpointed sizes (multiples of BATCH) up to n."""
    sizes = list(range(BATCH, n + 1, BATCH))
    out = []
    for _ in range(count):
        a, b = sorted(rng.sample(sizes, 2))
        out.append((a, b))
    return out


# --- FTI Gateway ------------------------------------------------------------------------
class Appender:
    """One contender's write side: ``append(batch)`` must leave the batch durable and
    covered by a signed checkpoint when it returns."""

    def append(self, batch: list[bytes]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class OursAppender(Appender):
    def __init__(self, root: Path, key: Ed25519PrivateKey) -> None:
        self.led = Ledger.open(root / "fti", ORIGIN, key, durable=True)

    def append(self, batch: list[bytes]) -> None:
        self.led.append(batch)  # durable, signed checkpoint committed on return
        self.led.checkpoint()  # (already kept in checkpoints/ by the commit: a no-op)

    def close(self) -> None:
        self.led.close()


def bench_ours(root: Path, n: int, proofs: int, key: Ed25519PrivateKey) -> dict[str, Any]:
    d = root / "fti"
    out: dict[str, Any] = {}
    vk = Signer(ORIGIN, key).verifier_key
    rng = random.Random(1)
    idx = [rng.randrange(n) for _ in range(proofs)]
    with Ledger.open(d, ORIGIN, key, durable=True) as led:
        from fti_gateway.ledger.storage import FsStorage

        store = FsStorage(d, durable=False)
        root = led.root
        hashes = {i: leaf_hash(leaves(i, 1)[0]) for i in idx}
        for label, reader, warm in (
            ("cold_cache64", TileReader(store, n, cache_tiles=64), False),
            ("warm_all_tiles", TileReader(store, n, cache_tiles=1 << 30), True),
        ):
            if warm:
                t_warm, _ = timed(lambda r=reader: [r.tile(0, k) for k in range(-(-n // 256))])
                out["warm_up_seconds"] = round(t_warm, 2)
            gen, ver = [], []
            for i in idx:
                t = time.perf_counter()
                path = inclusion_path(i, n, reader.subtree)
                t1 = time.perf_counter()
                verify_inclusion(i, n, hashes[i], path, root)
                t2 = time.perf_counter()
                gen.append(t1 - t)
                ver.append(t2 - t1)
            out[f"inclusion_gen_{label}"] = per_op(gen)
            out[f"inclusion_verify_{label}"] = per_op(ver)
            cpairs = pairs(rng, n, proofs)
            roots = {s: reader.root(s) for pair in cpairs for s in pair}
            gen, ver = [], []
            for a, b in cpairs:
                t = time.perf_counter()
                path = consistency_path(a, b, reader.subtree)
                t1 = time.perf_counter()
                verify_consistency(a, b, roots[a], roots[b], path)
                t2 = time.perf_counter()
                gen.append(t1 - t)
                ver.append(t2 - t1)
            out[f"consistency_gen_{label}"] = per_op(gen)
            out[f"consistency_verify_{label}"] = per_op(ver)
    gc.collect()
    t, report = timed(lambda: fsck_verify(d, vk))
    assert report.ok, report.problems[:3]
    out["full_verify_seconds"] = round(t, 2)
    out["full_verify_checked"] = {
        "entries": report.entries,
        "tiles": report.tiles,
        "checkpoints": report.checkpoints,
    }
    out["disk_bytes"] = du(d)
    return out


# --- pymerkle (SqliteTree: durable, one transaction per batch) ---------------------------
class PymerkleAppender(Appender):
    def __init__(self, root: Path, key: Ed25519PrivateKey) -> None:
        from pymerkle import SqliteTree

        self.signer = Signer(ORIGIN, key)
        # sqlite default: rollback journal, synchronous=FULL
        self.tree = SqliteTree(str(root / "pymerkle.db"))
        self.notes = root / "pymerkle-checkpoints"
        self.notes.mkdir()

    def append(self, batch: list[bytes]) -> None:
        size = self.tree.append_entries(batch)  # one committed (fsync'd) transaction
        note = sign_checkpoint(self.signer, Checkpoint(ORIGIN, size, self.tree.get_state()))
        (self.notes / str(size)).write_bytes(note)

    def close(self) -> None:
        self.tree.close()


def bench_pymerkle(root: Path, n: int, proofs: int, key: Ed25519PrivateKey) -> dict[str, Any]:
    from pymerkle import InmemoryTree, SqliteTree, verify_consistency, verify_inclusion

    db = root / "pymerkle.db"
    tree = SqliteTree(str(db))
    out: dict[str, Any] = {
        "note": "checkpoints signed with our Ed25519 note code (pymerkle has none)"
    }
    rng = random.Random(1)
    idx = [rng.randrange(n) for _ in range(proofs)]
    state = tree.get_state()
    gen, ver = [], []
    for i in idx:
        base = tree.get_leaf(i + 1)
        t = time.perf_counter()
        proof = tree.prove_inclusion(i + 1, n)
        t1 = time.perf_counter()
        verify_inclusion(base, state, proof)
        t2 = time.perf_counter()
        gen.append(t1 - t)
        ver.append(t2 - t1)
    out["inclusion_gen"] = per_op(gen)
    out["inclusion_verify"] = per_op(ver)
    cpairs = pairs(rng, n, proofs)
    states = {s: tree.get_state(s) for pair in cpairs for s in pair}
    gen, ver = [], []
    for a, b in cpairs:
        t = time.perf_counter()
        proof = tree.prove_consistency(a, b)
        t1 = time.perf_counter()
        verify_consistency(states[a], states[b], proof)
        t2 = time.perf_counter()
        gen.append(t1 - t)
        ver.append(t2 - t1)
    out["consistency_gen"] = per_op(gen)
    out["consistency_verify"] = per_op(ver)

    def full_verify() -> None:
        """No fsck in pymerkle: re-read every entry, rebuild the tree, compare roots."""
        check = InmemoryTree()
        check.append_entries(list(tree.con.execute("SELECT entry FROM leaf ORDER BY id")))
        assert check.get_state() == state

    gc.collect()
    t, _ = timed(full_verify)
    out["full_verify_seconds"] = round(t, 2)
    out["full_verify_definition"] = (
        "re-read all entries from SQLite, rebuild an InmemoryTree, compare root"
    )
    tree.close()
    out["disk_bytes"] = du(db)
    return out


# --- tlog-scales (TilesWriter: C2SP tiles, atomic fsync'd writes) ------------------------
class TlogScalesAppender(Appender):
    def __init__(self, root: Path, key: Ed25519PrivateKey) -> None:
        from tlog_scales.signing import PlainEd25519Signer
        from tlog_scales.writer import TilesWriter

        self.signer = PlainEd25519Signer(ORIGIN, key)
        self.writer = TilesWriter.create(root / "tlog-scales", ORIGIN)

    def append(self, batch: list[bytes]) -> None:
        for leaf in batch:
            self.writer.add_leaf(leaf)
        self.writer.commit([self.signer])  # tiles + signed checkpoint, atomically fsync'd


def bench_tlog_scales(root: Path, n: int, proofs: int, key: Ed25519PrivateKey) -> dict[str, Any]:
    from tlog_scales.backend import LocalBackend
    from tlog_scales.reader import TilesReader
    from tlog_scales.tiles import leaf_hash as ts_leaf_hash

    d = root / "tlog-scales"
    out: dict[str, Any] = {}
    reader = TilesReader(LocalBackend(d))
    cp = reader.get_checkpoint()
    rng = random.Random(1)
    idx = [rng.randrange(n) for _ in range(proofs)]
    gen, ver = [], []
    for i in idx:
        h = ts_leaf_hash(leaves(i, 1)[0])
        t = time.perf_counter()
        proof = reader.get_inclusion_proof(i, n)
        t1 = time.perf_counter()
        proof.check(h, cp.root_hash)
        t2 = time.perf_counter()
        gen.append(t1 - t)
        ver.append(t2 - t1)
    out["inclusion_gen"] = per_op(gen)
    out["inclusion_verify"] = per_op(ver)
    cpairs = pairs(rng, n, proofs)
    roots = {s: reader.mth(0, s) for pair in cpairs for s in pair}
    gen, ver = [], []
    for a, b in cpairs:
        t = time.perf_counter()
        proof = reader.get_consistency_proof(a, b)
        t1 = time.perf_counter()
        proof.check(roots[a], roots[b])
        t2 = time.perf_counter()
        gen.append(t1 - t)
        ver.append(t2 - t1)
    out["consistency_gen"] = per_op(gen)
    out["consistency_verify"] = per_op(ver)

    def full_verify() -> None:
        """No fsck in tlog-scales: check the signature, re-read every entry, compare its
        leaf hash with the level-0 tile, recompute the root from the hash tiles."""
        from tlog_scales.signing import Vkey

        fresh = TilesReader(LocalBackend(d))
        c = fresh.get_checkpoint()
        c.verify(Vkey.from_string(Signer(ORIGIN, key).verifier_key))
        for i in range(c.size):
            leaf = fresh.get_entry(i)
            assert fresh._get_from_tile(0, i // 256, i % 256) == ts_leaf_hash(leaf)
        assert fresh.calculate_root_hash() == c.root_hash

    gc.collect()
    t, _ = timed(full_verify)
    out["full_verify_seconds"] = round(t, 2)
    out["full_verify_definition"] = (
        "verify signature, re-read every entry and compare its leaf hash with the level-0 "
        "tile, recompute the root from hash tiles (tlog-scales has no fsck)"
    )
    out["disk_bytes"] = du(d)
    return out


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def fsync_probe(folder: Path, trials: int = 50) -> dict[str, float]:
    """How long this disk takes to make 4 KiB durable right now (fdatasync latency):
    durable-append throughput is bounded by it, and on a shared machine it moves a lot."""
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    samples = []
    try:
        for _ in range(trials):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            samples.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        path.unlink()
    samples.sort()
    return {
        "p50_ms": round(samples[len(samples) // 2] * 1e3, 3),
        "max_ms": round(samples[-1] * 1e3, 3),
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "openssl_sha256_check": hashlib.sha256(b"").hexdigest()[:8],
    }


def render(results: dict[str, Any]) -> str:
    """results.md: the same numbers as results.json, as tables."""
    w, m = results["workload"], results["machine"]
    out = [
        "# Ledger benchmark results",
        "",
        f"Run {results['started']} on {m['cpu']} ({m['cores']} cores), Python {m['python']}, "
        f"{m['platform']}. Workload: {w['leaves']:,} appends of {w['leaf_bytes']}-byte leaves, "
        f"durable, in batches of {w['batch']:,} with a signed checkpoint after each batch; "
        "the three contenders append batch by batch in turn (same disk conditions), then "
        "each runs its proofs and full verify.",
        "",
        "| | FTI Gateway | pymerkle (SqliteTree) | tlog-scales (TilesWriter) |",
        "|---|---:|---:|---:|",
    ]
    names = ["fti", "pymerkle", "tlog-scales"]

    def cell(name: str, key: str, fmt: str = "{:,}") -> str:
        v = results.get(name, {}).get(key)
        if v is None:
            return "—"
        return (
            fmt.format(v["mean_us"]) + f" (p50 {v['p50_us']})"
            if isinstance(v, dict)
            else fmt.format(v)
        )

    def row(label: str, keys: list[str], fmt: str = "{:,}") -> None:
        out.append(
            f"| {label} | "
            + " | ".join(cell(n, k, fmt) for n, k in zip(names, keys, strict=True))
            + " |"
        )

    row("durable appends / s", ["appends_per_second"] * 3)
    row("append time, s", ["append_seconds"] * 3, "{}")
    row("batch of 1,000 + checkpoint, mean µs", ["batch_latency"] * 3, "{:,.0f}")
    for kind in ("inclusion", "consistency"):
        for step in ("gen", "verify"):
            row(
                f"{kind} proof {step}, µs (ours: cold 64-tile cache; peers: as shipped)",
                [f"{kind}_{step}_cold_cache64", f"{kind}_{step}", f"{kind}_{step}"],
                "{:,.1f}",
            )
            row(
                f"{kind} proof {step}, µs (ours: every tile expanded in memory)",
                [f"{kind}_{step}_warm_all_tiles", "-", "-"],
                "{:,.1f}",
            )
    row("full verify of the log, s", ["full_verify_seconds"] * 3, "{}")
    row("bytes on disk", ["disk_bytes"] * 3)
    probes = results.get("fsync_probe", {})
    if probes:
        out += [
            "",
            "fdatasync latency of this disk during the run (p50 / max, ms): "
            + "; ".join(f"{k} {v['p50_ms']} / {v['max_ms']}" for k, v in probes.items())
            + ".",
        ]
    fti = results.get("fti", {})
    if "warm_up_seconds" in fti:
        out += ["", f"Warm-up (expanding every level-0 tile once): {fti['warm_up_seconds']} s."]
    if "full_verify_checked" in fti:
        c = fti["full_verify_checked"]
        out.append(
            f"Our full verify checked {c['entries']:,} entries, {c['tiles']:,} tiles and "
            f"{c['checkpoints']:,} signed checkpoints."
        )
    return "\n".join(out) + "\n"


def append_interleaved(
    scratch: Path,
    n: int,
    key: Ed25519PrivateKey,
    makers: dict[str, Callable[[Path, Ed25519PrivateKey], Appender]],
) -> dict[str, dict[str, Any]]:
    """The append phase, batch by batch in turn (rotating who goes first), so that all
    contenders see the same disk: on a shared machine fsync latency drifts by 50x within
    minutes, and running them one after the other would measure the drift."""
    apps = {name: make(scratch, key) for name, make in makers.items()}
    lat: dict[str, list[float]] = {name: [] for name in apps}
    order = list(apps)
    for b, start in enumerate(range(0, n, BATCH)):
        batch = leaves(start, min(BATCH, n - start))
        for name in order[b % len(order) :] + order[: b % len(order)]:
            t = time.perf_counter()
            apps[name].append(batch)
            lat[name].append(time.perf_counter() - t)
        if b % 100 == 0:
            print(f"  batch {b}", file=sys.stderr, flush=True)
    for app in apps.values():
        app.close()
    out = {}
    for name, samples in lat.items():
        total = sum(samples)
        out[name] = {
            "append_seconds": round(total, 2),
            "appends_per_second": round(n / total),
            "batch_latency": per_op(samples),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000, help="leaves to append")
    ap.add_argument("--proofs", type=int, default=2000, help="proofs of each kind (ours)")
    ap.add_argument("--peer-proofs", type=int, default=500, help="proofs of each kind (peers)")
    ap.add_argument("--only", choices=["fti", "pymerkle", "tlog-scales"], action="append")
    ap.add_argument("--dir", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = ap.parse_args()
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench").digest())
    scratch = Path(tempfile.mkdtemp(prefix="fti-ledger-bench-", dir=args.dir))
    results: dict[str, Any] = {
        "workload": {
            "leaves": args.n,
            "leaf_bytes": LEAF,
            "batch": BATCH,
            "checkpoint_every": BATCH,
            "durable": True,
            "proofs_ours": args.proofs,
            "proofs_peers": args.peer_proofs,
        },
        "machine": machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    appenders: dict[str, Callable[[Path, Ed25519PrivateKey], Appender]] = {
        "fti": OursAppender,
        "pymerkle": PymerkleAppender,
        "tlog-scales": TlogScalesAppender,
    }
    measures = {"fti": bench_ours, "pymerkle": bench_pymerkle, "tlog-scales": bench_tlog_scales}
    names = [n for n in appenders if not args.only or n in args.only]
    try:
        results["fsync_probe"] = {"before": fsync_probe(scratch)}
        results.update(append_interleaved(scratch, args.n, key, {n: appenders[n] for n in names}))
        results["fsync_probe"]["after_appends"] = fsync_probe(scratch)
        for name in names:
            print(f"== {name}: proofs and full verify", file=sys.stderr, flush=True)
            proofs = args.proofs if name == "fti" else args.peer_proofs
            results[name].update(measures[name](scratch, args.n, proofs, key))
            print(json.dumps(results[name], indent=1), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(render(results))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}", file=sys.stderr)


if __name__ == "__main__":
    main()
