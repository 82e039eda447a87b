"""The sandbox: the carrier world for the local default and for tests.

An SMSC speaking real SMPP 3.4 (`cpaas.sandbox.smsc`), with magic recipient numbers
(`cpaas.sandbox.outcomes`) that fail, stay silent or are refused, so failures and
fallback can be shown without a real carrier.
"""
