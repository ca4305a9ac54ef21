"""``POST /v1/taxpayer/view``: a taxpayer's view of the ledger, for the disclosure office.

Office-run, like ``fti taxpayer view``: only a caller authenticated as the office's own
agency (``$FTI_OFFICE_AGENCY``, default ``TREASURY``, the registry's Department of the
Treasury including the IRS) may ask; for every other caller the route does not exist (404,
as for another agency's request). Checking that a person is the TIN's holder is the
office's business before it asks (out of scope here). The TIN travels in the JSON body,
never in a URL, so no access log holds it; the answer names the taxpayer by commitment.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import commitment_secret, verifier_key
from fti_gateway.report import taxpayer
from fti_gateway.service.auth import Authenticator, Principal
from fti_gateway.store import StateStore

OFFICE_ENV = "FTI_OFFICE_AGENCY"
DEFAULT_OFFICE = "TREASURY"


class ViewQuery(BaseModel):
    tin: str = Field(
        min_length=9, max_length=11, description="The taxpayer's TIN, e.g. 900-12-3456."
    )


def office_agency() -> str:
    return os.environ.get(OFFICE_ENV) or DEFAULT_OFFICE


def router(ws: Workspace, store: StateStore, authenticate: Authenticator) -> APIRouter:
    r = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])

    @r.post("/taxpayer/view", responses={404: {"description": "Not the office's client."}})
    async def view(query: ViewQuery, principal: Principal = Depends(authenticate)) -> JSONResponse:
        if principal.agency != office_agency():
            raise NotFoundError("no such resource")

        def answer() -> dict[str, object]:
            named = store.requests_naming(taxpayer.digits(query.tin))
            v = taxpayer.view(
                ws.ledger_dir, verifier_key(ws), commitment_secret(ws), query.tin, named
            )
            return v.to_json()

        return JSONResponse(await run_in_threadpool(answer), headers={"Cache-Control": "no-store"})

    return r
