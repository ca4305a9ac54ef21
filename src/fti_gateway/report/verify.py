"""Recompute a (p)(3)(C) report from the tiles alone and compare it, count by count.

A report names the checkpoint it was computed from (origin, size, root). The ledger may
have grown since; the tree at that size is still in the tiles. So: verify the folder's
latest checkpoint with the key, recompute the root at the report's size from the tiles and
require the report's root (so the report's tree is a prefix of the signed one), read the
leaves up to that size (``accounting.load_from`` checks they hash to it), and count again.
A full report must equal the recount everywhere; a public one wherever it shows a count
(with the previous release, its suppression pattern is re-derived and checked too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.law.registries import Registry
from fti_gateway.ledger.accounting import load_from
from fti_gateway.ledger.checkpoint import Checkpoint
from fti_gateway.ledger.proofs import open_log
from fti_gateway.report import p3c, suppress


@dataclass(frozen=True)
class Difference:
    where: str
    report: object
    recount: object


def recount(
    doc: dict[str, Any], dir: Path, verifier_key: str, registry: Registry | None = None
) -> dict[str, Any]:
    """The full report recomputed at the checkpoint ``doc`` names."""
    if doc.get("format") != p3c.FORMAT:
        raise InputError(f"not a {p3c.FORMAT} report")
    led = doc["ledger"]
    cp, note, reader = open_log(dir, verifier_key)
    size = int(led["size"])
    if led["origin"] != cp.origin:
        raise IntegrityError(f"the report is of {led['origin']}; the ledger is {cp.origin}")
    if size > cp.size:
        raise IntegrityError(f"the report is at size {size}; the ledger's checkpoint at {cp.size}")
    root = reader.root(size)
    if root.hex() != led["root"]:
        raise IntegrityError(
            f"the tiles give root {root.hex()} at size {size}; the report states {led['root']}",
            where=str(dir),
        )
    view = load_from(reader, Checkpoint(cp.origin, size, root), note, where=str(dir))
    return p3c.from_view(view, int(doc["year"]), registry).to_json()


def compare(
    doc: dict[str, Any], full: dict[str, Any], previous: dict[str, Any] | None = None
) -> list[Difference]:
    """Where ``doc`` (full or public) disagrees with the recounted ``full`` report."""
    if doc.get("version") == "public":
        if previous is not None:
            full = suppress.public(full, previous)
            return _diff(_flat(doc), _flat(full), hidden_ok=False)
        return _diff(_flat(doc), _flat(full), hidden_ok=True)
    return _diff(_flat(doc), _flat(full), hidden_ok=False)


def _diff(got: dict[str, object], want: dict[str, object], *, hidden_ok: bool) -> list[Difference]:
    out = []
    for where in sorted(set(got) | set(want)):
        if where.startswith(("version", "suppression")):
            continue
        a, b = got.get(where, "(absent)"), want.get(where, "(absent)")
        if a == b or (hidden_ok and a is None and b != "(absent)"):
            continue
        out.append(Difference(where, a, b))
    return out


def _flat(doc: dict[str, Any]) -> dict[str, object]:
    """Every value of a report under a path that names agencies and cells, not positions."""
    out: dict[str, object] = {}
    for k, v in doc.items():
        if k == "series":
            for x in v:
                out[f"series[{x['agency']} {x['authority']} {x['month']}]"] = x["instances"]
        elif k == "decisions":
            for x in v:
                out[f"decisions[{x['what']} {x['rule']}]"] = x["count"]
        elif k == "agencies":
            for a in v:
                base = f"agencies[{a['agency']}]"
                for field, value in a.items():
                    if field == "cells":
                        for c in value:
                            at = f"{base}.cells[{c['authority']} {c['purpose']}]"
                            out.update({f"{at}.{f}": x for f, x in c.items()})
                    elif field != "agency":
                        out[f"{base}.{field}"] = value
        elif isinstance(v, dict):
            for field, value in v.items():
                if isinstance(value, dict):
                    out.update({f"{k}.{field}.{f}": x for f, x in value.items()})
                else:
                    out[f"{k}.{field}"] = value
        else:
            out[k] = v
    return out
