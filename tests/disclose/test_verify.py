"""verify_package: any changed byte fails, naming the file; wrong keys fail."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.disclose import build_package, verify_package
from fti_gateway.disclose.files import canonical_json, csv_bytes
from fti_gateway.disclose.signing import sign_manifest
from tests.disclose.conftest import ALL_THREE, make_spec


@pytest.fixture(scope="module")
def package(
    tmp_path_factory: pytest.TempPathFactory, master_file: Path, signing_key: Ed25519PrivateKey
) -> Path:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW master AS SELECT * FROM read_parquet('{master_file}')")
    out = tmp_path_factory.mktemp("pkg") / "pkg"
    build_package(
        out,
        make_spec(["identity.name", "identity.address", "return.agi"]),
        ALL_THREE,
        con,
        signing_key,
    )
    con.close()
    return out


@pytest.fixture
def copy(package: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(package, tmp_path / "pkg"))


def test_a_fresh_package_verifies(package: Path, signing_key: Ed25519PrivateKey) -> None:
    report = verify_package(package, signing_key.public_key())
    assert report.ok, report.problem
    assert report.key_source == "given"
    assert report.checks == [
        "files present",
        f"signature by key {report.key_id}",
        "manifest and signer key",
        "elements and columns",
        "data file hashes",
        "rows and columns",
    ]
    report.raise_for_failure()  # does not raise
    assert verify_package(package).key_source == "package"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["data.parquet", "data.csv", "manifest.json", "manifest.sig", "signer.pub"]
)
def test_flipping_any_byte_fails_and_names_the_file(
    copy: Path, signing_key: Ed25519PrivateKey, name: str
) -> None:
    target = copy / name
    original = target.read_bytes()
    assert len(original) > 0
    # Every byte of the signed/structured files; for the data files (checked by one
    # hash each) the head and tail bytes and every 5th byte between. The flipped bit and
    # whether a key is given alternate.
    keys = (None, signing_key.public_key())
    n = len(original)
    offsets = (
        range(n)
        if name not in ("data.parquet", "data.csv")
        else sorted({*range(min(64, n)), *range(max(0, n - 64), n), *range(0, n, 5)})
    )
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= (0x01, 0x80, 0x20)[offset % 3]
        target.write_bytes(bytes(damaged))
        report = verify_package(copy, keys[offset % 2])
        assert not report.ok, (name, offset)
        assert report.problem is not None
        assert report.problem.where.split(":")[0] == name, (offset, report.problem)
    target.write_bytes(original)
    assert verify_package(copy, signing_key.public_key()).ok


def test_data_hash_failure_says_expected_and_computed(copy: Path) -> None:
    data = bytearray((copy / "data.csv").read_bytes())
    data[-2] ^= 0x01
    (copy / "data.csv").write_bytes(bytes(data))
    report = verify_package(copy)
    assert report.problem is not None
    manifest = json.loads((copy / "manifest.json").read_bytes())
    assert report.problem.expected == manifest["files"]["data.csv"]["sha256"]
    assert report.problem.computed == hashlib.sha256(bytes(data)).hexdigest()
    with pytest.raises(IntegrityError, match="sha256 differs"):
        report.raise_for_failure()


def test_wrong_public_key_fails(package: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    report = verify_package(package, other)
    assert not report.ok
    assert report.problem is not None
    assert report.problem.where == "manifest.sig"
    assert "different key" in report.problem.message


def test_package_resigned_by_another_key_fails_against_the_real_key(
    copy: Path, signing_key: Ed25519PrivateKey
) -> None:
    forger = Ed25519PrivateKey.generate()
    _resign(copy, forger, lambda m: m)
    assert verify_package(copy).ok  # intact, but only proves integrity under its own key
    assert not verify_package(copy, signing_key.public_key()).ok


def test_public_key_given_as_base64_text_or_file(
    package: Path, tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    text = (package / "signer.pub").read_text().strip()
    assert verify_package(package, text).ok
    (tmp_path / "k.pub").write_text(text + "\n")
    assert verify_package(package, tmp_path / "k.pub").ok
    with pytest.raises(InputError):
        verify_package(package, "not-a-key")


def test_missing_and_extra_files_fail(copy: Path) -> None:
    (copy / "notes.txt").write_text("extra")
    report = verify_package(copy)
    assert report.problem is not None and report.problem.where == "notes.txt"
    (copy / "notes.txt").unlink()
    (copy / "data.csv").unlink()
    report = verify_package(copy)
    assert report.problem is not None and report.problem.where == "data.csv"


def _resign(
    path: Path, key: Ed25519PrivateKey, mutate: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Rewrite the manifest (re-hashing data files) and sign it: what a buggy builder
    holding the real key could produce. The verifier's content checks must still catch it."""
    manifest = json.loads((path / "manifest.json").read_bytes())
    for name in ("data.parquet", "data.csv"):
        raw = (path / name).read_bytes()
        manifest["files"][name] = {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    pub = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    manifest["signer"]["public_key"] = pub
    manifest = mutate(manifest)
    raw = canonical_json(manifest)
    (path / "manifest.json").write_bytes(raw)
    (path / "manifest.sig").write_bytes(sign_manifest(raw, key))
    (path / "signer.pub").write_text(pub + "\n")


def test_signed_manifest_claiming_an_internal_element_fails(
    copy: Path, signing_key: Ed25519PrivateKey
) -> None:
    def add_flag(m: dict[str, Any]) -> dict[str, Any]:
        m["elements"].append("irs.confidential_informant")
        return m

    _resign(copy, signing_key, add_flag)
    report = verify_package(copy, signing_key.public_key())
    assert report.problem is not None
    assert report.problem.where == "manifest.json:elements"


def test_signed_package_with_an_extra_column_fails(
    copy: Path, signing_key: Ed25519PrivateKey
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(copy / "data.parquet")
    table = table.append_column("dob", pa.array(["1981-01-10"] * table.num_rows))
    pq.write_table(table, copy / "data.parquet")
    (copy / "data.csv").write_bytes(csv_bytes(pq.read_table(copy / "data.parquet")))
    _resign(copy, signing_key, lambda m: m)
    report = verify_package(copy, signing_key.public_key())
    assert report.problem is not None
    assert report.problem.where == "data.parquet"
    assert "dob" in str(report.problem.computed)


def test_signed_package_whose_csv_differs_from_parquet_fails(
    copy: Path, signing_key: Ed25519PrivateKey
) -> None:
    lines = (copy / "data.csv").read_bytes().splitlines(keepends=True)
    (copy / "data.csv").write_bytes(b"".join(lines[:-1]))  # drop the last row
    _resign(copy, signing_key, lambda m: m)
    report = verify_package(copy, signing_key.public_key())
    assert report.problem is not None
    assert report.problem.where.startswith("data.csv:line ")


def test_signed_row_count_mismatch_fails(copy: Path, signing_key: Ed25519PrivateKey) -> None:
    def more_rows(m: dict[str, Any]) -> dict[str, Any]:
        m["data"]["rows"] += 1
        return m

    rows = json.loads((copy / "manifest.json").read_bytes())["data"]["rows"]
    assert rows == 5  # S1: 2021+2022, S2: 2021, S3: 2021+2022
    _resign(copy, signing_key, more_rows)
    report = verify_package(copy, signing_key.public_key())
    assert report.problem is not None
    assert (report.problem.where, report.problem.expected) == ("data.parquet", str(rows + 1))
    assert report.problem.computed == str(rows)
