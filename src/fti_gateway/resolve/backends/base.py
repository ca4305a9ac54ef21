"""The backend protocol: load a table, run SQL, hand Splink its database API."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd


class Backend(Protocol):
    #: Splink database API (DuckDBAPI or SparkAPI) bound to this backend's session.
    splink_api: Any
    #: Name under which the vault's normalized records are visible to SQL.
    records_table: str

    def load(self, name: str, df: pd.DataFrame) -> None:
        """Make ``df`` visible to SQL as table ``name`` (replacing any previous one)."""

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL and return the result as pandas."""

    def execute(self, sql: str, name: str, persist: bool = True) -> None:
        """Run SQL and keep its result as ``name`` (no round-trip through Python): a table,
        or with ``persist=False`` a view evaluated where it is used."""

    def drop(self, name: str) -> None:
        """Forget a table made by :meth:`execute` (no error if it is gone)."""

    def contains(self, array: str, value: str) -> str:
        """SQL for "array contains value"."""

    def has_any(self, a: str, b: str) -> str:
        """SQL for "the arrays share an element"."""

    def array(self, *items: str) -> str:
        """SQL for an array literal of string expressions (may be empty)."""

    def any_of(self, array: str, var: str, cond: str) -> str:
        """SQL for "some element ``var`` of the array satisfies ``cond``" (false if empty)."""

    def letters(self, text: str) -> str:
        """SQL for a string's characters, sorted (equal for two anagrams: a transposition)."""

    def close(self) -> None: ...
