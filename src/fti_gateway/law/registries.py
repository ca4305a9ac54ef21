"""Registries: agencies, positions (who may sign what), statutes, (p)(4) safeguard status.

They are data a disclosure office edits, not code (ARCHITECTURE.md "Law is data plus small
predicates"). The shipped YAML in ``law/registry/`` is the starter content (FORMATS §8); a
workspace's ``registry/`` folder may hold files of the same names whose entries replace the
shipped entries with the same key (and add new ones). Every entry carries an effective
period and a source (OpenFisca style): a lookup is always "as of" a date, normally the day
the request was received, so a registry edit never rewrites past decisions.

Everything is validated at load with pydantic; a bad file stops the gateway with a
:class:`ConfigError` naming the file, the entry and the field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fti_gateway.core.errors import ConfigError
from fti_gateway.law.citations import normalize_cite, parents, title_of

SHIPPED = "registry"


class _Strict(BaseModel):
    # A misspelled key in a registry must be an error, not a silently ignored rule.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Effective(_Strict):
    """The period an entry applies: ``from`` inclusive, ``to`` inclusive (open if absent)."""

    from_: date = Field(alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"effective.to ({self.to}) is before effective.from ({self.from_})")
        return self

    def covers(self, on: date) -> bool:
        return self.from_ <= on and (self.to is None or on <= self.to)


class _Sourced(_Strict):
    effective: Effective
    source: str = Field(min_length=3)


Level = Literal["federal", "state", "local"]
AgencyKind = Literal[
    "department", "independent", "component", "state-tax", "cse", "police", "governor", "benefits"
]


class Agency(_Sourced):
    id: str = Field(min_length=1)
    name: str
    level: Level
    kind: AgencyKind
    parent: str | None = None
    law_enforcement: bool = False
    programs: list[str] = Field(default_factory=list)


class Where(_Strict):
    """Which agencies a grant covers; every given condition must hold."""

    ids: list[str] | None = None
    level: Level | None = None
    kinds: list[AgencyKind] | None = None
    law_enforcement: bool | None = None

    def matches(self, agency: Agency) -> bool:
        return (
            (self.ids is None or agency.id in self.ids)
            and (self.level is None or agency.level == self.level)
            and (self.kinds is None or agency.kind in self.kinds)
            and (self.law_enforcement is None or agency.law_enforcement == self.law_enforcement)
        )

    def describe(self) -> str:
        parts = []
        if self.ids:
            parts.append("/".join(self.ids))
        if self.level:
            parts.append(f"{self.level} agencies")
        if self.kinds:
            parts.append("kind " + "/".join(self.kinds))
        if self.law_enforcement:
            parts.append("law-enforcement")
        return ", ".join(parts) or "any agency"


class Grant(_Strict):
    authority: str
    where: Where = Field(default_factory=Where)
    status: Literal["eligible", "contested"] = "eligible"
    reason: str | None = None
    source: str = Field(min_length=3)
    effective: Effective | None = None  # defaults to the position's

    @model_validator(mode="after")
    def _contested_says_why(self) -> Grant:
        if self.status == "contested" and not self.reason:
            raise ValueError("a contested grant needs a `reason` (what is open and why)")
        return self


class Position(_Sourced):
    id: str = Field(min_length=1)
    label: str
    may_sign: list[Grant] = Field(default_factory=list)


Nature = Literal["criminal", "civil", "tax-administration"]


class Statute(_Sourced):
    cite: str
    name: str
    nature: Nature

    @field_validator("cite")
    @classmethod
    def _readable(cls, v: str) -> str:
        if normalize_cite(v) is None:
            raise ValueError(f"cannot read citation {v!r}; write it like '18 U.S.C. 1343'")
        return v

    @property
    def key(self) -> str:
        canonical = normalize_cite(self.cite)
        assert canonical is not None
        return canonical


class TitleDefault(_Sourced):
    title: str
    nature: Nature


class SafeguardEntry(_Sourced):
    agency: str
    status: Literal["current", "pending", "failed"]


class Setting(_Sourced):
    value: int | float | str | list[str]


class Facility(_Sourced):
    name: str
    street_number: str
    zip: str = Field(pattern=r"^\d{5}$")


class SignerStatus(StrEnum):
    ELIGIBLE = "eligible"
    CONTESTED = "contested"
    NOT_ELIGIBLE = "not-eligible"
    UNKNOWN_POSITION = "unknown-position"
    UNKNOWN_AGENCY = "unknown-agency"


@dataclass(frozen=True)
class SignerVerdict:
    status: SignerStatus
    grant: Grant | None = None


@dataclass(frozen=True)
class StatuteVerdict:
    cited: str
    canonical: str | None
    nature: Nature | None  # None: unknown → review
    entry: Statute | TitleDefault | None = None

    @property
    def label(self) -> str:
        if isinstance(self.entry, Statute):
            return f"{self.entry.cite} ({self.entry.name})"
        return self.canonical or self.cited


E = TypeVar("E", bound=_Sourced)


@dataclass
class _Dated(Generic[E]):
    """Entries by key; several entries for one key cover different periods."""

    by_key: dict[str, list[E]] = field(default_factory=dict)

    def get(self, key: str, on: date) -> E | None:
        for e in self.by_key.get(key, []):
            if e.effective.covers(on):
                return e
        return None

    def ids(self) -> list[str]:
        return list(self.by_key)


@dataclass
class Registry:
    """All registries, indexed; every lookup takes the date it is made "as of"."""

    agencies: _Dated[Agency]
    positions: _Dated[Position]
    statutes: _Dated[Statute]
    titles: _Dated[TitleDefault]
    safeguards: _Dated[SafeguardEntry]
    settings: _Dated[Setting]
    facilities: list[Facility]
    facility_keywords: _Dated[Setting]
    states: dict[str, str]
    files: dict[str, str]  # registry name → file it came from (for messages)

    def agency(self, agency_id: str, on: date) -> Agency | None:
        return self.agencies.get(agency_id, on)

    def position(self, position_id: str, on: date) -> Position | None:
        return self.positions.get(position_id, on)

    def signer(self, position_id: str, agency_id: str, authority: str, on: date) -> SignerVerdict:
        """May this position, at this agency, sign a request under this authority?"""
        position = self.position(position_id, on)
        if position is None:
            return SignerVerdict(SignerStatus.UNKNOWN_POSITION)
        agency = self.agency(agency_id, on)
        if agency is None:
            return SignerVerdict(SignerStatus.UNKNOWN_AGENCY)
        grants = [
            g
            for g in position.may_sign
            if g.authority == authority
            and g.where.matches(agency)
            and (g.effective or position.effective).covers(on)
        ]
        for g in grants:
            if g.status == "eligible":
                return SignerVerdict(SignerStatus.ELIGIBLE, g)
        if grants:
            return SignerVerdict(SignerStatus.CONTESTED, grants[0])
        return SignerVerdict(SignerStatus.NOT_ELIGIBLE)

    def signers_for(self, authority: str, on: date) -> list[tuple[Position, Grant]]:
        out: list[tuple[Position, Grant]] = []
        for key in self.positions.ids():
            p = self.positions.get(key, on)
            if p is None:
                continue
            out.extend((p, g) for g in p.may_sign if g.authority == authority)
        return out

    def statute(self, cited: str, on: date) -> StatuteVerdict:
        canonical = normalize_cite(cited)
        if canonical is None:
            return StatuteVerdict(cited, None, None)
        for key in parents(canonical):
            entry = self.statutes.get(key, on)
            if entry is not None:
                return StatuteVerdict(cited, canonical, entry.nature, entry)
        default = self.titles.get(title_of(canonical), on)
        if default is not None:
            return StatuteVerdict(cited, canonical, default.nature, default)
        return StatuteVerdict(cited, canonical, None)

    def safeguard_status(self, agency_id: str, on: date) -> tuple[str, SafeguardEntry | None]:
        entry = self.safeguards.get(agency_id, on)
        return (entry.status, entry) if entry else ("unknown", None)

    def setting(self, name: str, on: date) -> Any:
        entry = self.settings.get(name, on)
        if entry is None:
            raise ConfigError(
                f"setting {name!r} has no value in force on {on}",
                where=self.files.get("settings", "settings.yaml"),
                hint="add an entry with an effective period covering that date",
            )
        return entry.value

    def detention_keywords(self, on: date) -> list[str]:
        entry = self.facility_keywords.get("keywords", on)
        if entry is None:
            return []
        value = entry.value
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def facilities_on(self, on: date) -> list[Facility]:
        return [f for f in self.facilities if f.effective.covers(on)]


# --------------------------------------------------------------------------------- loading

_FORMATS = {
    "agencies": "fti/registry/agencies/v1",
    "positions": "fti/registry/positions/v1",
    "statutes": "fti/registry/statutes/v1",
    "safeguards": "fti/registry/safeguards/v1",
    "settings": "fti/registry/settings/v1",
    "facilities": "fti/registry/facilities/v1",
}


def _read(path: Path | Any, label: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{label} line {mark.line + 1}" if mark else label
        raise ConfigError(f"registry file is not valid YAML: {e}", where=where) from e
    if not isinstance(data, dict):
        raise ConfigError("registry file must be a mapping with a `format` key", where=label)
    return data


def _setting_history(raw: Any, where: str) -> list[Setting]:
    """A setting with its history, so a decision recomputed for an old request uses the value
    in force on that request's date. Three spellings:

    - one entry: ``{value, effective, source}`` (as before);
    - a list of such entries, each with its own period;
    - OpenFisca style: ``{values: {DATE: VALUE | {value, source}}, source}`` — each value
      applies from its date until the day before the next one (the last stays open).
    """
    if isinstance(raw, list):
        return [_validate(Setting, e, f"{where}[{i}]") for i, e in enumerate(raw)]
    if not (isinstance(raw, dict) and "values" in raw):
        return [_validate(Setting, raw, where)]
    values = raw.get("values")
    if not isinstance(values, dict) or not values:
        raise ConfigError(
            "`values` must map dates to values", where=where, hint="values: {2025-01-01: 100}"
        )
    extra = set(raw) - {"values", "source"}
    if extra:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(extra))}", where=where)
    try:
        dated = sorted((date.fromisoformat(str(k)), v) for k, v in values.items())
    except ValueError as e:
        raise ConfigError(f"a `values` key is not a date: {e}", where=where) from None
    out: list[Setting] = []
    for i, (start, v) in enumerate(dated):
        end = dated[i + 1][0] - timedelta(days=1) if i + 1 < len(dated) else None
        value, source = (v.get("value"), v.get("source")) if isinstance(v, dict) else (v, None)
        entry = {
            "value": value,
            "effective": {"from": start, **({"to": end} if end else {})},
            "source": source or raw.get("source"),
        }
        out.append(_validate(Setting, entry, f"{where}.values[{start}]"))
    return out


def _validate(model: type[E], raw: Any, where: str) -> E:
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        details = [
            f"{'.'.join(str(p) for p in err['loc']) or '(entry)'}: {err['msg']}"
            for err in e.errors()
        ]
        raise ConfigError(
            "invalid registry entry",
            where=where,
            details=details,
            hint="fix the entry (see the shipped file in fti_gateway/law/registry/ for examples)",
        ) from e


def _entries(
    model: type[E], items: Any, label: str, section: str, key: str, expand: dict[str, str] | None
) -> list[E]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ConfigError(f"`{section}` must be a list", where=label)
    out: list[E] = []
    for i, raw in enumerate(items):
        name = raw.get(key) if isinstance(raw, dict) else None
        where = f"{label}: {section}[{i}]" + (f" ({key} {name})" if name else "")
        if expand is not None:
            if not isinstance(raw, dict) or "{state}" not in str(raw.get(key, "")):
                raise ConfigError(
                    f"a pattern's {key} must contain {{state}}",
                    where=where,
                    hint="e.g. STATE-{state}-TAX",
                )
            for code, state_name in expand.items():
                filled = {
                    k: (v.format(state=code, state_name=state_name) if isinstance(v, str) else v)
                    for k, v in raw.items()
                }
                out.append(_validate(model, filled, f"{where} [{code}]"))
        else:
            out.append(_validate(model, raw, where))
    return out


def _index(entries: list[E], key: str) -> _Dated[E]:
    by: dict[str, list[E]] = defaultdict(list)
    for e in entries:
        by[str(getattr(e, key))].append(e)
    return _Dated(dict(by))


def _merge(base: list[E], override: list[E], key: str) -> list[E]:
    """Override entries replace every shipped entry with the same key."""
    replaced = {str(getattr(e, key)) for e in override}
    return [e for e in base if str(getattr(e, key)) not in replaced] + override


def _load_file(
    name: str, shipped: Any, override_dir: Path | None
) -> list[tuple[dict[str, Any], str]]:
    docs = [(_read(shipped, f"{SHIPPED}/{name}.yaml"), f"{SHIPPED}/{name}.yaml")]
    if override_dir is not None:
        path = override_dir / f"{name}.yaml"
        if path.is_file():
            docs.append((_read(path, str(path)), str(path)))
    for data, label in docs:
        fmt = data.get("format")
        if fmt != _FORMATS[name]:
            raise ConfigError(
                f"format is {fmt!r}, expected {_FORMATS[name]!r}",
                where=f"{label}: format",
                hint=f"the first line of {name}.yaml should be `format: {_FORMATS[name]}`",
            )
        unknown = set(data) - {"format", *_SECTIONS[name]}
        if unknown:
            raise ConfigError(
                f"unknown section(s) {', '.join(sorted(unknown))}",
                where=label,
                hint=f"a {name} registry has: {', '.join(_SECTIONS[name])}",
            )
    return docs


_SECTIONS = {
    "agencies": ("agencies", "patterns", "states"),
    "positions": ("positions",),
    "statutes": ("titles", "statutes"),
    "safeguards": ("agencies", "patterns"),
    "settings": ("settings",),
    "facilities": ("keywords", "facilities"),
}


def load_registry(override_dir: Path | None = None) -> Registry:
    """Load and validate the shipped registries, overlaid with a workspace's edits.

    ``override_dir`` (normally ``Workspace.registry_dir``) may hold any of
    ``agencies.yaml``, ``positions.yaml``, ``statutes.yaml``, ``safeguards.yaml``,
    ``settings.yaml``, ``facilities.yaml``; a missing folder or file means "as shipped".
    """
    root = resources.files("fti_gateway.law") / SHIPPED
    if override_dir is not None and not Path(override_dir).is_dir():
        override_dir = None
    files: dict[str, str] = {}

    def docs(name: str) -> list[tuple[dict[str, Any], str]]:
        found = _load_file(name, root / f"{name}.yaml", override_dir)
        files[name] = found[-1][1]
        return found

    agency_docs = docs("agencies")
    states: dict[str, str] = {}
    for data, label in agency_docs:
        raw_states = data.get("states") or {}
        if not isinstance(raw_states, dict) or not all(
            isinstance(k, str) and len(k) == 2 and k.isupper() for k in raw_states
        ):
            raise ConfigError("`states` must map two-letter postal codes to names", where=label)
        states.update({str(k): str(v) for k, v in raw_states.items()})

    def collect(name: str, model: type[E], sections: dict[str, str], key: str) -> list[E]:
        merged: list[E] = []
        for data, label in docs(name) if name != "agencies" else agency_docs:
            current: list[E] = []
            for section, kind in sections.items():
                expand = states if kind == "pattern" else None
                current += _entries(model, data.get(section), label, section, key, expand)
            merged = _merge(merged, current, key)
        return merged

    agencies = collect("agencies", Agency, {"agencies": "plain", "patterns": "pattern"}, "id")
    positions = collect("positions", Position, {"positions": "plain"}, "id")
    statute_docs = docs("statutes")
    statutes: list[Statute] = []
    titles: list[TitleDefault] = []
    for data, label in statute_docs:
        statutes = _merge(
            statutes,
            _entries(Statute, data.get("statutes"), label, "statutes", "cite", None),
            "key",
        )
        titles = _merge(
            titles,
            _entries(TitleDefault, data.get("titles"), label, "titles", "title", None),
            "title",
        )
    safeguards = collect(
        "safeguards", SafeguardEntry, {"agencies": "plain", "patterns": "pattern"}, "agency"
    )
    settings: dict[str, list[Setting]] = {}
    for data, label in docs("settings"):
        raw = data.get("settings") or {}
        if not isinstance(raw, dict):
            raise ConfigError("`settings` must be a mapping of name → entry", where=label)
        for name, entry in raw.items():
            settings[str(name)] = _setting_history(entry, f"{label}: settings.{name}")
    facilities: list[Facility] = []
    keywords: dict[str, list[Setting]] = {}
    for data, label in docs("facilities"):
        facilities = _merge(
            facilities,
            _entries(Facility, data.get("facilities"), label, "facilities", "name", None),
            "name",
        )
        if data.get("keywords") is not None:
            keywords["keywords"] = [_validate(Setting, data["keywords"], f"{label}: keywords")]

    _check_references(agencies, positions, safeguards, files)
    return Registry(
        agencies=_index(agencies, "id"),
        positions=_index(positions, "id"),
        statutes=_index(statutes, "key"),
        titles=_index(titles, "title"),
        safeguards=_index(safeguards, "agency"),
        settings=_Dated(settings),
        facilities=facilities,
        facility_keywords=_Dated(keywords),
        states=states,
        files=files,
    )


def _check_references(
    agencies: list[Agency],
    positions: list[Position],
    safeguards: list[SafeguardEntry],
    files: dict[str, str],
) -> None:
    """Cross-file consistency: a reference to an agency that does not exist is a typo."""
    known = {a.id for a in agencies}
    for a in agencies:
        if a.parent is not None and a.parent not in known:
            raise ConfigError(
                f"agency {a.id} names parent {a.parent!r}, which is not in the registry",
                where=f"{files['agencies']}: agencies ({a.id})",
            )
    for p in positions:
        for i, g in enumerate(p.may_sign):
            for aid in g.where.ids or []:
                if aid not in known:
                    raise ConfigError(
                        f"position {p.id} grants {g.authority} at agency {aid!r}, which is not in the registry",
                        where=f"{files['positions']}: positions ({p.id}).may_sign[{i}]",
                    )
    for s in safeguards:
        if s.agency not in known:
            raise ConfigError(
                f"safeguard status for agency {s.agency!r}, which is not in the registry",
                where=f"{files['safeguards']}: agencies ({s.agency})",
            )
