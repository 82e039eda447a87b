"""The campaigns HTTP API: public routes (X-API-Key) and internal ones (X-Service-Token)."""
