"""No module but the read gate (and the vault's own storage) opens the vault's tables.

import-linter keeps the *imports* of ``vault.store`` to the gate (pyproject); this test
keeps the *text*: every place in ``src/`` that opens a Parquet file or a DuckDB connection,
or names where the vault lies, is listed here with why it is not a read of taxpayer data
around the gate. A new one fails until it is routed through ``vault.access`` or listed with
its reason; a listed one that is gone fails too, so the list stays true.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fti_gateway"
TOKENS = re.compile(
    r"read_parquet|ParquetFile|read_table\(|\.connect\(|duckdb\.connect|master_glob|master_dir"
    r"|vault_dir|Vault\(|Vault\.for_workspace|part-\*\.parquet"
)

#: (file under src/fti_gateway, token) → why it is allowed.
ALLOWED: dict[tuple[str, str], str] = {
    # The gate and the vault's own storage.
    ("vault/access.py", "Vault("): "the gate's vault",
    ("vault/access.py", ".connect("): "the gate opens the vault for an allowed read",
    ("vault/access.py", "read_parquet"): "the gate writes the SQL the resolver may run",
    ("vault/access.py", "master_glob"): "the gate",
    ("vault/access.py", "ParquetFile"): "the gate counts rows from Parquet footers",
    ("vault/store.py", "duckdb.connect"): "the storage itself",
    ("vault/store.py", ".connect("): "the storage itself",
    ("vault/store.py", "read_parquet"): "the storage itself",
    ("vault/store.py", "master_glob"): "the storage itself",
    ("vault/store.py", "master_dir"): "the storage itself",
    ("vault/store.py", "vault_dir"): "the storage itself",
    ("vault/store.py", "Vault("): "the storage itself",
    ("vault/store.py", "part-*.parquet"): "the storage itself",
    ("vault/check.py", "master_dir"): "integrity check, called only through the gate's reader",
    ("vault/synth/master.py", "part-*.parquet"): "the generator names the parts it writes",
    ("pipeline/facts.py", ".connect("): "the gate's reader (matched_facts)",
    ("vault/check.py", ".connect("): "integrity check, called only through the gate's reader",
    ("vault/check.py", "read_parquet"): "integrity check, called only through the gate's reader",
    ("vault/check.py", "master_glob"): "integrity check, called only through the gate's reader",
    ("vault/info.py", ".connect("): "counts, called only through the gate's reader",
    ("vault/importer.py", ".connect("): "the importer checks what it adds (writer, under lock)",
    ("vault/importer.py", "read_parquet"): "the importer reads its own staged file",
    ("vault/importer.py", "master_dir"): "the importer writes a part",
    ("vault/readers.py", "ParquetFile"): "reads the file being imported, not the vault",
    ("vault/synth/master.py", "master_dir"): "the generator writes parts",
    ("vault/synth/request.py", ".connect("): "samples through the gate's reader (sample_request)",
    ("monitor/household.py", ".connect("): "the gate's reader (MONITOR, purpose unax-monitoring)",
    ("monitor/household.py", "read_table("): "the employee register's addresses, not the vault",
    ("vault/synth/request.py", "duckdb.connect"): "an in-memory scratch database",
    # Names of the vault's place, no read.
    ("core/workspace.py", "vault_dir"): "the workspace's layout",
    ("resolve/index.py", "master_glob"): "fingerprint: names and stat() of parts, no data",
    ("resolve/index.py", ".connect("): "the resolver's own index file, built from the gate's SQL",
    ("resolve/index.py", "duckdb.connect"): "the resolver's own index file",
    ("resolve/training.py", ".connect("): "the index; the vault sample uses the gate's SQL",
    ("resolve/training.py", "duckdb.connect"): "a scratch database for the gate's SQL",
    ("resolve/subjects.py", "duckdb.connect"): "normalizes the request's subjects",
    ("resolve/backends/duckdb.py", "duckdb.connect"): "the backend reads the resolver's index",
    # Writers of the vault, under its write lock (import-linter lists them too).
    ("cli/vault.py", "Vault.for_workspace"): "`fti vault import` (a writer)",
    ("cli/synth.py", "Vault.for_workspace"): "`fti synth master` (a writer)",
    ("cli/synth.py", "master_dir"): "`fti synth master` (a writer)",
    ("pipeline/demo.py", "Vault.for_workspace"): "the demo generates its vault (a writer)",
    ("pipeline/demo.py", "vault_dir"): "the demo generates its vault (a writer)",
    # Parquet files that are not the vault.
    ("resolve/io.py", "read_parquet"): "the requester's subjects file",
    ("cli/resolve.py", "read_table("): "matches and truth files given on the command line",
    ("resolve/io.py", "read_table("): "the requester's subjects file",
    ("pipeline/review.py", "read_parquet"): "a run's matches.parquet",
    ("pipeline/demo.py", "read_parquet"): "a run's matches.parquet",
    ("pipeline/submit.py", "read_parquet"): "a run's matches.parquet",
    ("pipeline/rundir.py", "read_table("): "a package's data.parquet",
    ("disclose/verify.py", "read_table("): "a package's data.parquet",
    ("disclose/package.py", "read_table("): "the package being written",
    ("disclose/package.py", ".connect("): "the gate's reader handed in by the pipeline",
    ("intake/subjects.py", "read_table("): "the requester's subjects file",
    ("vault/principals.py", "read_table("): "the employee register and cases, not the vault",
    # The UNAX monitor's own inputs: inspection events and registers, never taxpayer rows.
    ("monitor/events.py", "duckdb.connect"): "an in-memory database deduplicating imported events",
    ("monitor/events.py", "read_parquet"): "imported inspection-event parts",
    ("monitor/events.py", "part-*.parquet"): "imported inspection-event parts",
    ("monitor/engine.py", "duckdb.connect"): "the monitor's in-memory database of events",
    ("monitor/engine.py", "read_parquet"): "inspection-event parts and register snapshots",
    ("monitor/alerts.py", ".connect("): "the monitor's engine (events and registers)",
    ("monitor/alerts.py", "part-*.parquet"): "imported inspection-event parts",
    ("monitor/alerts.py", "read_table("): "the employee register snapshot",
    # Other databases.
    ("ledger/state.py", ".connect("): "the ledger's SQLite state",
    ("store/uploads.py", ".connect("): "the state store (SQLAlchemy)",
    ("store/agencies.py", ".connect("): "the state store (SQLAlchemy): the replay cache",
    ("store/state.py", ".connect("): "the state store (SQLAlchemy)",
    ("store/migrate.py", ".connect("): "the state store (SQLAlchemy)",
    ("pipeline/pgjobs.py", ".connect("): "the job queue's database",
    ("witness/client.py", ".connect("): "the witness client's SQLite state (cosignatures seen)",
    ("witness/state.py", ".connect("): "the witness's own SQLite state",
}


def _occurrences() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in TOKENS.finditer(line):
                token = m.group(0)
                if token == "Vault(" and "class " in line:
                    continue
                found.add((rel, token))
    return found


def test_nothing_opens_the_vault_around_the_gate() -> None:
    unexplained = sorted(_occurrences() - set(ALLOWED))
    assert not unexplained, (
        "these open Parquet/DuckDB or name the vault outside the read gate; route them "
        f"through fti_gateway.vault.access or list them with a reason: {unexplained}"
    )


def test_every_listed_exception_still_exists() -> None:
    stale = sorted(set(ALLOWED) - _occurrences())
    assert not stale, f"no longer in the code, remove from ALLOWED: {stale}"
