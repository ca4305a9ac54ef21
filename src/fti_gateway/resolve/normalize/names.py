"""Name normalization: case, accents, punctuation, suffixes, particles, compound surnames,
nicknames.

Why each rule exists:
- *Suffixes* (Jr, Sr, II, III, …) are often typed into the surname or given-name field
  ("Smith Jr"); left there they make father and son look like different surnames, so they are
  pulled out into their own field, where they can tell the two apart (or not — see the guard).
- *Particles* (de, del, de la, van, von, …) are written joined or apart ("De La Cruz",
  "Delacruz"); they are glued to the following word so both forms give one token.
- *Compound surnames* (Hispanic paternal + maternal, "García López", hyphenated or with "y")
  are kept as tokens, because people often use only the first ("García"); the comparison
  then scores "shares a surname token" as its own, weaker level.
- *Nicknames* (Bill ↔ William) come from the ``nicknames`` package's curated table; we keep,
  per first name, the set of names it is a nickname of or has as nicknames.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nicknames import NickNamer

from fti_gateway.resolve.normalize.text import fold

SUFFIXES: dict[str, str] = {
    "jr": "jr",
    "junior": "jr",
    "sr": "sr",
    "senior": "sr",
    "ii": "ii",
    "2nd": "ii",
    "iii": "iii",
    "3rd": "iii",
    "iv": "iv",
    "4th": "iv",
}
# "v" is a suffix only when it is given in the suffix field (otherwise it is an initial).
_SUFFIX_FIELD_ONLY = {"v": "v", "5th": "v"}

PARTICLES = frozenset(
    {
        "de",
        "del",
        "della",
        "la",
        "las",
        "los",
        "le",
        "van",
        "von",
        "der",
        "den",
        "da",
        "di",
        "du",
        "dos",
        "st",
        "mac",
        "ten",
        "ter",
    }
)
_CONJUNCTIONS = frozenset({"y", "e", "i"})
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "rev"})


@dataclass(frozen=True)
class NameParts:
    """A normalized surname: the joined form, its tokens, and a suffix found inside it."""

    full: str | None
    tokens: tuple[str, ...]
    suffix: str | None


def suffix(value: object) -> str | None:
    """The canonical suffix (jr, sr, ii, iii, iv, v) of a suffix-field value, or None."""
    token = fold(value).replace(" ", "")
    return SUFFIXES.get(token) or _SUFFIX_FIELD_ONLY.get(token)


def _split_suffix(tokens: list[str]) -> tuple[list[str], str | None]:
    found: str | None = None
    kept: list[str] = []
    for t in tokens:
        if (
            t in SUFFIXES and kept
        ):  # never strip the only token ("Junior" as a name is rare but real)
            found = found or SUFFIXES[t]
        else:
            kept.append(t)
    return kept, found


def _glue_particles(tokens: list[str]) -> list[str]:
    """["de", "la", "cruz"] → ["delacruz"]; a trailing particle stays as it is."""
    out: list[str] = []
    pending = ""
    for t in tokens:
        if t in PARTICLES:
            pending += t
            continue
        out.append(pending + t)
        pending = ""
    if pending:
        out.append(pending)
    return out


@lru_cache(maxsize=500_000)
def last_name(value: object) -> NameParts:
    """Normalize a surname field; e.g. ``"García-López Jr."`` → full ``"garcia lopez"``,
    tokens ``("garcia", "lopez")``, suffix ``"jr"``."""
    tokens = fold(value).split()
    tokens, sfx = _split_suffix(tokens)
    tokens = [t for t in tokens if t not in _CONJUNCTIONS or len(tokens) < 3]
    tokens = _glue_particles(tokens)
    if not tokens:
        return NameParts(None, (), sfx)
    return NameParts(" ".join(tokens), tuple(tokens), sfx)


@dataclass(frozen=True)
class FirstName:
    """A normalized given name: its first word, the rest (treated as middle names), a suffix
    found inside it, and the nickname relatives of the first word."""

    first: str | None
    rest: str | None
    suffix: str | None
    alts: tuple[str, ...]


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


def nickname_relatives(name: str) -> tuple[str, ...]:
    """Names that ``name`` is a nickname of, or that are nicknames of ``name`` (sorted)."""
    if not name:
        return ()
    nn = _namer()
    rel = set(nn.canonicals_of(name)) | set(nn.nicknames_of(name))
    rel.discard(name)
    return tuple(sorted(rel))


@lru_cache(maxsize=200_000)
def first_name(value: object) -> FirstName:
    """Normalize a given-name field; ``"Dr. Bill Jr"`` → first ``"bill"``, suffix ``"jr"``,
    alts include ``"william"``."""
    tokens = [t for t in fold(value).split() if t not in _TITLES]
    tokens, sfx = _split_suffix(tokens)
    if not tokens:
        return FirstName(None, None, sfx, ())
    first = tokens[0]
    rest = " ".join(tokens[1:]) or None
    return FirstName(first, rest, sfx, nickname_relatives(first))


def middle_initial(first_rest: str | None, middle: object) -> str | None:
    """The first letter of the middle name, from the middle field or a given name's 2nd word."""
    m = fold(middle)
    if m:
        return m[0]
    if first_rest:
        return first_rest[0]
    return None
