"""The master file's columns and types (FORMATS §3, INTERFACES "vault").

One place fixes what a master row is, so the generator, the importer and the store
cannot drift apart. Element columns come from the core catalogue: an element keeps one
id (and so one legal class) from the vault to the disclosure package.
"""

from __future__ import annotations

import json

import pyarrow as pa

from fti_gateway.core.elements import CATALOGUE

MASTER_FORMAT = "fti/master/v1"

IDENTITY_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("taxpayer_id", pa.string()),
    ("tin", pa.string()),
    ("tin_kind", pa.string()),
    ("first_name", pa.string()),
    ("middle_name", pa.string()),
    ("last_name", pa.string()),
    ("suffix", pa.string()),
    ("dob", pa.date32()),
    ("street", pa.string()),
    ("unit", pa.string()),
    ("city", pa.string()),
    ("state", pa.string()),
    ("zip", pa.string()),
    ("tax_year", pa.int32()),
    ("household_id", pa.string()),
)

# Type of each element column; bools are the internal (i)(6) flags.
ELEMENT_TYPES: dict[str, pa.DataType] = {
    "return.filing_status": pa.string(),
    "return.agi": pa.float64(),
    "return.dependents": pa.int32(),
    "return.total_tax": pa.float64(),
    "info_return.w2.employer": pa.string(),
    "info_return.w2.wages": pa.float64(),
    "info_return.1099int.interest": pa.float64(),
    "irs.examination_status": pa.string(),
    "irs.balance_due": pa.float64(),
    "irs.open_tax_investigation": pa.bool_(),
    "irs.confidential_informant": pa.bool_(),
}

ELEMENT_COLUMNS: tuple[str, ...] = tuple(ELEMENT_TYPES)

# The master carries only catalogued elements; `return.copy` is a document, not a column.
assert all(c in CATALOGUE for c in ELEMENT_COLUMNS)

REQUIRED_COLUMNS: tuple[str, ...] = ("taxpayer_id", "tin", "last_name", "tax_year")

FILING_STATUSES: tuple[str, ...] = (
    "single",
    "married_filing_jointly",
    "married_filing_separately",
    "head_of_household",
    "qualifying_surviving_spouse",
)
EXAMINATION_STATUSES: tuple[str, ...] = (
    "none",
    "open",
    "closed_no_change",
    "closed_agreed",
)
TIN_KINDS: tuple[str, ...] = ("ssn", "itin")


def element_classes() -> dict[str, str]:
    """Each element column with its legal class (FORMATS §4), for file metadata."""
    return {c: CATALOGUE[c].element_class.value for c in ELEMENT_COLUMNS}


def master_schema() -> pa.Schema:
    """Arrow schema of a master part, tagged with its format and element classes."""
    fields = [pa.field(n, t) for n, t in IDENTITY_FIELDS]
    fields += [pa.field(n, t) for n, t in ELEMENT_TYPES.items()]
    meta = {
        b"fti.format": MASTER_FORMAT.encode(),
        b"fti.element_classes": json.dumps(element_classes(), sort_keys=True).encode(),
    }
    return pa.schema(fields, metadata=meta)


MASTER_COLUMNS: tuple[str, ...] = tuple(master_schema().names)
