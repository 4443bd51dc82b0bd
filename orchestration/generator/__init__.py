"""Synthetic multi-tenant raw data that follows docs/contracts/raw_sources.yml.

`generate()` simulates tenants (CRM, billing, commerce), plants documented mess
and returns a ground-truth ledger computed from the simulation itself.
"""
