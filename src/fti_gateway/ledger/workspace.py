"""The workspace's ledger: its folder, origin (the workspace name) and keys."""

from __future__ import annotations

from fti_gateway.core.keys import load_commitment_secret, load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.log import Ledger


def signer(ws: Workspace) -> Signer:
    return Signer(ws.name, load_signing_key(ws.keys_dir))


def verifier_key(ws: Workspace) -> str:
    """The note-format key auditors verify this workspace's checkpoints with."""
    return signer(ws).verifier_key


def open_ledger(ws: Workspace, wait: float = 30.0) -> Ledger:
    """Open (or create) the workspace's ledger for writing; close it when done. Waits up
    to ``wait`` seconds while another command has it open (appends take milliseconds)."""
    return Ledger.open(ws.ledger_dir, ws.name, load_signing_key(ws.keys_dir), wait=wait)


def commitment_secret(ws: Workspace) -> bytes:
    return load_commitment_secret(ws.keys_dir)
