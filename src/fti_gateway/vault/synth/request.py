"""Synthetic requests against a vault (``fti synth request``), with a ground truth.

Writes, into ``out_dir``: ``manifest.yaml`` (FORMATS §1), ``subjects.csv`` (FORMATS §2),
``truth.csv`` (``subject_id,taxpayer_id``; empty when the person is not in the vault) and
``truth_detail.csv`` (category and the noise applied, for error analysis). The truth is
kept in its own files, never in the request.

What makes the data hard, as real request files are hard:

- subjects in the vault are noisy: typos, nicknames, transposed names, half of a
  compound surname, an address from before a move or one the IRS never had, a missing
  or wrong date of birth or TIN;
- subjects *not* in the vault include hard negatives built from vault taxpayers:
  non-filing household members (same address and surname), namesakes elsewhere, a Jr/Sr
  at the same address with another date of birth, and people using a vault taxpayer's
  TIN under another name;
- every hard negative keeps a date of birth that differs from its vault relative's, so
  the truth can be decided from the request itself (a Jr with no date of birth at his
  father's address would not be hard but unknowable);
- a share of addresses are placeholders ("Failed to Provide", "NA NA", a bare ZIP, a
  detention facility), as in the 2025 file.

Sampling happens in DuckDB (hash-ordered top-k over taxpayer ids, then a join for their
rows), so a 1M-subject request from a 10M-person vault never loads the vault into pandas.
The vault layer sits below intake, so the manifest is written as a plain dict.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from fti_gateway.core.elements import IDENTITY_ADDRESS_COLUMNS
from fti_gateway.core.errors import InputError
from fti_gateway.core.formats import SUBJECT_COLUMNS
from fti_gateway.vault.access import TEST_DATA, Gate, VaultReader
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import noise as nz
from fti_gateway.vault.synth.addresses import generate_addresses
from fti_gateway.vault.synth.kinds import (
    CATEGORIES,
    DETENTION_FACILITIES,
    KINDS,
    PLACEHOLDER_STREETS,
    Kind,
)
from fti_gateway.vault.synth.master import CHUNK_PEOPLE, build_chunk
from fti_gateway.vault.synth.tables import NA, ORIGIN_P, ORIGINS, tables
from fti_gateway.vault.synth.tins import TinSpace

SUBJECT_FIELDS = SUBJECT_COLUMNS  # FORMATS §2 columns, in order
_IDENTITY = (
    "taxpayer_id", "tin", "first_name", "middle_name", "last_name", "suffix", "dob",
    "street", "unit", "city", "state", "zip", "household_id",
)  # fmt: skip
_ADDRESS = IDENTITY_ADDRESS_COLUMNS
HARD_NEGATIVES = ("household", "namesake", "junior")
DERIVED = (*HARD_NEGATIVES, "tin_other_name")  # built from a vault taxpayer, not in the truth


@dataclass(frozen=True)
class RequestFiles:
    manifest: Path
    subjects: Path
    truth: Path
    detail: Path | None = None
    size: int = 0
    in_vault: int = 0  # subjects whose truth names a taxpayer
    placeholders: int = 0  # subjects with a placeholder instead of an address


def sample_request(home: Path, kind: str, size: int, seed: int, out_dir: Path) -> RequestFiles:
    """:func:`generate` with the vault read through the read gate, as the test-data service
    (an ``export`` recorded in the workspace's inspection trail; a workspace whose policy
    does not permit it — production — refuses, exit 7)."""
    gate = Gate.for_home(home)
    with gate.read(TEST_DATA, "export", purpose="synthetic-request", rows=size) as reader:
        return generate(reader, kind, size, seed, out_dir)


def generate(
    vault: Vault | VaultReader, kind: str, size: int, seed: int, out_dir: Path
) -> RequestFiles:
    """Write a ``kind`` request of ``size`` subjects against ``vault`` into ``out_dir``."""
    if kind not in KINDS:
        raise InputError(
            f"unknown request kind {kind!r}", where="--kind", hint=f"one of: {', '.join(KINDS)}"
        )
    if size <= 0:
        raise InputError(f"size must be positive, got {size}", where="--size")
    if vault.is_empty():
        raise InputError(
            "the vault is empty", where=str(vault.path), hint="run `fti synth master` first"
        )
    spec = KINDS[kind]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7, list(KINDS).index(kind)]))
    counts = _counts(spec, size)
    con = vault.connect()
    try:
        frames = _build(con, spec, counts, seed, rng)
    finally:
        con.close()
    df = pd.concat(frames, ignore_index=True)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    tags = _apply_noise(df, spec, rng)
    _placeholders(df, spec, rng, tags)
    _reasons(df, spec, rng)
    df["subject_id"] = [f"{spec.case_prefix}-S{i + 1:07d}" for i in range(len(df))]
    df["case_number"] = [
        f"{spec.case_prefix}-{int(x):07d}" for x in rng.integers(0, 10**7, len(df))
    ]
    return _write(df, spec, seed, tags, Path(out_dir))


def _counts(spec: Kind, size: int) -> dict[str, int]:
    counts = {c: int(size * spec.shares.get(c, 0.0)) for c in CATEGORIES if c != "fresh"}
    counts["fresh"] = size - sum(counts.values())
    return counts


def _sample_ids(con: duckdb.DuckDBPyConnection, seed: int, k: int, itin_only: bool) -> list[str]:
    """``k`` taxpayer ids in a seed-fixed pseudo-random order (hash-ordered top-k)."""
    if k <= 0:
        return []
    cond = "tin_kind = 'itin'" if itin_only else "TRUE"
    salt = f":{seed}"
    row = con.execute(
        f"SELECT approx_count_distinct(taxpayer_id) FROM master WHERE {cond}"
    ).fetchone()
    n = int(row[0]) if row and row[0] else 0
    if n == 0:
        return []
    frac = min(1.0, 3.0 * k / n + 1e-6)
    for threshold in ((int(frac * 2**64) - 1) if frac < 1 else None, None):
        bound = f"AND hash(taxpayer_id || '{salt}') <= {threshold}" if threshold else ""
        ids = con.execute(
            f"""SELECT taxpayer_id FROM master WHERE {cond} {bound}
                GROUP BY taxpayer_id
                ORDER BY hash(taxpayer_id || '{salt}'), taxpayer_id LIMIT {int(k)}"""
        ).fetchall()
        if len(ids) >= k or threshold is None:
            return [r[0] for r in ids]
    return []


def _ends(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latest and earliest master row (identity columns) of each given taxpayer, indexed
    by taxpayer_id; computed in DuckDB so only two rows per taxpayer reach pandas."""
    con.register("_ids", pa.table({"taxpayer_id": pa.array(ids, pa.string())}))
    cols = ", ".join("CAST(m.dob AS VARCHAR) AS dob" if c == "dob" else f"m.{c}" for c in _IDENTITY)
    out = []
    for order in ("DESC", "ASC"):
        df = con.execute(
            f"""SELECT {cols} FROM master m JOIN _ids USING (taxpayer_id)
                QUALIFY row_number() OVER (PARTITION BY taxpayer_id ORDER BY tax_year {order}) = 1"""
        ).df()
        out.append(df.astype({c: object for c in _IDENTITY}).set_index("taxpayer_id"))
    con.unregister("_ids")
    return out[0], out[1]


def _draw_ids(
    con: duckdb.DuckDBPyConnection, spec: Kind, counts: dict[str, int], seed: int
) -> dict[str, list[str]]:
    """Taxpayer ids for the vault subjects and for each kind of derived hard negative.

    A vault smaller than the request asks for gets every category scaled down alike;
    the generator then fills the request up with fresh (not-in-vault) people."""
    want = {c: counts[c] for c in ("vault", *DERIVED)}
    itin_ids = _sample_ids(con, seed, int(want["vault"] * spec.itin_bias), itin_only=True)
    taken = set(itin_ids)
    other = [i for i in _sample_ids(con, seed, sum(want.values()), False) if i not in taken]
    available = len(itin_ids) + len(other)
    if available < sum(want.values()):
        scale = available / sum(want.values())
        want = {c: int(n * scale) for c, n in want.items()}
    k_itin = min(len(itin_ids), want["vault"])
    ids = {"vault": itin_ids[:k_itin] + other[: want["vault"] - k_itin]}
    rest = other[want["vault"] - k_itin :] + itin_ids[k_itin:]
    pos = 0
    for c in DERIVED:
        ids[c] = rest[pos : pos + want[c]]
        pos += want[c]
    return ids


def _build(
    con: duckdb.DuckDBPyConnection,
    spec: Kind,
    counts: dict[str, int],
    seed: int,
    rng: np.random.Generator,
) -> list[pd.DataFrame]:
    ids = _draw_ids(con, spec, counts, seed)
    latest, earliest = _ends(con, [i for v in ids.values() for i in v])
    vault = _vault_subjects(latest, earliest, ids["vault"], spec, rng)
    negatives = [
        _household(con, latest.loc[ids["household"]], rng),
        _namesakes(latest.loc[ids["namesake"]], rng),
        _juniors(latest.loc[ids["junior"]], rng),
    ]
    neg = pd.concat(negatives, ignore_index=True)
    neg = neg[~_in_vault(con, neg)]
    n_tin = len(ids["tin_other_name"])
    total = sum(counts.values())
    n_fresh = max(0, total - len(vault) - len(neg) - n_tin)
    fresh = _fresh_people(con, seed, int((n_fresh + n_tin) * 1.1) + 20, spec.fresh_origin_p)
    tin_other = fresh.iloc[:n_tin].copy()
    tin_other["tin"] = latest.loc[ids["tin_other_name"], "tin"].to_numpy()
    tin_other["taxpayer_id"] = ids["tin_other_name"]
    tin_other["category"] = "tin_other_name"
    rest = fresh.iloc[n_tin:]
    rest = rest[~_in_vault(con, rest)].iloc[:n_fresh].copy()
    rest["category"] = "fresh"
    return [vault, neg, tin_other, rest]


def _vault_subjects(
    latest: pd.DataFrame,
    earliest: pd.DataFrame,
    ids: list[str],
    spec: Kind,
    rng: np.random.Generator,
) -> pd.DataFrame:
    df = latest.loc[ids].reset_index()
    df["category"] = "vault"
    df["truth"] = df["taxpayer_id"]
    old = earliest.loc[ids].reset_index()
    moved = (old["street"].to_numpy() != df["street"].to_numpy()) & (
        rng.random(len(df)) < spec.noise.old_address
    )
    for c in _ADDRESS:
        df.loc[moved, c] = old.loc[moved, c].to_numpy()
    df["_old_address"] = moved
    return df


def _random_first(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    t = tables()
    origin = rng.choice(len(ORIGINS), n, p=ORIGIN_P)
    sex = np.where(rng.random(n) < 0.5, "M", "F")
    out = np.empty(n, dtype=object)
    for o in range(len(ORIGINS)):
        for s in ("M", "F"):
            idx = np.flatnonzero((origin == o) & (sex == s))
            out[idx] = t.given[(ORIGINS[o], s)].sample(rng, len(idx))
    return out, sex


def _shift_dob(dob: pd.Series, years: np.ndarray, rng: np.random.Generator) -> list[str | None]:
    out: list[str | None] = []
    for d, y in zip(dob, years, strict=True):
        if not isinstance(d, str):
            out.append(None)
            continue
        base = dt.date.fromisoformat(d)
        new = base.replace(year=min(max(base.year + int(y), 1925), 2006), day=min(base.day, 28))
        new += dt.timedelta(days=int(rng.integers(-150, 150)))
        if new == base:
            new += dt.timedelta(days=400)
        out.append(new.isoformat())
    return out


def _household(
    con: duckdb.DuckDBPyConnection, base: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Non-filing household members: same address, usually the same surname, a first name
    no vault member of that household has."""
    df = base.reset_index()
    if df.empty:
        return df.assign(category=[])
    con.register("_hh", pa.table({"household_id": pa.array(df["household_id"].astype(str))}))
    taken = con.execute(
        "SELECT DISTINCT m.household_id, lower(m.first_name) FROM master m JOIN _hh USING (household_id)"
    ).fetchall()
    con.unregister("_hh")
    used: dict[str, set[str]] = {}
    for hh, first in taken:
        used.setdefault(hh, set()).add(first)
    first, _ = _random_first(rng, len(df))
    for i, hh in enumerate(df["household_id"]):
        while str(first[i]).lower() in used.get(hh, set()):
            first[i] = _random_first(rng, 1)[0][0]
    df["first_name"] = first
    df["middle_name"] = None
    df["suffix"] = None
    other_last = rng.random(len(df)) < 0.12
    df.loc[other_last, "last_name"] = (
        tables().surnames["general"].sample(rng, int(other_last.sum()))
    )
    df["dob"] = _shift_dob(df["dob"], rng.integers(-30, 30, len(df)), rng)
    df["tin"] = None
    df["category"] = "household"
    return df


def _namesakes(base: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Same name as a vault taxpayer, another person: other birth date, other address."""
    df = base.reset_index()
    if df.empty:
        return df.assign(category=[])
    t = tables()
    same_city = rng.random(len(df)) < 0.5
    city_idx = np.array(
        [
            int(np.flatnonzero(t.cities == c)[0]) if s and (t.cities == c).any() else -1
            for c, s in zip(df["city"], same_city, strict=True)
        ]
    )
    addr = generate_addresses(rng, t, len(df), city_idx)
    for c in _ADDRESS:
        df[c] = getattr(addr, c)
    df["dob"] = _shift_dob(df["dob"], rng.integers(-25, 25, len(df)), rng)
    df["tin"] = None
    df["category"] = "namesake"
    return df


def _juniors(base: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A Jr or Sr of a vault taxpayer at the same address who files no return."""
    df = base.reset_index()
    if df.empty:
        return df.assign(category=[])
    years = np.array(
        [dt.date.fromisoformat(d).year if isinstance(d, str) else 1970 for d in df["dob"]]
    )
    younger = years <= 1980
    gap = rng.integers(20, 34, len(df))
    df["dob"] = _shift_dob(df["dob"], np.where(younger, gap, -gap), rng)
    u = rng.random(len(df))
    female = np.array([_is_female(f) for f in df["first_name"]], dtype=bool)
    df["suffix"] = np.where((u < 0.45) & ~female, np.where(younger, "Jr", "Sr"), NA)
    df["tin"] = None
    df["category"] = "junior"
    return df


@functools.cache
def _female_names() -> frozenset[str]:
    t = tables()
    female = {n for (_, sex), w in t.given.items() if sex == "F" for n in w.values}
    male = {n for (_, sex), w in t.given.items() if sex == "M" for n in w.values}
    return frozenset(female - male)


def _is_female(first: object) -> bool:
    """Jr and Sr are men's suffixes; a mother and daughter of one name carry none."""
    return isinstance(first, str) and first in _female_names()


def _fresh_people(
    con: duckdb.DuckDBPyConnection,
    seed: int,
    n: int,
    origin_p: tuple[float, float, float, float] | None = None,
) -> pd.DataFrame:
    """People generated like the vault's, from another seed: not in the vault."""
    fresh_seed = seed + 1_000_003
    space = TinSpace(fresh_seed)
    parts = []
    for c, start in enumerate(range(0, n, CHUNK_PEOPLE)):
        mix = ORIGIN_P if origin_p is None else np.asarray(origin_p)
        table, _ = build_chunk(fresh_seed, c, start, min(CHUNK_PEOPLE, n - start), space, mix)
        local = duckdb.connect()
        local.register("t", table)
        cols = ", ".join("CAST(dob AS VARCHAR) AS dob" if c == "dob" else c for c in _IDENTITY)
        parts.append(
            local.execute(
                f"SELECT {cols} FROM t QUALIFY row_number() OVER "
                "(PARTITION BY taxpayer_id ORDER BY tax_year DESC) = 1 ORDER BY taxpayer_id"
            ).df()
        )
        local.close()
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(_IDENTITY))
    df = df.astype({c: object for c in _IDENTITY})
    # A fresh TIN that happens to be a vault taxpayer's would make this person a
    # "TIN of another name" case by accident: drop those TINs.
    con.register("_tins", pa.table({"tin": pa.array(df["tin"].astype(str))}))
    clash = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT m.tin FROM master m JOIN _tins USING (tin)"
        ).fetchall()
    }
    con.unregister("_tins")
    df.loc[df["tin"].isin(clash), "tin"] = None
    df["taxpayer_id"] = None
    return df


def _in_vault(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> np.ndarray:
    """Rows whose exact name and date of birth belong to a vault taxpayer (not negatives)."""
    if df.empty:
        return np.zeros(0, dtype=bool)
    key = pa.table(
        {
            "i": pa.array(np.arange(len(df))),
            "f": pa.array(df["first_name"].astype(str).str.lower()),
            "l": pa.array(df["last_name"].astype(str).str.lower()),
            "d": pa.array(pd.to_datetime(df["dob"], errors="coerce").dt.date),
        }
    )
    con.register("_keys", key)
    hits = con.execute(
        """SELECT DISTINCT k.i FROM _keys k JOIN master m
           ON m.dob = k.d AND lower(m.last_name) = k.l AND lower(m.first_name) = k.f"""
    ).fetchall()
    con.unregister("_keys")
    out = np.zeros(len(df), dtype=bool)
    out[[h[0] for h in hits]] = True
    return out


def _apply_noise(df: pd.DataFrame, spec: Kind, rng: np.random.Generator) -> dict[str, np.ndarray]:
    z = spec.noise
    n = len(df)

    def p(x: float) -> np.ndarray:
        return rng.random(n) < x

    tags: dict[str, np.ndarray] = {"old_address": df.pop("_old_address").eq(True).to_numpy()}
    tags["nickname"] = nz.apply_nickname(df, p(z.nickname), rng)
    tags["first_typo"] = nz.apply_typo(df, "first_name", p(z.first_typo), rng)
    tags["last_typo"] = nz.apply_typo(df, "last_name", p(z.last_typo), rng)
    tags["compound_partial"] = nz.apply_compound_partial(df, p(z.compound_partial), rng)
    tags["accents"] = nz.apply_accents(df, p(z.accents))
    tags["swap_names"] = nz.apply_swap_names(df, p(z.swap_names))
    drop_mid = p(z.drop_middle) & df["middle_name"].notna().to_numpy()
    df.loc[drop_mid, "middle_name"] = None
    tags["drop_middle"] = drop_mid
    drop_suf = p(z.drop_suffix) & df["suffix"].notna().to_numpy()
    df.loc[drop_suf, "suffix"] = None
    tags["drop_suffix"] = drop_suf

    new_addr = p(z.new_address)
    addr = generate_addresses(rng, tables(), int(new_addr.sum()))
    for c in _ADDRESS:
        df.loc[new_addr, c] = getattr(addr, c)
    tags["new_address"] = new_addr
    tags["address_format"] = nz.apply_address_format(df, p(z.address_format), rng)

    u = rng.random(n)
    # A hard negative keeps its date of birth: without it a Jr at his father's address
    # would be indistinguishable from the father, and the truth could not be known.
    hard = df["category"].isin(HARD_NEGATIVES).to_numpy()
    tags["dob_missing"] = nz.apply_dob(df, (u < z.dob_missing) & ~hard, "missing", rng)
    tags["dob_digit"] = nz.apply_dob(
        df, (u >= z.dob_missing) & (u < z.dob_missing + z.dob_digit), "digit", rng
    )
    lo = z.dob_missing + z.dob_digit
    tags["dob_swap"] = nz.apply_dob(df, (u >= lo) & (u < lo + z.dob_swap), "swap", rng)

    keep_tin = p(z.tin_present) | (df["category"] == "tin_other_name").to_numpy()
    df.loc[~keep_tin, "tin"] = None
    tags["tin_missing"] = ~keep_tin
    tags["tin_wrong"] = nz.apply_wrong_tin(
        df, p(z.tin_wrong) & (df["category"] == "vault").to_numpy(), rng
    )
    nz.dash_tins(df, p(z.tin_dashes))
    upper = p(z.upper)
    nz.upper_case(df, upper)
    tags["upper"] = upper
    return tags


def _placeholders(
    df: pd.DataFrame, spec: Kind, rng: np.random.Generator, tags: dict[str, np.ndarray]
) -> None:
    """Replace a share of addresses with what the 2025 file held instead of an address."""
    n = len(df)
    rows = np.flatnonzero(rng.random(n) < spec.placeholder)
    kinds = np.full(n, "", dtype=object)
    cols = {c: df[c].to_numpy(dtype=object) for c in _ADDRESS}
    streets = list(PLACEHOLDER_STREETS)
    for i in rows:
        u = rng.random()
        zip_now = cols["zip"][i]
        zip_text = str(zip_now) if isinstance(zip_now, str) else None
        keep_zip = zip_text if rng.random() < 0.4 else None
        values: dict[str, str | None] = dict.fromkeys(_ADDRESS)
        if u < 0.70:
            label = streets[int(rng.integers(0, len(streets)))]
            values["street"] = label
            values["zip"] = keep_zip
            if label == "NA NA":
                values["city"], values["state"] = "NA", "NA"
            kinds[i] = f"placeholder:{label}"
        elif u < 0.80:
            values["zip"] = zip_text or f"{int(rng.integers(501, 99950)):05d}"
            kinds[i] = "bare_zip"
        elif u < 0.88:
            kinds[i] = "empty"
        else:
            f = DETENTION_FACILITIES[int(rng.integers(0, len(DETENTION_FACILITIES)))]
            values.update(street=f[0], city=f[1], state=f[2], zip=f[3])
            kinds[i] = "detention_facility"
        for c, v in values.items():
            cols[c][i] = v
    for c, arr in cols.items():
        df[c] = arr
    tags["placeholder"] = kinds != ""
    tags["_placeholder_kind"] = kinds


def _reasons(df: pd.DataFrame, spec: Kind, rng: np.random.Generator) -> None:
    specific = rng.random(len(df)) < spec.subject_reason_share
    reasons = np.empty(len(df), dtype=object)
    records = [{"city": c, "state": s} for c, s in zip(df["city"], df["state"], strict=True)]
    for i in range(len(df)):
        reasons[i] = (
            spec.reason(rng, records[i])
            if specific[i] or not spec.boilerplate
            else spec.boilerplate
        )
    df["reason"] = reasons


def _write(
    df: pd.DataFrame, spec: Kind, seed: int, tags: dict[str, np.ndarray], out: Path
) -> RequestFiles:
    out.mkdir(parents=True, exist_ok=True)
    files = RequestFiles(
        out / "manifest.yaml",
        out / "subjects.csv",
        out / "truth.csv",
        out / "truth_detail.csv",
        size=len(df),
        in_vault=int((df["category"] == "vault").sum()),
        placeholders=int(tags["placeholder"].sum()),
    )
    manifest = spec.manifest(seed, files.subjects.name)
    files.manifest.write_text(
        yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    df[list(SUBJECT_FIELDS)].to_csv(files.subjects, index=False, encoding="utf-8")
    truth = pd.DataFrame(
        {
            "subject_id": df["subject_id"],
            "taxpayer_id": df["truth"].where(df["category"] == "vault"),
        }
    )
    truth.to_csv(files.truth, index=False)
    names = [k for k in tags if not k.startswith("_")]
    noise_text = [";".join(k for k in names if tags[k][i]) for i in range(len(df))]
    detail = pd.DataFrame(
        {
            "subject_id": df["subject_id"],
            "category": df["category"],
            "related_taxpayer_id": df["taxpayer_id"],
            "placeholder": tags["_placeholder_kind"],
            "noise": noise_text,
        }
    )
    detail.to_csv(files.detail, index=False)
    return files
