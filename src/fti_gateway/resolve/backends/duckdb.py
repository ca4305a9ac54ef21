"""DuckDB backend: a session database with the vault index attached read-only.

The session is an in-memory database with a memory limit and a spill directory: past the
limit DuckDB moves its tables and operator state to disk, so a big request does not grow
without bound, and below it nothing is written (an on-disk session file wrote every chunk's
tables out: 20% of a 10M × 1M request's time, for no less memory). The index file is attached
read-only and shared by concurrent requests.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
from splink import DuckDBAPI

from fti_gateway.resolve.index import TF_TABLES, VaultIndex, configure
from fti_gateway.resolve.settings import ResolveSettings


class DuckDBBackend:
    records_table = "records"

    def __init__(self, idx: VaultIndex, settings: ResolveSettings) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="fti-resolve-", dir=idx.dir)
        self.con = duckdb.connect(":memory:")
        configure(self.con, settings, Path(self._tmp.name) / "spill", settings.request_memory_limit)
        self.con.execute(f"ATTACH '{idx.db_path}' AS idx (READ_ONLY)")
        self.con.execute("CREATE OR REPLACE VIEW records AS SELECT * FROM idx.records")
        for t in ("namesakes", *TF_TABLES):
            self.con.execute(f"CREATE OR REPLACE VIEW {t} AS SELECT * FROM idx.{t}")
        self.splink_api = DuckDBAPI(connection=self.con)

    def load(self, name: str, df: pd.DataFrame) -> None:
        self.con.register("__fti_in", df)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __fti_in")
        self.con.unregister("__fti_in")

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def execute(self, sql: str, name: str, persist: bool = True) -> None:
        kind = "TABLE" if persist else "VIEW"
        self.con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")

    def drop(self, name: str) -> None:
        kinds = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        for (kind,) in kinds:
            self.con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")

    def contains(self, array: str, value: str) -> str:
        return f"list_contains({array}, {value})"

    def has_any(self, a: str, b: str) -> str:
        return f"list_has_any({a}, {b})"

    def array(self, *items: str) -> str:
        return f"CAST([{', '.join(items)}] AS VARCHAR[])"

    def any_of(self, array: str, var: str, cond: str) -> str:
        return f"coalesce(list_bool_or(list_transform({array}, lambda {var}: {cond})), false)"

    def letters(self, text: str) -> str:
        return f"list_sort(string_split({text}, ''))"

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()
