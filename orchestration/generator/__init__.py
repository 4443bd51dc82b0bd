"""Synthetic multi-tenant raw data that follows docs/contracts/raw_sources.yml.

`generate()` simulates tenants (CRM, billing, commerce), plants documented mess
and returns a ground-truth ledger computed from the simulation itself.

Where to look: core.py runs the tenants and writes the Parquet files and the ledger;
profiles.py holds the tenant profiles and every rate, volume and timing shape; b2b/ simulates CRM (crm.py) and
billing (billing.py) on one random stream; commerce.py the store and its clickstream;
messaging/ WhatsApp; mess.py plants the mess every table gets; load.py loads a Parquet
directory into DuckDB, Postgres or BigQuery.
"""
