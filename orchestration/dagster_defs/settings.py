"""Where the orchestrator points, from the environment (the same variables dbt's profile reads).

    DBT_TARGET          duckdb (default) | postgres | bigquery
    DBT_DUCKDB_PATH     the DuckDB file (default: warehouse.duckdb in the repo)
    PG*                 Postgres connection (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)
    WAREHOUSE_RAW_MODE  demo (default: raw tables are generated) | external (loaded by someone else;
                        observed, never materialised here)
    WAREHOUSE_AS_OF_DATE   the one clock of a run (YYYY-MM-DD): the generator's history end, the GX
                        freshness windows, dbt's var as_of_date, the anomaly check's day and the
                        reports' as-of date; empty = the UTC date the run was created (run_as_of_date)
    WAREHOUSE_REPORTS_DIR  where the reports are written (default: reports/ in the repo)
    ALERT_WEBHOOK_URL   optional: alerts are also POSTed here as JSON
    REPORTS_SMTP_*, REPORTS_SLACK_WEBHOOK_URL   optional: where the range reports are delivered
                        (orchestration/reports/delivery.py)
    WAREHOUSE_AUTOMATION   running: the schedules and the failure sensor start switched on (`make
                        dagster` sets it); anything else (default): they start off, as Dagster's are
"""
import os
import re
from datetime import date, datetime, UTC
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT                       # resolved from __file__: a relative path breaks at run time
DBT_PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR", REPO_ROOT / ".dbt"))
# dbt's own variable for its artifacts (manifest.json, which the Definitions read): two deployments,
# or two test processes, sharing one checkout each keep their own
DBT_TARGET_PATH = Path(os.environ.get("DBT_TARGET_PATH", REPO_ROOT / "target"))


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


def run_as_of_date(context) -> date:
    """The run's as-of date: the only reader of WAREHOUSE_AS_OF_DATE, called by every step that needs
    "today" (generator, GX checks, dbt var, anomaly check, reports) with its Dagster context.

    Pinned (YYYY-MM-DD, else one ValueError line): that date. Empty: the UTC date on which the run was
    created (its root run's, for a re-execution), read from the run record, so every step of the run
    gets the same day in any process, even one that starts after midnight. Never computed at import.
    Outside a stored run (a directly invoked asset in a unit test): today, UTC."""
    pinned = os.environ.get("WAREHOUSE_AS_OF_DATE", "").strip()
    if pinned:
        return parse_as_of_date(pinned, "WAREHOUSE_AS_OF_DATE")
    try:
        run = context.dagster_run if hasattr(context, "dagster_run") else context.run
    except Exception:                       # directly invoked: no run
        return datetime.now(UTC).date()
    if run.run_id not in _RUN_DATES:
        record = (run.root_run_id and context.instance.get_run_record_by_id(run.root_run_id)) \
            or context.instance.get_run_record_by_id(run.run_id)
        created = record.create_timestamp if record else datetime.now(UTC)
        _RUN_DATES[run.run_id] = created.astimezone(UTC).date()
    return _RUN_DATES[run.run_id]


_RUN_DATES: dict[str, date] = {}           # run id -> as-of date: one storage read per run and process


def parse_as_of_date(value: str, what: str) -> date:
    """A strict YYYY-MM-DD date (as dbt's as_of_date() macro accepts), or one clear ValueError."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"{what} must be a YYYY-MM-DD date, got {value!r}")


def dbt_vars() -> dict:
    """The dbt project's vars (dbt_project.yml): the one home of the thresholds Python also needs
    (quarantine_max_share for the raw checks, the anomaly rules for alert texts)."""
    import yaml
    with open(DBT_PROJECT_DIR / "dbt_project.yml") as f:
        return yaml.safe_load(f)["vars"]


def automation_running() -> bool:
    """Whether schedules and sensors start switched on (WAREHOUSE_AUTOMATION=running). A switch set in
    the UI is kept by the Dagster instance and wins over this default."""
    return os.environ.get("WAREHOUSE_AUTOMATION", "") == "running"
