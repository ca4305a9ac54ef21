"""The HTTP service (FastAPI) over the same stages as the CLI."""
