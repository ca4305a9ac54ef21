"""The taxpayer master store: Parquet files queried through DuckDB; import and synthesis.

Public surface (what later stages call): :class:`Vault` (``store``), :func:`import_master`
(``importer``), and the synthetic generators in ``vault.synth.master`` and
``vault.synth.request``.
"""

from fti_gateway.vault.importer import ImportReport, RowError, import_master
from fti_gateway.vault.store import Vault

__all__ = ["ImportReport", "RowError", "Vault", "import_master"]
