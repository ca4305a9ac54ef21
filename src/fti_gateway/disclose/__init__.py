"""Minimization and signed disclosure packages: only allowed elements, only approved subjects.

Public API (what the pipeline calls):

- :func:`build_package` — write a minimized, signed package folder.
- :func:`verify_package` — check one, naming the first bad place.
- :class:`PackageSpec`, :class:`PackageInfo`, :class:`VerifyReport`.
"""

from fti_gateway.disclose.minimize import package_columns
from fti_gateway.disclose.package import build_package
from fti_gateway.disclose.signing import encode_public_key, key_id
from fti_gateway.disclose.spec import (
    DESTRUCTION_DUTY,
    P4_SAFEGUARDS,
    PACKAGE_FORMAT,
    PackageInfo,
    PackageSpec,
)
from fti_gateway.disclose.verify import Problem, VerifyReport, read_manifest, verify_package

__all__ = [
    "DESTRUCTION_DUTY",
    "P4_SAFEGUARDS",
    "PACKAGE_FORMAT",
    "PackageInfo",
    "PackageSpec",
    "Problem",
    "VerifyReport",
    "build_package",
    "encode_public_key",
    "key_id",
    "package_columns",
    "read_manifest",
    "verify_package",
]
