"""The metrics API (orchestration/api) on the Postgres test warehouse with a real Redis: every
endpoint's numbers equal SQL on the marts written here; a tenant key sees its tenant only, whatever
it asks; keys are stored hashed and revocable; the cache is keyed, hit, invalidated and warmed
after a build (the Dagster sensor); limits answer 429 with Retry-After; every error is a clear JSON
answer; the OpenAPI spec is fuzzed (no 500); and `warehouse api serve` serves the read-only
DuckDB demo."""
import hashlib
import json
import os
import re
import subprocess
import time
from datetime import date
from decimal import Decimal

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from psycopg.rows import dict_row

from orchestration.api.app import answer_model, create_app
from orchestration.api.cache import Cache
from orchestration.api.catalog import ENDPOINTS
from orchestration.api.db import PostgresDatabase
from orchestration.api.settings import RATE_LIMITS_PER_MINUTE, ApiConfig
from orchestration.generator.load import pg_conninfo

from conftest import BIN, REPO, free_port, warehouse_cli

TENANT, OTHER = "tn_001", "tn_002"
PREFIX = f"apitest{os.getpid()}"          # roles are per server and Redis is shared: this run's own names
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
START, END = "2025-12-01", "2026-10-31"
RANGE = {"start_date": START, "end_date": END}


def redis_client():
    import redis
    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture(scope="module")
def api(postgres_warehouse):
    """Keys made by the CLI (tenant, other tenant, platform), and an in-process app on the warehouse."""
    wh = postgres_warehouse
    env = {**wh.env, "WAREHOUSE_API_ROLE_PREFIX": PREFIX, "DBT_TARGET": "postgres"}
    keys = {name: warehouse_cli(env, "api", "key", "create", *args).stdout
            for name, args in (("tenant", ["--tenant", TENANT]), ("other", ["--tenant", OTHER]),
                               ("platform", ["--platform"]))}
    db = PostgresDatabase(pg_conninfo(wh.env["PGDATABASE"]))
    cache = Cache(REDIS_URL, prefix=f"analytics_{PREFIX}")
    app = create_app(ApiConfig(target="postgres", redis_url=REDIS_URL, cache_prefix=cache.prefix), db=db, cache=cache)
    from fastapi.testclient import TestClient
    client = TestClient(app)
    yield type("Api", (), {"wh": wh, "env": env, "keys": keys, "client": client, "db": db, "cache": cache})
    db.close()
    r = redis_client()
    for key in r.scan_iter(match=f"{cache.prefix}:*"):
        r.delete(key)
    for role in (f"{PREFIX}_tenant_{TENANT}", f"{PREFIX}_tenant_{OTHER}", f"{PREFIX}_platform"):
        warehouse_cli(env, "access", "drop-login", role, check=False)


def auth(api, who: str) -> dict:
    return {"Authorization": f"Bearer {api.keys[who].strip()}"}


def truth(wh, sql: str) -> list[dict]:
    """SQL on the marts as the warehouse's owner (no row-level security), as plain numbers."""
    with psycopg.connect(**pg_conninfo(wh.env["PGDATABASE"]), row_factory=dict_row) as con:
        rows = con.execute(sql).fetchall()
    return [{k: normal(v) for k, v in row.items()} for row in rows]


def normal(v):
    if isinstance(v, Decimal | float | int) and not isinstance(v, bool):
        return round(float(v), 6)
    if isinstance(v, date):
        return v.isoformat()
    return v


def same(api_rows: list[dict], sql_rows: list[dict]) -> None:
    assert len(api_rows) == len(sql_rows)
    for got, want in zip(api_rows, sql_rows):
        for k, v in want.items():
            assert normal(got[k]) == (pytest.approx(v, rel=1e-9, abs=1e-6) if isinstance(v, float) else v), (k, got, want)


T = f"tenant_id = '{TENANT}'"
D = f"between '{START}' and '{END}'"
# Independently written truths: endpoint -> panel -> SQL on the marts for tenant T over the range.
TRUTHS = {
    "/api/v1/dashboards/sales": {
        "funnel": f"select cohort_month, lead_source, leads, contacted, qualified, proposal, won, customer, "
                  f"lead_to_customer_rate from marts.sales_funnel where {T} and cohort_month {D} "
                  "order by cohort_month, lead_source",
        "funnel_totals": f"select sum(leads) as leads, sum(won) as won, sum(customer) as customer "
                         f"from marts.sales_funnel where {T} and cohort_month {D}",
        "pipeline": f"select month, opportunity_type, open_pipeline_usd, win_rate_by_count from "
                    f"marts.sales_pipeline_monthly where {T} and month {D} order by month, opportunity_type",
    },
    "/api/v1/dashboards/customer-success": {
        "health": f"select month, healthy_accounts, critical_accounts, at_risk_mrr from marts.customer_health_monthly "
                  f"where {T} and month {D} order by month",
        "renewals": f"select quarter, plan_term, renewals_due, renewal_rate from marts.renewals_quarterly "
                    f"where {T} and quarter {D} order by quarter, plan_term",
        "churn_totals": f"select sum(lost_mrr) as lost_mrr, count(*) as churn_events from marts.fct_customer_churn "
                        f"where {T} and churn_month {D}",
    },
    "/api/v1/dashboards/revenue": {
        "mrr": f"select month, starting_mrr, new_mrr, churned_mrr, ending_mrr, arr, net_revenue_retention "
               f"from marts.mrr_monthly where {T} and month {D} order by month",
        "movement_totals": f"select sum(new_mrr) as new_mrr, sum(churned_mrr) as churned_mrr, "
                           f"sum(net_new_mrr) as net_new_mrr, sum(new_customers) as new_customers "
                           f"from marts.mrr_monthly where {T} and month {D}",
        "by_segment": f"select month, segment, mrr, arpa from marts.mrr_by_segment where {T} and month {D} "
                      "order by month, segment",
        "unit_economics": f"select month, ltv, cac, ltv_to_cac from marts.revenue_unit_economics "
                          f"where {T} and month {D} order by month",
    },
    "/api/v1/dashboards/executive": {
        "monthly": f"select month, mrr, store_revenue_usd, conversion_rate, win_rate from marts.executive_kpis "
                   f"where {T} and month {D} order by month",
        "daily": f"select period_start, revenue_usd, orders, revenue_growth from marts.period_kpis "
                 f"where {T} and period_type = 'day' and period_start {D} order by period_start",
        "totals": f"select sum(revenue_usd) as revenue_usd, sum(orders) as orders, sum(sessions) as sessions "
                  f"from marts.period_kpis where {T} and period_type = 'day' and period_start {D}",
    },
    "/api/v1/mrr/trend": {
        "months": f"select month, ending_mrr, arr, mrr_growth_rate, trailing_12m_net_revenue_retention "
                  f"from marts.mrr_monthly where {T} and month {D} order by month",
    },
    "/api/v1/mrr/bridge": {
        "months": f"select month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, "
                  f"churned_mrr, ending_mrr from marts.mrr_monthly where {T} and month {D} order by month",
        "totals": f"select sum(expansion_mrr) as expansion_mrr, sum(contraction_mrr) as contraction_mrr, "
                  f"sum(churned_customers) as churned_customers from marts.mrr_monthly where {T} and month {D}",
    },
    "/api/v1/cohorts": {
        "cells": f"select cohort_month, month_number, cohort_size, retention_rate, cumulative_revenue_per_customer "
                 f"from marts.cohort_retention where {T} and cohort_month {D} order by cohort_month, month_number",
    },
    "/api/v1/messaging/overview": {
        "months": f"select period_start, messages_sent, messages_delivered, delivery_rate, reply_rate "
                  f"from marts.messaging_snapshots where {T} and period_type = 'month' and whatsapp_account_id is null "
                  f"and period_start {D} order by period_start",
        "conversations": f"select sum(total_conversations) as total_conversations, sum(total_cost) as total_cost, "
                         f"sum(tokens_used) as tokens_used, sum(response_time_seconds_sum) as response_time_seconds_sum "
                         f"from marts.conversation_metrics_daily where {T} and outlet_id is null and day {D}",
        "top_campaigns": f"select campaign_id, campaign_score, messages_sent from marts.campaign_performance "
                         f"where {T} and cast(first_sent_at as date) {D} "
                         "order by campaign_score desc, messages_sent desc, campaign_id limit 10",
    },
}


@pytest.mark.parametrize("path", sorted(TRUTHS))
def test_each_endpoint_equals_sql_on_the_marts(api, path):
    r = api.client.get(path, params=RANGE, headers=auth(api, "tenant"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"] == TENANT
    [endpoint] = [e for e in ENDPOINTS if f"/api/v1{e.path}" == path]
    answer_model(endpoint).model_validate(body)          # the documented response model
    for panel, rows in body["panels"].items():
        assert all(set(row) == set(answer_model(endpoint).model_fields["panels"].annotation.model_fields[panel]
                                   .annotation.__args__[0].model_fields) for row in rows)
    for panel, sql in TRUTHS[path].items():
        want = truth(api.wh, sql)
        assert want and any(v not in (None, 0) for row in want for v in row.values()), (path, panel)
        same(body["panels"][panel], want)


def test_messaging_dashboard_and_summary_equal_sql_on_the_marts(api):
    days = 7
    last = truth(api.wh, f"select max(period_start) as d from marts.messaging_snapshots where {T} "
                         "and period_type = 'day' and whatsapp_account_id is null and is_complete")[0]["d"]

    def window(first_back: int, last_back: int) -> dict:
        return truth(api.wh, f"select sum(messages_sent) as s, sum(messages_replied) as r from marts.messaging_snapshots "
                             f"where {T} and period_type = 'day' and whatsapp_account_id is null and period_start "
                             f"between date '{last}' - {first_back} and date '{last}' - {last_back}")[0]
    now, before = window(days - 1, 0), window(2 * days - 1, days)
    r = api.client.get("/api/v1/messaging/dashboard", params={"days": days}, headers=auth(api, "tenant"))
    assert r.status_code == 200, r.text
    [row] = r.json()["panels"]["window"]
    assert row["current_end"] == last and (row["messages_sent"], row["messages_replied"]) == (now["s"], now["r"])
    assert (row["previous_messages_sent"], row["previous_messages_replied"]) == (before["s"], before["r"])
    assert row["messages_sent_growth"] == pytest.approx((now["s"] - before["s"]) / before["s"])

    r = api.client.get("/api/v1/messaging/summary", headers=auth(api, "tenant"))
    assert r.status_code == 200, r.text
    latest = {row["period_type"]: row for row in r.json()["panels"]["latest_periods"]}
    assert set(latest) == {"day", "week", "month"}
    for period_type, row in latest.items():
        [want] = truth(api.wh, f"select period_start, messages_sent, reply_rate, messages_sent_growth, contacts_active "
                               f"from marts.messaging_snapshots where {T} and whatsapp_account_id is null "
                               f"and period_type = '{period_type}' and is_complete order by period_start desc limit 1")
        same([row], [want])
    same(r.json()["panels"]["campaigns"],
         truth(api.wh, f"select status, count(*) as campaigns, sum(messages_sent) as messages_sent, "
                       f"sum(total_cost_usd) as total_cost_usd from marts.campaign_performance where {T} "
                       "group by status order by status"))


def test_a_tenant_key_sees_its_tenant_only_and_a_platform_key_every_tenant(api):
    path = "/api/v1/dashboards/revenue"
    for asked in (None, OTHER):         # asking for another tenant (a forged filter) gives nothing of it
        params = {**RANGE, **({"tenant_id": asked} if asked else {})}
        body = api.client.get(path, params=params, headers=auth(api, "tenant")).json()
        tenants = {row["tenant_id"] for rows in body["panels"].values() for row in rows}
        assert tenants == ({TENANT} if asked is None else set())
    other = api.client.get(path, params=RANGE, headers={**auth(api, "other"), "X-Tenant-Id": TENANT}).json()
    assert {row["tenant_id"] for rows in other["panels"].values() for row in rows} == {OTHER}
    every = api.client.get(path, params=RANGE, headers=auth(api, "platform")).json()
    assert {row["tenant_id"] for row in every["panels"]["mrr"]} == {
        r["tenant_id"] for r in truth(api.wh, "select distinct tenant_id from marts.mrr_monthly")}
    one = api.client.get(path, params={**RANGE, "tenant_id": OTHER}, headers=auth(api, "platform")).json()
    same(one["panels"]["mrr"], truth(api.wh, f"select month, ending_mrr from marts.mrr_monthly where tenant_id = '{OTHER}' "
                                             f"and month {D} order by month"))


def test_keys_are_printed_alone_stored_hashed_and_revocable(api):
    try:
        key = warehouse_cli(api.env, "api", "key", "create", "--tenant", "tn_003").stdout
        assert re.fullmatch(r"wh_[A-Za-z0-9_-]{40,}\n", key)
        stored = truth(api.wh, "select key_hash, tenant_id, role_name from security.api_keys "
                               "where tenant_id = 'tn_003' and revoked_at is null")
        assert key.strip() not in json.dumps(truth(api.wh, "select * from security.api_keys"), default=str)
        assert stored == [{"key_hash": hashlib.sha256(key.strip().encode()).hexdigest(), "tenant_id": "tn_003",
                           "role_name": f"{PREFIX}_tenant_tn_003"}]
        headers = {"Authorization": f"Bearer {key.strip()}"}
        assert api.client.get("/api/v1/mrr/trend", params=RANGE, headers=headers).status_code == 200
        warehouse_cli(api.env, "api", "key", "revoke", "--tenant", "tn_003")
        r = api.client.get("/api/v1/mrr/trend", params=RANGE, headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        # a key whose login an operator dropped is refused too, not an error
        key = warehouse_cli(api.env, "api", "key", "create", "--tenant", "tn_003").stdout.strip()
        warehouse_cli(api.env, "access", "drop-login", f"{PREFIX}_tenant_tn_003")
        r = api.client.get("/api/v1/mrr/trend", params=RANGE, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    finally:
        warehouse_cli(api.env, "api", "key", "revoke", "--tenant", "tn_003", check=False)
        warehouse_cli(api.env, "access", "drop-login", f"{PREFIX}_tenant_tn_003", check=False)


def test_errors_are_clear_json_answers(api):
    c, path = api.client, "/api/v1/mrr/bridge"
    for headers in ({}, {"Authorization": "Bearer wh_not-a-key"}, {"Authorization": "Basic abc"}):
        r = c.get(path, params=RANGE, headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer" and "message" in r.json()
    key = auth(api, "tenant")
    backwards = c.get(path, params={"start_date": END, "end_date": START}, headers=key)
    assert backwards.status_code == 422 and [f["field"] for f in backwards.json()["fields"]] == ["end_date"]
    for bad in ({"start_date": "2026-02-30", "end_date": END}, {"start_date": "yesterday", "end_date": END},
                {"end_date": END}):
        r = c.get(path, params=bad, headers=key)
        assert r.status_code == 422 and [f["field"] for f in r.json()["fields"]] == ["start_date"], r.text
    r = c.get("/api/v1/messaging/dashboard", params={"days": 0}, headers=key)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "days"
    beyond = c.get(path, params={"start_date": "2090-01-01", "end_date": "2090-12-31"}, headers=key)
    assert beyond.status_code == 200 and beyond.json()["panels"]["months"] == []
    assert c.get("/api/v1/nothing", headers=key).status_code == 404
    for r in (backwards, beyond):
        assert "Traceback" not in r.text


def test_a_database_outage_is_503_with_retry_after(api):
    from fastapi.testclient import TestClient
    down = PostgresDatabase({**pg_conninfo(api.wh.env["PGDATABASE"]), "port": free_port(), "connect_timeout": 1})
    client = TestClient(create_app(ApiConfig(target="postgres"), db=down, cache=Cache(None)))
    for path, params in (("/api/v1/dashboards/sales", RANGE), ("/health", {})):
        r = client.get(path, params=params, headers=auth(api, "tenant"))
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), r.text
        assert "Traceback" not in r.text and "psycopg" not in r.text


def test_answers_are_cached_under_their_key_and_counted_on_health(api):
    c, params = api.client, {"start_date": "2026-01-01", "end_date": "2026-06-30"}
    before = c.get("/health").json()["cache_counts"]
    first = c.get("/api/v1/dashboards/sales", params=params, headers=auth(api, "tenant"))
    second = c.get("/api/v1/dashboards/sales", params=params, headers=auth(api, "tenant"))
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit") and first.json() == second.json()
    key = f"{api.cache.prefix}:dashboard_sales:{TENANT}:end_date=2026-06-30&start_date=2026-01-01"
    assert 0 < redis_client().ttl(key) <= 300
    for type_, query_params, ttl in (("mrr_trend", RANGE, 3_600), ("messaging_dashboard", {"days": 7}, 60)):
        r = c.get(f"/api/v1/{type_.replace('_', '/')}", params=query_params, headers=auth(api, "tenant"))
        assert r.status_code == 200
        query = "&".join(f"{k}={v}" for k, v in sorted(query_params.items()))
        assert ttl - 60 < redis_client().ttl(f"{api.cache.prefix}:{type_}:{TENANT}:{query}") <= ttl
    after = c.get("/health").json()
    assert after["cache"] == "ok"
    assert after["cache_counts"]["hits"] >= before["hits"] + 1 and after["cache_counts"]["misses"] >= before["misses"] + 1
    # another tenant's key never gets this tenant's cached answer
    other = c.get("/api/v1/dashboards/sales", params=params, headers=auth(api, "other"))
    assert other.headers["X-Cache"] == "miss" and {r["tenant_id"] for r in other.json()["panels"]["funnel"]} == {OTHER}


def test_without_redis_the_api_serves_uncached_and_says_so(api):
    """No REDIS_URL, or a Redis that does not answer: every request is served, uncached."""
    from fastapi.testclient import TestClient
    for cache in (Cache(None), Cache(f"redis://127.0.0.1:{free_port()}/0")):
        client = TestClient(create_app(ApiConfig(target="postgres"), db=api.db, cache=cache))
        for _ in range(2):
            r = client.get("/api/v1/mrr/trend", params=RANGE, headers=auth(api, "tenant"))
            assert r.status_code == 200 and r.headers["X-Cache"] == "miss"
        health = client.get("/health").json()
        assert "uncached" in health["cache"] and health["cache_counts"]["where"] == "this process"


def test_a_build_invalidates_and_warms_the_cache_through_the_dagster_sensor(api, monkeypatch):
    import dagster as dg

    from orchestration.dagster_defs.api_cache import API_MARTS, api_cache_refresh
    c, params = api.client, {"start_date": "2026-03-01", "end_date": "2026-03-31"}
    month = truth(api.wh, f"select ending_mrr from marts.mrr_monthly where {T} and month = '2026-03-01'")[0]["ending_mrr"]
    assert c.get("/api/v1/mrr/trend", params=params, headers=auth(api, "tenant")).json()["panels"]["months"][0][
        "ending_mrr"] == pytest.approx(month)
    stable = c.get("/api/v1/cohorts", params=params, headers=auth(api, "tenant"))       # reads no rebuilt mart
    # a rebuild that changes the month (the build swaps the table; here one row changes in place)
    with psycopg.connect(**pg_conninfo(api.wh.env["PGDATABASE"]), autocommit=True) as con:
        con.execute(f"update marts.mrr_monthly set ending_mrr = ending_mrr + 1000 where {T} and month = '2026-03-01'")
    try:
        stale = c.get("/api/v1/mrr/trend", params=params, headers=auth(api, "tenant"))
        assert stale.headers["X-Cache"] == "hit" and stale.json()["panels"]["months"][0]["ending_mrr"] == pytest.approx(month)
        for name, value in (("DBT_TARGET", "postgres"), ("PGDATABASE", api.wh.env["PGDATABASE"]),
                            ("REDIS_URL", REDIS_URL), ("WAREHOUSE_API_CACHE_PREFIX", api.cache.prefix)):
            monkeypatch.setenv(name, value)
        with dg.instance_for_test() as instance:
            instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(["marts", "mrr_monthly"])))
            context = dg.build_multi_asset_sensor_context(
                monitored_assets=API_MARTS, instance=instance,
                definitions=dg.Definitions(assets=[dg.AssetSpec(k) for k in API_MARTS], sensors=[api_cache_refresh]))
            result = api_cache_refresh(context)
        assert "mrr_monthly" in result.skip_message and "'warmed': 0" not in result.skip_message
        fresh = c.get("/api/v1/mrr/trend", params=params, headers=auth(api, "tenant"))
        assert fresh.headers["X-Cache"] == "hit"          # warmed by the sensor, with the new number
        assert fresh.json()["panels"]["months"][0]["ending_mrr"] == pytest.approx(month + 1000)
        again = c.get("/api/v1/cohorts", params=params, headers=auth(api, "tenant"))
        assert again.headers["X-Cache"] == "hit" and again.json() == stable.json()
    finally:
        with psycopg.connect(**pg_conninfo(api.wh.env["PGDATABASE"]), autocommit=True) as con:
            con.execute(f"update marts.mrr_monthly set ending_mrr = ending_mrr - 1000 where {T} and month = '2026-03-01'")


@pytest.mark.parametrize("group, limit", [("dashboard", 60), ("revenue", 30), ("cohorts", 30), ("health", 120)])
def test_each_group_has_its_limit_per_key_and_minute(group, limit):
    """In Redis, by the clock minute: `limit` requests pass, the next waits for the minute's end."""
    cache = Cache(REDIS_URL, prefix=f"analytics_{PREFIX}_rate")
    now = 1_800_000_000 + 15.5      # 15.5 s into a minute
    try:
        decisions = [cache.rate(group, "key_a", now=now) for _ in range(limit + 1)]
        assert [d.allowed for d in decisions] == [True] * limit + [False]
        assert decisions[-1].retry_after == 45 and decisions[0].remaining == limit - 1
        assert cache.rate(group, "key_b", now=now).allowed                 # per key
        assert cache.rate(group, "key_a", now=now + 45).allowed            # the next minute
    finally:
        r = redis_client()
        for key in r.scan_iter(match=f"{cache.prefix}:*"):
            r.delete(key)


def test_limits_answer_429_with_retry_after(api):
    if time.time() % 60 > 57:            # the window is the clock minute: the burst (< 1 s) stays inside one
        time.sleep(60.5 - time.time() % 60)
    c, headers = api.client, auth(api, "other")
    statuses = [c.get("/api/v1/cohorts", params=RANGE, headers=headers).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    r = c.get("/api/v1/cohorts", params=RANGE, headers=headers)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60 and r.json()["error"] == "rate_limited"
    # per key and endpoint: the same key's MRR trend (also 30 a minute) and another key's cohorts still answer
    assert c.get("/api/v1/mrr/trend", params=RANGE, headers=headers).status_code == 200
    assert c.get("/api/v1/cohorts", params=RANGE, headers=auth(api, "platform")).status_code == 200


def test_health_reports_freshness_and_completeness_from_sql(api):
    body = api.client.get("/health").json()
    assert body["database"] == "ok" and body["status"] in ("ok", "degraded")
    feeds = {r["source"]: r for r in body["freshness"]["raw_sources"]}
    want = truth(api.wh, "select max(_loaded_at) as newest from raw_messaging.messages")[0]["newest"]
    assert set(feeds) == {"raw_billing", "raw_commerce", "raw_crm", "raw_messaging"}
    assert feeds["raw_messaging"]["newest_loaded_at"] >= want.replace(" ", "T")
    assert all(r["ok"] for r in body["freshness"]["marts"]) and len(body["freshness"]["marts"]) >= 15
    share = {r["source_table"]: r for r in body["completeness"]}
    staged = truth(api.wh, "select count(*) as n from staging.stg_messaging__messages")[0]["n"]
    quarantined = truth(api.wh, "select count(*) as n from quarantine.quarantine_rows "
                                "where source_table = 'raw_messaging.messages'")[0]["n"]
    row = share["raw_messaging.messages"]
    assert (row["staged_rows"], row["quarantined_rows"]) == (staged, quarantined)
    assert row["staged_share"] == pytest.approx(staged / (staged + quarantined)) and share["all"]["ok"]


def test_a_report_is_started_polled_and_downloaded(api):
    c = api.client
    started = c.post("/api/v1/reports", headers=auth(api, "tenant"))
    assert started.status_code == 202, started.text
    rid = started.json()["report_id"]
    assert c.get(f"/api/v1/reports/{rid}", headers=auth(api, "other")).status_code == 404   # not its report
    for _ in range(100):
        status = c.get(f"/api/v1/reports/{rid}", headers=auth(api, "tenant")).json()
        if status["status"] != "running":
            break
        time.sleep(0.5)
    assert status["status"] == "done", status
    pdf = c.get(f"/api/v1/reports/{rid}/download", params={"format": "pdf"}, headers=auth(api, "tenant"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = c.get(f"/api/v1/reports/{rid}/download", params={"format": "csv"}, headers=auth(api, "tenant")).text
    months = truth(api.wh, f"select count(*) as n from marts.executive_kpis where {T}")[0]["n"]
    assert len(csv.strip().splitlines()) == months + 1
    assert c.post("/api/v1/reports", params={"tenant_id": OTHER}, headers=auth(api, "tenant")).status_code == 403


def test_the_openapi_spec_fuzzed_gives_no_server_error(api):
    """schemathesis generates requests from /openapi.json, bounded (a few per operation, no shrinking
    database), against an app on the real database, uncached and without limits, with a platform key:
    every answer is a documented status with a body matching its schema, none a 5xx or a traceback.
    Report creation (a PDF render per call) is left out."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
    app = create_app(ApiConfig(target="postgres"), db=api.db,
                     cache=Cache(None, limits=dict.fromkeys(RATE_LIMITS_PER_MINUTE, 100_000)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(method="POST")
    token = api.keys["platform"].strip()
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     response_schema_conformance])
            assert "Traceback" not in response.text

        fuzz()
        fuzzed.append(operation.label)
    assert len(fuzzed) == 13, fuzzed


def test_the_docs_and_the_dbt_exposure_follow_the_catalog():
    """docs/API.md holds the catalog's endpoint table; the dbt exposure metrics_api and the Dagster
    sensor depend on exactly the marts the endpoints and reports read."""
    import yaml

    from orchestration.api.catalog import REPORT_MARTS, api_marts, endpoint_table
    from orchestration.dagster_defs.reports import MARTS
    assert endpoint_table() in (REPO / "docs" / "API.md").read_text() and set(REPORT_MARTS) == set(MARTS)
    doc = yaml.safe_load((REPO / "models" / "marts" / "_exposures.yml").read_text())
    [exposure] = [e for e in doc["exposures"] if e["name"] == "metrics_api"]
    assert [re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]] == list(api_marts())
    for endpoint in ENDPOINTS:
        for panel in endpoint.panels:
            assert set(re.findall(r"marts\.(\w+)", panel.sql())) == {panel.mart}, (endpoint.type, panel.name)


def test_warehouse_api_serve_reads_the_duckdb_demo_read_only(duckdb_warehouse, tmp_path):
    """`warehouse api serve --target duckdb`: the demo file opened read-only, keys in a file beside it."""
    import duckdb
    env = {**duckdb_warehouse.env, "WAREHOUSE_API_KEYS_PATH": str(tmp_path / "keys.sqlite"), "REDIS_URL": ""}
    key = warehouse_cli(env, "api", "key", "create", "--tenant", TENANT, "--target", "duckdb").stdout.strip()
    port = free_port()
    proc = subprocess.Popen([str(BIN / "warehouse"), "api", "serve", "--target", "duckdb", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
        for _ in range(100):
            try:
                health = httpx.get(f"{base}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["database"] == "ok", health.text
        r = httpx.get(f"{base}/api/v1/mrr/bridge", params={**RANGE, "tenant_id": OTHER}, headers=headers, timeout=10)
        assert r.status_code == 200 and {row["tenant_id"] for row in r.json()["panels"]["months"]} == {TENANT}
        con = duckdb.connect(duckdb_warehouse.env["DBT_DUCKDB_PATH"], read_only=True)
        try:
            want = con.execute(f"select month, ending_mrr from marts.mrr_monthly where {T} and month {D} "
                               "order by month").fetchall()
        finally:
            con.close()
        got = r.json()["panels"]["months"]
        assert [row["month"] for row in got] == [m.isoformat() for m, _ in want]
        assert [row["ending_mrr"] for row in got] == pytest.approx([float(v) for _, v in want])
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
        page = httpx.get(f"{base}/example/dashboard", timeout=5)
        assert page.status_code == 200 and "/api/v1/mrr/trend" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
