"""The statute's own words: the official text the law stage is checked against.

``law/usc/*.tsv`` is the text of 26 U.S.C. 6103, 7213, 7213A and 7431 as the Office of the
Law Revision Counsel publishes it (one row per provision, ``citation<TAB>text``; see
``law/usc/README.md`` for the source and release point). Rules keep the words they follow
beside them as a :class:`Quote` (as Catala and OpenFisca keep law beside rule), and the
tests check every quote and every citation against this text, so a rule written from
memory that the statute does not say cannot slip in unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

USC_DIR = Path(__file__).parent / "usc"
SECTIONS = ("6103", "7213", "7213A", "7431")

# "26 U.S.C. 6103(i)(2)", "6103(i)(2)(B)(i)", "6103(i)(1)(A)-(B)": the section and its
# parenthesized path; a range's second half is read by ``cites_in``.
_CITE = re.compile(r"\b(?:26 U\.S\.C\. )?(6103|7213A|7213|7431)((?:\([A-Za-z0-9]+\))*)")


@dataclass(frozen=True)
class Quote:
    """Words of the statute a rule follows, with the provision they come from."""

    cite: str  # e.g. "6103(l)(7)(B)" — a row of the TSV
    text: str  # verbatim, up to whitespace

    def to_json(self) -> dict[str, str]:
        return {"cite": self.cite, "text": self.text}


def normalize(text: str) -> str:
    """Whitespace collapsed: the TSV collapses it, and code wraps quotes over lines."""
    return " ".join(text.split())


def load_text(folder: Path = USC_DIR) -> dict[str, str]:
    """citation → text for every provision of every TSV in ``folder``."""
    out: dict[str, str] = {}
    for section in SECTIONS:
        path = folder / f"{section}.tsv"
        for line in path.read_text(encoding="utf-8").splitlines():
            cite, _, words = line.partition("\t")
            out[cite] = words
    return out


@cache
def statute() -> dict[str, str]:
    """The shipped text, read once."""
    return load_text()


def provision(cite: str) -> str | None:
    """The text of one provision (``6103(l)(7)(B)``), or None if the statute has no such."""
    return statute().get(cite.removeprefix("26 U.S.C. ").strip())


def quote_holds(quote: Quote, text: dict[str, str] | None = None) -> bool:
    """Whether the quoted words appear verbatim (whitespace aside) in the cited provision."""
    words = (text if text is not None else statute()).get(quote.cite)
    return words is not None and normalize(quote.text) in normalize(words)


def cites_in(source: str) -> list[str]:
    """Every citation of 6103/7213/7213A/7431 written in ``source``, as TSV keys.

    A range ``6103(l)(21)(A)(i)-(vi)`` yields both ends (``…(A)(i)`` and ``…(A)(vi)``).
    """
    out: list[str] = []
    for m in _CITE.finditer(source):
        cite = m.group(1) + m.group(2)
        out.append(cite)
        rest = source[m.end() :]
        rng = re.match(r"-((?:\([A-Za-z0-9]+\))+)", rest)
        if rng and m.group(2):
            tail = re.findall(r"\([A-Za-z0-9]+\)", rng.group(1))
            parts = re.findall(r"\([A-Za-z0-9]+\)", m.group(2))
            out.append(m.group(1) + "".join(parts[: len(parts) - len(tail)] + tail))
    return out
