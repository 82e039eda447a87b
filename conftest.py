"""Root pytest configuration: the real-infrastructure fixtures of the local default."""

pytest_plugins = ["cpaas.local.pytest_plugin"]
