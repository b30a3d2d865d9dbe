"""FastAPI app factory: `create_app(settings)`."""

from torchplay.api.app import create_app

__all__ = ["create_app"]
