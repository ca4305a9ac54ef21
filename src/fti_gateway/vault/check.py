"""Is the vault sound? A (taxpayer_id, tax_year) held by more than one row is not.

The importer refuses such rows, but two imports run at once before the vault had a lock
both committed, and a vault doubled that way made every later request fail part-way
(after its receipt was in the ledger). This finds the damage and names the parts that
hold it, so it is said up front, with what to do, instead of failing later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import IntegrityError
from fti_gateway.vault.store import Vault

_DUPLICATES = """
WITH d AS (
  SELECT taxpayer_id, tax_year, list(DISTINCT filename ORDER BY filename) AS files
  FROM read_parquet('{glob}', union_by_name = true, filename = true)
  GROUP BY taxpayer_id, tax_year HAVING count(*) > 1)
SELECT (SELECT count(*) FROM d),
       (SELECT list(DISTINCT f ORDER BY f) FROM (SELECT unnest(files) AS f FROM d)),
       (SELECT list(taxpayer_id || ' ' || tax_year ORDER BY taxpayer_id, tax_year)[1:3] FROM d)
"""


@dataclass
class Duplicates:
    """Taxpayer-years held more than once: how many, in which parts, a few examples."""

    keys: int = 0
    parts: list[Path] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def error(self, vault: Vault) -> IntegrityError:
        return IntegrityError(
            f"{self.keys:,} taxpayer-year(s) are in the vault more than once "
            "(two imports of one file ran at once?)",
            where=str(vault.master_dir),
            details=[f"e.g. {e}" for e in self.examples]
            + [f"held by {p.name}" for p in self.parts],
            hint="move the later of the parts that repeat another out of the vault folder "
            "(keep a copy), then run `fti vault check` again",
        )


def find_duplicates(vault: Vault) -> Duplicates:
    """Every (taxpayer_id, tax_year) held by more than one row, by the parts holding them."""
    if vault.is_empty():
        return Duplicates()
    con = vault.connect()
    try:
        glob = vault.master_glob.replace("'", "''")
        row = con.execute(_DUPLICATES.format(glob=glob)).fetchone()
    finally:
        con.close()
    keys, files, examples = row if row else (0, None, None)
    return Duplicates(int(keys), [Path(f) for f in files or []], list(examples or []))


def ensure_no_duplicates(vault: Vault) -> None:
    """Raise :class:`IntegrityError` naming the damage if the vault holds a key twice."""
    dup = find_duplicates(vault)
    if dup.keys:
        raise dup.error(vault)
