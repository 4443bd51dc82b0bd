"""/health: is the warehouse reachable, is the cache on (hits and misses), how fresh are the raw
feeds and the marts, and how complete is staging. Every age and share is computed by SQL."""
import os
from datetime import UTC, datetime

from orchestration.api.catalog import api_marts
from orchestration.api.settings import COMPLETENESS_TARGET, DAILY_MART_TARGET_HOURS, LIVE_FEED_TARGET_HOURS

AGE_HOURS = {
    "postgres": "extract(epoch from (now() at time zone 'utc') - {col}) / 3600.0",
    "duckdb": "date_diff('second', {col}, cast(now() at time zone 'UTC' as timestamp)) / 3600.0",
}


def _tables():
    from orchestration.contract import load
    return load()


def freshness_sql(target: str) -> str:
    """Newest `_loaded_at` per raw source (schema) and its age in hours."""
    per_table = " union all ".join(f"select '{t.source}' as source, max(_loaded_at) as newest from {t.source}.{t.name}"
                                   for t in _tables())
    age = AGE_HOURS[target].format(col="max(newest)")
    return (f"select source, max(newest) as newest_loaded_at, {age} as age_hours from ({per_table}) as loads "
            "group by source order by source")


def mart_builds_sql() -> str:
    names = ", ".join(f"'{m}'" for m in api_marts())
    age = AGE_HOURS["postgres"].format(col="(built_at at time zone 'utc')")
    return ("select mart, built_at at time zone 'utc' as built_at, " + age + " as age_hours from ("
            "select relname as mart, greatest(last_analyze, last_autoanalyze) as built_at from pg_stat_user_tables "
            f"where schemaname = 'marts' and relname in ({names})) as builds order by mart")


def completeness_sql() -> str:
    """Per raw table: rows that reached staging, rows set aside in quarantine, and the staged share."""
    staged = " union all ".join(f"select '{t.id}' as source_table, count(*) as staged_rows "
                                f"from staging.stg_{t.short_source}__{t.name}" for t in _tables())
    return f"""
with staged as ({staged}),

quarantined as (
    select source_table, count(*) as quarantined_rows from quarantine.quarantine_rows group by source_table
),

tables as (
    select staged.source_table, staged.staged_rows, coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from staged
    left join quarantined on staged.source_table = quarantined.source_table
),

with_total as (
    select source_table, staged_rows, quarantined_rows from tables
    union all
    select 'all' as source_table, sum(staged_rows), sum(quarantined_rows) from tables
)

select
    source_table,
    staged_rows,
    quarantined_rows,
    cast(staged_rows as double precision) / nullif(staged_rows + quarantined_rows, 0) as staged_share
from with_total
order by source_table = 'all', source_table
"""


def data_health(db, duckdb_path: str | None = None) -> dict:
    """Freshness and completeness (cached by the caller: a minute)."""
    statements = [freshness_sql(db.target), completeness_sql()]
    if db.target == "postgres":
        statements.append(mart_builds_sql())
    results = db.fetch_admin(statements)
    feeds = [{**r, "newest_loaded_at": _iso(r["newest_loaded_at"]), "target_hours": LIVE_FEED_TARGET_HOURS,
              "ok": r["age_hours"] is not None and r["age_hours"] < LIVE_FEED_TARGET_HOURS} for r in results[0]]
    if db.target == "postgres":
        marts = [{**r, "built_at": _iso(r["built_at"]), "target_hours": DAILY_MART_TARGET_HOURS,
                  "ok": r["age_hours"] is not None and r["age_hours"] < DAILY_MART_TARGET_HOURS} for r in results[2]]
    else:       # DuckDB keeps no build times: the file's last write is the newest build
        built = datetime.fromtimestamp(os.stat(duckdb_path).st_mtime, UTC).replace(tzinfo=None)
        age = (datetime.now(UTC).replace(tzinfo=None) - built).total_seconds() / 3600
        marts = [{"mart": "(warehouse file)", "built_at": built.isoformat(), "age_hours": age,
                  "target_hours": DAILY_MART_TARGET_HOURS, "ok": age < DAILY_MART_TARGET_HOURS}]
    tables = [{**r, "target_share": COMPLETENESS_TARGET,
               "ok": r["staged_share"] is None or r["staged_share"] > COMPLETENESS_TARGET} for r in results[1]]
    return {"freshness": {"raw_sources": feeds, "marts": marts}, "completeness": tables}


def _iso(value):
    return value.isoformat() if value is not None else None
