"""Superset configuration for the warehouse's local BI server (loaded through SUPERSET_CONFIG_PATH).

Metadata (users, dashboards, charts) lives in SQLite under SUPERSET_HOME; the warehouse itself is
registered as a database from `bi/superset/assets/` by `warehouse superset import`. The secret key
comes from the environment: `warehouse superset` generates one per installation and keeps it in
SUPERSET_HOME, never in the repository.
"""
import os
from pathlib import Path

SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME", Path(__file__).resolve().parents[2] / ".superset"))

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(SUPERSET_HOME / "data")

# Served on 127.0.0.1 only; no sample data, no outbound calls.
SUPERSET_WEBSERVER_ADDRESS = "127.0.0.1"
# ALLOW_ADHOC_SUBQUERY: charts pick their window with a subquery on the mart (the last complete month,
# the last 90 days of data), so a warehouse built for an earlier as-of date shows the same charts. The
# subquery runs as the warehouse login, so row-level security and the marts-only grants still apply.
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "THUMBNAILS": False, "ALERT_REPORTS": False, "ALLOW_ADHOC_SUBQUERY": True}
# The browser test logs in once per dashboard run; the default of 5 logins a second is kept.
AUTH_RATE_LIMITED = True
# Queries run as the registered warehouse login (a member of `analyst`): marts only, RLS applies.
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 60
ROW_LIMIT = 5000
