"""cpaas.gateway: the public REST API (submit, reports) on port 8081."""
