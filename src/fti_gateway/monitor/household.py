"""The seam to the vault for the self-or-household rule: which taxpayers live at each
employee's household address.

A narrow question, asked once per monitor run: only the TINs at the employees' own
addresses leave the vault, never the vault's address book. Addresses are compared in
the resolver's normal form (street, unit, ZIP-5 via ``resolve.normalize.address``), so
"12 Oak St Apt 4" and "12 OAK STREET #4" are one household.

The read goes through the read gate (vault.access, issue 19) like any other: the monitor
is a service principal (``MONITOR``) reading for the purpose ``unax-monitoring``, which the
shipped policy ``monitor-household-addresses`` permits and nothing else; the read is
recorded in ``inspections/gate.jsonl`` before any row is returned — the monitor's own
look at taxpayer addresses is itself an inspection someone can audit.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import registers
from fti_gateway.resolve.normalize.address import install_macros
from fti_gateway.vault.access import MONITOR, UNAX_MONITORING, Gate

KEY = "concat_ws('|', fti_street({s}), coalesce(fti_unit({u}, {s}), ''), fti_zip5({z}))"


def _empty() -> pa.Table:
    return pa.table({"principal": pa.array([], pa.string()), "tin": pa.array([], pa.string())})


def household_tins(ws: Workspace, gate: Gate | None = None) -> pa.Table:
    """(principal, tin): each taxpayer whose latest address in the vault is the
    household address of an employee in the latest register. No register, no read (and
    nothing recorded); otherwise the gate decides and records (exit 7 if the workspace's
    policy no longer permits the monitor's read)."""
    path = registers.latest(ws, "employees")
    if path is None:
        return _empty()
    gate = gate or Gate.for_home(ws.home)
    with gate.read(MONITOR, "export", purpose=UNAX_MONITORING) as reader:
        if reader.is_empty():
            return _empty()
        con = reader.connect()
        try:
            install_macros(con)
            con.register(
                "_emp", pq.read_table(path, columns=["id", "street", "address_unit", "zip"])
            )
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
