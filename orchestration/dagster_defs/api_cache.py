"""The metrics API's cache follows the builds: when a mart that an API endpoint reads is
materialised, its cached answers are dropped and computed again (orchestration/api: the catalog
says which endpoint reads which mart). Without REDIS_URL there is no cache and nothing to do. On
DuckDB the answers are only dropped: opening the file while a run writes it would stop the run."""
import dagster as dg

from orchestration.api.catalog import api_marts
from orchestration.dagster_defs import settings

API_MARTS = [dg.AssetKey(["marts", name]) for name in api_marts()]


def refresh_api_cache(built_marts: set[str]) -> dict:
    """Invalidate and warm the API cache for these rebuilt marts; returns the counts."""
    from orchestration.api.cache import Cache
    from orchestration.api.db import DatabaseUnavailable, open_database
    from orchestration.api.service import principal_lookup, refresh_after_build
    from orchestration.api.settings import ApiConfig
    config = ApiConfig.from_env(settings.target())
    if not config.redis_url:
        return {"invalidated": 0, "warmed": 0, "failed": 0, "note": "REDIS_URL unset: the API serves uncached"}
    cache = Cache(config.redis_url, config.cache_prefix)
    if config.target == "duckdb":       # never open the file a run may still be writing: drop, do not warm
        from orchestration.api.catalog import endpoints_reading
        dropped = sum(cache.delete(cache.keys_of(e.type)) for e in endpoints_reading(built_marts))
        return {"invalidated": dropped, "warmed": 0, "failed": 0, "note": "DuckDB: dropped, warmed by the next request"}
    db = open_database(config)
    try:
        return refresh_after_build(db, cache, built_marts, principal_lookup(db))
    except DatabaseUnavailable as e:     # e.g. a DuckDB file still being written: drop, do not warm
        from orchestration.api.catalog import endpoints_reading
        dropped = sum(cache.delete(cache.keys_of(e_.type)) for e_ in endpoints_reading(built_marts))
        return {"invalidated": dropped, "warmed": 0, "failed": 0, "note": f"not warmed: {e}"}
    finally:
        db.close()


@dg.multi_asset_sensor(
    monitored_assets=API_MARTS, name="api_cache_refresh", minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING if settings.automation_running() else dg.DefaultSensorStatus.STOPPED,
    description="After a build of a mart the metrics API reads, drop its cached answers and warm them again.")
def api_cache_refresh(context: dg.MultiAssetSensorEvaluationContext):
    records = context.latest_materialization_records_by_key()
    built = {key.path[-1] for key, record in records.items() if record is not None}
    if not built:
        return dg.SkipReason("no mart the API reads was materialised")
    counts = refresh_api_cache(built)
    context.advance_all_cursors()
    context.log.info(f"API cache after {len(built)} mart build(s): {counts}")
    return dg.SkipReason(f"API cache refreshed for {', '.join(sorted(built))}: {counts}")
