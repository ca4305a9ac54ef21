"""One module per authority; ``AUTHORITIES`` maps the manifest's authority id to it."""

from __future__ import annotations

from fti_gateway.law.authorities.base import Authority
from fti_gateway.law.authorities.i2 import I2

AUTHORITIES: dict[str, Authority] = {a.id: a for a in (I2(),)}

__all__ = ["AUTHORITIES", "Authority"]
