"""Dagster definitions for the warehouse: `defs` in definitions.py (see README, "Running it unattended")."""
