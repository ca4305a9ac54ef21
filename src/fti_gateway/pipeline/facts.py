"""What the post-resolution bars need to know about the matched taxpayers.

The (i)(6) bar and the ledger's commitments need each matched taxpayer's TIN and flags;
they are read here once, for the matched taxpayers only, through the read gate (an
``export`` by the principal that runs the step, for the request it serves).
"""

from __future__ import annotations

import pandas as pd

from fti_gateway.vault.access import Gate, Principal, VaultReader

FLAG_COLUMNS = ("irs.open_tax_investigation", "irs.confidential_informant")
PURPOSE = "disclosure-bars"


def vault_facts(vault: VaultReader, taxpayer_ids: list[str]) -> pd.DataFrame:
    """TIN and (i)(6) flags of the resolved taxpayers, across every tax year the vault holds."""
    cols = ", ".join(f'bool_or(coalesce(m."{c}", false)) AS "{c}"' for c in FLAG_COLUMNS)
    con = vault.connect()
    try:
        con.register("wanted", pd.DataFrame({"taxpayer_id": pd.Series(taxpayer_ids, dtype=str)}))
        return con.execute(
            f"SELECT m.taxpayer_id, any_value(m.tin) AS tin, {cols} "
            "FROM master m JOIN wanted w USING (taxpayer_id) GROUP BY m.taxpayer_id"
        ).df()
    finally:
        con.close()


def matched_facts(
    gate: Gate, principal: Principal, taxpayer_ids: list[str], *, request: str
) -> pd.DataFrame:
    """:func:`vault_facts` read through the gate; no read at all (and no record) when no
    taxpayer was matched."""
    if not taxpayer_ids:
        return pd.DataFrame(columns=["taxpayer_id", "tin", *FLAG_COLUMNS])
    with gate.read(
        principal, "export", purpose=PURPOSE, request=request, rows=len(taxpayer_ids)
    ) as reader:
        return vault_facts(reader, taxpayer_ids)
