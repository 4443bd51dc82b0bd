"""The metrics API: a read-only, tenant-keyed JSON API over the marts (FastAPI), cached in Redis
and rate-limited. catalog.py declares what each endpoint reads; app.py serves it."""
