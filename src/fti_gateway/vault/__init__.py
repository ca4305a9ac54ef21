"""The taxpayer master store: Parquet files queried through DuckDB; import and synthesis.

Public surface (what later stages call): :class:`Vault` (``store``), :func:`import_master`
(``importer``), and the synthetic generators in ``vault.synth.master`` and
``vault.synth.request``. Exported lazily (``core.lazy``): importing a submodule such as
``vault.synth.kinds`` does not load DuckDB.
"""

from typing import TYPE_CHECKING

from fti_gateway.core.lazy import lazy_exports

if TYPE_CHECKING:
    from fti_gateway.vault.importer import ImportReport, RowError, import_master
    from fti_gateway.vault.store import Vault

__all__ = ["ImportReport", "RowError", "Vault", "import_master"]
__getattr__, __dir__ = lazy_exports(
    __name__, {".importer": ("ImportReport", "RowError", "import_master"), ".store": ("Vault",)}
)
