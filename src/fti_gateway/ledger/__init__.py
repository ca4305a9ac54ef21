"""The accounting ledger: an RFC 9162 Merkle log stored as C2SP tiles with signed checkpoints."""
