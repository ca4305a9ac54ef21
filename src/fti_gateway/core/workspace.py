"""The workspace: one folder holding the vault, state database, ledger, keys and runs.

Every command takes ``--home DIR`` (default ``$FTI_HOME`` or ``./fti-home``). Only
``fti init`` (and ``fti demo``, which makes its own) creates a workspace; every other
command opens one and fails if there is none, so a mistyped ``--home`` creates nothing
(no folders, no new keys next to a ledger signed with the real ones). The state
database is a SQLite file inside the workspace unless ``FTI_DATABASE_URL`` points at
another database (PostgreSQL for the service).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from fti_gateway.core.errors import ConfigError, IntegrityError, NotFoundError

DEFAULT_HOME = "fti-home"
MARKER = "workspace.json"


def default_home() -> Path:
    return Path(os.environ.get("FTI_HOME", DEFAULT_HOME))


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def vault_dir(self) -> Path:
        return self.home / "vault"

    @property
    def ledger_dir(self) -> Path:
        return self.home / "ledger"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def registry_dir(self) -> Path:
        """Registries a disclosure office has edited; the shipped ones are the fallback."""
        return self.home / "registry"

    @property
    def models_dir(self) -> Path:
        """Trained resolution models, reused across requests."""
        return self.home / "models"

    @property
    def database_url(self) -> str:
        url = os.environ.get("FTI_DATABASE_URL")
        return url if url else f"sqlite:///{(self.home / 'state.db').resolve()}"

    @property
    def name(self) -> str:
        """The log origin/key name: stable for the life of the workspace."""
        meta = json.loads((self.home / MARKER).read_text())
        return str(meta["name"])

    def exists(self) -> bool:
        return (self.home / MARKER).is_file()

    @classmethod
    def init(cls, home: Path, name: str | None = None) -> Workspace:
        """Create (or complete) a workspace; never overwrites keys or data, so it is safe
        to re-run. Refuses to mint new keys beside a ledger that already has some: that
        ledger's checkpoints and commitments were made with the lost ones."""
        # cryptography is loaded only here: opening a workspace needs no key code.
        from fti_gateway.core.keys import ensure_keys, write_once

        ws = cls(home)
        marker = ws.home / MARKER
        if marker.exists():
            ws._check_rerun(name)
        for d in (ws.home, ws.vault_dir, ws.ledger_dir, ws.keys_dir, ws.runs_dir, ws.models_dir):
            d.mkdir(parents=True, exist_ok=True)
        if not marker.exists():
            # The origin is also the signing key's name (C2SP signed-note): no spaces or '+'.
            folder = re.sub(r"[^A-Za-z0-9._-]+", "-", ws.home.resolve().name).strip("-")
            origin = name or f"fti-gateway.example/{folder or 'workspace'}"
            if not re.fullmatch(r"[\x21-\x7e]+", origin) or "+" in origin:
                raise ConfigError(
                    f"the workspace name {origin!r} cannot name a log",
                    where="--name",
                    hint="use printable characters without spaces or '+', e.g. irs.example/ledger",
                )
            meta = json.dumps({"format": "fti/workspace/v1", "name": origin}) + "\n"
            write_once(marker, meta.encode(), mode=0o644)  # two inits at once: one name wins
        ensure_keys(ws.keys_dir)
        return ws

    def _check_rerun(self, name: str | None) -> None:
        """``fti init`` on an existing workspace: same name, and keys where the ledger has
        been signed (a new key would not verify it; new commitments would not match)."""
        if name is not None and name != self.name:
            raise ConfigError(
                f"this workspace is already named {self.name!r}; a log's name never changes",
                where="--name",
                hint=f"re-run without --name, or create another workspace for {name!r}",
            )
        from fti_gateway.core.keys import COMMITMENT_SECRET, SIGNING_KEY

        missing = [k for k in (SIGNING_KEY, COMMITMENT_SECRET) if not (self.keys_dir / k).exists()]
        if missing and self.ledger_dir.is_dir() and any(self.ledger_dir.iterdir()):
            raise IntegrityError(
                f"the workspace's {' and '.join(missing)} is missing, and its ledger was "
                "made with it; new keys would not verify or match it",
                where=str(self.keys_dir),
                hint="restore keys/ from the workspace's backup (never re-created by fti init)",
            )

    @classmethod
    def open(cls, home: Path) -> Workspace:
        ws = cls(home)
        if not ws.exists():
            raise NotFoundError(
                f"no workspace at {home}",
                hint=f"create one with `fti init --home {home}` (or check --home for a typo)",
            )
        return ws
