"""What a disclosure package is asked to carry, and what building one produced.

The spec is the decision's output restated for the recipient: who asked, under which
authority, which elements and periods were allowed, and the duties that travel with the
data. The builder does not trust it blindly: elements, periods and subjects are checked
again in :mod:`fti_gateway.disclose.minimize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

PACKAGE_FORMAT = "fti/disclosure-package/v1"

# 6103(p)(4): conditions every recipient of returns or return information must meet.
# Paraphrased from the statute's subparagraphs; the citation travels with each duty so a
# recipient can look up the controlling text.
P4_SAFEGUARDS: tuple[dict[str, str], ...] = (
    {
        "citation": "6103(p)(4)(A)",
        "duty": "keep a permanent system of standardized records of every request for, "
        "use of and disclosure of this data",
    },
    {
        "citation": "6103(p)(4)(B)",
        "duty": "store this data in an area or place that is secure from access by "
        "persons not entitled to it",
    },
    {
        "citation": "6103(p)(4)(C)",
        "duty": "restrict access to persons whose duties or responsibilities require it "
        "and to whom disclosure may be made under the authority",
    },
    {
        "citation": "6103(p)(4)(D)",
        "duty": "apply any other safeguards the Secretary prescribes to protect its confidentiality",
    },
    {
        "citation": "6103(p)(4)(E)",
        "duty": "report to the Secretary on the procedures established and used to keep it "
        "confidential",
    },
)

DESTRUCTION_DUTY = (
    "6103(p)(4)(F): on completion of the use for which this data was disclosed, return it "
    "to the IRS or make it undisclosable (destroy it), and report the return or "
    "destruction to the IRS in writing"
)


@dataclass(frozen=True)
class PackageSpec:
    """The decision's terms for one package.

    ``elements`` and ``periods`` are what the law stage *allowed* (not what was asked);
    ``periods`` are tax years as strings ("2022"). ``use_restriction`` is the purpose limit
    of the authority, in words the recipient can act on. Pass ``outcome`` (the decision's)
    so the builder can refuse a package for a decision that allows none.
    """

    request_agency: str
    request_id: str
    authority: str
    recipient: str
    elements: list[str]
    periods: list[str]
    use_restriction: str
    safeguards: list[dict[str, str]] = field(default_factory=lambda: list(P4_SAFEGUARDS))
    destruction: str = DESTRUCTION_DUTY
    # The decision's outcome, when the caller has it: only ``approve`` and ``partial``
    # decisions may produce a package (``deny``/``review`` disclose nothing, FORMATS §5).
    outcome: str | None = None


@dataclass(frozen=True)
class PackageInfo:
    """What :func:`build_package` wrote.

    ``excluded`` maps subject_id → reason for every subject handed to the builder but
    left out of the package. It is for the gateway's own records only: the package itself
    never says who was withheld or why (a reason such as an open tax investigation is
    itself return information, 6103(i)(6)).

    ``disclosed`` has one row per subject in the package — ``subject_id``,
    ``taxpayer_id``, ``tin`` (for ``ledger.entries.commit_taxpayer``), ``periods`` (the tax years whose data was released, as str) — for the
    ledger's disclosure leaves and the (p)(3)(A) accounting. It never goes in the package.
    """

    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    key_id: str
    rows: int
    subjects: list[str]
    excluded: dict[str, str]
    no_data: list[str]
    disclosed: pd.DataFrame
