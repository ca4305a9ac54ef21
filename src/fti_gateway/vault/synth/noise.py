"""Noise that real request files carry, applied to subject rows (a pandas DataFrame).

Each function takes the frame, a boolean mask of rows to touch and a numpy generator,
changes those rows in place, and returns the mask of rows it actually changed (a typo
cannot be made in an empty name), so the caller can record what was done to whom.
Noise is applied to every subject, in the vault or not, so "clean" never signals
"in the vault".
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
from nicknames import NickNamer

_KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip
ACCENTED = {
    "Jose": "José", "Maria": "María", "Jesus": "Jesús", "Angel": "Ángel", "Ramon": "Ramón",
    "Ruben": "Rubén", "Hector": "Héctor", "Oscar": "Óscar", "Raul": "Raúl", "Andres": "Andrés",
    "Cesar": "César", "Ivan": "Iván", "Lucia": "Lucía", "Sofia": "Sofía", "Veronica": "Verónica",
    "Garcia": "García", "Rodriguez": "Rodríguez", "Martinez": "Martínez", "Hernandez": "Hernández",
    "Lopez": "López", "Gonzalez": "González", "Perez": "Pérez", "Sanchez": "Sánchez",
    "Ramirez": "Ramírez", "Gomez": "Gómez", "Diaz": "Díaz", "Gutierrez": "Gutiérrez",
    "Jimenez": "Jiménez", "Alvarez": "Álvarez", "Munoz": "Muñoz", "Pena": "Peña",
    "Nunez": "Núñez", "Vasquez": "Vásquez", "Vazquez": "Vázquez", "Dominguez": "Domínguez",
    "Fernandez": "Fernández", "Mendez": "Méndez", "Marquez": "Márquez", "Ibanez": "Ibáñez",
    "Suarez": "Suárez", "Calderon": "Calderón", "Leon": "León", "Rios": "Ríos", "Chavez": "Chávez",
}  # fmt: skip
SUFFIX_WORDS = {
    "St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane", "Ct": "Court",
    "Blvd": "Boulevard", "Way": "Way", "Pl": "Place", "Cir": "Circle", "Ter": "Terrace",
    "Pkwy": "Parkway", "Trl": "Trail", "Hwy": "Highway",
}  # fmt: skip
DIRECTION_WORDS = {"N": "North", "S": "South", "E": "East", "W": "West"}


def _rows(mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard-style edit: substitute a neighbour, drop, double, or swap letters."""
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text)))  # keep the first letter, as most typos do
    op = int(rng.integers(0, 4))
    c = text[i]
    if op == 0 and c.lower() in _KEYBOARD:
        near = _KEYBOARD[c.lower()]
        r = near[int(rng.integers(0, len(near)))]
        return text[:i] + (r.upper() if c.isupper() else r) + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + c + text[i:]
    if i < len(text) - 1 and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def apply_typo(
    df: pd.DataFrame, col: str, mask: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    done = np.zeros(len(df), dtype=bool)
    values = df[col].to_numpy(dtype=object)
    for i in _rows(mask):
        v = values[i]
        if isinstance(v, str) and len(v) >= 3:
            new = typo(v, rng)
            if new != v:
                values[i] = new
                done[i] = True
    df[col] = values
    return done


@functools.cache
def _namer() -> NickNamer:
    return NickNamer()


@functools.cache
def nicknames_of(name: str) -> tuple[str, ...]:
    """Nicknames for a given name (from the `nicknames` package), sorted for determinism."""
    found = _namer().nicknames_of(name.lower())
    return tuple(sorted(n.title() for n in found if n.isalpha() and len(n) >= 2))


def apply_nickname(df: pd.DataFrame, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    done = np.zeros(len(df), dtype=bool)
    values = df["first_name"].to_numpy(dtype=object)
    for i in _rows(mask):
        v = values[i]
        if isinstance(v, str):
            nicks = nicknames_of(v)
            if nicks:
                values[i] = nicks[int(rng.integers(0, len(nicks)))]
                done[i] = True
    df["first_name"] = values
    return done


def apply_swap_names(df: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    ok = np.asarray(mask, dtype=bool) & df["first_name"].notna().to_numpy()
    first = df.loc[ok, "first_name"].to_numpy(dtype=object)
    df.loc[ok, "first_name"] = df.loc[ok, "last_name"].to_numpy(dtype=object)
    df.loc[ok, "last_name"] = first
    return ok


def apply_compound_partial(
    df: pd.DataFrame, mask: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Use one half of a compound surname, or switch its space/hyphen."""
    done = np.zeros(len(df), dtype=bool)
    values = df["last_name"].to_numpy(dtype=object)
    for i in _rows(mask):
        v = values[i]
        if not isinstance(v, str):
            continue
        parts = v.replace("-", " ").split()
        if len(parts) < 2:
            continue
        u = rng.random()
        values[i] = (
            parts[0]
            if u < 0.6
            else parts[-1]
            if u < 0.8
            else ("-" if " " in v else " ").join(parts)
        )
        done[i] = True
    df["last_name"] = values
    return done


def apply_accents(df: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    done = np.zeros(len(df), dtype=bool)
    for col in ("first_name", "last_name"):
        values = df[col].to_numpy(dtype=object)
        for i in _rows(mask):
            v = values[i]
            if isinstance(v, str):
                new = " ".join(ACCENTED.get(p, p) for p in v.split(" "))
                if new != v:
                    values[i] = new
                    done[i] = True
        df[col] = values
    return done


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def dob_digit(text: str, rng: np.random.Generator) -> str:
    """Change one digit of the year's last two, the month or the day; stay a valid date."""
    for _ in range(8):
        pos = int(rng.choice([2, 3, 5, 6, 8, 9]))
        new = text[:pos] + str(int(rng.integers(0, 10))) + text[pos + 1 :]
        if new != text and _valid_date(new):
            return new
    # Eight unlucky draws (29 February has few valid neighbours): the first valid change in
    # order, from a random start. One always exists (the day's last digit).
    start = int(rng.integers(0, 60))
    options = [(pos, d) for pos in (2, 3, 5, 6, 8, 9) for d in "0123456789"]
    for pos, d in options[start:] + options[:start]:
        new = text[:pos] + d + text[pos + 1 :]
        if new != text and _valid_date(new):
            return new
    raise ValueError(f"no valid one-digit change of {text!r}")


def apply_dob(
    df: pd.DataFrame, mask: np.ndarray, kind: str, rng: np.random.Generator
) -> np.ndarray:
    done = np.zeros(len(df), dtype=bool)
    values = df["dob"].to_numpy(dtype=object)
    for i in _rows(mask):
        v = values[i]
        if not isinstance(v, str):
            continue
        if kind == "missing":
            new = None
        elif kind == "digit":
            new = dob_digit(v, rng)
        else:  # day-month swap, possible only when the day could be a month
            y, m, d = v.split("-")
            new = f"{y}-{d}-{m}" if int(d) <= 12 and d != m else v
        if new != v:
            values[i] = new
            done[i] = True
    df["dob"] = values
    return done


def wrong_tin(tin: str, rng: np.random.Generator) -> str:
    """Change one digit after the area (so the TIN stays in a never-issued area)."""
    pos = int(rng.integers(3, 9))
    d = (int(tin[pos]) + int(rng.integers(1, 10))) % 10
    new = tin[:pos] + str(d) + tin[pos + 1 :]
    if new[3:5] == "00" or new[5:] == "0000":
        return (
            tin[:3] + tin[4] + tin[3] + tin[5:]
            if tin[3] != tin[4]
            else tin[:-1] + str((int(tin[-1]) + 1) % 10 or 1)
        )
    return new


def apply_wrong_tin(df: pd.DataFrame, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    done = np.zeros(len(df), dtype=bool)
    values = df["tin"].to_numpy(dtype=object)
    for i in _rows(mask):
        v = values[i]
        if isinstance(v, str) and len(v) == 9:
            new = wrong_tin(v, rng)
            if new != v:
                values[i] = new
                done[i] = True
    df["tin"] = values
    return done


def dash_tins(df: pd.DataFrame, mask: np.ndarray) -> None:
    t = df["tin"]
    ok = np.asarray(mask, dtype=bool) & t.notna().to_numpy()
    s = df.loc[ok, "tin"].astype(str)
    df.loc[ok, "tin"] = s.str[:3] + "-" + s.str[3:5] + "-" + s.str[5:]


def expand_street_words(street: str) -> str:
    """ "12 N Main St" -> "12 North Main Street"; a directional is spelled out only when a
    name and a suffix follow it ("5 E St" is E Street)."""
    parts = street.split(" ")
    out = [DIRECTION_WORDS.get(p, p) if 0 < k < len(parts) - 2 else p for k, p in enumerate(parts)]
    if out and out[-1] in SUFFIX_WORDS:
        out[-1] = SUFFIX_WORDS[out[-1]]
    return " ".join(out)


def apply_address_format(
    df: pd.DataFrame, mask: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Spell out suffixes, merge or drop the unit, add ZIP+4 or drop the ZIP."""
    idx = _rows(mask & df["street"].notna().to_numpy())
    if not len(idx):
        return np.zeros(len(df), dtype=bool)
    street = df["street"].to_numpy(dtype=object)
    unit = df["unit"].to_numpy(dtype=object)
    zips = df["zip"].to_numpy(dtype=object)
    ops = rng.integers(0, 5, len(idx))
    for i, op in zip(idx, ops, strict=True):
        if op in (0, 4):
            street[i] = expand_street_words(street[i])
        if op == 1 and isinstance(unit[i], str):
            street[i] = f"{street[i]} {unit[i]}"
            unit[i] = None
        elif op == 2 and isinstance(unit[i], str):
            unit[i] = None
        elif op == 3 and isinstance(zips[i], str):
            zips[i] = f"{zips[i]}-{int(rng.integers(1, 9999)):04d}"
        elif op == 4 and isinstance(zips[i], str) and df.at[df.index[i], "city"]:
            zips[i] = None
    df["street"], df["unit"], df["zip"] = street, unit, zips
    done = np.zeros(len(df), dtype=bool)
    done[idx] = True
    return done


def upper_case(df: pd.DataFrame, mask: np.ndarray) -> None:
    ok = np.asarray(mask, dtype=bool)
    for col in ("first_name", "middle_name", "last_name", "suffix", "street", "unit", "city"):
        s = df.loc[ok, col]
        df.loc[ok, col] = s.where(s.isna(), s.astype(str).str.upper())
