"""TIN normalization: nine digits or nothing."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")
# Values requesters put in a TIN field when they have none; they are not evidence.
_PLACEHOLDERS = frozenset({"000000000", "111111111", "123456789", "999999999"})


def normalize_tin(value: object) -> str | None:
    """Digits only; None unless exactly nine digits remain and they are not a placeholder."""
    if value is None:
        return None
    digits = _DIGITS.sub("", str(value))
    if len(digits) != 9 or digits in _PLACEHOLDERS:
        return None
    return digits
