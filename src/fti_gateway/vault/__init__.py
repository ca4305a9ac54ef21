"""The taxpayer master store: Parquet files queried through DuckDB; import and synthesis.

Public surface (what later stages call): the read gate (``access``: :class:`Gate`, every
read of taxpayer data), :func:`import_master` (``importer``), and the synthetic generators in
``vault.synth.master`` and ``vault.synth.request``. ``store.Vault`` is the storage the gate
and the writers use; nothing above the vault reads through it (import-linter contract).
Exported lazily (``core.lazy``): importing a submodule such as ``vault.synth.kinds`` does
not load DuckDB.
"""

from typing import TYPE_CHECKING

from fti_gateway.core.lazy import lazy_exports

if TYPE_CHECKING:
    from fti_gateway.vault.importer import ImportReport, RowError, import_master

__all__ = ["ImportReport", "RowError", "import_master"]
__getattr__, __dir__ = lazy_exports(
    __name__, {".importer": ("ImportReport", "RowError", "import_master")}
)
