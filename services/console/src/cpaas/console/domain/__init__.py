"""The console's rules, without I/O: what users may submit (templates, sender IDs, channels,
the blacklist, account settings, users, approvals, balance adjustments), how credentials
are made and checked, login throttling, uploads and SMS previews. Every refusal is an
InvalidField naming the field at fault (errors.py), answered 422 by the API."""
