"""The FastAPI application: /health and the read-only /api/v1 endpoints of catalog.ENDPOINTS.

Each request: rate limit (per key, per group) -> key -> the panels' SQL as the key's login, through
the Redis cache. Errors are JSON `{"error": code, "message": text}` (422 adds the fields), never a
traceback."""
import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestration.api import health as health_mod
from orchestration.api.cache import Cache
from orchestration.api.catalog import ENDPOINTS, Endpoint, Panel
from orchestration.api.db import DatabaseUnavailable, LoginMissing, Principal, open_database
from orchestration.api.keys import hash_key, key_id
from orchestration.api.service import cached_answer
from orchestration.api.settings import (DATABASE_RETRY_AFTER_SECONDS, MESSAGING_DAYS_DEFAULT, MESSAGING_DAYS_MAX,
                                        ApiConfig)

log = logging.getLogger("warehouse.api")
EXAMPLE_PAGE = Path(__file__).resolve().parents[2] / "bi" / "api" / "dashboard.html"

EARLIEST, LATEST = date(1900, 1, 1), date(9999, 12, 31)
TENANT_PATTERN = r"^[A-Za-z0-9_]{1,40}$"
# auto_error off: a missing or malformed key is this API's own 401, not FastAPI's 403
BEARER = HTTPBearer(auto_error=False, description="an API key: `warehouse api key create --tenant T`")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, fields: list | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.fields = status, code, message, headers or {}, fields


def error_body(code: str, message: str, fields: list | None = None) -> dict:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return body


class ErrorResponse(BaseModel):
    error: str
    message: str
    fields: list[dict] | None = None


# --- response models, derived from the catalog --------------------------------------------------------------

DATE_COLUMNS = {"month", "day", "cohort_month", "quarter", "period_start", "period_end", "churn_month",
                "activity_month", "current_start", "current_end", "previous_start", "previous_end"}
TEXT_COLUMNS = {"tenant_id", "lead_source", "opportunity_type", "user_id", "full_name", "team", "plan_term",
                "customer_id", "segment", "last_health_band", "campaign_id", "campaign_name", "status",
                "period_type"}
Number = int | float


def column_type(name: str):
    if name in DATE_COLUMNS:
        return date | None
    if name in TEXT_COLUMNS:
        return str | None
    if name.startswith("is_"):
        return bool | None
    if name.endswith("_at"):
        return datetime | None
    return Number | None


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace("-", "_").split("_"))


def row_model(endpoint: Endpoint, panel: Panel) -> type[BaseModel]:
    fields = {c: (column_type(c), None) for c in panel.output_columns}
    return create_model(f"{_camel(endpoint.type)}{_camel(panel.name)}Row", **fields)


def answer_model(endpoint: Endpoint) -> type[BaseModel]:
    panels = create_model(f"{_camel(endpoint.type)}Panels",
                          **{p.name: (list[row_model(endpoint, p)], ...) for p in endpoint.panels})
    return create_model(f"{_camel(endpoint.type)}Answer", endpoint=(str, ...),
                        scope=(str, Field(..., description="the key's tenant, or `platform`")),
                        params=(dict[str, Any], ...), marts=(list[str], Field(..., description="marts read")),
                        panels=(panels, ...))


class CacheCounts(BaseModel):
    hits: int
    misses: int
    where: str


class Health(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str = Field(..., description="ok, degraded (data stale or incomplete) or unavailable")
    database: str
    target: str
    cache: str
    cache_counts: CacheCounts
    freshness: dict[str, list[dict[str, Any]]] | None = None
    completeness: list[dict[str, Any]] | None = None


# --- the application ----------------------------------------------------------------------------------------

def create_app(config: ApiConfig, db=None, cache: Cache | None = None) -> FastAPI:
    db = db or open_database(config)
    cache = cache or Cache(config.redis_url, config.cache_prefix, dict(config.rate_limits))
    app = FastAPI(title="warehouse metrics API", version="1.0.0",
                  description="Read-only metrics from the warehouse marts, per tenant. Send `Authorization: "
                              "Bearer <key>` (`warehouse api key create --tenant T`).",
                  responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
                             429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}})
    app.state.db, app.state.cache, app.state.config = db, cache, config

    @app.exception_handler(ApiError)
    async def api_error(_request, exc: ApiError):
        return JSONResponse(error_body(exc.code, exc.message, exc.fields), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, exc: RequestValidationError):
        fields = [{"field": str(e["loc"][-1]) if e.get("loc") else "request", "in": str(e["loc"][0]) if e.get("loc") else "",
                   "message": e.get("msg", "invalid")} for e in exc.errors()]
        names = ", ".join(sorted({f["field"] for f in fields}))
        return JSONResponse(error_body("invalid_request", f"invalid value for {names}", fields), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DatabaseUnavailable)
    async def unavailable(_request, exc: DatabaseUnavailable):
        log.warning("database unavailable: %s", exc)
        return JSONResponse(error_body("database_unavailable", "the warehouse is not answering; retry shortly"),
                            status_code=503, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})

    @app.exception_handler(LoginMissing)
    async def login_missing(_request, exc: LoginMissing):
        return JSONResponse(error_body("unauthorized", "this key's database login no longer exists: create a new key"),
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Exception)
    async def internal(_request, exc: Exception):
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "the request failed; it has been logged"), status_code=500)

    def check_rate(request: Request, group: str, token: str, endpoint: str) -> None:
        who = key_id(token) if token else f"addr:{request.client.host if request.client else 'unknown'}"
        decision = cache.rate(group, who, endpoint=endpoint)
        request.state.rate = decision
        if not decision.allowed:
            raise ApiError(429, "rate_limited", f"more than {decision.limit} requests a minute to this endpoint",
                           headers={"Retry-After": str(decision.retry_after),
                                    "X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": "0"})

    def limited(group: str, endpoint: str | None = None):
        """Rate limit (per key and endpoint, at the group's limit), then the key (declared in OpenAPI as
        HTTP bearer): the request's Principal."""
        def dependency(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Principal:
            token = credentials.credentials.strip() if credentials else ""
            check_rate(request, group, token, endpoint or group)
            if not token:
                raise ApiError(401, "unauthorized", "send an API key: Authorization: Bearer <key>",
                               headers={"WWW-Authenticate": "Bearer"})
            principal = db.authenticate(hash_key(token))
            if principal is None:
                raise ApiError(401, "unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
            return principal
        return dependency

    def health_limited(request: Request) -> None:
        """/health needs no key: limited per client address."""
        check_rate(request, "health", "", "health")

    def respond(request: Request, text: str, hit: bool) -> Response:
        rate = request.state.rate
        return Response(text, media_type="application/json",
                        headers={"X-Cache": "hit" if hit else "miss", "X-RateLimit-Limit": str(rate.limit),
                                 "X-RateLimit-Remaining": str(rate.remaining)})

    @app.get("/health", response_model=Health, tags=["health"],
             responses={503: {"model": Health, "description": "the warehouse is not answering"}})
    def get_health(request: Request, _: Annotated[None, Depends(health_limited)]):
        counts = cache.counts()
        base = {"target": db.target, "cache": cache.status(), "cache_counts": counts}
        try:
            db.ping()
        except DatabaseUnavailable:
            return JSONResponse({"status": "unavailable", "database": "unavailable", **base}, status_code=503,
                                headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
        text, _hit = cache.get_or_compute("health", "platform", {}, "realtime",
                                          lambda: health_mod.data_health(db, config.duckdb_path))
        data = json.loads(text)
        ok = all(r["ok"] for section in data["freshness"].values() for r in section) and \
            all(r["ok"] for r in data["completeness"])
        return {"status": "ok" if ok else "degraded", "database": "ok", **base, **data}

    @app.get("/example/dashboard", include_in_schema=False)
    def example_dashboard():
        """bi/api/dashboard.html: a dashboard page that calls this API (same origin: no CORS needed)."""
        return FileResponse(EXAMPLE_PAGE, media_type="text/html")

    router = APIRouter(prefix="/api/v1")
    for endpoint in ENDPOINTS:
        _add_route(router, endpoint, limited, respond, db, cache)
    app.include_router(router)
    from orchestration.api.report_jobs import add_report_routes
    add_report_routes(app, limited, db, config)
    return app


def _date_range(start_date: date, end_date: date) -> None:
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        if not EARLIEST <= value <= LATEST:
            raise ApiError(422, "invalid_request", f"{name} must be between {EARLIEST} and {LATEST}",
                           fields=[{"field": name, "in": "query", "message": "out of range"}])
    if end_date < start_date:
        raise ApiError(422, "invalid_request", "end_date is before start_date",
                       fields=[{"field": "end_date", "in": "query", "message": "must not be before start_date"}])


TenantParam = Annotated[str | None, Query(pattern=TENANT_PATTERN,
                                          description="platform keys: one tenant only; a tenant key sees its own "
                                                      "rows whatever this says")]


def _add_route(router: APIRouter, endpoint: Endpoint, limited, respond, db, cache: Cache) -> None:
    model = answer_model(endpoint)
    guard = Depends(limited(endpoint.rate_group, endpoint.type))
    meta = dict(response_model=model, summary=endpoint.title,
                description=f"{endpoint.description}\n\nReads: {', '.join(endpoint.marts)}.", tags=[endpoint.type.split('_')[0]])

    if endpoint.params == "date_range":
        def handler(request: Request, start_date: date, end_date: date, principal: Annotated[Principal, guard],
                    tenant_id: TenantParam = None):
            _date_range(start_date, end_date)
            params = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat(), "tenant_id": tenant_id}
            return respond(request, *cached_answer(db, cache, endpoint, principal, params))
    elif endpoint.params == "days":
        def handler(request: Request, principal: Annotated[Principal, guard],
                    days: Annotated[int, Query(ge=1, le=MESSAGING_DAYS_MAX)] = MESSAGING_DAYS_DEFAULT,
                    tenant_id: TenantParam = None):
            return respond(request, *cached_answer(db, cache, endpoint, principal, {"days": days, "tenant_id": tenant_id}))
    else:
        def handler(request: Request, principal: Annotated[Principal, guard], tenant_id: TenantParam = None):
            return respond(request, *cached_answer(db, cache, endpoint, principal, {"tenant_id": tenant_id}))

    router.add_api_route(endpoint.path, handler, methods=["GET"], name=endpoint.type, **meta)
