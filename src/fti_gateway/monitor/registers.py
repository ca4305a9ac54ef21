"""The employee register (FORMATS §10), cases and the high-profile list (§11).

Each is loaded from YAML (``format``, ``as_of``, then the list) or JSON Lines (one entry
a line; the date comes from ``--as-of``), checked entry by entry — a bad entry is
reported with its line and reason and nothing is stored — and kept as a dated Parquet
snapshot, ``registers/<kind>/<as_of>.parquet``.

Why Parquet, not the state store: the monitor joins these lists against millions of
events in DuckDB, which reads Parquet directly; the state store may be PostgreSQL, from
which every run would first have to copy them. Dated files keep every snapshot (nothing
is lost; a reviewer can see the register as it was), and the monitor uses the latest.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fti_gateway.core import registers as core_registers
from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor.events import reason_of
from fti_gateway.monitor.paths import registers_dir

_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/@#-]{0,127}$"
_TIN = re.compile(r"^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$")
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHOWN_ERRORS = 20
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


def _tin(v: str) -> str:
    if not isinstance(v, str) or not _TIN.match(v):
        raise ValueError("a TIN has 9 digits, e.g. 900-12-3456")
    return v.replace("-", "")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str = Field(min_length=1, max_length=200)
    unit: str | None = Field(default=None, max_length=40)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=40)
    zip: str = Field(pattern=r"^[0-9]{5}(-[0-9]{4})?$")


class WorkHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]] = Field(min_length=1)
    start: str = Field(pattern=_HHMM)
    end: str = Field(pattern=_HHMM)
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{v[:40]!r} is not an IANA time zone, e.g. America/New_York"
            ) from None
        return v


class Employee(BaseModel):
    """§10: one person (or service) who may look at return information."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    unit: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=64)
    tin: str | None
    household_address: Address | None
    work_hours: WorkHours
    start: date
    separation: date | None = None

    _t = field_validator("tin")(lambda v: None if v is None else _tin(v))


class Case(BaseModel):
    """§11: a case is open on day D when opened ≤ D and (closed is null or D ≤ closed)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    unit: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=64)
    opened: date
    closed: date | None = None
    assigned: list[str] = Field(min_length=1)
    subjects: list[str]

    _s = field_validator("subjects")(lambda v: [_tin(t) for t in v])


class HighProfile(BaseModel):
    """§11: a taxpayer whose records draw curiosity (officials, celebrities, …)."""

    model_config = ConfigDict(extra="forbid")
    tin: str
    category: str = Field(min_length=1, max_length=64)
    since: date

    _t = field_validator("tin")(_tin)


@dataclass(frozen=True)
class Kind:
    name: str
    format: str
    list_keys: tuple[str, ...]
    model: type[BaseModel]
    schema: pa.Schema


KINDS: dict[str, Kind] = {
    "employees": Kind(
        "employees",
        "fti/employees/v1",
        ("employees",),
        Employee,
        pa.schema(
            [
                ("id", pa.string()),
                ("unit", pa.string()),
                ("role", pa.string()),
                ("tin", pa.string()),
                ("street", pa.string()),
                ("address_unit", pa.string()),
                ("city", pa.string()),
                ("state", pa.string()),
                ("zip", pa.string()),
                ("days", pa.list_(pa.string())),
                ("work_start", pa.string()),
                ("work_end", pa.string()),
                ("timezone", pa.string()),
                ("start", pa.date32()),
                ("separation", pa.date32()),
            ]
        ),
    ),
    "cases": Kind(
        "cases",
        "fti/cases/v1",
        ("cases",),
        Case,
        pa.schema(
            [
                ("id", pa.string()),
                ("unit", pa.string()),
                ("purpose", pa.string()),
                ("opened", pa.date32()),
                ("closed", pa.date32()),
                ("assigned", pa.list_(pa.string())),
                ("subjects", pa.list_(pa.string())),
            ]
        ),
    ),
    "high-profile": Kind(
        "high-profile",
        "fti/high-profile/v1",
        ("high_profile", "entries", "taxpayers"),
        HighProfile,
        pa.schema([("tin", pa.string()), ("category", pa.string()), ("since", pa.date32())]),
    ),
}


def _flat(kind: str, m: BaseModel) -> dict[str, Any]:
    if isinstance(m, Employee):
        a, w = m.household_address, m.work_hours
        return {
            "id": m.id, "unit": m.unit, "role": m.role, "tin": m.tin,
            "street": a.street if a else None, "address_unit": a.unit if a else None,
            "city": a.city if a else None, "state": a.state if a else None,
            "zip": a.zip if a else None, "days": list(w.days), "work_start": w.start,
            "work_end": w.end, "timezone": w.timezone, "start": m.start,
            "separation": m.separation,
        }  # fmt: skip
    return m.model_dump()


@dataclass
class Loaded:
    kind: str
    as_of: date
    count: int
    path: Path


def load(ws: Workspace, kind: str, file: Path, as_of: date | None = None) -> Loaded:
    """Check ``file`` and store it as the ``kind`` snapshot dated ``as_of`` (all or
    nothing: one bad entry stores nothing, and every bad entry is listed)."""
    spec = KINDS[kind]
    file = Path(file)
    if not file.is_file():
        raise NotFoundError(f"no file {file}")
    items, dated = _read(spec, file)
    if as_of and dated and as_of != dated:
        raise InputError(f"the file says as_of {dated}, the command says {as_of}", where=str(file))
    day = as_of or dated
    if day is None:
        raise InputError(
            f"a {spec.format} list is dated: give --as-of YYYY-MM-DD (JSON Lines has no header)",
            where=str(file),
        )
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, obj in items:
        try:
            m = spec.model.model_validate(obj)
        except ValidationError as e:
            errors.append(f"line {line}: {reason_of(e)}")
            continue
        key = str(getattr(m, "id", None) or getattr(m, "tin", ""))
        if key in seen:
            errors.append(f"line {line}: repeats the entry of line {seen[key]}")
            continue
        seen[key] = line
        rows.append(_flat(kind, m))
    if errors:
        raise InputError(
            f"{len(errors)} bad {kind} entr{'y' if len(errors) == 1 else 'ies'}; nothing stored",
            where=str(file),
            details=errors[:SHOWN_ERRORS]
            + ([f"… and {len(errors) - SHOWN_ERRORS} more"] if len(errors) > SHOWN_ERRORS else []),
        )
    table = pa.Table.from_pylist(rows, schema=spec.schema)
    folder = registers_dir(ws) / kind
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{day.isoformat()}.parquet"
    tmp = folder / f".{day.isoformat()}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    tmp.replace(out)  # a reload of the same date replaces it whole
    return Loaded(kind, day, len(rows), out)


def _read(spec: Kind, file: Path) -> tuple[list[tuple[int, Any]], date | None]:
    """Entries with their line numbers, and the YAML header's ``as_of`` if any."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 at byte {e.start}", where=str(file)) from None
    if file.suffix.lower() in (".jsonl", ".ndjson") or text.lstrip().startswith("{"):
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append((n, orjson.loads(line)))
            except orjson.JSONDecodeError as e:
                raise InputError(f"not JSON: {e}", where=f"{file}:{n}") from None
        return out, None
    return _read_yaml(spec, file, text)


def _read_yaml(spec: Kind, file: Path, text: str) -> tuple[list[tuple[int, Any]], date | None]:
    try:
        node = yaml.compose(text, Loader=_LOADER)
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as e:
        raise InputError(f"not YAML: {e}".splitlines()[0], where=str(file)) from None
    if not isinstance(doc, dict) or node is None:
        raise InputError(
            f"expected a mapping with format, as_of and {spec.list_keys[0]}", where=str(file)
        )
    if doc.get("format") != spec.format:
        raise InputError(f"format must be {spec.format!r}", where=f"{file}: format")
    key = next((k for k in spec.list_keys if k in doc), None)
    if key is None or not isinstance(doc[key], list):
        raise InputError(f"no {spec.list_keys[0]}: list", where=str(file))
    seq = next(v for k, v in node.value if k.value == key)
    lines = [item.start_mark.line + 1 for item in seq.value]
    as_of = doc.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        try:
            as_of = date.fromisoformat(str(as_of))
        except ValueError:
            raise InputError("as_of is a date, YYYY-MM-DD", where=f"{file}: as_of") from None
    return list(zip(lines, doc[key], strict=True)), as_of


def latest(ws: Workspace, kind: str) -> Path | None:
    """The newest snapshot of ``kind`` (None if never loaded)."""
    return core_registers.latest(ws.home, kind)


def empty(kind: str) -> pa.Table:
    return KINDS[kind].schema.empty_table()
