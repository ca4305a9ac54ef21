"""Reading subject, match and truth files for the CLI and the benchmark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fti_gateway.core.errors import InputError, NotFoundError


def read_table(path: Path, what: str) -> pd.DataFrame:
    """CSV (all columns as text, empty → None) or Parquet, by extension."""
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"no {what} file here", where=str(p))
    try:
        if p.suffix.lower() in {".parquet", ".pq"}:
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
            df = df.replace({"": None})
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as e:
        raise InputError(
            f"cannot read the {what} file: {e}",
            where=str(p),
            hint="use UTF-8 CSV with a header row, or Parquet",
        ) from e
    return df


def write_matches(df: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out, index=False)
