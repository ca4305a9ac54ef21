"""Column lists fixed by the external formats (FORMATS §2, §3), in one place.

Every layer reads them from here — the state store sits below intake, the resolver
above it — so the contract cannot drift between the stage that reads a request and
the ones that keep or match it.
"""

from __future__ import annotations

from fti_gateway.core.elements import IDENTITY_ADDRESS_COLUMNS, IDENTITY_NAME_COLUMNS

# The identity columns a subject row and a master-file row share (FORMATS §2 and §3):
# taxpayer identity under 6103(b)(6) plus the date of birth that tells namesakes apart.
IDENTITY_COLUMNS: tuple[str, ...] = (
    *IDENTITY_NAME_COLUMNS,
    "dob",
    "tin",
    *IDENTITY_ADDRESS_COLUMNS,
)

# FORMATS §2: one row per person a request is about.
SUBJECT_COLUMNS: tuple[str, ...] = ("subject_id", *IDENTITY_COLUMNS, "reason", "case_number")
REQUIRED_SUBJECT_COLUMNS: tuple[str, ...] = ("subject_id", "last_name")
