"""The taxpayer master store: Parquet files queried through DuckDB; import and synthesis.

Public surface (what later stages call): the read gate (``access``: :class:`Gate`, every
read of taxpayer data), :func:`import_master` (``importer``), and the synthetic generators in
``vault.synth.master`` and ``vault.synth.request``. ``store.Vault`` is the storage the gate
and the writers use; nothing above the vault reads through it (import-linter contract).
"""

from fti_gateway.vault.importer import ImportReport, RowError, import_master

__all__ = ["ImportReport", "RowError", "import_master"]
