"""Child process for test_crash.py: appends batches until it is killed with SIGKILL.

Usage: python crash_child.py DIR SEED [PRIMITIVE N]

Every entry says which batch it belongs to, so after recovery the parent can tell a
complete batch from a partial one. After each append returns, the child prints
``ack <size>`` — the parent knows which entries were acknowledged. With PRIMITIVE and N,
the child SIGKILLs itself just before the N-th call of that file-system primitive
(``replace``, ``fdatasync``, ``unlink``, ``write``), to hit every step of an append.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ORIGIN = "fti-gateway.example/test-office"


def entry(i: int, start: int, n: int) -> bytes:
    return json.dumps(
        {"i": i, "batch_start": start, "batch_len": n, "pad": "x" * (i % 23)}
    ).encode()


def arm(primitive: str, n: int) -> None:
    """SIGKILL ourselves at the n-th call of an os primitive the storage driver uses."""
    calls = {"count": 0}
    target_mod, name = os, primitive
    original = getattr(target_mod, name)

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["count"] += 1
        if calls["count"] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(target_mod, name, wrapped)


def main() -> None:
    from fti_gateway.ledger.log import Ledger

    d, seed = Path(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 3:
        arm(sys.argv[3], int(sys.argv[4]))
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    rng = random.Random(seed)
    with Ledger.open(d, ORIGIN, key, durable=True) as led:
        print(f"open {led.size}", flush=True)
        while True:
            start = led.size
            n = rng.choice([1, 2, 7, 100, 255, 256, 300, 600])
            led.append([entry(start + k, start, n) for k in range(n)])
            if rng.random() < 0.3:
                led.checkpoint()
            print(f"ack {led.size}", flush=True)


if __name__ == "__main__":
    main()
