"""One entry point per untrusted-input reader, each taking the bytes as they arrive.

A target returns normally or raises :class:`~fti_gateway.core.errors.FtiError` (the
reader refused the input with a located message: the expected outcome for bad input).
Any other exception is a crash: a user would see "internal error" instead of a diagnostic,
and for the ledger readers an auditor's tool would stop on a file it should have judged.

The same targets serve the coverage-guided harnesses (``fuzz/fuzz_*.py``, atheris) and
the property-based tests (``tests/fuzz``, Hypothesis), so both exercise the same calls.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.intake import load_request, load_subjects
from fti_gateway.intake.csvfile import read_csv_rows
from fti_gateway.ledger import entries
from fti_gateway.ledger.checkpoint import Checkpoint, Signer, Verifier
from fti_gateway.ledger.tiles import ENTRIES, TILE_WIDTH, TileId, decode_bundle, encode_bundle

# A date after every dob a generated row may hold, so "dob in the future" is decided by the
# row, not by the day the fuzzer runs.
RECEIVED = date(2025, 6, 4)
MANIFEST_SUFFIXES = (".yaml", ".json", ".txt")
# Subject file next to a fuzzed manifest that names `subjects: subjects.csv`.
GOOD_SUBJECTS = (
    b"subject_id,first_name,last_name,dob,tin\n"
    b"S-1,Ana,Garcia,1984-03-09,900-12-3456\n"
    b"S-2,Wei,Nguyen,,666123458\n"
)
# A fixed, public test key: the harness checks parsing, not key secrecy.
FUZZ_ORIGIN = "fuzz.example/log"

_scratch: Path | None = None


def scratch() -> Path:
    """One folder per process for the files a reader needs; reused across inputs."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="fti-fuzz-"))
        (_scratch / "subjects.csv").write_bytes(GOOD_SUBJECTS)
    return _scratch


def manifest(data: bytes, suffix: str = ".yaml") -> None:
    """A request manifest (FORMATS §1) read by intake, subjects file included."""
    path = scratch() / f"manifest{suffix}"
    path.write_bytes(data)
    load_request(path)


def manifest_any(data: bytes) -> None:
    """The first byte picks the file name's suffix (YAML, JSON or sniffed); the rest is the file."""
    if not data:
        return manifest(b"")
    manifest(data[1:], MANIFEST_SUFFIXES[data[0] % len(MANIFEST_SUFFIXES)])


def subjects(data: bytes) -> None:
    """A subject CSV (FORMATS §2) read and checked row by row, as ``fti resolve`` does."""
    path = scratch() / "fuzzed.csv"
    path.write_bytes(data)
    load_subjects(path, received=RECEIVED)


def subject_rows(data: bytes, careful_lines: int = 3) -> None:
    """The CSV reader alone with tiny ranges, so the fast (pyarrow) path and its fallback
    to the careful reader are both taken on small inputs."""
    read_csv_rows(data, "fuzzed.csv", careful_lines=careful_lines)


def entry(data: bytes) -> None:
    """One ledger leaf as a verifier reads it from a bundle (FORMATS §7)."""
    entries.parse(data, where="fuzz")


def bundle(data: bytes) -> None:
    """An entry bundle: the first byte picks the width its path claims; decoding must be
    strict, and whatever decodes must encode back to the same bytes."""
    width = data[0] % TILE_WIDTH + 1 if data else 1
    body = data[1:]
    decoded = decode_bundle(body, TileId(ENTRIES, 0, width))
    if encode_bundle(decoded) != body:
        raise AssertionError("a decoded bundle does not encode back to its bytes")


def checkpoint_body(data: bytes) -> None:
    """A checkpoint body (origin, size, root); whatever parses must print back the same."""
    cp = Checkpoint.parse(data, where="fuzz")
    if cp.body() != data:
        raise AssertionError(f"checkpoint body parsed leniently: {data!r} → {cp!r}")


def signed_note(data: bytes, verifier: Verifier | None = None) -> None:
    """A signed checkpoint note as ``fti ledger verify`` opens it with the office's key
    (by default the fixed fuzz key, whose notes make up the seed corpus)."""
    (verifier or _fuzz_verifier()).open_checkpoint(data, where="fuzz")


_verifier: Verifier | None = None


def _fuzz_verifier() -> Verifier:
    global _verifier
    if _verifier is None:
        _verifier = fuzz_signer().verifier()
    return _verifier


def fuzz_signer(origin: str = FUZZ_ORIGIN) -> Signer:
    """A note signer with a fixed, public key: harnesses and tests need a stable verifier,
    and a fuzzed note is only ever checked against it, never trusted."""
    seed = hashlib.sha256(b"fti-gateway fuzz key, public, for tests only").digest()
    return Signer(origin, Ed25519PrivateKey.from_private_bytes(seed))
