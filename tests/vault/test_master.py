"""Invariants of the synthetic master file: the things that make resolution hard are there,
and nothing in it could be a real person's TIN."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.vault.schema import ELEMENT_COLUMNS, MASTER_COLUMNS
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master
from fti_gateway.vault.synth.tins import is_itin_shaped, is_never_issued

from .conftest import PEOPLE


def _all(vault: Vault, sql: str) -> list[tuple]:
    con = vault.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _one(vault: Vault, sql: str) -> object:
    return _all(vault, sql)[0][0]


def test_exactly_the_requested_people_with_the_master_columns(synth_vault: Vault) -> None:
    assert synth_vault.count_taxpayers() == PEOPLE
    con = synth_vault.connect()
    cols = [d[0] for d in con.execute("SELECT * FROM master LIMIT 0").description]
    assert tuple(cols) == MASTER_COLUMNS
    years = {r[0] for r in con.execute("SELECT DISTINCT tax_year FROM master").fetchall()}
    assert years == {2021, 2022, 2023, 2024}
    assert (
        _one(
            synth_vault,
            "SELECT count(*) FROM (SELECT taxpayer_id, tax_year FROM master GROUP BY ALL HAVING count(*) > 1)",
        )
        == 0
    )


def test_every_tin_is_from_a_never_issued_area_and_unique(synth_vault: Vault) -> None:
    rows = _all(synth_vault, "SELECT DISTINCT taxpayer_id, tin, tin_kind FROM master")
    assert len(rows) == PEOPLE  # one TIN (and kind) per taxpayer across all years
    tins = [r[1] for r in rows]
    assert len(set(tins)) == PEOPLE
    assert all(is_never_issued(t) for t in tins)
    itins = [t for _, t, k in rows if k == "itin"]
    ssns = [t for _, t, k in rows if k == "ssn"]
    assert itins and ssns
    assert all(is_itin_shaped(t) for t in itins)
    assert not any(is_itin_shaped(t) for t in ssns)


def test_household_members_share_one_address_per_year(synth_vault: Vault) -> None:
    split = _one(
        synth_vault,
        """SELECT count(*) FROM (
             SELECT household_id, tax_year FROM master GROUP BY ALL
             HAVING count(DISTINCT (street, coalesce(unit, ''), city, state, zip)) > 1)""",
    )
    assert split == 0
    multi, same_surname = _all(
        synth_vault,
        """SELECT count(*), count(*) FILTER (WHERE top >= 2) FROM (
             SELECT household_id, max(n) top FROM (
               SELECT household_id, last_name, count(*) n FROM taxpayers GROUP BY ALL)
             GROUP BY 1 HAVING sum(n) >= 2)""",
    )[0]
    assert multi > 1000
    assert same_surname / multi > 0.6  # usually a shared surname


def test_namesakes_live_together_with_different_birth_dates(synth_vault: Vault) -> None:
    pairs = _all(
        synth_vault,
        """SELECT a.taxpayer_id, b.taxpayer_id, a.dob, b.dob, a.suffix, b.suffix
           FROM taxpayers a JOIN taxpayers b
             ON a.household_id = b.household_id AND a.first_name = b.first_name
            AND a.last_name = b.last_name
            AND coalesce(a.middle_name, '') = coalesce(b.middle_name, '')
            AND a.taxpayer_id < b.taxpayer_id""",
    )
    assert len(pairs) >= 50
    assert all(abs((a - b).days) >= 18 * 365 for _, _, a, b, _, _ in pairs)
    suffixes = {s for p in pairs for s in p[4:]}
    assert {"Jr", "Sr"} <= suffixes
    # and some pairs carry no suffix at all: only the date of birth tells them apart
    assert any(p[4] is None and p[5] is None for p in pairs)


def test_movers_have_two_or_more_addresses(synth_vault: Vault) -> None:
    movers, multi_year = _all(
        synth_vault,
        """SELECT count(*), count(*) FILTER (WHERE n_years >= 2) FROM (
             SELECT taxpayer_id, count(DISTINCT tax_year) AS n_years,
                    count(DISTINCT (street, coalesce(unit, ''), city, zip)) addrs
             FROM master GROUP BY 1) WHERE addrs >= 2""",
    )[0]
    assert 0.1 * PEOPLE < movers < 0.5 * PEOPLE
    assert multi_year == movers


def test_name_frequencies_are_skewed_like_a_real_population(synth_vault: Vault) -> None:
    top, median = _all(
        synth_vault,
        "SELECT max(n), median(n) FROM (SELECT last_name, count(*) n FROM taxpayers GROUP BY 1)",
    )[0]
    assert top >= 30 * median
    surnames = [r[0] for r in _all(synth_vault, "SELECT last_name FROM taxpayers")]
    assert any(" " in s for s in surnames)  # compound Hispanic surnames
    assert any("-" in s for s in surnames)  # hyphenated surnames
    middles = [r[0] for r in _all(synth_vault, "SELECT middle_name FROM taxpayers")]
    assert any(m is None for m in middles)
    assert any(m is not None and len(m) == 1 for m in middles)  # initials
    assert any(m is not None and len(m) > 1 for m in middles)


def test_elements_are_filled_and_classed(synth_vault: Vault) -> None:
    part = synth_vault.parts()[0]
    meta = pq.read_schema(part).metadata
    classes = json.loads(meta[b"fti.element_classes"])
    assert set(classes) == set(ELEMENT_COLUMNS)
    assert classes["return.agi"] == "return"
    assert classes["info_return.w2.wages"] == "info_return"
    assert classes["irs.open_tax_investigation"] == "irs"
    inv, ci, w2, status = _all(
        synth_vault,
        """SELECT count(DISTINCT taxpayer_id) FILTER (WHERE "irs.open_tax_investigation"),
                  count(DISTINCT taxpayer_id) FILTER (WHERE "irs.confidential_informant"),
                  count(*) FILTER (WHERE "info_return.w2.employer" IS NOT NULL),
                  count(DISTINCT "return.filing_status")
           FROM master""",
    )[0]
    assert 0 < inv < 0.01 * PEOPLE
    assert 0 < ci < 0.005 * PEOPLE
    assert w2 > PEOPLE
    assert status >= 4
    # wages are reported exactly when there is a W-2 employer
    assert (
        _one(
            synth_vault,
            """SELECT count(*) FROM master WHERE ("info_return.w2.wages" IS NULL) <> ("info_return.w2.employer" IS NULL)""",
        )
        == 0
    )


def test_households_never_cross_a_chunk_boundary(synth_vault: Vault) -> None:
    assert len(synth_vault.parts()) >= 3
    glob = synth_vault.master_glob
    con = synth_vault.connect()
    crossing = con.execute(
        f"""SELECT count(*) FROM (SELECT household_id FROM read_parquet('{glob}', filename = true)
            GROUP BY 1 HAVING count(DISTINCT filename) > 1)"""
    ).fetchone()
    assert crossing == (0,)


def _table_bytes(d: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(d.glob("part-*.parquet"))]


def test_same_seed_same_file_other_seed_other_file(tmp_path: Path) -> None:
    master.generate(tmp_path / "a", 900, 5, chunk_size=400)
    master.generate(tmp_path / "b", 900, 5, chunk_size=400)
    master.generate(tmp_path / "c", 900, 6, chunk_size=400)
    a = [pq.read_table(p) for p in sorted((tmp_path / "a").glob("part-*.parquet"))]
    b = [pq.read_table(p) for p in sorted((tmp_path / "b").glob("part-*.parquet"))]
    c = [pq.read_table(p) for p in sorted((tmp_path / "c").glob("part-*.parquet"))]
    assert len(a) == 3
    assert all(x.equals(y) for x, y in zip(a, b, strict=True))
    assert not a[0].equals(c[0])


def test_progress_reports_every_person(tmp_path: Path) -> None:
    seen: list[int] = []
    stats = master.generate(tmp_path, 1000, 1, progress=seen.append, chunk_size=300)
    assert seen == [300, 600, 900, 1000]  # people written so far
    assert stats.people == 1000
    assert len(stats.parts) == 4


def test_refuses_to_add_a_second_population_unless_replacing(tmp_path: Path) -> None:
    master.generate(tmp_path, 200, 1)
    with pytest.raises(InputError) as e:
        master.generate(tmp_path, 200, 2)
    assert "--replace" in (e.value.hint or "")
    master.generate(tmp_path, 300, 2, replace=True)
    parts = sorted(tmp_path.glob("part-*.parquet"))
    assert sum(pq.read_metadata(p).num_rows for p in parts) > 300
    assert not list(tmp_path.glob(".synth-*"))


@pytest.mark.parametrize(("people", "seed"), [(0, 1), (-5, 1), (10, -1)])
def test_bad_sizes_are_input_errors(tmp_path: Path, people: int, seed: int) -> None:
    with pytest.raises(InputError):
        master.generate(tmp_path, people, seed)


def test_a_workspace_vault_folder_means_its_master_folder(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    stats = master.generate(vault.path, 50, 1)
    assert all(p.parent == vault.master_dir for p in stats.parts)
    assert vault.count_taxpayers() == 50


def test_no_addresses_is_an_empty_batch() -> None:
    import numpy as np

    from fti_gateway.vault.synth.addresses import generate_addresses
    from fti_gateway.vault.synth.tables import tables

    assert len(generate_addresses(np.random.default_rng(0), tables(), 0)) == 0
