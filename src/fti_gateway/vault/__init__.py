"""The taxpayer master store: Parquet files queried through DuckDB; import and synthesis."""
