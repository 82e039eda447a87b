"""Serving the voice API on its own port next to the sandbox's other servers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cpaas.platform.serve import bind_socket, serving


@asynccontextmanager
async def serve(app: FastAPI, host: str, port: int) -> AsyncIterator[str]:
    """Serve `app` on host:port (0: a free port) in the running loop; yields its base URL."""
    async with serving(app, bind_socket(host, port)) as bound:
        yield f"http://{host}:{bound}"
