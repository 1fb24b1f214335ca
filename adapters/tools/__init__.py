"""Generators of the data tables in adapters (run by hand, outputs committed)."""
