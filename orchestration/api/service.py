"""What an endpoint answers, independent of HTTP: the panels' SQL run as the caller, cached.
Also the cache's invalidation and warming after a build (used by the Dagster sensor)."""
import json
import logging
from datetime import date

from orchestration.api.cache import Cache, parse_cache_key
from orchestration.api.catalog import BY_TYPE, Endpoint, endpoints_reading
from orchestration.api.db import Principal

log = logging.getLogger("warehouse.api")


def answer(db, endpoint: Endpoint, principal: Principal, params: dict) -> str:
    """The endpoint's answer as JSON text: its panels for these params (tenant_id, start_date/end_date
    or days). The rows' JSON is the database's own (Postgres json_agg): Python only frames it."""
    tenant = params.get("tenant_id") or principal.tenant_id       # a tenant key's own, unless it asks for another
    sql_params = {"tenant_id": tenant, "start_date": _date(params.get("start_date")),
                  "end_date": _date(params.get("end_date")), "days": params.get("days")}
    arrays = db.fetch_json(principal, [(p.sql(tenant_filtered=tenant is not None), sql_params)
                                       for p in endpoint.panels])
    panels = ",".join(f"{json.dumps(panel.name)}:{rows}" for panel, rows in zip(endpoint.panels, arrays))
    frame = {"endpoint": endpoint.type, "scope": principal.scope,
             "params": {k: v for k, v in params.items() if v is not None}, "marts": list(endpoint.marts)}
    return json.dumps(frame, separators=(",", ":"))[:-1] + ',"panels":{' + panels + "}}"


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def cached_answer(db, cache: Cache, endpoint: Endpoint, principal: Principal, params: dict) -> tuple[str, bool]:
    key_params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()}
    return cache.get_or_compute(endpoint.type, principal.scope, key_params, endpoint.cache_class,
                                lambda: answer(db, endpoint, principal, key_params))


def refresh_after_build(db, cache: Cache, built_marts: set[str], principal_for_scope) -> dict:
    """Drop every cached answer that reads a rebuilt mart, then compute those same answers again
    (warming), as the scope's login. `principal_for_scope(scope)` gives the Principal or None."""
    invalidated, warmed, failed = 0, 0, 0
    for endpoint in endpoints_reading(built_marts):
        keys = cache.keys_of(endpoint.type)
        invalidated += cache.delete(keys)
        for key in keys:
            _prefix, type_, scope, params = parse_cache_key(key)
            if "days" in params:        # the query string's text, back to the parameter's type
                params["days"] = int(params["days"])
            principal = principal_for_scope(scope)
            if principal is None:
                continue
            try:
                cached_answer(db, cache, BY_TYPE[type_], principal, params)
                warmed += 1
            except Exception as e:       # one bad entry must not stop the rest; it is simply not warmed
                log.warning("could not warm %s: %s", key, e)
                failed += 1
    return {"invalidated": invalidated, "warmed": warmed, "failed": failed}


def principal_lookup(db):
    """Scope -> Principal from the key store: any active key's role for that tenant (or platform)."""
    def lookup(scope: str) -> Principal | None:
        tenant = None if scope == "platform" else scope
        if db.target == "postgres":
            with db.connection() as con:
                row = con.execute("select key_id, tenant_id, role_name from security.api_keys where revoked_at is null "
                                  "and tenant_id is not distinct from %s limit 1", [tenant]).fetchone()
            return Principal(*row) if row else None
        return Principal("warm", tenant, "duckdb")
    return lookup
