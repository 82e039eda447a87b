"""cpaas.console: the control plane (accounts, users, API keys, templates, sender IDs, blacklist)."""
