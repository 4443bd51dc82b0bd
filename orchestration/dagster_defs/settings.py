"""Where the orchestrator points, from the environment (the same variables dbt's profile reads).

    DBT_TARGET          duckdb (default) | postgres | bigquery
    DBT_DUCKDB_PATH     the DuckDB file (default: warehouse.duckdb in the repo)
    PG*                 Postgres connection (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)
    WAREHOUSE_RAW_MODE  demo (default: raw tables are generated) | external (loaded by someone else;
                        observed, never materialised here)
    WAREHOUSE_AS_OF_DATE   pins the clock (dbt var as_of_date); default today (UTC)
    WAREHOUSE_REPORTS_DIR  where executive reports are written (default: reports/ in the repo)
    ALERT_WEBHOOK_URL   optional: alerts are also POSTed here as JSON
"""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT                       # resolved from __file__: a relative path breaks at run time
DBT_PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR", REPO_ROOT / ".dbt"))


def target() -> str:
    return os.environ.get("DBT_TARGET", "duckdb")


def duckdb_path() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH", REPO_ROOT / "warehouse.duckdb"))


def raw_mode() -> str:
    mode = os.environ.get("WAREHOUSE_RAW_MODE", "demo")
    if mode not in ("demo", "external"):
        raise ValueError(f"WAREHOUSE_RAW_MODE must be demo or external, got {mode!r}")
    return mode


def reports_dir() -> Path:
    return Path(os.environ.get("WAREHOUSE_REPORTS_DIR", REPO_ROOT / "reports"))


def as_of_date() -> str:
    """WAREHOUSE_AS_OF_DATE pins the run's clock (dbt var as_of_date, check windows); empty = today (UTC)."""
    return os.environ.get("WAREHOUSE_AS_OF_DATE", "")
