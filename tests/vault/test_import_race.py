"""Two `fti vault import` of one file at once: the vault holds its rows once.

Real processes, as two operators (or a retried job) would start them. Before the vault
took a lock, both imports checked the vault before either committed, so both committed
and every taxpayer-year was in the vault twice (2 of 3 trials).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from fti_gateway.core.workspace import Workspace
from fti_gateway.vault.store import Vault

FTI = [sys.executable, "-m", "fti_gateway"]
ROWS = 3000
TRIALS = 4


def _master_csv(path: Path) -> None:
    lines = ["taxpayer_id,tin,last_name,first_name,tax_year"]
    lines += [f"TP{i:05d},9{i:08d},Name{i % 97},First{i % 31},2023" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_two_imports_at_once_import_the_rows_once(tmp_path: Path) -> None:
    source = tmp_path / "master.csv"
    _master_csv(source)
    for trial in range(TRIALS):
        ws = Workspace.init(tmp_path / f"ws{trial}")
        cmd = [*FTI, "vault", "import", str(source), "--home", str(ws.home)]
        procs = [
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=180) for p in procs]
        codes = sorted(p.returncode for p in procs)
        vault = Vault.for_workspace(ws)
        con = vault.connect()
        rows, keys = con.execute(
            "SELECT count(*), count(DISTINCT (taxpayer_id, tax_year)) FROM master"
        ).fetchone() or (0, 0)
        con.close()
        assert (rows, keys) == (ROWS, ROWS), f"trial {trial}: {outs}"
        assert len(vault.parts()) == 1
        # One imported everything; the other waited, then found every row already there
        # (what importing the same file twice in a row does) — or gave up busy (exit 6).
        assert codes[0] == 0 and codes[1] in (1, 6), outs
        assert not list(vault.master_dir.glob(".import-*")), "temporary files left behind"


def test_the_vault_is_checked_for_a_taxpayer_year_imported_twice(tmp_path: Path) -> None:
    """A vault doubled by the old race is found and named (it broke every later submit)."""
    from fti_gateway.vault.check import find_duplicates

    ws = Workspace.init(tmp_path / "ws")
    vault = Vault.for_workspace(ws)
    source = tmp_path / "master.csv"
    _master_csv(source)
    vault.master_dir.mkdir(parents=True)
    for name in ("part-import-a.parquet", "part-import-b.parquet"):
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * FROM read_csv('{source}', all_varchar = true)) "
            f"TO '{vault.master_dir / name}' (FORMAT parquet)"
        )
        con.close()
    dup = find_duplicates(vault)
    assert dup.keys == ROWS
    assert [p.name for p in dup.parts] == ["part-import-a.parquet", "part-import-b.parquet"]
