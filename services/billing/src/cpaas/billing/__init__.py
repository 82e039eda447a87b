"""Billing: prepaid balances, the price list and the ledger (schema `billing`)."""
