"""The seam to the vault for the self-or-household rule: which taxpayers live at each
employee's household address.

A narrow question, asked once per monitor run: only the TINs at the employees' own
addresses leave the vault, never the vault's address book. Addresses are compared in
the resolver's normal form (street, unit, ZIP-5 via ``resolve.normalize.address``), so
"12 Oak St Apt 4" and "12 OAK STREET #4" are one household.

The read gate (vault.access, issue 19) is the only module meant to open the vault's
tables; until the lead wires this function to it, it reads through ``Vault.connect``,
the one place to change.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import registers
from fti_gateway.resolve.normalize.address import install_macros
from fti_gateway.vault.store import Vault

KEY = "concat_ws('|', fti_street({s}), coalesce(fti_unit({u}, {s}), ''), fti_zip5({z}))"


def household_tins(ws: Workspace) -> pa.Table:
    """(principal, tin): each taxpayer whose latest address in the vault is the
    household address of an employee in the latest register."""
    path = registers.latest(ws, "employees")
    vault = Vault.for_workspace(ws)
    if path is None or vault.is_empty():
        return pa.table({"principal": pa.array([], pa.string()), "tin": pa.array([], pa.string())})
    con = vault.connect()
    try:
        install_macros(con)
        con.register("_emp", pq.read_table(path, columns=["id", "street", "address_unit", "zip"]))
        emp_key = KEY.format(s="street", u="address_unit", z="zip")
        tp_key = KEY.format(s="t.street", u="t.unit", z="t.zip")
        return con.sql(
            f"""
            WITH e AS (SELECT id, {emp_key} AS k FROM _emp WHERE street IS NOT NULL)
            SELECT DISTINCT e.id AS principal, replace(t.tin, '-', '') AS tin
            FROM taxpayers t JOIN e ON e.k = {tp_key}
            WHERE fti_street(t.street) IS NOT NULL
            """
        ).to_arrow_table()
    finally:
        con.close()
