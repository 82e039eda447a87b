"""Billing's rules, without I/O: what an attempt costs and when it is charged (`pricing`)."""
