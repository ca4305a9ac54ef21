"""The vault-side normalized index: built once per vault, stored in the workspace, reused.

One on-disk DuckDB file per vault *fingerprint* (paths, sizes and modification times of the
master Parquet parts), under ``models_dir/resolve/<fingerprint>/``. A changed vault gets a new
index and a new model; nothing is silently reused across different data.

Building and training write that folder, so they run under its lock (:meth:`VaultIndex.building`,
``<fingerprint>.lock`` beside it): of two first requests at once, one builds and the other
waits, then uses what the first made. ``meta.json``, written last and atomically, says the
folder is complete; readers need no lock.

``records`` has one row per taxpayer per distinct normalized identity+address (a mover has
one row per address they filed from), so a request quoting a prior address still meets its
taxpayer. ``is_latest`` marks the row of the latest tax year (one per taxpayer).
``namesakes`` lists pairs of taxpayers in one household with the same surname and first name
(or nickname of it) — the Sr/Jr case the ambiguity guard needs.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.formats import IDENTITY_COLUMNS
from fti_gateway.core.locks import hold
from fti_gateway.resolve.normalize.frame import normalize_records
from fti_gateway.resolve.settings import ResolveSettings

INDEX_VERSION = "10"
#: Columns whose agreement is weighed by how common the agreeing value is in the vault
#: (Splink's term-frequency adjustment, one ``tf_<column>`` table each): sharing "Smith",
#: a birth date half the vault has ("1825-01-01", a year given as a date) is
#: worth less than sharing "Przybylski" or a one-off date.
TF_COLUMNS = ("fn", "ln", "dob_s")
TF_TABLES = tuple(f"tf_{c}" for c in TF_COLUMNS)
#: How long a request waits for another one's build and training (a 10M vault: minutes).
BUILD_WAIT = 3600.0


class VaultLike(Protocol):
    """What resolve needs from the read gate's reader (:class:`fti_gateway.vault.access.
    VaultReader`): the parts to fingerprint, the SQL that reads them (the gate writes it;
    resolve never opens the vault's files itself), and the duplicate check."""

    @property
    def master_glob(self) -> str: ...

    def master_sql(self, parts: Sequence[str] = ()) -> str: ...

    def ensure_no_duplicates(self) -> None: ...


def _parts(vault: VaultLike) -> list[str]:
    files = sorted(glob.glob(vault.master_glob))
    if not files:
        raise NotFoundError(
            "the vault has no master file parts",
            where=vault.master_glob,
            hint="create one with `fti synth master` or `fti vault import`",
        )
    return files


def fingerprint(vault: VaultLike, files: list[str] | None = None) -> str:
    h = hashlib.sha256(INDEX_VERSION.encode())
    for f in files if files is not None else _parts(vault):
        st = os.stat(f)
        h.update(f"{os.path.abspath(f)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class VaultIndex:
    dir: Path
    fingerprint: str
    #: The master parts fingerprinted: a build reads exactly these, so a part imported
    #: meanwhile never ends up in an index labelled with the fingerprint before it.
    parts: tuple[str, ...] = ()

    def master_sql(self, vault: VaultLike) -> str:
        """The gate's SQL reading the fingerprinted parts (all parts if unknown)."""
        return vault.master_sql(self.parts)

    @property
    def db_path(self) -> Path:
        return self.dir / "index.duckdb"

    @property
    def model_path(self) -> Path:
        return self.dir / "model.json"

    @property
    def meta_path(self) -> Path:
        return self.dir / "meta.json"

    @property
    def records_parquet(self) -> Path:
        return self.dir / "records.parquet"

    def connect(
        self, settings: ResolveSettings, read_only: bool = False
    ) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.db_path), read_only=read_only)
        configure(con, settings, self.dir / "tmp")
        return con

    def exists(self) -> bool:
        return (self.dir / "READY").is_file()

    def trained(self) -> bool:
        """Index built and model trained and calibrated: ``meta.json`` is written last."""
        return self.exists() and self.meta_path.is_file()

    @contextmanager
    def building(self, wait: float = BUILD_WAIT) -> Iterator[None]:
        """Hold this index's build lock: one process builds, trains or exports it at a time."""
        lock = self.dir.with_name(f"{self.fingerprint}.lock")
        with hold(lock, what="the resolution index of this vault", wait=wait):
            yield


def configure(
    con: duckdb.DuckDBPyConnection,
    settings: ResolveSettings,
    tmp: Path,
    memory_limit: str | None = None,
) -> None:
    """Bound DuckDB's memory (``memory_limit``, default the settings') and let it spill."""
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit or settings.memory_limit}'")
    con.execute(f"SET threads = {int(settings.threads)}")
    con.execute(f"SET temp_directory = '{tmp}'")
    con.execute("SET preserve_insertion_order = false")


def locate(vault: VaultLike, models_dir: Path) -> VaultIndex:
    files = _parts(vault)
    fp = fingerprint(vault, files)
    return VaultIndex(Path(models_dir) / "resolve" / fp, fp, tuple(files))


def build(vault: VaultLike, idx: VaultIndex, settings: ResolveSettings) -> VaultIndex:
    """Build (or rebuild) the normalized index ``idx`` of ``vault``; the caller holds
    :meth:`VaultIndex.building`."""
    idx.dir.mkdir(parents=True, exist_ok=True)
    if idx.db_path.exists():
        idx.db_path.unlink()
    con = idx.connect(settings)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW raw AS
            SELECT taxpayer_id, arg_max(household_id, tax_year) AS household_id,
                   {", ".join(IDENTITY_COLUMNS)}, max(tax_year) AS last_year
            FROM {idx.master_sql(vault)}
            GROUP BY ALL
            """
        )
        normalize_records(
            con,
            "raw",
            "records_all",
            # Numbered in a total order of the rows (raw is distinct on them), not scan order:
            # the same vault gets the same uids, so the same training sample and model.
            uid_sql="'v' || CAST(row_number() OVER (ORDER BY s.taxpayer_id, "
            + ", ".join(f"s.{c}" for c in IDENTITY_COLUMNS)
            + ") AS VARCHAR)",
            keep=("taxpayer_id", "household_id", "last_year"),
        )
        con.execute(
            """
            CREATE OR REPLACE TABLE records AS
            WITH d AS (
              SELECT *, row_number() OVER (
                PARTITION BY taxpayer_id, fn, ln, mi, mn, sfx, dob_s, tin, street, unit, zip5, city, state
                ORDER BY last_year DESC) AS rn
              FROM records_all)
            SELECT * EXCLUDE (rn, last_year),
                   row_number() OVER (PARTITION BY taxpayer_id ORDER BY last_year DESC, uid) = 1
                     AS is_latest
            FROM d WHERE rn = 1;
            DROP TABLE records_all;
            CREATE OR REPLACE TABLE namesakes AS
            SELECT DISTINCT a.taxpayer_id, b.taxpayer_id AS other_id
            FROM records a JOIN records b
              ON a.household_id = b.household_id AND a.ln_first = b.ln_first
             AND a.taxpayer_id <> b.taxpayer_id
            WHERE a.is_latest AND b.is_latest
              AND (a.fn = b.fn OR list_contains(a.fn_alts, b.fn) OR list_contains(b.fn_alts, a.fn));
            """
        )
        for c in TF_COLUMNS:
            con.execute(
                f"""CREATE OR REPLACE TABLE tf_{c} AS
                    SELECT {c}, count(*) / sum(count(*)) OVER () AS tf_{c}
                    FROM records WHERE is_latest AND {c} IS NOT NULL GROUP BY {c}"""
            )
    finally:
        con.close()
    write_atomic(idx.dir / "READY", idx.fingerprint + "\n")
    return idx


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place, so a reader
    (another request) sees the old file or the whole new one, never part of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def export_parquet(idx: VaultIndex, settings: ResolveSettings) -> Path:
    """Write the index tables as Parquet (what the Spark backend reads); cached. ``records``
    is written last, under the build lock, so its presence means all the others are whole."""
    if idx.records_parquet.exists():
        return idx.records_parquet
    with idx.building():
        if not idx.records_parquet.exists():
            con = idx.connect(settings, read_only=True)
            try:
                for t in ("namesakes", *TF_TABLES, "records"):
                    tmp = idx.dir / f".{t}.parquet.tmp"
                    con.execute(f"COPY {t} TO '{tmp}' (FORMAT parquet)")
                    os.replace(tmp, idx.dir / f"{t}.parquet")
            finally:
                con.close()
    return idx.records_parquet
