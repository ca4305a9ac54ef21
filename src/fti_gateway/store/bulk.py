"""Fast bulk inserts of DataFrame rows, one small loader per database.

A 1.3-million-row request must be stored before anything acts on it, inside the same
transaction as the request itself. PostgreSQL takes rows fastest through ``COPY``
(pyarrow writes the CSV stream, psycopg sends it); SQLite through ``executemany`` in
batches. The choice is made once, here, by dialect name — not scattered across callers.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

BATCH_ROWS = 100_000
# Every non-null value quoted, nulls left empty: COPY's CSV format reads an unquoted
# empty field as NULL and "" as the empty string, so both survive.
_CSV_OUT = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")


class RowSink(Protocol):
    def write(self, frame: pd.DataFrame) -> None:
        """Insert the rows of ``frame`` (the columns the sink was opened with)."""
        ...


class BulkLoader(Protocol):
    def load(self, conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
        """Insert every row of ``frame`` (columns named as in ``table``); return the count."""
        ...

    def sink(
        self, conn: sa.Connection, table: sa.Table, names: list[str], *, later: bool = False
    ) -> AbstractContextManager[RowSink]:
        """Rows of many frames into ``table``, all inserted when the block ends. ``later``:
        they may be held back until then (so another sink can stream meanwhile)."""
        ...


class _Each:
    """A sink that inserts each frame as it comes."""

    def __init__(self, loader: BulkLoader, conn: sa.Connection, table: sa.Table) -> None:
        self.loader, self.conn, self.table = loader, conn, table

    def write(self, frame: pd.DataFrame) -> None:
        self.loader.load(self.conn, self.table, frame)


def loader_for(dialect: sa.Dialect) -> BulkLoader:
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return CopyLoader()
    return ExecuteManyLoader()


def _records(frame: pd.DataFrame, json_columns: set[str]) -> list[tuple[Any, ...]]:
    """Plain Python tuples: NaN/NA → None, numpy ints → int, dicts → JSON text if asked.

    Column by column (one ``tolist`` each) and zipped once: an object column holding
    only str/None (what arrow's ``to_pandas`` gives) is taken as it is, and a column is
    scanned for missing values only to replace them. Building rows value by value, or
    reordering each tuple afterwards, cost ~10 µs a row — more than SQLite's insert."""
    cols = []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any():
            cols.append(s.to_numpy().tolist())
            continue
        if s.dtype == object and not s.isna().any():
            values = s.tolist()
        elif s.dtype == object:
            values = [None if v is None or v is pd.NA or v != v else v for v in s.tolist()]
        else:
            values = s.astype(object).where(s.notna(), None).tolist()
        if name in json_columns:
            values = [None if v is None else json.dumps(v, sort_keys=True) for v in values]
        cols.append(values)
    return list(zip(*cols, strict=True)) if cols else []


class ExecuteManyLoader:
    """DB-API ``executemany`` in batches, inside the caller's transaction (SQLite, others)."""

    def load(self, conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        names = list(frame.columns)
        json_cols = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
        stmt = sa.insert(table)
        compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
        sql = str(compiled)
        # The statement's parameter order, applied to the columns (not to every row).
        ordered = frame.loc[:, list(compiled.positiontup or names)]
        for start in range(0, len(ordered), BATCH_ROWS):
            rows = _records(ordered.iloc[start : start + BATCH_ROWS], json_cols)
            # exec_driver_sql: the DB-API executemany, with SQLAlchemy's error types.
            conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
        return len(frame)

    @contextmanager
    def sink(
        self, conn: sa.Connection, table: sa.Table, names: list[str], *, later: bool = False
    ) -> Iterator[RowSink]:
        yield _Each(self, conn, table)


class CopyLoader:
    """PostgreSQL ``COPY … FROM STDIN (FORMAT csv)``: pyarrow writes, psycopg streams."""

    def load(self, conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        with self.sink(conn, table, list(frame.columns)) as out:
            out.write(frame)
        return len(frame)

    @contextmanager
    def sink(
        self, conn: sa.Connection, table: sa.Table, names: list[str], *, later: bool = False
    ) -> Iterator[RowSink]:
        """One ``COPY`` for every frame written: the server stores a block while the next
        is being read, with no round trip between blocks. ``later``: the CSV is kept in
        a temporary file and sent when the block ends."""
        from psycopg import sql

        json_cols = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
        stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        error = conn.dialect.loaded_dbapi.Error
        try:
            if later:
                with tempfile.TemporaryFile() as held:
                    yield _CsvOut(held.write, names, json_cols)
                    if held.tell():
                        held.seek(0)
                        with dbapi.cursor() as cur, cur.copy(stmt) as copy:
                            while part := held.read(1 << 20):
                                copy.write(part)
            else:
                with dbapi.cursor() as cur, cur.copy(stmt) as copy:
                    yield _CsvOut(copy.write, names, json_cols)
        except error as e:
            # The same exception types as every other SQLAlchemy call (IntegrityError, …).
            raise sa.exc.DBAPIError.instance(stmt.as_string(dbapi), None, e, error) from e


class _CsvOut:
    """Frames as COPY's CSV, to ``send``."""

    def __init__(self, send: Any, names: list[str], json_cols: set[str]) -> None:
        self.send, self.names, self.json_cols = send, names, json_cols

    def write(self, frame: pd.DataFrame) -> None:
        frame = frame.loc[:, self.names]
        for start in range(0, len(frame), BATCH_ROWS):
            chunk = _arrow_chunk(frame.iloc[start : start + BATCH_ROWS], self.json_cols)
            buf = io.BytesIO()
            pacsv.write_csv(chunk, buf, write_options=_CSV_OUT)
            self.send(buf.getvalue())


def _arrow_chunk(frame: pd.DataFrame, json_cols: set[str]) -> pa.Table:
    columns = {}
    for name in frame.columns:
        s = frame[name]
        if name in json_cols:
            values = [
                None if v is None or (isinstance(v, float) and np.isnan(v)) else json.dumps(v)
                for v in s.tolist()
            ]
            columns[name] = pa.array(values, type=pa.string())
        elif pd.api.types.is_integer_dtype(s.dtype):
            columns[name] = pa.array(s.to_numpy())
        else:
            try:  # str/None columns convert in C++; anything else goes the slow, sure way
                columns[name] = pa.array(s, type=pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                values = s.astype(object).where(s.notna(), None).tolist()
                columns[name] = pa.array([None if v is None else str(v) for v in values])
    return pa.table(columns)
