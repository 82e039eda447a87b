"""The internal HTTP API of billing (routes.py, its shapes in models.py)."""
