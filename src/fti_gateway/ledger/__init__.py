"""The accounting ledger: an RFC 9162 Merkle log stored as C2SP tiles with signed checkpoints.

Public surface (what the pipeline and the CLI use):

- :class:`Ledger` — ``Ledger.open(dir, origin, signing_key)``, ``.append(entries)``,
  ``.append_once(entries)`` (each leaf id once), ``.checkpoint()``, ``.size``, ``.root``,
  ``.verifier_key``;
- :mod:`~fti_gateway.ledger.entries` — the four leaf kinds, ``commit_taxpayer`` and
  ``digest_text``;
- :func:`~fti_gateway.ledger.fsck.verify` — re-verify a ledger folder with a verifier key;
  :func:`~fti_gateway.ledger.fsck.verify_since_last` — only what is new or changed.
"""

from fti_gateway.ledger import entries
from fti_gateway.ledger.fsck import Report, verify, verify_since_last
from fti_gateway.ledger.lock import LedgerBusy
from fti_gateway.ledger.log import Ledger

__all__ = ["Ledger", "LedgerBusy", "Report", "entries", "verify", "verify_since_last"]
