"""The HTTP service: `create_app` builds the ASGI app, `serve` runs it (uvicorn or Ray Serve)."""

from veriward.server._serve import serve
from veriward.server.app import create_app

__all__ = ["create_app", "serve"]
