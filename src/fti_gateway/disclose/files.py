"""The package's file layout and the byte-level helpers both builder and verifier use.

Keeping the writer and the checker on the same functions means a package that verifies
was written by exactly these rules: canonical JSON for the manifest, and a CSV that is
derived from the Parquet table (so "same rows" can be re-checked byte for byte), with
formula-like text cells escaped for spreadsheets while the Parquet keeps the raw values.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from fti_gateway.core.csvsafe import table_csv_bytes

DATA_PARQUET = "data.parquet"
DATA_CSV = "data.csv"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "signer.pub"
DATA_FILES = (DATA_PARQUET, DATA_CSV)
ALL_FILES = (MANIFEST, SIGNATURE, PUBLIC_KEY, *DATA_FILES)


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 — the same canonical form as the ledger (FORMATS §7)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def csv_bytes(table: pa.Table) -> bytes:
    """The CSV rendering of a table: header row, RFC 4180 quoting, empty for null, and text
    cells that a spreadsheet would run as a formula escaped (``core.csvsafe``; numbers stay
    numbers). The verifier renders the Parquet table through this same function, so an
    escaped CSV still matches its Parquet byte for byte."""
    return table_csv_bytes(table)
