"""Revision files, one per schema change, applied in order (Alembic skips this file)."""
