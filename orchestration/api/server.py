"""The uvicorn factory: the app configured from the environment (DBT_TARGET, DBT_DUCKDB_PATH, PG*,
REDIS_URL), as `warehouse api serve` sets it."""
from orchestration.api.app import create_app
from orchestration.api.settings import ApiConfig


def app_from_env():
    return create_app(ApiConfig.from_env())
