"""Normalization: turn names, addresses and TINs as people write them into comparable keys.

Names are normalized in Python over *distinct values* (a vault has far fewer distinct names
than people), addresses in DuckDB SQL (one macro, used for both the vault and the subjects, so
both sides are normalized by the same code). :mod:`.frame` applies both to a whole table.
"""

from fti_gateway.resolve.normalize.names import NameParts, first_name, last_name, suffix
from fti_gateway.resolve.normalize.tin import normalize_tin

__all__ = ["NameParts", "first_name", "last_name", "normalize_tin", "suffix"]
