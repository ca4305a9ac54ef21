"""`fti agency add/list/revoke`: who may call the service (API.md "Processes").

Thin: read the JWK file, check the agency id against the registries, call the
register (store/agencies.py), print. The register itself refuses private keys and key
types API.md does not allow.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace

if TYPE_CHECKING:  # the store and the law load SQLAlchemy and pydantic: only when a command runs
    from fti_gateway.store.agencies import AgencyRegister

app = typer.Typer(
    help="Agencies that may call the service: add a key, list, revoke.", no_args_is_help=True
)


def _register(ws: Workspace) -> AgencyRegister:
    from fti_gateway.store import StateStore
    from fti_gateway.store.agencies import AgencyRegister

    return AgencyRegister(StateStore.for_workspace(ws))


def _read_jwk(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as e:
        raise InputError(f"cannot read the key file: {e.strerror}", where=str(path)) from None
    except ValueError as e:
        raise InputError(f"the key file is not JSON: {e}", where=str(path)) from None


def _check_listed(ws: Workspace, agency: str) -> None:
    from fti_gateway.law.registries import load_registry

    if load_registry(ws.registry_dir).agency(agency, date.today()) is None:
        raise InputError(
            f"agency {agency!r} is not in the agency registry (in effect today)",
            where="registry/agencies.yaml",
            hint="check the id (e.g. DOJ, ICE); for a § 6103(c) designee or another "
            "caller outside the registry, pass --unlisted",
        )


@app.command("add")
def add(
    agency: Annotated[str, typer.Argument(help="Agency id (the OAuth client_id), e.g. DOJ.")],
    jwk: Annotated[
        Path,
        typer.Option("--jwk", help="The agency's PUBLIC key as a JWK (Ed25519 OKP or EC P-256)."),
    ],
    home: HomeOpt,
    unlisted: Annotated[
        bool,
        typer.Option(
            "--unlisted",
            help="Allow an id absent from the agency registry (e.g. a 6103(c) designee).",
        ),
    ] = False,
) -> None:
    """Register an agency's public key: it may then get tokens at POST /v1/token."""
    ws = open_workspace(home)
    if not unlisted:
        _check_listed(ws, agency)
    rec = _register(ws).add(agency, _read_jwk(jwk), where=str(jwk))
    console.print(
        f"agency {rec.agency}: key {rec.jwk['kty']} {rec.jwk['crv']} registered "
        f"(thumbprint {rec.thumbprint})",
        highlight=False,
    )


@app.command("list")
def list_(home: HomeOpt) -> None:
    """Every registered key, active and revoked."""
    keys = _register(open_workspace(home)).list_keys()
    table = Table("agency", "key", "thumbprint", "added", "revoked")
    for k in keys:
        table.add_row(
            k.agency,
            f"{k.jwk['kty']} {k.jwk['crv']}",
            k.thumbprint,
            k.added_at.strftime("%Y-%m-%d %H:%M:%SZ"),
            k.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if k.revoked_at else "",
        )
    console.print(table if keys else "no agency is registered")


@app.command("revoke")
def revoke(agency: Annotated[str, typer.Argument(help="Agency id.")], home: HomeOpt) -> None:
    """Revoke the agency's key: its tokens stop working at once."""
    rec = _register(open_workspace(home)).revoke(agency)
    console.print(f"agency {rec.agency}: key {rec.thumbprint} revoked", highlight=False)
