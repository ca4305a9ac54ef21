"""One module per authority; ``AUTHORITIES`` maps the manifest's authority id to it.

An id not in this table is not an authority the gateway models: § 6103(a) default deny.
"""

from __future__ import annotations

from fti_gateway.law.authorities.base import Authority
from fti_gateway.law.authorities.c import C
from fti_gateway.law.authorities.d import D
from fti_gateway.law.authorities.i1 import I1
from fti_gateway.law.authorities.i2 import I2
from fti_gateway.law.authorities.i3a import I3A
from fti_gateway.law.authorities.i3b import I3B
from fti_gateway.law.authorities.i5 import I5
from fti_gateway.law.authorities.i7a import I7A
from fti_gateway.law.authorities.l6 import L6
from fti_gateway.law.authorities.l7 import L7
from fti_gateway.law.authorities.l21 import L21
from fti_gateway.law.authorities.m2 import M2

AUTHORITIES: dict[str, Authority] = {
    a.id: a for a in (C(), D(), I1(), I2(), I3A(), I3B(), I5(), I7A(), L6(), L7(), L21(), M2())
}

__all__ = ["AUTHORITIES", "Authority"]
