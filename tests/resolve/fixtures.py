"""A small, hand-shaped master file for resolve tests (the real generator lives in vault/).

It has what makes resolution hard: households sharing a surname and address, a Sr/Jr pair
with the same name, a Hispanic compound surname, a mover with two addresses, and enough
filler people for Splink's u estimates to mean something.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from fti_gateway.vault.access import VaultReader
from fti_gateway.vault.store import Vault

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Maria",
    "Jose",
    "Ana",
    "Luis",
    "Sofia",
    "Wei",
    "Mei",
    "Ahmed",
    "Fatima",
    "Kevin",
    "Laura",
    "Daniel",
    "Karen",
    "Paul",
    "Nancy",
    "Mark",
    "Lisa",
    "Steven",
    "Betty",
    "Andrew",
    "Sandra",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Nguyen",
    "Chen",
    "Khan",
    "O'Brien",
    "De La Cruz",
]
STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Park Blvd",
    "Elm St",
    "Washington Ave",
    "Lake Rd",
    "Hill St",
    "Pine Ct",
    "Sunset Blvd",
    "River Rd",
]
CITIES = [
    ("Springfield", "IL", "627"),
    ("Columbus", "OH", "432"),
    ("Austin", "TX", "787"),
    ("Fresno", "CA", "937"),
    ("Albany", "NY", "122"),
    ("Tucson", "AZ", "857"),
]

ELEMENTS = {"return.agi": 50000}


class FakeVault(VaultReader):
    """A vault folder at ``root`` read as the gate hands it to the resolver (the resolver's
    tests test matching, not the policy; tests/vault/test_access.py tests the gate)."""

    def __init__(self, root: Path) -> None:
        super().__init__(Vault(root))
        self.root = root


def _tin(rng: random.Random, used: set[str]) -> str:
    while True:
        area = rng.choice(["000", "666", str(rng.randint(900, 999))])
        t = f"{area}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
        if t not in used:
            used.add(t)
            return t


def make_master(root: Path, people: int = 400, seed: int = 7) -> FakeVault:
    """Write ``root/master/part-0.parquet`` and return a vault-like handle."""
    rng = random.Random(seed)
    used: set[str] = set()
    rows: list[dict[str, object]] = []
    tp = 0

    def person(
        first: str,
        middle: str | None,
        last: str,
        sfx: str | None,
        dob: date,
        hh: str,
        addrs: list[tuple[str, str | None, str, str, str]],
        tin: str | None = None,
    ) -> str:
        nonlocal tp
        tp += 1
        tid = f"TP{tp:09d}"
        if tin is None:
            tin = _tin(rng, used)
        used.add(tin)
        for year in range(2021, 2025):
            a = addrs[0] if (len(addrs) == 1 or year < 2023) else addrs[1]
            rows.append(
                {
                    "taxpayer_id": tid,
                    "tin": tin,
                    "tin_kind": "ssn",
                    "first_name": first,
                    "middle_name": middle,
                    "last_name": last,
                    "suffix": sfx,
                    "dob": dob,
                    "street": a[0],
                    "unit": a[1],
                    "city": a[2],
                    "state": a[3],
                    "zip": a[4],
                    "tax_year": year,
                    "household_id": hh,
                    "return.agi": 50000 + tp,
                }
            )
        return tid

    def address() -> tuple[str, str | None, str, str, str]:
        city, st, z3 = rng.choice(CITIES)
        unit = f"Apt {rng.randint(1, 20)}" if rng.random() < 0.2 else None
        return (
            f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            unit,
            city,
            st,
            f"{z3}{rng.randint(10, 99)}",
        )

    # The named cast the tests talk about.
    home = ("12 Oak Avenue", None, "Springfield", "IL", "62701")
    person("Robert", "Allen", "Walker", "Sr", date(1950, 3, 4), "HH-WALKER", [home])
    person("Robert", "Allen", "Walker", "Jr", date(1978, 9, 30), "HH-WALKER", [home])
    person("Linda", None, "Walker", None, date(1952, 1, 15), "HH-WALKER", [home])
    person(
        "María",
        "José",
        "García López",
        None,
        date(1985, 6, 2),
        "HH-GARCIA",
        [("400 North Main Street", "Apt 4B", "Austin", "TX", "78701")],
    )
    # Rare names at an address of her own: name + address alone are strong evidence.
    person(
        "Zephyrine",
        None,
        "Okonkwo",
        None,
        date(1961, 5, 17),
        "HH-OKONKWO",
        [("3 Quarry Lane", None, "Bangor", "ME", "04401")],
    )
    person(
        "William",
        "Henry",
        "Harrison",
        None,
        date(1970, 2, 9),
        "HH-HARR",
        [
            ("77 Elm St", None, "Albany", "NY", "12207"),
            ("9 River Rd", None, "Tucson", "AZ", "85701"),
        ],
    )
    while tp < people:
        hh = f"HH{tp:06d}"
        last = rng.choice(LAST)
        a = address()
        for _ in range(rng.choice([1, 1, 2, 3])):
            first = rng.choice(FIRST)
            dob = date(1940, 1, 1) + timedelta(days=rng.randint(0, 60 * 365))
            addrs = [a] if rng.random() > 0.1 else [a, address()]
            person(first, rng.choice([None, "A", "Lee", "Marie"]), last, None, dob, hh, addrs)
    # A stranger whose TIN is one digit from Linda Walker's: mistyping hers lands on his.
    linda = next(str(r["tin"]) for r in rows if r["first_name"] == "Linda")
    near = next(
        t for d in range(1, 10) if (t := f"{linda[:-1]}{(int(linda[-1]) + d) % 10}") not in used
    )
    person("Quentin", None, "Abernathy", None, date(1966, 7, 1), "HH-ABERNATHY", [address()], near)
    out = root / "master"
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(out / "part-0.parquet", index=False)
    return FakeVault(root)
