"""What anyone may read without credentials: the ledger as C2SP tlog-tiles lays it out,
and the keys that verify the ledger and the packages.

``/ledger/checkpoint`` and ``/ledger/tile/…`` are the log folder served read-only. A path
is never joined onto the folder: it is parsed into a tile (level, index, width), refused
unless it is that tile's canonical path, and the file read is the one the tile names —
so ``..``, symlinks' names, ``state.sqlite`` or ``checkpoints/`` cannot be reached. A tile
is served only if the current checkpoint covers it (a crashed append's leftovers past the
checkpoint are not part of the log); a partial tile a writer has since grown is served as
the prefix of the bigger version, which tlog-tiles guarantees is the same bytes.

Caching: a full tile never changes (``public, max-age=31536000, immutable``); a partial
tile's bytes never change either, but the file goes away as the tile grows, so it is
cached for a minute (``public, max-age=60``); the checkpoint changes with every append
and is ``no-cache`` (a cache must revalidate it each time). Once witnesses cosigned it,
``/ledger/checkpoint`` carries their cosignatures as extra signature lines (C2SP
tlog-cosignature); a verifier that knows only the log's key ignores them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.keys import load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.checkpoint import Signer, Verifier
from fti_gateway.ledger.reader import read_tile_version
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tiles import TILE_WIDTH, level_width, parse_tile_path
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.service.problems import problem_responses
from fti_gateway.witness.client import cosigned_note

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=60"
CHECKPOINT_CACHE = "no-cache"
TEXT = "text/plain; charset=utf-8"
TILE_TYPE = "application/octet-stream"


def package_verifier_key(ws: Workspace) -> str:
    """The package-signing key in signed-note verifier-key format, named
    ``<workspace>/package`` (``name+keyid+base64(0x01 ‖ Ed25519 key)``). The raw key that
    ``fti disclose verify --key`` and the README recipe take is the last field decoded
    with its first byte (the 0x01 algorithm byte) dropped."""
    return Signer(f"{ws.name}/package", load_signing_key(ws.keys_dir)).verifier_key


def served_checkpoint(ws: Workspace, note: bytes) -> bytes:
    """The latest checkpoint with the witnesses' cosignatures as extra signature lines
    (C2SP signed note, tlog-cosignature) when they cosigned this very checkpoint; the
    log's own note otherwise (a newer append not cosigned yet, or no witnesses)."""
    cosigned = cosigned_note(ws)
    if cosigned is not None and cosigned.startswith(note.split(b"\n\n", 1)[0] + b"\n\n"):
        return cosigned
    return note


def _missing(path: str) -> NotFoundError:
    return NotFoundError("no such tile in this log", where=path)


def read_public_tile(ws: Workspace, path: str) -> bytes:
    """The bytes of the tile at the relative ``path`` (``tile/…``), if the log has it."""
    tile = parse_tile_path(path)
    if tile is None or tile.path != path:
        raise _missing(path)
    store = FsStorage(ws.ledger_dir, durable=False)
    note = store.read_checkpoint()
    if note is None:
        raise _missing(path)
    size = Verifier.parse(verifier_key(ws)).open_checkpoint(note, where="checkpoint").size
    have = level_width(size, tile.level) - tile.index * TILE_WIDTH  # entries the log has
    if have < tile.width:  # past the checkpoint (any narrower version is a prefix)
        raise _missing(path)
    data = read_tile_version(store, tile)
    if data is None:
        raise _missing(path)
    return data


def router(home: Path) -> APIRouter:
    """The public routes over the workspace at ``home``."""
    ws = Workspace.open(home)
    r = APIRouter(tags=["public"])

    @r.get(
        "/ledger/checkpoint",
        response_class=PlainTextResponse,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            **problem_responses(404),
        },
        summary="The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)",
    )
    def checkpoint() -> Response:
        note = FsStorage(ws.ledger_dir, durable=False).read_checkpoint()
        if note is None:
            raise NotFoundError("the ledger has no checkpoint yet", where="ledger/checkpoint")
        return Response(
            served_checkpoint(ws, note),
            media_type=TEXT,
            headers={"Cache-Control": CHECKPOINT_CACHE},
        )

    tile_doc: dict[int | str, dict[str, Any]] = {
        200: {
            "content": {TILE_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "the tile's bytes (C2SP tlog-tiles)",
        },
        **problem_responses(404),
    }

    @r.get(
        "/ledger/tile/{path:path}",
        response_class=Response,
        responses=tile_doc,
        summary="A hash tile tile/<L>/<N>[.p/<W>] or entry bundle tile/entries/<N>[.p/<W>]",
    )
    def tile(path: str) -> Response:
        rel = "tile/" + path
        data = read_public_tile(ws, rel)
        full = parse_tile_path(rel)
        cache = IMMUTABLE if full is not None and full.full else PARTIAL
        return Response(data, media_type=TILE_TYPE, headers={"Cache-Control": cache})

    key_doc: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}}
    }

    @r.get(
        "/v1/keys/ledger",
        response_class=PlainTextResponse,
        responses=key_doc,
        summary="The ledger's verifier key (signed-note format), as `fti ledger key` prints",
    )
    def ledger_key() -> Response:
        return Response(verifier_key(ws) + "\n", media_type=TEXT)

    @r.get(
        "/v1/keys/package",
        response_class=PlainTextResponse,
        responses=key_doc,
        summary="The package-signing key (signed-note verifier-key format)",
        description=package_verifier_key.__doc__ or "",
    )
    def package_key() -> Response:
        return Response(package_verifier_key(ws) + "\n", media_type=TEXT)

    return r
