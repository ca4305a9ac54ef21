"""`fti demo`: the whole pipeline on a generated workspace."""

from __future__ import annotations

from fti_gateway.cli.common import HomeOpt


def demo(home: HomeOpt) -> None:
    """Create a workspace, a synthetic vault and an ICE-2025-style request, and submit it."""
    raise NotImplementedError
