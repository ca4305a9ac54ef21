from pathlib import Path

from fti_gateway.core.workspace import Workspace
from fti_gateway.vault.schema import MASTER_COLUMNS
from fti_gateway.vault.store import Vault


def test_empty_vault_has_both_views_with_the_master_columns(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    assert vault.is_empty()
    assert vault.count_taxpayers() == 0
    con = vault.connect()
    assert con.execute("SELECT count(*) FROM master").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM taxpayers").fetchone() == (0,)
    cols = [d[0] for d in con.execute("SELECT * FROM master LIMIT 0").description]
    assert tuple(cols) == MASTER_COLUMNS


def test_for_workspace_uses_the_workspace_vault_folder(workspace: Workspace) -> None:
    vault = Vault.for_workspace(workspace)
    assert vault.path == workspace.vault_dir
    assert vault.master_glob.endswith("vault/master/part-*.parquet")


def test_taxpayers_view_is_latest_year_per_taxpayer(synth_vault: Vault) -> None:
    con = synth_vault.connect()
    n = synth_vault.count_taxpayers()
    assert con.execute("SELECT count(*) FROM taxpayers").fetchone() == (n,)
    stale = con.execute(
        """SELECT count(*) FROM taxpayers t
           JOIN (SELECT taxpayer_id, max(tax_year) y FROM master GROUP BY 1) m USING (taxpayer_id)
           WHERE t.tax_year <> m.y"""
    ).fetchone()
    assert stale == (0,)
