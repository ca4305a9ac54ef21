"""What a vault holds, in counts a disclosure officer can check (``fti vault info``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fti_gateway.vault.store import Vault


@dataclass
class VaultInfo:
    parts: int
    bytes: int
    rows: int = 0
    taxpayers: int = 0
    households: int = 0
    by_year: list[tuple[int, int]] = field(default_factory=list)  # (tax_year, taxpayers)
    tin_kinds: dict[str, int] = field(default_factory=dict)
    open_tax_investigation: int = 0
    confidential_informant: int = 0


def vault_info(vault: Vault) -> VaultInfo:
    parts = vault.parts()
    info = VaultInfo(parts=len(parts), bytes=sum(p.stat().st_size for p in parts))
    if not parts:
        return info
    con = vault.connect()
    try:
        row = con.execute(
            """SELECT count(*), count(DISTINCT taxpayer_id), count(DISTINCT household_id),
                      count(DISTINCT taxpayer_id) FILTER (WHERE "irs.open_tax_investigation"),
                      count(DISTINCT taxpayer_id) FILTER (WHERE "irs.confidential_informant")
               FROM master"""
        ).fetchone()
        assert row is not None
        (
            info.rows,
            info.taxpayers,
            info.households,
            info.open_tax_investigation,
            info.confidential_informant,
        ) = (int(x or 0) for x in row)
        info.by_year = [
            (int(y), int(n))
            for y, n in con.execute(
                "SELECT tax_year, count(DISTINCT taxpayer_id) FROM master GROUP BY 1 ORDER BY 1"
            ).fetchall()
        ]
        info.tin_kinds = {
            str(k): int(n)
            for k, n in con.execute(
                "SELECT tin_kind, count(DISTINCT taxpayer_id) FROM master GROUP BY 1 ORDER BY 1"
            ).fetchall()
        }
    finally:
        con.close()
    return info
