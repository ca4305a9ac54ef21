"""The accounting ledger: an RFC 9162 Merkle log stored as C2SP tiles with signed checkpoints.

Public surface (what the pipeline and the CLI use):

- :class:`Ledger` — ``Ledger.open(dir, origin, signing_key)``, ``.append(entries)``,
  ``.checkpoint()``, ``.size``, ``.root``, ``.verifier_key``;
- :mod:`~fti_gateway.ledger.entries` — the four leaf kinds and ``commit_taxpayer``;
- :func:`~fti_gateway.ledger.fsck.verify` — re-verify a ledger folder with a verifier key.
"""

from fti_gateway.ledger import entries
from fti_gateway.ledger.fsck import Report, verify
from fti_gateway.ledger.log import Ledger, LedgerBusy

__all__ = ["Ledger", "LedgerBusy", "Report", "entries", "verify"]
