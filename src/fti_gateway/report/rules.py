"""What the § 6103(p)(3)(C) report counts, read from ``p3c_rules.yaml``.

The statute decides three things the report must get right, and each is data here with the
words it follows (the tests check every quote against ``law/usc/6103.tsv``):

- which disclosures are in it at all: only those (p)(3)(A) requires to be accounted — it
  excuses, among others, (c), (l)(7) and (m);
- which are "requests": a referral the IRS makes on its own motion ((i)(3)) is not one;
- who gets a row: each Federal agency, each agency, body or commission under (d),
  (i)(3)(B)(i), (i)(7)(A)(ii) or (l)(6), and GAO ((p)(3)(C)(i)) — not, say, a private
  designee under (c).

An authority matches a listed one when it is that provision or inside it (``6103(m)(2)``
is under ``6103(m)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fti_gateway.core.errors import ConfigError
from fti_gateway.law.registries import Registry

FORMAT = "fti/p3c-rules/v1"
FEDERAL = "federal"
GAO = "GAO"


def under(authority: str | None, provision: str) -> bool:
    """``authority`` is ``provision`` or one of its parts."""
    return authority is not None and (
        authority == provision or authority.startswith(provision + "(")
    )


@dataclass(frozen=True)
class Described:
    """A kind of non-federal recipient (p)(3)(C)(i) names, known by the authority used."""

    kind: str
    authority: str
    cite: str


@dataclass(frozen=True)
class Rules:
    version: int
    excused: tuple[str, ...]
    irs_initiated: tuple[str, ...]
    gao: tuple[str, ...]
    federal_level: str
    described: tuple[Described, ...]
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{FORMAT}#{self.version}"

    def excused_by(self, authority: str | None) -> str | None:
        """The (p)(3)(A) entry that excuses ``authority``, or None if it is accounted."""
        return next((p for p in self.excused if under(authority, p)), None)

    def is_request(self, authority: str | None) -> bool:
        """False for a referral the IRS makes on its own motion ((i)(3))."""
        return not any(under(authority, p) for p in self.irs_initiated)

    def recipient_kind(
        self, agency: str, authority: str | None, on: date, registry: Registry
    ) -> str | None:
        """The (p)(3)(C)(i) kind of ``agency`` receiving (or asking) under ``authority``:
        ``federal``, ``GAO``, a described kind such as ``6103(d)``, or None (no row)."""
        if agency in self.gao:
            return GAO
        known = registry.agency(agency, on)
        if known is not None and known.level == self.federal_level:
            return FEDERAL
        if known is None:
            return None  # an unknown recipient is never guessed into a row
        return next((d.kind for d in self.described if under(authority, d.authority)), None)


def _parse(raw: Any) -> Rules:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ConfigError(f"the (p)(3)(C) rules are not {FORMAT}", where="p3c_rules.yaml")
    try:
        rec = raw["recipients"]
        return Rules(
            version=int(raw["version"]),
            excused=tuple(str(a) for a in raw["excused"]["authorities"]),
            irs_initiated=tuple(str(x["authority"]) for x in raw["irs_initiated"]),
            gao=tuple(str(x) for x in rec["gao"]),
            federal_level=str(rec["federal_level"]),
            described=tuple(
                Described(str(d["kind"]), str(d["authority"]), str(d["cite"]))
                for d in rec["described"]
            ),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"the (p)(3)(C) rules lack {e}", where="p3c_rules.yaml") from e


@cache
def rules() -> Rules:
    """The shipped rules, read once."""
    text = (resources.files("fti_gateway.report") / "p3c_rules.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text))
