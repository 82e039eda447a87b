"""Serving in the current event loop comes from the platform library."""

from cpaas.platform.serve import bind_socket, serving

__all__ = ["bind_socket", "serving"]
