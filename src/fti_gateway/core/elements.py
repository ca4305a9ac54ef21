"""The data-element catalogue (FORMATS §4).

A data element id is ``<class>.<name>``; its class fixes its legal nature under
§ 6103(b). The law stage decides which classes an authority allows; the vault and the
disclosure stage use the same ids as column names, so an element cannot change its
nature between being decided on and being released.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ElementClass(StrEnum):
    """Legal nature of an element class, with the definition that fixes it."""

    IDENTITY = "identity"  # taxpayer identity, 6103(b)(6)
    RETURN = "return"  # taxpayer return information, 6103(b)(3)
    INFO_RETURN = "info_return"  # third-party information returns: return info, not TRI
    IRS = "irs"  # IRS-generated: return information, not TRI

    @property
    def citation(self) -> str:
        return _CLASS_CITATION[self]

    @property
    def is_tri(self) -> bool:
        """Taxpayer return information, 6103(b)(3): what the taxpayer gave the IRS."""
        return self is ElementClass.RETURN


_CLASS_CITATION = {
    ElementClass.IDENTITY: "6103(b)(6)",
    ElementClass.RETURN: "6103(b)(3)",
    ElementClass.INFO_RETURN: "6103(b)(2)",
    ElementClass.IRS: "6103(b)(2)",
}


@dataclass(frozen=True)
class Element:
    """One data element: its id, what it is, and the vault columns that carry it."""

    id: str
    label: str
    columns: tuple[str, ...]
    per_year: bool = True
    internal: bool = False  # used by the gateway's own checks, never released

    @property
    def element_class(self) -> ElementClass:
        return ElementClass(self.id.split(".", 1)[0])


IDENTITY_NAME_COLUMNS = ("first_name", "middle_name", "last_name", "suffix")
IDENTITY_ADDRESS_COLUMNS = ("street", "unit", "city", "state", "zip")

CATALOGUE: dict[str, Element] = {
    e.id: e
    for e in (
        Element("identity.name", "name", IDENTITY_NAME_COLUMNS),
        Element("identity.address", "mailing address", IDENTITY_ADDRESS_COLUMNS),
        Element("identity.tin", "taxpayer identification number", ("tin",), per_year=False),
        Element("return.copy", "copy of the return", ("return.copy",)),
        Element("return.filing_status", "filing status", ("return.filing_status",)),
        Element("return.agi", "adjusted gross income", ("return.agi",)),
        Element("return.dependents", "number of dependents", ("return.dependents",)),
        Element("return.total_tax", "total tax reported", ("return.total_tax",)),
        Element("info_return.w2.employer", "W-2 employer", ("info_return.w2.employer",)),
        Element("info_return.w2.wages", "W-2 wages", ("info_return.w2.wages",)),
        Element(
            "info_return.1099int.interest",
            "1099-INT interest",
            ("info_return.1099int.interest",),
        ),
        Element("irs.examination_status", "examination status", ("irs.examination_status",)),
        Element("irs.balance_due", "balance due", ("irs.balance_due",)),
        Element(
            "irs.open_tax_investigation",
            "open tax investigation flag",
            ("irs.open_tax_investigation",),
            internal=True,
        ),
        Element(
            "irs.confidential_informant",
            "confidential informant flag",
            ("irs.confidential_informant",),
            internal=True,
        ),
    )
}


def element_class(element_id: str) -> ElementClass | None:
    """Class of any well-formed id, catalogued or not; ``None`` if the prefix is unknown."""
    prefix = element_id.split(".", 1)[0]
    try:
        return ElementClass(prefix)
    except ValueError:
        return None
