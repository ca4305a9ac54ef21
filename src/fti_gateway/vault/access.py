"""The read gate: the one way into the vault's taxpayer data (IRC 6103(a), (b)(7); 7213A).

Every read names a :class:`Principal` (a person or a gateway service), a purpose, and the
case or request it serves. The gate asks the Cedar policy set (``policies/*.cedar``, or the
workspace's own in ``<workspace>/policies/``), records the read as one ``fti/inspection/v1``
event in ``<workspace>/inspections/gate.jsonl`` — allowed *and* denied, with the ids of the
policies that decided — and only then hands out the data. A denied read raises
:class:`AccessDenied` (exit 7) after its event is on disk.

Why Cedar: who may look at what is policy the office writes and audits, not code; Cedar
evaluates it default-deny, and its diagnostics name the policies that decided, which is
what a record of the decision needs. Why record before the data is returned: a look that
crashed the process after reading is still a look.

Three ways in, one per kind of read:

- :meth:`Gate.lookup`: one taxpayer's rows by TIN (a person's look; ``fti vault lookup``);
- :meth:`Gate.read` with ``action="export"``: many taxpayers (the resolver, the (i)(6) facts
  of matched taxpayers, a package's extract, a synthetic request's sample, the UNAX
  monitor's household addresses) — a context
  manager yielding a :class:`VaultReader`;
- :meth:`Gate.read` with ``action="read_metadata"``: counts and integrity checks. These
  name no taxpayer (6103(b)(2): data that cannot be associated with a taxpayer is not
  return information), so they are decided by the policy but not recorded as inspections
  unless denied.

The gate sits in ``vault`` (a low layer) and imports nothing above it: the events it
returns (:attr:`Gate.events`) are turned into ledger entries by the layer that called it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn, get_args

import cedarpy
import duckdb
import pandas as pd
import pyarrow.parquet as pq

from fti_gateway.core.errors import ConfigError, FtiError, InputError
from fti_gateway.vault.check import ensure_no_duplicates
from fti_gateway.vault.info import VaultInfo, vault_info
from fti_gateway.vault.inspections import InspectionEvent, append_events, utc_second
from fti_gateway.vault.store import Vault

POLICIES_DIR = "policies"
SCHEMA_FILE = "schema.cedarschema"
NAMESPACE = "FTI"
RESOURCE = {"type": f"{NAMESPACE}::Vault", "id": "master"}
DEFAULT_DENY = "default-deny"
__all__ = [
    "MONITOR",
    "RESOLVER",
    "TEST_DATA",
    "VAULT_SERVICE",
    "AccessDenied",
    "Gate",
    "PolicySet",
    "Principal",
    "VaultInfo",
    "VaultReader",
    "Verdict",
    "service",
]

#: Principals whose parsed entities a policy set keeps (a desk's staff, the services).
ENTITY_CACHE = 4096
ROLES = (
    "disclosure_officer",
    "auditor",
    "contractor",
    "detailee",
    "resolver_service",
    "vault_service",
    "test_data_service",
    "monitor_service",
)

Action = Literal["lookup", "export", "read_metadata"]


@dataclass
class AccessDenied(FtiError):
    """The read policy refuses this read (exit 7); the refusal is already recorded."""

    exit_code: int = 7
    event: InspectionEvent | None = None


@dataclass(frozen=True)
class Principal:
    """Who reads: an employee id (FORMATS §10) or a gateway service's name, its role, and
    the attributes the policies look at."""

    id: str
    role: str
    kind: Literal["person", "service"] = "person"
    unit: str | None = None
    cases: frozenset[str] = frozenset()
    cleared_from: date | None = None
    cleared_until: date | None = None

    def entities(self) -> list[dict[str, Any]]:
        """The principal (and its unit) as Cedar entities."""
        attrs: dict[str, Any] = {
            "role": self.role,
            "kind": self.kind,
            "cases": sorted(self.cases),
        }
        if self.cleared_from is not None:
            attrs["cleared_from"] = _datetime(self.cleared_from.isoformat())
        if self.cleared_until is not None:
            # Valid through the last day: the end of that day, UTC.
            attrs["cleared_until"] = _datetime(f"{self.cleared_until.isoformat()}T23:59:59Z")
        parents = [{"type": f"{NAMESPACE}::Unit", "id": self.unit}] if self.unit else []
        out = [{"uid": self.uid(), "attrs": attrs, "parents": parents}]
        out += [{"uid": p, "attrs": {}, "parents": []} for p in parents]
        return out

    def uid(self) -> dict[str, str]:
        return {"type": f"{NAMESPACE}::Principal", "id": self.id}


def service(name: str, role: str) -> Principal:
    """A gateway service principal (no clearance dates: services are not people)."""
    return Principal(id=name, role=role, kind="service", unit="fti-gateway")


#: The services of the gateway itself.
RESOLVER = service("fti-gateway/resolve", "resolver_service")
VAULT_SERVICE = service("fti-gateway/vault", "vault_service")
TEST_DATA = service("fti-gateway/synth", "test_data_service")
MONITOR = service("fti-gateway/monitor", "monitor_service")
#: The one purpose the monitor's read is permitted for (policy ``monitor-household-addresses``).
UNAX_MONITORING = "unax-monitoring"


def _datetime(text: str) -> dict[str, Any]:
    return {"__extn": {"fn": "datetime", "arg": text}}


_ACTIONS = {a: {"type": f"{NAMESPACE}::Action", "id": a} for a in get_args(Action)}


def _now_value(now: datetime | None) -> dict[str, Any]:
    """The context's ``now`` (to the second, as the policies compare dates): formatted once
    per second, since a busy gate decides many reads in the same one."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:  # a naive time is read as UTC, as it always was
        now = now.replace(tzinfo=UTC)
    return _datetime(utc_second(math.floor(now.timestamp()), "%Y-%m-%dT%H:%M:%SZ"))


@dataclass(frozen=True)
class Verdict:
    """Cedar's answer: allowed or not, the ``@id`` of each policy that decided (empty for
    the default deny), their ``@reason`` texts, and the engine's own time."""

    allowed: bool
    policies: tuple[str, ...]
    reasons: tuple[str, ...]
    engine_micros: int | None = None

    @property
    def explanation(self) -> str:
        if self.reasons:
            return "; ".join(self.reasons)
        return "no policy permits this read (default deny)"


@dataclass
class PolicySet:
    """Parsed, validated policies and schema, with each policy's annotations."""

    policies: cedarpy.PolicySet
    schema: cedarpy.Schema
    annotations: dict[str, dict[str, str]]
    source: str
    _parsed: dict[Principal, cedarpy.Entities] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, folder: Path | None = None) -> PolicySet:
        """The ``*.cedar`` files (and ``schema.cedarschema`` if there) of ``folder``, else
        the shipped set. Invalid policies are refused (:class:`ConfigError`, exit 5) naming
        the policy and what is wrong: a read policy that does not say what it means must
        not decide anything."""
        shipped = resources.files("fti_gateway.vault") / POLICIES_DIR
        if folder is not None and Path(folder).is_dir() and any(Path(folder).glob("*.cedar")):
            files = sorted(Path(folder).glob("*.cedar"))
            texts = [(str(f), f.read_text(encoding="utf-8")) for f in files]
            schema_file = Path(folder) / SCHEMA_FILE
            schema_text = (
                schema_file.read_text(encoding="utf-8")
                if schema_file.is_file()
                else (shipped / SCHEMA_FILE).read_text(encoding="utf-8")
            )
            source = str(folder)
        else:
            texts = [
                (f"vault/policies/{f.name}", f.read_text(encoding="utf-8"))
                for f in sorted(shipped.iterdir(), key=lambda t: t.name)
                if f.name.endswith(".cedar")
            ]
            schema_text = (shipped / SCHEMA_FILE).read_text(encoding="utf-8")
            source = "shipped"
        return cls.parse(texts, schema_text, source)

    @classmethod
    def parse(cls, texts: Sequence[tuple[str, str]], schema_text: str, source: str) -> PolicySet:
        text = "\n".join(t for _, t in texts)
        where = ", ".join(name for name, _ in texts) or source
        try:
            schema = cedarpy.Schema.from_str(schema_text)
            policies = cedarpy.PolicySet.from_str(text)
            as_json = json.loads(cedarpy.policies_to_json_str(text))
        except Exception as e:  # cedarpy raises plain ValueError/RuntimeError
            raise ConfigError(f"the read policy cannot be parsed: {e}", where=where) from None
        result = cedarpy.validate_policies(text, schema)
        if not result.validation_passed:
            raise ConfigError(
                "the read policy does not fit its schema",
                where=where,
                details=[str(e) for e in result.errors],
                hint="fix the policy named, or remove the workspace's policies/ folder",
            )
        annotations = {
            pid: dict(p.get("annotations") or {})
            for pid, p in as_json.get("staticPolicies", {}).items()
        }
        missing = [pid for pid, a in annotations.items() if not a.get("id")]
        if missing:
            raise ConfigError(
                "every read policy needs an @id (it is recorded with each read it decides)",
                where=where,
                details=[f"{pid} has none" for pid in missing],
            )
        return cls(policies, schema, annotations, source)

    def _entities(self, principal: Principal) -> cedarpy.Entities:
        """The principal's entities, parsed once per principal (and checked against the
        schema then): parsing them is most of a decision's cost, and a principal's
        attributes do not change between its reads (time is in the context)."""
        cached = self._parsed.get(principal)
        if cached is None:
            if len(self._parsed) >= ENTITY_CACHE:
                self._parsed.clear()
            doc = [*principal.entities(), {"uid": RESOURCE, "attrs": {}, "parents": []}]
            try:
                cached = cedarpy.Entities.from_json_str(json.dumps(doc), self.schema)
            except Exception as e:  # cedarpy raises plain ValueError/RuntimeError
                raise InputError(
                    f"the read policy cannot judge {principal.id!r}: {e}",
                    hint="check the principal's role, cases and clearance dates",
                ) from None
            self._parsed[principal] = cached
        return cached

    def decide(
        self,
        principal: Principal,
        action: Action,
        *,
        purpose: str,
        case: str | None = None,
        request: str | None = None,
        now: datetime | None = None,
    ) -> Verdict:
        context: dict[str, Any] = {"purpose": purpose, "now": _now_value(now)}
        if case:
            context["case"] = case
        if request:
            context["request"] = request
        result = cedarpy.is_authorized(
            {
                "principal": principal.uid(),
                "action": _ACTIONS.get(action) or {"type": f"{NAMESPACE}::Action", "id": action},
                "resource": RESOURCE,
                "context": context,
            },
            self.policies,
            self._entities(principal),
            self.schema,
        )
        if result.diagnostics.errors:
            # An entity that does not fit the schema (an unknown attribute type, say):
            # Cedar denies; the gate says why instead of recording a silent deny.
            raise InputError(
                f"the read policy could not judge {principal.id!r}: "
                + "; ".join(str(e) for e in result.diagnostics.errors),
            )
        ids = tuple(
            self.annotations.get(pid, {}).get("id", pid) for pid in result.diagnostics.reasons
        )
        reasons = tuple(
            self.annotations.get(pid, {}).get("reason", pid) for pid in result.diagnostics.reasons
        )
        metrics = result.metrics or {}
        engine = metrics.get("authz_duration_micros")
        return Verdict(result.allowed, ids, reasons, int(engine) if engine is not None else None)


@lru_cache(maxsize=8)
def _policies_for(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> PolicySet:
    return PolicySet.load(Path(folder))


def workspace_policies(home: Path) -> PolicySet:
    """The workspace's policy set (``<home>/policies/*.cedar``), else the shipped one;
    cached per folder contents (names, sizes, modification times, read on every call), so
    an edit — a permission withdrawn — is seen by the very next read."""
    folder = os.path.join(home, POLICIES_DIR)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return _policies_for(folder, ())
    stamp = tuple((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries)
    return _policies_for(folder, stamp)


class VaultReader:
    """What an allowed bulk read hands out: DuckDB views of the vault (:meth:`connect`),
    and for the resolver, which builds its index in its own DuckDB file, the parts it may
    read and the SQL that reads them (:meth:`master_sql`)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._open = True

    def close(self) -> None:
        """The read is over: the reader refuses to read again (the gate closes it when its
        ``with`` block ends, so a reader kept past its grant reads nothing)."""
        self._open = False

    def _vault_for_reading(self) -> Vault:
        if not self._open:
            raise RuntimeError("this vault reader's grant has ended; ask the gate again")
        return self._vault

    @property
    def path(self) -> Path:
        return self._vault.path

    @property
    def master_glob(self) -> str:
        return self._vault.master_glob

    def is_empty(self) -> bool:
        return self._vault.is_empty()

    def connect(self) -> duckdb.DuckDBPyConnection:
        return self._vault_for_reading().connect()

    def master_sql(self, parts: Sequence[str] = ()) -> str:
        """``read_parquet([...])`` of ``parts`` (all committed parts if none given)."""
        vault = self._vault_for_reading()
        files = list(parts) or [vault.master_glob]
        quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        return f"read_parquet([{quoted}], union_by_name = true)"

    def parts(self) -> list[Path]:
        return self._vault.parts()

    def ensure_no_duplicates(self) -> None:
        """Exit 4 naming the parts if a taxpayer-year is held twice (``vault.check``)."""
        ensure_no_duplicates(self._vault_for_reading())

    def info(self) -> VaultInfo:
        """Counts by tax year, TIN kind and (i)(6) flag (``vault.info``): metadata."""
        return vault_info(self._vault_for_reading())


@dataclass
class Gate:
    """The read gate of one workspace's vault. Keeps the events it recorded
    (:attr:`events`), so the layer above can write them to the ledger."""

    vault: Vault
    home: Path
    policy: PolicySet | None = None
    clock: Callable[[], datetime] | None = None  # for tests of clearance dates
    events: list[InspectionEvent] = field(default_factory=list)

    @classmethod
    def for_home(cls, home: Path, vault: Vault | None = None) -> Gate:
        return cls(vault or Vault(Path(home) / "vault"), Path(home))

    @property
    def policies(self) -> PolicySet:
        return self.policy if self.policy is not None else workspace_policies(self.home)

    def _now(self) -> datetime:
        return self.clock() if self.clock is not None else datetime.now(UTC)

    def decide(
        self,
        principal: Principal,
        action: Action,
        *,
        purpose: str,
        case: str | None = None,
        request: str | None = None,
    ) -> Verdict:
        return self.policies.decide(
            principal, action, purpose=purpose, case=case, request=request, now=self._now()
        )

    def record(
        self,
        principal: Principal,
        action: Literal["lookup", "export"],
        verdict: Verdict,
        *,
        purpose: str,
        case: str | None,
        request: str | None,
        taxpayer: str | None,
        rows: int,
        extra: dict[str, Any] | None = None,
    ) -> InspectionEvent:
        event = InspectionEvent(
            principal=principal.id,
            role=principal.role,
            taxpayer=taxpayer,
            action=action,
            rows=rows,
            case=case,
            purpose=purpose,
            outcome="allowed" if verdict.allowed else "denied",
            extra={
                "policies": list(verdict.policies) or [DEFAULT_DENY],
                "reason": verdict.explanation,
                "request": request,
                "unit": principal.unit,
                "kind": principal.kind,
                **(extra or {}),
            },
        )
        append_events(self.home, [event])
        self.events.append(event)
        return event

    def _deny(
        self, principal: Principal, verdict: Verdict, event: InspectionEvent | None
    ) -> NoReturn:
        raise AccessDenied(
            f"{principal.id} ({principal.role}) may not read this: {verdict.explanation}",
            where=f"read policy: {', '.join(verdict.policies) or DEFAULT_DENY}",
            hint="a read needs a purpose and, for a person, a case assigned to them "
            "(see `fti vault lookup --help`)",
            event=event,
        )

    def lookup(
        self, principal: Principal, tin: str, *, purpose: str, case: str | None
    ) -> pd.DataFrame:
        """Every tax year's row of the taxpayer with ``tin`` (FORMATS §3 columns), oldest
        first; an empty frame when the vault holds no such TIN (still an inspection: the
        look happened). Denied: recorded, then :class:`AccessDenied`."""
        digits = tin.replace("-", "").strip()
        if not (len(digits) == 9 and digits.isdigit()):
            raise InputError("a TIN has 9 digits", where="--tin", hint="e.g. 900-12-3456")
        verdict = self.decide(principal, "lookup", purpose=purpose, case=case)
        if not verdict.allowed:
            event = self.record(
                principal, "lookup", verdict, purpose=purpose, case=case, request=None,
                taxpayer=digits, rows=0,
            )  # fmt: skip
            self._deny(principal, verdict, event)
        con = self.vault.connect()
        try:
            rows = con.execute(
                "SELECT * FROM master WHERE tin = ? ORDER BY tax_year", [digits]
            ).df()
        finally:
            con.close()
        self.record(
            principal, "lookup", verdict, purpose=purpose, case=case, request=None,
            taxpayer=digits, rows=len(rows),
        )  # fmt: skip
        return rows

    @contextmanager
    def read(
        self,
        principal: Principal,
        action: Literal["export", "read_metadata"],
        *,
        purpose: str,
        request: str | None = None,
        case: str | None = None,
        rows: int | None = None,
    ) -> Iterator[VaultReader]:
        """A bulk read (``export``: recorded before the reader is handed out, ``rows`` the
        most rows it can return to the caller — the vault's row count when not given) or a
        metadata read (recorded only when denied)."""
        verdict = self.decide(principal, action, purpose=purpose, case=case, request=request)
        if action == "export" or not verdict.allowed:
            n = rows if rows is not None else (self.row_count() if verdict.allowed else 0)
            event = self.record(
                principal, "export", verdict, purpose=purpose, case=case, request=request,
                taxpayer=None, rows=n,
                extra={"scope": "metadata"} if action == "read_metadata" else None,
            )  # fmt: skip
            if not verdict.allowed:
                self._deny(principal, verdict, event)
        reader = VaultReader(self.vault)
        try:
            yield reader
        finally:
            reader.close()

    def row_count(self) -> int:
        """Rows in the committed parts, from the Parquet footers (no data is read)."""
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.vault.parts())
