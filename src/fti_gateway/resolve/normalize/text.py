"""Plain-text folding shared by the name and address normalizers."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def fold(value: object) -> str:
    """Lower-case ASCII with accents stripped; apostrophes vanish (O'Brien → obrien), other
    punctuation becomes a space (Garcia-Lopez → garcia lopez), so both spellings agree."""
    if value is None:
        return ""
    text = str(value)
    if not text or text.lower() in {"nan", "none", "<na>"}:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("’", "").replace("`", "")
    text = _NON_ALNUM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
