"""The synthetic taxpayer master file (``fti synth master``).

Realistic in the ways that make identity resolution hard:

- households share an address and usually a surname; Sr/Jr namesakes live together
  (same name, different date of birth), sometimes with no suffix at all;
- names follow US frequencies by origin (general, Hispanic, African-American, Asian),
  with Hispanic compound surnames ("Garcia Lopez"), middle names or initials, suffixes;
- households move between tax years 2021–2024, and grown children move out, so a
  taxpayer's address differs by year;
- TINs come only from never-issued ranges (see :mod:`.tins`); ITINs cluster in
  households, as mixed-status families do.

Generation is vectorized and chunked: each chunk of people (whole households, never
split) is built with numpy from its own seed stream and written as one Parquet part, so
memory is bounded by the chunk size and the output depends only on (people, seed,
chunk size). Parts are written to a temporary folder and renamed into the vault at the
end: a failed run leaves the vault as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fti_gateway.core.errors import InputError
from fti_gateway.vault.schema import ELEMENT_TYPES, master_schema
from fti_gateway.vault.store import MASTER_DIR
from fti_gateway.vault.synth.addresses import Addresses, generate_addresses
from fti_gateway.vault.synth.returns import person_economics, yearly_items
from fti_gateway.vault.synth.tables import NA, ORIGIN_P, ORIGINS, Tables, tables
from fti_gateway.vault.synth.tins import TinSpace, as_text, permute

CHUNK_PEOPLE = 250_000
YEARS = (2021, 2022, 2023, 2024)
LAST_YEAR = YEARS[-1]

# Adult filers per household (1 to 6).
_HH_SIZE_P = np.array([0.30, 0.38, 0.16, 0.10, 0.04, 0.02])
HEAD, SPOUSE, CHILD, OTHER = 0, 1, 2, 3
NAMESAKE_SHARE = 0.12  # of households with a male head and an adult son
_ITIN_HH_P = np.array([0.006, 0.16, 0.02, 0.06])  # by origin
_MIDDLE_P = {  # (full middle name, initial only) by origin; the rest have none
    "general": (0.62, 0.18),
    "hispanic": (0.30, 0.05),
    "black": (0.60, 0.15),
    "asian": (0.35, 0.05),
}
HOUSEHOLD_MOVE_SHARE = 0.22
MOVE_OUT_SHARE = 0.18  # of adult children and other members

Progress = Callable[[int], None]


@dataclass
class SynthStats:
    """What a generation run produced."""

    people: int
    rows: int
    households: int
    seed: int
    parts: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def generate(
    out_dir: Path,
    people: int,
    seed: int,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_PEOPLE,
    replace: bool = False,
) -> SynthStats:
    """Write ``people`` synthetic taxpayers as Parquet parts into ``out_dir``.

    ``out_dir`` is the vault's master folder (``Vault.master_dir``); given a workspace's
    vault folder (named ``vault``) the parts go to its ``master`` subfolder, where
    :class:`~fti_gateway.vault.store.Vault` looks for them.

    ``progress`` is called once per chunk with the number of people written so far
    (cumulative, so it can drive a bar's ``completed``).
    Refuses to add to a folder that already holds parts unless ``replace`` is set, since
    two generated populations would share taxpayer ids.
    """
    if people <= 0:
        raise InputError(f"people must be positive, got {people}", where="--people")
    if seed < 0:
        raise InputError(f"seed must be zero or positive, got {seed}", where="--seed")
    if chunk_size <= 0:
        raise InputError(f"chunk size must be positive, got {chunk_size}")
    out_dir = Path(out_dir)
    if out_dir.name == "vault":
        out_dir = out_dir / MASTER_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(out_dir.glob("part-*.parquet"))
    if existing and not replace:
        raise InputError(
            f"the vault already holds {len(existing)} master part(s)",
            where=str(out_dir),
            hint="use --replace to discard them, or generate into a new workspace",
        )
    started = time.perf_counter()
    stats = SynthStats(people=0, rows=0, households=0, seed=seed)
    tmp = Path(tempfile.mkdtemp(prefix=".synth-", dir=out_dir))
    try:
        tin_space = TinSpace(seed)
        staged: list[Path] = []
        for c, start in enumerate(range(0, people, chunk_size)):
            n = min(chunk_size, people - start)
            table, households = build_chunk(seed, c, start, n, tin_space)
            path = tmp / f"part-synth-{c:05d}.parquet"
            pq.write_table(table, path, compression="zstd", row_group_size=256_000)
            staged.append(path)
            stats.people += n
            stats.rows += table.num_rows
            stats.households += households
            del table
            if progress:
                progress(stats.people)
        for old in existing:
            old.unlink()
        for path in staged:
            final = out_dir / path.name
            os.replace(path, final)
            stats.parts.append(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, rng.choice(6, size=n // 2 + 8, p=_HH_SIZE_P) + 1])
    cum = np.cumsum(sizes)
    cut = int(np.searchsorted(cum, n))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] -= int(cum[cut] - n)
    return sizes


def _sample_by(
    rng: np.random.Generator, codes: np.ndarray, pick: Callable[[int], object]
) -> np.ndarray:
    """Sample one value per element from the table that ``pick(code)`` returns."""
    out = np.empty(len(codes), dtype=object)
    for code in np.unique(codes):
        idx = np.flatnonzero(codes == code)
        out[idx] = pick(int(code)).sample(rng, len(idx))  # type: ignore[attr-defined]
    return out


def _first_token(a: np.ndarray) -> np.ndarray:
    return np.asarray([s.split(" ")[0].split("-")[0] for s in a], dtype=object)


@dataclass
class _People:
    hh: np.ndarray
    role: np.ndarray
    origin: np.ndarray
    male: np.ndarray
    age: np.ndarray
    first: np.ndarray
    middle: np.ndarray
    last: np.ndarray
    suffix: np.ndarray


def _people(
    rng: np.random.Generator, t: Tables, sizes: np.ndarray, origin_p: np.ndarray = ORIGIN_P
) -> _People:
    h, n = len(sizes), int(sizes.sum())
    hh = np.repeat(np.arange(h), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(n) - starts[hh]
    head_idx = starts
    role = np.where(pos == 0, HEAD, np.where(pos == 1, SPOUSE, CHILD))
    role = np.where((pos == 1) & (rng.random(n) < 0.2), OTHER, role)
    role = np.where((pos >= 2) & (rng.random(n) < 0.15), OTHER, role)

    hh_origin = rng.choice(len(ORIGINS), size=h, p=origin_p)
    origin = hh_origin[hh]
    own_origin = (role == OTHER) & (rng.random(n) < 0.5)
    origin = np.where(own_origin, rng.choice(len(ORIGINS), size=n, p=origin_p), origin)

    male = rng.random(n) < 0.5
    head_male = np.where(sizes >= 2, rng.random(h) < 0.58, rng.random(h) < 0.48)
    male[head_idx] = head_male
    male = np.where(role == SPOUSE, ~head_male[hh] ^ (rng.random(n) < 0.04), male)

    has_child = np.bincount(hh, weights=(role == CHILD), minlength=h) > 0
    head_age = np.where(
        has_child, rng.integers(42, 82, size=h), np.clip(rng.normal(46, 17, size=h), 19, 95)
    ).astype(np.int64)
    age = np.clip(rng.normal(46, 17, size=n), 19, 92).astype(np.int64)
    age = np.where(role == HEAD, head_age[hh], age)
    age = np.where(
        role == SPOUSE, np.clip(head_age[hh] + rng.normal(-1.5, 4, n).round(), 19, 99), age
    )
    child_age = np.clip(head_age[hh] - rng.integers(20, 41, size=n), 18, head_age[hh] - 18)
    age = np.where(role == CHILD, child_age, age).astype(np.int64)

    sex = np.where(male, "M", "F")
    code = origin * 2 + (sex == "F")
    first = _sample_by(rng, code, lambda c: t.given[(ORIGINS[c // 2], "MF"[c % 2])])

    # Surnames: the head's, then spouse and children derived from it.
    head_last = _sample_by(rng, hh_origin, lambda c: t.surnames[ORIGINS[c]])
    hisp = hh_origin == ORIGINS.index("hispanic")
    compound = hisp & (rng.random(h) < 0.3)
    second = t.hispanic_surnames.sample(rng, h)
    joiner = np.where(rng.random(h) < 0.12, "-", " ")
    head_last = np.where(compound & (second != head_last), head_last + joiner + second, head_last)

    own_last = _sample_by(rng, origin, lambda c: t.surnames[ORIGINS[c]])
    last = own_last.copy()
    last[head_idx] = head_last
    fam = head_last[hh]
    u = rng.random(n)
    keep_own = np.where(origin == ORIGINS.index("hispanic"), 0.55, 0.14)
    spouse_last = np.where(u < keep_own, own_last, fam)
    hyphen = (u >= keep_own) & (u < keep_own + 0.04) & (origin != ORIGINS.index("hispanic"))
    spouse_last = np.where(hyphen, own_last + "-" + fam, spouse_last)
    last = np.where(role == SPOUSE, spouse_last, last)
    child_last = np.where(rng.random(n) < 0.92, fam, own_last)
    # Hispanic children often carry the father's first and the mother's first surname.
    spouse_of_hh = np.full(h, None, dtype=object)
    spouse_rows = np.flatnonzero(role == SPOUSE)
    spouse_of_hh[hh[spouse_rows]] = last[spouse_rows]
    mother = spouse_of_hh[hh]
    two = (role == CHILD) & hisp[hh] & (mother != None) & (rng.random(n) < 0.35)  # noqa: E711
    if two.any():
        idx = np.flatnonzero(two)
        pair = _first_token(fam[idx]) + " " + _first_token(mother[idx].astype(object))
        ok = _first_token(fam[idx]) != _first_token(mother[idx].astype(object))
        child_last[idx] = np.where(ok, pair, child_last[idx])
    last = np.where(role == CHILD, child_last, last)

    # Middle names: full, initial, or none, by origin.
    mid_full = np.array([_MIDDLE_P[o][0] for o in ORIGINS])[origin]
    mid_init = np.array([_MIDDLE_P[o][1] for o in ORIGINS])[origin]
    mu = rng.random(n)
    mid_name = _sample_by(rng, (sex == "F").astype(np.int64), lambda c: t.middle["MF"[c]])
    initials = np.asarray([m[0] for m in mid_name], dtype=object)
    middle = np.where(mu < mid_full, mid_name, np.where(mu < mid_full + mid_init, initials, NA))

    suffix = np.full(n, None, dtype=object)
    su = rng.random(n)
    suffix = np.where(male & (su < 0.012), "Jr", suffix)
    suffix = np.where(male & (su >= 0.012) & (su < 0.016), "III", suffix)
    suffix = np.where(male & (su >= 0.016) & (su < 0.018), "II", suffix)

    # Sr/Jr namesakes: the first adult son of a male head takes his father's full name.
    son = (role == CHILD) & male & head_male[hh]
    son_rows = np.flatnonzero(son)
    first_son = son_rows[np.unique(hh[son_rows], return_index=True)[1]]
    chosen = first_son[rng.random(len(first_son)) < NAMESAKE_SHARE]
    fathers = head_idx[hh[chosen]]
    first[chosen] = first[fathers]
    middle[chosen] = middle[fathers]
    last[chosen] = last[fathers]
    k = rng.random(len(chosen))
    suffix[chosen] = np.where(k < 0.7, "Jr", np.where(k < 0.82, "II", NA))
    suffix[fathers] = np.where(rng.random(len(chosen)) < 0.45, "Sr", NA)

    # Two members of one household with the same name are the chosen namesakes only:
    # siblings or spouses are not given identical names by chance.
    protected = np.zeros(n, dtype=bool)
    protected[chosen] = True
    for _ in range(6):
        key = pd.Series(hh.astype(str)) + "|" + pd.Series(first) + "|" + pd.Series(last)
        dup = key.duplicated().to_numpy() & ~protected
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        first[idx] = _sample_by(rng, code[idx], lambda c: t.given[(ORIGINS[c // 2], "MF"[c % 2])])

    return _People(hh, role, origin, male, age, first, middle, last, suffix)


def _years(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last tax year filed: young adults start late, some stop filing."""
    n = len(age)
    birth = LAST_YEAR - age
    first = np.maximum(YEARS[0], birth + 18)
    late = rng.random(n) < 0.06
    first = np.where(late, np.maximum(first, rng.integers(2022, 2025, n)), first)
    last = np.where(rng.random(n) < 0.05, rng.integers(2021, 2024, n), LAST_YEAR)
    last = np.maximum(last, first)
    return first.astype(np.int64), last.astype(np.int64)


def _dob(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    birth_year = LAST_YEAR - age
    starts = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return starts + rng.integers(0, 365, len(age)).astype("timedelta64[D]")


def _concat(parts: list[Addresses]) -> Addresses:
    return Addresses(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("street", "unit", "city", "state", "zip", "city_idx")
        )
    )


def build_chunk(
    seed: int, chunk: int, start: int, n: int, tin_space: TinSpace, origin_p: np.ndarray = ORIGIN_P
) -> tuple[pa.Table, int]:
    """One chunk of ``n`` people (global indices ``start`` …) as a master table."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1, chunk]))
    t = tables()
    sizes = _household_sizes(rng, n)
    h = len(sizes)
    p = _people(rng, t, sizes, origin_p)

    # Addresses: a base per household, moves by year, grown members moving out.
    base = generate_addresses(rng, t, h)
    move1 = np.where(rng.random(h) < HOUSEHOLD_MOVE_SHARE, rng.integers(2022, 2025, h), 9999)
    move2 = np.where((move1 < 2024) & (rng.random(h) < 0.15), np.minimum(move1 + 1, 2024), 9999)
    local = rng.random(h) < 0.55
    a1 = generate_addresses(rng, t, h, np.where(local, base.city_idx, -1))
    a2 = generate_addresses(rng, t, h, np.where(rng.random(h) < 0.55, a1.city_idx, -1))
    out_year = np.where(
        (p.role >= CHILD) & (rng.random(n) < MOVE_OUT_SHARE), rng.integers(2022, 2025, n), 9999
    )
    a_out = generate_addresses(rng, t, n, np.where(rng.random(n) < 0.5, base.city_idx[p.hh], -1))
    addrs = _concat([base, a1, a2, a_out])

    years = np.asarray(YEARS)
    hh_y = np.broadcast_to(np.arange(h)[:, None], (h, len(YEARS)))
    hh_addr = np.where(
        years >= move2[:, None], 2 * h + hh_y, np.where(years >= move1[:, None], h + hh_y, hh_y)
    )
    addr = hh_addr[p.hh]
    moved_out = years >= out_year[:, None]
    addr = np.where(moved_out, 3 * h + np.arange(n)[:, None], addr)
    hh_code = np.where(moved_out, h + np.arange(n)[:, None], p.hh[:, None])

    first_year, last_year = _years(rng, p.age)
    nyears = last_year - first_year + 1
    person = np.repeat(np.arange(n), nyears)
    offs = np.arange(len(person)) - np.repeat(np.cumsum(nyears) - nyears, nyears)
    year = first_year[person] + offs
    yi = year - YEARS[0]

    # Identifiers.
    g = start + np.arange(n, dtype=np.int64)
    hh_itin = rng.random(h) < _ITIN_HH_P[_head_origin(p, sizes)]
    itin = hh_itin[p.hh] & (rng.random(n) < 0.85)
    tins = as_text(np.where(itin, tin_space.itin(g), tin_space.ssn(g)))
    tp_ids = _taxpayer_ids(seed, g)
    hh_ids = np.asarray([f"HH{chunk:04d}{i:06d}" for i in range(h + n)], dtype=object)

    married = (p.role == SPOUSE) | ((p.role == HEAD) & _has_spouse(p, h)[p.hh])
    econ = person_economics(
        rng, p.age, married, p.role == HEAD, len(t.employers.values), t.employers.p
    )
    items = yearly_items(rng, econ, person, year)

    row_addr = addr[person, yi]
    cols: dict[str, pa.Array] = {
        "taxpayer_id": pa.array(tp_ids, pa.string()).take(person),
        "tin": pa.array(tins, pa.string()).take(person),
        "tin_kind": pa.array(np.where(itin, "itin", "ssn"), pa.string()).take(person),
        "first_name": pa.array(p.first, pa.string()).take(person),
        "middle_name": pa.array(p.middle, pa.string()).take(person),
        "last_name": pa.array(p.last, pa.string()).take(person),
        "suffix": pa.array(p.suffix, pa.string()).take(person),
        "dob": pa.array(_dob(rng, p.age), pa.date32()).take(person),
        "street": pa.array(addrs.street, pa.string()).take(row_addr),
        "unit": pa.array(addrs.unit, pa.string()).take(row_addr),
        "city": pa.array(addrs.city, pa.string()).take(row_addr),
        "state": pa.array(addrs.state, pa.string()).take(row_addr),
        "zip": pa.array(addrs.zip, pa.string()).take(row_addr),
        "tax_year": pa.array(year, pa.int32()),
        "household_id": pa.array(hh_ids, pa.string()).take(hh_code[person, yi]),
    }
    no_w2 = np.isnan(items["info_return.w2.wages"])
    employer = t.employers.values[np.where(no_w2, 0, items["info_return.w2.employer"])]
    items["info_return.w2.employer"] = np.where(no_w2, NA, employer)
    for name, typ in ELEMENT_TYPES.items():
        v = items[name]
        if typ == pa.float64():
            cols[name] = pa.array(v, typ, from_pandas=True)
        else:
            cols[name] = pa.array(v, typ)
    return pa.Table.from_pydict(cols, schema=master_schema()), h


def _head_origin(p: _People, sizes: np.ndarray) -> np.ndarray:
    starts = np.cumsum(sizes) - sizes
    return p.origin[starts]


def _has_spouse(p: _People, h: int) -> np.ndarray:
    return np.bincount(p.hh, weights=(p.role == SPOUSE), minlength=h) > 0


def _taxpayer_ids(seed: int, g: np.ndarray) -> np.ndarray:
    """``TP`` + 9 digits: a keyed permutation of the global index, unique below 10^9."""
    keys = np.random.default_rng(np.random.SeedSequence([seed, 0x1D])).integers(0, 2**31, 6)
    k = permute(g, 10**9, keys)
    ids = pc.utf8_lpad(pc.cast(pa.array(k, pa.int64()), pa.string()), 9, "0")
    return np.asarray(
        pc.binary_join_element_wise("TP", ids, "").to_numpy(zero_copy_only=False), dtype=object
    )
