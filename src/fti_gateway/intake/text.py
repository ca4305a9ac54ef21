"""Turning received bytes into text, with errors that say which byte on which line.

Requests must be UTF-8 (FORMATS §2). We never guess another encoding: a Latin-1 or
Windows-1252 file would be read "successfully" with wrong names, and a wrong name is a
wrong match. A leading byte-order mark (Excel writes one) is accepted and dropped.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from fti_gateway.core.errors import InputError

_SHOW_AT_MOST = 5

NOT_TEXT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character a request may not hold: YAML's own rule for a document's characters
(control characters other than tab and line breaks, U+FFFE/U+FFFF, lone surrogates).
Applied to JSON manifests and to text spelled with escapes too, so that what intake
accepts can be stored: PostgreSQL refuses NUL in text, and UTF-8 has no form for a lone
surrogate (a ``"\\ud800"`` escape) — the ledger and the state store would fail on it
after the request had been received."""


def read_file(path: Path, where: str) -> bytes:
    """The file's bytes, or an :class:`InputError` saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(
            f"the file cannot be read: {e.strerror or e}",
            where=where,
            hint="check that the file exists and that you may read it",
        ) from None


def line_of(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column-in-bytes) of ``offset`` in ``data``."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode_utf8(data: bytes, where: str) -> str:
    """Decode ``data`` as UTF-8 or raise an :class:`InputError` listing the first bad bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            "the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8",
            where=where,
            hint="save it again as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')",
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as first:
        details: list[str] = []
        pos = first.start
        bad_lines: set[int] = set()
        while pos < len(data) and len(details) < _SHOW_AT_MOST:
            try:
                data[pos:].decode("utf-8")
                break
            except UnicodeDecodeError as e:
                at = pos + e.start
                line, col = line_of(data, at)
                if line not in bad_lines:
                    bad_lines.add(line)
                    details.append(
                        f"line {line}, byte {col} (offset {at}): byte 0x{data[at]:02X} "
                        "is not valid UTF-8"
                    )
                # Continue after this line, so each bad line is reported once.
                nl = data.find(b"\n", at)
                pos = len(data) if nl < 0 else nl + 1
        line, col = line_of(data, first.start)
        raise InputError(
            f"the file is not UTF-8 text (first bad byte on line {line}, byte {col})",
            where=where,
            details=details,
            hint="save the file as UTF-8 (in Excel: 'CSV UTF-8'); names with accents "
            "such as 'Peña' are often the cause",
        ) from None


def foreign_digits(text: str) -> str | None:
    """What kind of non-ASCII digit ``text`` holds ("full-width digits"), or None.

    Python's ``str.isdigit`` and ``\\d`` accept ``９`` or ``٩``, while the checks on a TIN or a
    date accept only 0-9: without this the message would say "has 9 digits; a TIN has 9".
    Intake rejects such a value rather than normalizing it (NFKC): no other field is
    normalized at intake, and an identifier is kept exactly as the requester wrote it.
    """
    for c in text:
        if c.isdigit() and not ("0" <= c <= "9"):
            name = unicodedata.name(c, "")
            if name.startswith("FULLWIDTH DIGIT"):
                return "full-width digits"
            if " DIGIT " in name:
                return f"{name.split(' DIGIT ')[0].title()} digits ('{c}', U+{ord(c):04X})"
            return f"'{c}' (U+{ord(c):04X} {name or 'a digit outside 0-9'})"
    return None


def what_char(c: str) -> str:
    """A character that is not text, as a message names it: ``U+D800 (a lone surrogate)``."""
    code = ord(c)
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate, half of a UTF-16 pair"
    elif code in (0xFFFE, 0xFFFF):
        kind = "a Unicode non-character"
    else:
        kind = unicodedata.name(c, "") or "a control character"
    return f"U+{code:04X} ({kind})"


def escape_non_text(text: str) -> str:
    """``text`` with every character NOT_TEXT matches written as its escape, so a message
    may quote a value that held one (and the store can keep the message)."""
    return NOT_TEXT.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(), text
    )


def describe_char(c: str) -> str:
    """A character as a message can show it: itself if printable ASCII, else its code point."""
    if c.isascii() and c.isprintable():
        return f"'{c}'"
    return f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"
