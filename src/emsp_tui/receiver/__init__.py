"""The eMSP's own OCPI 2.2.1 endpoints: a Starlette ASGI app served by uvicorn."""

from __future__ import annotations

from .app import create_receiver_app
from .context import ReceiverContext
from .server import ReceiverServer

__all__ = ["ReceiverContext", "ReceiverServer", "create_receiver_app"]
