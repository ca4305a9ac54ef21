"""What intake hands to the rest of the pipeline: the parsed request and its rejected rows.

Kept apart from the parsers so that every later stage (and the CLI) can name these types
without pulling in CSV or YAML machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fti_gateway.intake.models import Manifest
from fti_gateway.intake.text import escape_non_text


@dataclass(frozen=True)
class RowError:
    """One problem with one subject row. The row is not used; the other rows still are.

    ``line`` is the physical line in a CSV file where the row starts (the header is line
    1), the row number in a Parquet file, or the manifest line of an inline row (its
    position in the list when the line is unknown). ``source`` and ``unit`` let messages
    say exactly that: "subjects.csv line 7".
    """

    line: int
    subject_id: str | None
    field: str | None
    reason: str
    source: str = "subjects"
    unit: str = "line"
    # A stable, machine-readable name for the kind of problem (see REJECT_KINDS).
    code: str = ""

    def __post_init__(self) -> None:
        # A reason quotes the value it refuses, and a rejected row's subject_id is kept:
        # a NUL or other control character in them would make the store refuse the whole
        # request (PostgreSQL keeps no NUL in text). They are kept escaped, visibly.
        for name in ("subject_id", "field", "reason"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, escape_non_text(value))

    @property
    def where(self) -> str:
        return f"{self.source} {self.unit} {self.line}"

    def __str__(self) -> str:
        who = f" (subject {self.subject_id})" if self.subject_id else ""
        return f"{self.where}{who}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "subject_id": self.subject_id,
            "field": self.field,
            "reason": self.reason,
            "where": self.where,
            "code": self.code,
        }


# What each RowError.code means, in a disclosure officer's words (for summaries).
REJECT_KINDS: dict[str, str] = {
    "csv-values": "wrong number of values on the line",
    "csv-quote": "a double quote not closed or misplaced",
    "not-a-row": "an inline subject that is not a block of fields",
    "nested-value": "a value that is a list or block, not text",
    "subject-id-missing": "no subject_id",
    "subject-id-duplicate": "subject_id used twice",
    "last-name-missing": "no last_name",
    "dob-invalid": "dob not a real date written YYYY-MM-DD",
    "tin-invalid": "tin not 9 digits",
    "control-character": "control characters in a value",
    "not-utf8": "a value that is not UTF-8 text (Parquet)",
    "field-too-long": "a value over 128 KiB",
}


@dataclass
class ParsedRequest:
    """A request as read from disk, before anything acts on it.

    ``subjects`` holds only the rows that passed intake: the columns of
    ``intake.models.SUBJECT_COLUMNS`` as ``str``/``None`` (``dob`` as ISO date text,
    ``tin`` digits only) plus ``line``. Columns a requester added beyond FORMATS §2 are
    kept in ``extra`` (``line`` + those columns) so nothing they sent is dropped.
    """

    manifest: Manifest
    subjects: pd.DataFrame
    rejects: list[RowError]
    digest: str
    source: Path
    subjects_source: str = "subjects"
    warnings: list[str] = field(default_factory=list)
    extra: pd.DataFrame | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.manifest.key

    @property
    def accepted(self) -> int:
        return len(self.subjects)

    @property
    def rejected_rows(self) -> int:
        """Rows refused (a row with two problems has two rejects but counts once)."""
        return len({r.line for r in self.rejects})

    def rejects_by_kind(self) -> dict[str, int]:
        """How many rejects of each kind (code → count), most frequent first."""
        counts: dict[str, int] = {}
        for r in self.rejects:
            counts[r.code] = counts.get(r.code, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready description, for `fti request validate --json` and the API."""
        agency, rid = self.key
        return {
            "request": {"agency": agency, "id": rid},
            "authority": self.manifest.authority,
            "received": self.manifest.received.isoformat(),
            "digest": self.digest,
            "source": str(self.source),
            "subjects_source": self.subjects_source,
            "accepted": self.accepted,
            "rejected_rows": self.rejected_rows,
            "rejects_by_kind": self.rejects_by_kind(),
            "rejects": [r.to_json() for r in self.rejects],
            "warnings": list(self.warnings),
        }
