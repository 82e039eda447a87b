"""Pure rules of the RCS connector: rendering a template into a message (no I/O)."""
