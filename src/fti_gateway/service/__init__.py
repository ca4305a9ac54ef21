"""The HTTP service (FastAPI) over the same stages as the CLI: ``create_app(home)``."""

from fti_gateway.service.app import create_app

__all__ = ["create_app"]
