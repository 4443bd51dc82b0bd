"""Every tunable number of the metrics API in one place, with its reason."""
import os
from dataclasses import dataclass
from typing import Literal

# Cache lifetimes (seconds) by how fast the data behind an answer can change.
CacheClass = Literal["realtime", "dashboard", "cohort", "benchmark"]
TTL_SECONDS: dict[str, int] = {
    "realtime": 60,      # health and the last-N-days messaging dashboard: within a minute
    "dashboard": 300,    # the dashboards: marts rebuild at most hourly (clickstream), daily otherwise
    "cohort": 3_600,     # cohorts and MRR: monthly grain, rebuilt once a day
    "benchmark": 86_400,  # cross-tenant benchmarks: change with the month
}

# Requests per minute, per API key (or per client address when no key is sent), per group.
RateGroup = Literal["dashboard", "revenue", "cohorts", "health", "reports", "report_status"]
RATE_LIMITS_PER_MINUTE: dict[str, int] = {
    "dashboard": 60,
    "revenue": 30,
    "cohorts": 30,
    "health": 120,
    "reports": 10,       # starting a report renders a PDF and a workbook: seconds of CPU each
    "report_status": 120,  # polling a report's status and downloading it: cheap
}
RATE_WINDOW_SECONDS = 60

# Health targets: live feeds are loaded continuously, the marts by the daily build (02:00 UTC, 2 h slack).
LIVE_FEED_TARGET_HOURS = 1
DAILY_MART_TARGET_HOURS = 26
COMPLETENESS_TARGET = 0.95

# After a Redis failure the API serves uncached for this long before trying Redis again (seconds).
REDIS_RETRY_SECONDS = 5

# A database that does not answer is reported as 503 with this Retry-After (seconds).
DATABASE_RETRY_AFTER_SECONDS = 5
# Longest a query may run before the API gives up on it (milliseconds, Postgres statement_timeout).
STATEMENT_TIMEOUT_MS = 15_000
# Connections kept open to Postgres (uvicorn serves sync endpoints from a thread pool of 40).
POOL_SIZE = 8

# The messaging dashboard's window: last N complete days against the N before them.
MESSAGING_DAYS_DEFAULT = 7
MESSAGING_DAYS_MAX = 366

REPORT_FORMATS = ("pdf", "xlsx", "csv")


@dataclass(frozen=True)
class ApiConfig:
    """Where the API reads from: the same settings as dbt's profile (profiles.yml.example)."""
    target: Literal["duckdb", "postgres"]
    duckdb_path: str = ""
    redis_url: str | None = None
    keys_path: str = ""          # DuckDB only: the API keys live beside the read-only warehouse file
    reports_dir: str = ""
    cache_prefix: str = "analytics"
    rate_limits: tuple[tuple[str, int], ...] = ()   # overrides, e.g. for a load test

    @staticmethod
    def parse_rate_limits(text: str) -> tuple[tuple[str, int], ...]:
        """WAREHOUSE_API_RATE_LIMITS="dashboard=120,revenue=60": per-minute limits replacing the defaults."""
        out = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            group, _, value = part.partition("=")
            if group not in RATE_LIMITS_PER_MINUTE or not value.isdigit():
                raise ValueError(f"WAREHOUSE_API_RATE_LIMITS: {part!r} is not <group>=<requests a minute> "
                                 f"with a group among {', '.join(RATE_LIMITS_PER_MINUTE)}")
            out.append((group, int(value)))
        return tuple(out)

    @classmethod
    def from_env(cls, target: str | None = None) -> "ApiConfig":
        target = target or os.environ.get("DBT_TARGET", "duckdb")
        if target not in ("duckdb", "postgres"):
            raise ValueError(f"the API serves duckdb or postgres, not {target!r}")
        duckdb_path = os.environ.get("DBT_DUCKDB_PATH", "warehouse.duckdb")
        return cls(target=target, duckdb_path=duckdb_path,
                   redis_url=os.environ.get("REDIS_URL") or None,
                   keys_path=os.environ.get("WAREHOUSE_API_KEYS_PATH") or f"{duckdb_path}.api_keys.sqlite",
                   reports_dir=os.environ.get("WAREHOUSE_API_REPORTS_DIR", ""),
                   cache_prefix=os.environ.get("WAREHOUSE_API_CACHE_PREFIX", "analytics"),
                   rate_limits=cls.parse_rate_limits(os.environ.get("WAREHOUSE_API_RATE_LIMITS", "")))
