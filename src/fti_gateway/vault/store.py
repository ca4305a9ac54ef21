"""The vault: the taxpayer master file as Parquet parts, queried through DuckDB.

Parts are immutable files ``<vault>/master/part-*.parquet``; adding data means adding a
part (the importer and the generator both write a temporary file and rename it, so a
reader never sees half a part). Every query goes through a fresh DuckDB connection with
two views, so callers never depend on how many parts there are:

- ``master``: every row of every part (one row per taxpayer per tax year);
- ``taxpayers``: one row per ``taxpayer_id``, from its latest tax year (the "last known
  address" an (i)(2) disclosure would release).

Writers (an import, the generator) hold the vault's lock (:meth:`Vault.locked`) from
reading what the vault holds to committing their part, so two imports of one file never
both commit; readers need no lock, since a part appears whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from fti_gateway.core.locks import hold
from fti_gateway.core.workspace import Workspace
from fti_gateway.vault.schema import master_schema

MASTER_DIR = "master"
PART_GLOB = "part-*.parquet"
LOCK = ".lock"
#: How long a writer waits for another one (a 1M-row import takes about two minutes).
WRITE_WAIT = 600.0


class Vault:
    """A vault folder; cheap to create, opens DuckDB only in :meth:`connect`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    @classmethod
    def for_workspace(cls, ws: Workspace) -> Vault:
        return cls(ws.vault_dir)

    @property
    def master_dir(self) -> Path:
        return self.path / MASTER_DIR

    @property
    def master_glob(self) -> str:
        return str(self.master_dir / PART_GLOB)

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK

    @contextmanager
    def locked(self, wait: float = WRITE_WAIT) -> Iterator[None]:
        """Hold the vault's write lock (one writer at a time); :class:`BusyError` after
        ``wait`` seconds."""
        with hold(self.lock_path, what="the vault", wait=wait):
            yield

    def parts(self) -> list[Path]:
        """The committed parts, in name order (temporary files are never matched)."""
        if not self.master_dir.is_dir():
            return []
        return sorted(self.master_dir.glob(PART_GLOB))

    def is_empty(self) -> bool:
        return not self.parts()

    def connect(
        self, *, memory_limit: str | None = None, spill: bool = False
    ) -> duckdb.DuckDBPyConnection:
        """A new in-memory DuckDB connection with the ``master`` and ``taxpayers`` views.

        An empty vault still has both views (with the master schema and no rows), so
        callers need no special case for it. ``memory_limit`` (e.g. ``"1GB"``) caps
        DuckDB's memory; with ``spill`` it writes what does not fit to a temporary folder
        inside the vault instead of failing.
        """
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # core code never prints
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if spill:
            tmp = str(self.path / ".duckdb-tmp").replace("'", "''")
            con.execute(f"SET temp_directory = '{tmp}'")
        if self.is_empty():
            empty = pa.Table.from_batches([], schema=master_schema())
            con.register("_empty_master", empty)
            con.execute("CREATE VIEW master AS SELECT * FROM _empty_master")
        else:
            glob = self.master_glob.replace("'", "''")
            con.execute(
                f"CREATE VIEW master AS SELECT * FROM read_parquet('{glob}', union_by_name = true)"
            )
        con.execute(
            """
            CREATE VIEW taxpayers AS
            SELECT * FROM master
            QUALIFY row_number() OVER (PARTITION BY taxpayer_id ORDER BY tax_year DESC) = 1
            """
        )
        return con

    def count_taxpayers(self) -> int:
        if self.is_empty():
            return 0
        con = self.connect()
        try:
            row = con.execute("SELECT count(DISTINCT taxpayer_id) FROM master").fetchone()
        finally:
            con.close()
        return int(row[0]) if row else 0
