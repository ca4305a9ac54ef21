"""Request and decision state: SQLAlchemy, SQLite by default, PostgreSQL via FTI_DATABASE_URL."""
