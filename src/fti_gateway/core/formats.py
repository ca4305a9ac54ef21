"""Column lists fixed by the external formats (FORMATS §2, §3), in one place.

Every layer reads them from here — the state store sits below intake, the resolver
above it — so the contract cannot drift between the stage that reads a request and
the ones that keep or match it.
"""

from __future__ import annotations

# FORMATS §2: one row per person a request is about.
SUBJECT_COLUMNS: tuple[str, ...] = (
    "subject_id",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "dob",
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "reason",
    "case_number",
)
REQUIRED_SUBJECT_COLUMNS: tuple[str, ...] = ("subject_id", "last_name")

# The identity columns a subject row and a master-file row share (FORMATS §2 and §3).
IDENTITY_COLUMNS: tuple[str, ...] = (
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "dob",
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
)
