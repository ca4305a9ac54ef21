"""The checkpoint parser and signed-note verifier on arbitrary bytes and on near-misses.

What an auditor's ``fti ledger verify`` reads is whatever is on disk: a checkpoint body
either parses to exactly the bytes it was printed from, or is refused with an
IntegrityError; a signed note verifies only if it is byte for byte what was signed.
"""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fti_gateway.core.errors import FtiError
from fti_gateway.ledger.checkpoint import Checkpoint, sign_checkpoint
from fuzz import targets

from .conftest import examples

SIGNER = targets.fuzz_signer()
VERIFIER = SIGNER.verifier()
ROOT_B64 = base64.b64encode(bytes(32)).decode()

# Origins a workspace can have: no white space, no '+', not empty (Signer's own rule).
origins = st.text(
    st.characters(exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], exclude_characters="+"),
    min_size=1,
    max_size=40,
).filter(lambda s: not any(c.isspace() for c in s))
# Tree sizes are below 2**63 (int64 in the Go tlog tools; Checkpoint refuses larger ones);
# size *lines* up to 2**64 are still thrown at the parser below.
sizes = st.integers(min_value=0, max_value=2**63 - 1)
roots = st.binary(min_size=32, max_size=32)
# Size lines as a hostile file may write them: other digit systems, signs, spaces, padding.
size_lines = st.one_of(
    st.integers(min_value=0, max_value=2**64).map(str),
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=4),
    st.text(st.sampled_from("0123456789 +-_x"), max_size=6),
)


def _refused_or_parsed(data: bytes) -> None:
    with contextlib.suppress(FtiError):
        targets.checkpoint_body(data)


@examples(300)
@given(st.binary(max_size=200))
def test_any_bytes_as_a_checkpoint_body_parse_exactly_or_are_refused(data: bytes) -> None:
    _refused_or_parsed(data)


@examples(300)
@given(origin=st.text(max_size=20), size=size_lines, root=st.sampled_from([ROOT_B64, "AAAA"]))
@example(origin="o", size="\u00b2", root=ROOT_B64)  # superscript two: str.isdigit() says yes
@example(origin="o", size="\u0661", root=ROOT_B64)  # ARABIC-INDIC DIGIT ONE
def test_three_line_bodies_parse_exactly_or_are_refused(origin: str, size: str, root: str) -> None:
    """A size line must be ASCII decimal: '²' must not crash int(), '١' must not read as 1."""
    _refused_or_parsed(f"{origin}\n{size}\n{root}\n".encode("utf-8", "surrogatepass"))


@examples(100)
@given(origin=origins, size=sizes, root=roots)
def test_a_signed_checkpoint_opens_to_the_same_origin_size_and_root(
    origin: str, size: int, root: bytes
) -> None:
    signer = targets.fuzz_signer(origin)
    cp = Checkpoint(origin, size, root)
    note = sign_checkpoint(signer, cp)
    assert signer.verifier().open_checkpoint(note) == cp
    assert Checkpoint.parse(cp.body()) == cp


def _note(size: int, root: bytes) -> bytes:
    return sign_checkpoint(SIGNER, Checkpoint(targets.FUZZ_ORIGIN, size, root))


@examples(200)
@given(size=sizes, root=roots, data=st.data())
def test_any_single_byte_change_to_a_signed_checkpoint_fails_verification(
    size: int, root: bytes, data: st.DataObject
) -> None:
    note = _note(size, root)
    i = data.draw(st.integers(0, len(note) - 1), label="position")
    b = data.draw(st.integers(0, 255).filter(lambda v: v != note[i]), label="new byte")
    with pytest.raises(FtiError):
        VERIFIER.open_checkpoint(note[:i] + bytes([b]) + note[i + 1 :])


# Replacement bytes worth trying everywhere: the base64 alphabet, separators, UTF-8 leads.
_REPLACEMENTS = sorted(
    set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    | {0x00, 0x09, 0x0A, 0x0D, 0x20, 0x2D, 0x7F, 0x80, 0xC2, 0xE2, 0xFF}
)


def test_every_single_byte_change_to_one_signed_checkpoint_fails_verification() -> None:
    """Every position × every likely replacement byte, on one note: no change may verify.

    The signature travels base64-encoded; its last character before the '=' pad carries
    two unused bits, so a decoder that ignores them accepts three other characters there
    as the same signature (a changed note that still verifies)."""
    note = _note(5, bytes(range(32)))
    verified = []
    for i in range(len(note)):
        for b in _REPLACEMENTS:
            if b == note[i]:
                continue
            try:
                VERIFIER.open_checkpoint(note[:i] + bytes([b]) + note[i + 1 :])
            except FtiError:
                continue
            verified.append(f"byte {i} {note[i]:#04x}→{b:#04x}")
    assert verified == [], f"changed notes that still verify: {verified}"


@examples(300)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda note, i, junk: note[:i] + junk + note[i:],
            st.builds(_note, sizes, roots),
            st.integers(0, 200),
            st.binary(max_size=8),
        ),
    )
)
def test_any_bytes_as_a_signed_note_verify_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(FtiError):
        targets.signed_note(data, VERIFIER)
