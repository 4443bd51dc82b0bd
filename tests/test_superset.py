"""Superset end to end on the Postgres warehouse: `warehouse superset setup` installs and initialises
Superset, registers the warehouse with a BI login and imports bi/superset/assets; gunicorn serves
it on a free loopback port. Every chart's data is rendered through Superset's REST API and checked
against the marts queried directly; re-importing the bundle overwrites a chart edited in Superset,
deletes a certified chart the bundle dropped and keeps an analyst's own; each dashboard is opened
in headless Chromium, must render all its charts without an error, and its screenshot must not be
blank. The bundle must match the
dbt exposures (same dashboards, same marts)."""
import json
import os
import re
import secrets
import signal
import subprocess
import time
from datetime import datetime, UTC
from pathlib import Path

import pytest
import yaml

from conftest import (BIN, REPO, drop_churn_risk, drop_forecast, free_port, warehouse_cli, write_churn_risk,
                      write_forecast)

pytestmark = pytest.mark.postgres

ASSETS = REPO / "bi" / "superset" / "assets"
LOGIN, TENANT_LOGIN = "test_superset_platform", "test_superset_tn_001"
SUPERSET_PYTHON = REPO / ".superset" / "venv" / "bin" / "python"
DASHBOARDS = ["sales", "customer-success", "revenue", "executive", "messaging"]
# KPI tiles first, then the charts (bi/superset/assets/dashboards)
CHARTS_PER_DASHBOARD = {"sales": 10, "customer-success": 9, "revenue": 9, "executive": 8, "messaging": 8}
ALL_CHARTS = sum(CHARTS_PER_DASHBOARD.values())


def bundle(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((ASSETS / kind).rglob("*.yaml"))]


def exposures() -> dict[str, dict]:
    """The dashboards' exposures (the metrics API is an exposure too, of type application)."""
    doc = yaml.safe_load((REPO / "models" / "marts" / "_exposures.yml").read_text())
    return {e["name"]: e for e in doc["exposures"] if e["type"] == "dashboard"}


def test_the_bundle_declares_the_exposed_dashboards_on_the_marts_they_depend_on():
    """Static: slugs are the exposures' URLs, and each dashboard's charts read only the marts its
    exposure depends on (so `dbt ls -s +exposure:...` tells what a dashboard needs), or the churn marts
    that `warehouse churn-risk` writes after dbt (dbt does not know them: the exposure's description
    names them)."""
    from orchestration.churn.run import TABLES as CHURN_MARTS
    datasets = {d["uuid"]: d for d in bundle("datasets")}
    charts = {c["uuid"]: c for c in bundle("charts")}
    dashboards = bundle("dashboards")
    assert all(d["schema"] == "marts" for d in datasets.values())
    by_slug = {d["slug"]: d for d in dashboards}
    assert sorted(by_slug) == sorted(DASHBOARDS)
    assert len(exposures()) == len(DASHBOARDS)
    for name, exposure in exposures().items():
        slug = exposure["url"].rstrip("/").rsplit("/", 1)[-1]
        assert slug in by_slug, name
        chart_uuids = [n["meta"]["uuid"] for n in by_slug[slug]["position"].values()
                       if isinstance(n, dict) and n.get("type") == "CHART"]
        assert len(chart_uuids) == CHARTS_PER_DASHBOARD[slug], slug
        read = set().union(*(marts_read(datasets[charts[u]["dataset_uuid"]]) for u in chart_uuids))
        declared = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]}
        assert read <= declared | set(CHURN_MARTS), (slug, read - declared)


def marts_read(dataset: dict) -> set[str]:
    """The marts a dataset reads: its table, or those its SQL names (a virtual dataset)."""
    return set(re.findall(r"marts\.(\w+)", dataset["sql"])) if dataset.get("sql") else {dataset["table_name"]}


@pytest.fixture(scope="module")
def superset(postgres_warehouse, tmp_path_factory):
    from orchestration import superset as superset_cli
    missing = [p for p in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not Path(p).exists()]
    assert not missing, f"{missing} missing: apt-get install chromium chromium-driver (bi/superset/README.md)"
    # Installing would reach the package index; tests never do: `make test` installs first.
    assert superset_cli.installed(), "Superset is not installed: run `warehouse superset install` (make test does)"
    write_forecast(postgres_warehouse)          # the Revenue dashboard shows it; taken away at the end
    write_churn_risk(postgres_warehouse)        # the Customer Success dashboard lists the riskiest customers
    home = tmp_path_factory.mktemp("superset_home")
    env = dict(postgres_warehouse.env, SUPERSET_HOME=str(home), SUPERSET_ADMIN_PASSWORD=secrets.token_urlsafe(16),
               SUPERSET_SECRET_KEY=secrets.token_urlsafe(32))
    warehouse_cli(env, "superset", "setup", "--login", LOGIN)
    port = free_port()
    log = open(home / "server.log", "w")  # noqa: SIM115 (the server writes to it until the fixture ends)
    server = subprocess.Popen([str(BIN / "warehouse"), "superset", "serve", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    import requests
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/health", timeout=2).text == "OK":
                    break
            except requests.RequestException:      # not listening yet, or the worker still booting
                pass
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        api = requests.Session()
        token = api.post(f"{base}/api/v1/security/login", json={
            "username": "admin", "password": env["SUPERSET_ADMIN_PASSWORD"], "provider": "db"}).json()
        api.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield {"base": base, "api": api, "env": env, "home": home, "wh": postgres_warehouse}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        for role in (LOGIN, TENANT_LOGIN):
            warehouse_cli(postgres_warehouse.env, "access", "drop-login", role, check=False)
        drop_forecast(postgres_warehouse)
        drop_churn_risk(postgres_warehouse)


def get(superset, path: str) -> dict:
    response = superset["api"].get(superset["base"] + path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def charts_by_name(superset) -> dict[str, int]:
    return {c["slice_name"]: c["id"] for c in get(superset, "/api/v1/chart/?q=(page_size:100)")["result"]}


def chart_rows(superset, chart_id: int) -> list[dict]:
    return get(superset, f"/api/v1/chart/{chart_id}/data/")["result"][0]["data"]


def month(epoch_ms) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).date().isoformat()


def test_superset_serves_the_five_dashboards_with_all_their_charts(superset):
    dashboards = {d["slug"]: d["id"] for d in get(superset, "/api/v1/dashboard/?q=(page_size:100)")["result"]}
    assert set(dashboards) == set(DASHBOARDS)
    for slug, dashboard_id in dashboards.items():
        charts = get(superset, f"/api/v1/dashboard/{dashboard_id}/charts")["result"]
        assert len(charts) == CHARTS_PER_DASHBOARD[slug], slug
    database = get(superset, "/api/v1/database/?q=(page_size:100)")["result"]
    assert [d["database_name"] for d in database] == ["warehouse"]


def test_every_chart_renders_rows_from_the_marts(superset):
    charts = charts_by_name(superset)
    assert len(charts) == ALL_CHARTS
    empty = [name for name, chart_id in charts.items() if not chart_rows(superset, chart_id)]
    assert empty == []


# Each chart's figures as SQL on the marts, written here independently of the chart's definition:
# (SQL with the chart's column labels, order-by keys, row limit). Superset's rows must equal these
# rows; where the mart holds more rows than the chart's limit, the chart's rows must be mart rows and
# follow the same order (ties on the order keys may be broken either way). A KPI tile's rows are its
# trend line (one value per period; Superset draws the last and its change against the one before).
# Windows: the last N complete periods of the mart, whatever the warehouse's as-of date.
def _monthly(table: str, label: str, expression: str, where: str = "true", month: str = "month") -> tuple:
    return (f'select {month}, {expression} as "{label}" from marts.{table} where {where} group by {month}',
            None, 10000)


def _last(table: str, column: str, interval: str, where: str = "true") -> str:
    return f"{column} >= (select max({column}) from marts.{table} where {where}) - interval {interval}"


LAST_24_MONTHS = "'23 months'"
CONVERSATION_MONTH = "cast(date_trunc('month', day) as date)"
RUNNING_MONTH = "date_trunc('month', (select max(day) from marts.conversation_metrics_daily) + 1)"
MESSAGING_MONTHS = "period_type = 'month' and whatsapp_account_id is null and is_complete"
CHART_SQL = {
    # ---- Sales
    "New leads": _monthly("sales_funnel", "New leads", "sum(leads)", "is_complete", "cohort_month"),
    "Qualified rate": _monthly("sales_funnel", "Qualified rate", "sum(qualified) * 1.0 / nullif(sum(leads), 0)",
                               "is_complete", "cohort_month"),
    "Open pipeline": _monthly("sales_pipeline_monthly", "Open pipeline", "sum(open_pipeline_usd)"),
    "Weighted pipeline": _monthly("sales_pipeline_monthly", "Weighted pipeline", "sum(weighted_pipeline_usd)"),
    "Win rate": _monthly("sales_pipeline_monthly", "Win rate",
                         "sum(won_opportunities) / nullif(sum(won_opportunities + lost_opportunities), 0)"),
    "Average deal size": _monthly("sales_pipeline_monthly", "Average deal size",
                                  "sum(won_amount_usd) / nullif(sum(won_opportunities), 0)"),
    # the mean cycle of the month's won deals, from the deals themselves
    "Sales cycle (days)": ("""select months.month, won.days as "Sales cycle (days)"
        from (select distinct month from marts.sales_pipeline_monthly) as months
        left join (select closed_month, avg(sales_cycle_days) as days from marts.fct_opportunities where is_won
                   group by closed_month) as won on won.closed_month = months.month""", None, 10000),
    "Lead funnel, last 12 cohorts": (" union all ".join(
        f"""select '{stage}' as stage, sum({column}) as "Leads" from marts.sales_funnel where is_complete
        and {_last("sales_funnel", "cohort_month", "'11 months'", "is_complete")}"""
        for stage, column in [("Leads", "leads"), ("Contacted", "contacted"), ("Qualified", "qualified"),
                              ("Proposal", "proposal"), ("Won", "won"), ("Customer", "customer")]), None, 10),
    "Rep leaderboard, last complete month": ("""select tenant_id as "Tenant", won_amount_rank as "Rank",
        full_name as "Rep", team as "Team", deals_won as "Deals won", won_amount_usd as "Won (USD)",
        win_rate as "Win rate", median_sales_cycle_days as "Median cycle (days)"
        from marts.sales_rep_performance_monthly
        where month = (select max(month) from marts.sales_rep_performance_monthly)""", None, 10000),
    "Leads and deals, last 30 days": (f"""select period_start, sum(leads) as "Leads",
        sum(qualified_leads) as "Qualified", sum(deals_won) as "Deals won" from marts.period_kpis
        where period_type = 'day' and {_last("period_kpis", "period_start", "'29 days'", "period_type = 'day'")}
        group by period_start""", None, 10000),
    # ---- Customer Success
    "At-risk MRR": _monthly("customer_health_monthly", "At-risk MRR", "sum(at_risk_mrr)"),
    "Logo churn rate": _monthly("mrr_monthly", "Logo churn rate",
                                "sum(churned_customers) * 1.0 / nullif(sum(starting_customers), 0)"),
    "Net revenue retention": _monthly("mrr_monthly", "Net revenue retention",
                                      "(sum(starting_mrr) + sum(expansion_mrr) + sum(contraction_mrr) "
                                      "+ sum(churned_mrr)) / nullif(sum(starting_mrr), 0)"),
    "Expansion MRR": _monthly("mrr_monthly", "Expansion MRR", "sum(expansion_mrr)"),
    "Accounts by health band": (f"""select month, sum(healthy_accounts) as "Healthy", sum(stable_accounts) as "Stable",
        sum(at_risk_accounts) as "At risk", sum(critical_accounts) as "Critical" from marts.customer_health_monthly
        where {_last("customer_health_monthly", "month", LAST_24_MONTHS)} group by month""", None, 10000),
    "Churn rates by month": (f"""select month,
        sum(churned_customers) * 1.0 / nullif(sum(starting_customers), 0) as "Logo churn",
        -(sum(contraction_mrr) + sum(churned_mrr)) / nullif(sum(starting_mrr), 0) as "Gross revenue churn"
        from marts.mrr_monthly where {_last("mrr_monthly", "month", LAST_24_MONTHS)} group by month""", None, 10000),
    "Expansion and contraction MRR": (f"""select month, sum(expansion_mrr) as "Expansion",
        sum(contraction_mrr) as "Contraction" from marts.mrr_monthly
        where {_last("mrr_monthly", "month", LAST_24_MONTHS)} group by month""", None, 10000),
    "Renewals due by quarter": (f"""select quarter, sum(renewed) as "Renewed", sum(not_renewed) as "Not renewed",
        sum(upcoming) as "Upcoming" from marts.renewals_quarterly
        where {_last("renewals_quarterly", "quarter", "'21 months'")} group by quarter""", None, 10000),
    "Riskiest customers": ("""select tenant_id as "Tenant", customer_id as "Customer",
        churn_probability as "Churn probability", risk_band as "Risk", mrr as "MRR", driver_1 as "Top driver",
        driver_2 as "Second driver", driver_3 as "Third driver" from marts.customer_churn_risk""",
                           '"Churn probability" desc, "Tenant", "Customer"', 10000),
    # ---- Revenue
    "MRR": _monthly("mrr_monthly", "MRR", "sum(ending_mrr)"),
    "ARR": _monthly("mrr_monthly", "ARR", "sum(ending_mrr) * 12"),
    "Net new MRR": _monthly("mrr_monthly", "Net new MRR", "sum(ending_mrr) - sum(starting_mrr)"),
    "Customers": _monthly("mrr_monthly", "Customers", "sum(active_customers)"),
    # months with a target; actual for complete months, the forecast and its band for the months ahead
    "Ending MRR, forecast and target": ("""select month, sum(actual) as "Ending MRR",
        sum(expected_value) as "Forecast", sum(expected_lower_80) as "Forecast 80 % low",
        sum(expected_upper_80) as "Forecast 80 % high", sum(target) as "Target"
        from marts.targets_vs_actuals where metric = 'mrr' group by month""", None, 10000),
    "MRR movements": (f"""select month, sum(new_mrr) as "New", sum(expansion_mrr) as "Expansion",
        sum(reactivation_mrr) as "Reactivation", sum(contraction_mrr) as "Contraction", sum(churned_mrr) as "Churned"
        from marts.mrr_monthly where {_last("mrr_monthly", "month", LAST_24_MONTHS)} group by month""", None, 10000),
    "MRR by segment": (f"""select month, segment, sum(mrr) as "MRR" from marts.mrr_by_segment
        where {_last("mrr_by_segment", "month", LAST_24_MONTHS)} group by month, segment""", None, 10000),
    "MRR by product line": (f"""select month, product_line, sum(mrr) as "MRR" from marts.mrr_by_product
        where {_last("mrr_by_product", "month", LAST_24_MONTHS)} group by month, product_line""", None, 10000),
    "LTV to CAC": (f"""select month, tenant_id, ltv_to_cac as "LTV:CAC" from marts.revenue_unit_economics
        where {_last("revenue_unit_economics", "month", LAST_24_MONTHS)}""", None, 10000),
    # ---- Executive
    "Annual recurring revenue": _monthly("executive_kpis", "ARR", "sum(arr)"),
    "Subscription customers": _monthly("executive_kpis", "Subscription customers", "sum(subscription_customers)"),
    "Deal win rate": _monthly("period_kpis", "Win rate", "sum(deals_won) / nullif(sum(deals_won + deals_lost), 0)",
                              "period_type = 'month'", "period_start"),
    "Churn rate": _monthly("mrr_monthly", "Logo churn rate",
                           "sum(churned_customers) * 1.0 / nullif(sum(starting_customers), 0)"),
    "Attainment of target, last complete month": ("""select metric_name, sum(actual) / sum(target) as "Attainment"
        from marts.targets_vs_actuals
        where month = (select max(month) from marts.targets_vs_actuals where is_complete) group by metric_name""",
                                                   None, 10000),
    "Store revenue, last 90 days": (f"""select period_start, sum(revenue_usd) as "Revenue" from marts.period_kpis
        where period_type = 'day' and {_last("period_kpis", "period_start", "'89 days'", "period_type = 'day'")}
        group by period_start""", None, 10000),
    "Web funnel, last 90 days": (f"""select session_date, sum(sessions) as "Sessions",
        sum(product_view_sessions) as "Product views", sum(add_to_cart_sessions) as "Add to cart",
        sum(purchase_sessions) as "Purchases" from marts.web_funnel_daily
        where is_complete and {_last("web_funnel_daily", "session_date", "'89 days'", "is_complete")}
        group by session_date""", None, 10000),
    "Store cohort retention": (f"""select month_number, cohort_month,
        sum(retained_customers) * 1.0 / nullif(sum(cohort_size), 0) as "Retention" from marts.cohort_retention
        where month_number between 1 and 12 and {_last("cohort_retention", "cohort_month", "'11 months'")}
        group by month_number, cohort_month""", None, 1000),
    # ---- Messaging: tenant totals only (whatsapp_account_id / outlet_id null), which already hold every
    # account's and outlet's numbers; a ratio is the ratio of the month's sums; complete months only.
    "Messages sent": _monthly("messaging_snapshots", "Messages sent", "sum(messages_sent)", MESSAGING_MONTHS,
                              "period_start"),
    "Delivery rate": _monthly("messaging_snapshots", "Delivery rate",
                              "sum(messages_delivered) * 1.0 / nullif(sum(messages_sent), 0)", MESSAGING_MONTHS,
                              "period_start"),
    "Reply rate": _monthly("messaging_snapshots", "Reply rate",
                           "sum(messages_replied) * 1.0 / nullif(sum(messages_sent), 0)", MESSAGING_MONTHS,
                           "period_start"),
    "Conversations": (f"""select {CONVERSATION_MONTH} as day, sum(total_conversations) as "Conversations"
        from marts.conversation_metrics_daily where outlet_id is null and day < {RUNNING_MONTH} group by 1""",
                      None, 10000),
    "Delivery funnel": (f"""select period_start, sum(messages_sent) as "Sent", sum(messages_delivered) as "Delivered",
        sum(messages_read) as "Read", sum(messages_replied) as "Replied" from marts.messaging_snapshots
        where {MESSAGING_MONTHS} and {_last("messaging_snapshots", "period_start", "'11 months'", MESSAGING_MONTHS)}
        group by period_start""", None, 10000),
    "Conversations and hand-offs": (f"""select {CONVERSATION_MONTH} as day,
        sum(total_conversations) as "Conversations", sum(total_handoffs) as "Hand-offs"
        from marts.conversation_metrics_daily where outlet_id is null and day < {RUNNING_MONTH}
        and day >= {RUNNING_MONTH} - interval '12 months' group by 1""", None, 10000),
    "Cost per conversation": (f"""select {CONVERSATION_MONTH} as day,
        sum(total_cost) / nullif(sum(total_conversations), 0) as "Cost per conversation (USD)"
        from marts.conversation_metrics_daily where outlet_id is null and day < {RUNNING_MONTH}
        and day >= {RUNNING_MONTH} - interval '12 months' group by 1""", None, 10000),
    "Campaign leaderboard": ("""select tenant_id as "Tenant", campaign_name as "Campaign", campaign_score as "Score",
        messages_sent as "Sent", delivery_rate as "Delivered", read_rate as "Read", reply_rate as "Replied",
        total_cost_usd as "Cost (USD)", status as "Status" from marts.campaign_performance
        where messages_sent >= 10""", '"Score" desc, "Sent" desc', 10000),
}
DATE_COLUMNS = {"month", "quarter", "period_start", "session_date", "cohort_month", "day"}


def comparable(row: dict, columns: list[str]) -> tuple:
    """A row's values in `columns` order: dates as ISO days (Superset sends epoch milliseconds), numbers
    rounded to 6 decimals (a cost per conversation is a few cents), missing values as None."""
    from datetime import date
    from decimal import Decimal

    def value(column, v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if column in DATE_COLUMNS:
            return month(v) if isinstance(v, (int, float)) else v.isoformat() if isinstance(v, date) else str(v)[:10]
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return round(float(v), 6)
        return v
    return tuple(value(c, row[c]) for c in columns)


def marts_rows(wh, sql: str) -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row
    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo(wh.env["PGDATABASE"]), row_factory=dict_row) as con:
        return con.execute(sql).fetchall()


def test_every_chart_shows_the_marts_figures(superset):
    """Superset's numbers are the marts' numbers, for every chart: each chart's rows through the REST
    API against CHART_SQL run on the marts as the warehouse owner."""
    charts = charts_by_name(superset)
    assert set(charts) == set(CHART_SQL)
    wrong = {}
    for name, (sql, order, limit) in CHART_SQL.items():
        expected = marts_rows(superset["wh"], sql + (f" order by {order}" if order else ""))
        columns = list(expected[0])
        got = chart_rows(superset, charts[name])
        assert got and set(got[0]) == set(columns), (name, sorted(got[0]) if got else None)
        got_rows = [comparable(r, columns) for r in got]
        expected_rows = [comparable(r, columns) for r in expected]
        if len(expected_rows) <= limit:
            ok = sorted(got_rows, key=repr) == sorted(expected_rows, key=repr)
        else:           # the chart's first `limit` rows: mart rows, in the chart's order
            keys = [k.split()[0] for k in order.split(", ")]
            key_of = [columns.index(k) for k in keys]
            pool = list(expected_rows)
            ok = len(got_rows) == limit and \
                [tuple(r[i] for i in key_of) for r in got_rows] == \
                [tuple(r[i] for i in key_of) for r in expected_rows[:limit]]
            for row in got_rows:
                ok = ok and row in pool
                if row in pool:
                    pool.remove(row)
        if not ok:
            wrong[name] = (len(got_rows), len(expected_rows))
    assert wrong == {}


def test_registered_with_a_tenant_login_superset_shows_only_that_tenant(superset):
    """Row-level security reaches the BI tool: re-registered as a tenant login, every row of the
    rep leaderboard, the riskiest customers and the campaign leaderboard is tn_001's, and the messaging
    totals are tn_001's alone, while the platform login saw every tenant."""
    tables = ["Rep leaderboard, last complete month", "Riskiest customers", "Campaign leaderboard"]
    charts = charts_by_name(superset)
    for name in tables:
        assert {r["Tenant"] for r in chart_rows(superset, charts[name])} == {"tn_001", "tn_002", "tn_003"}, name
    tn_001_conversations = marts_rows(superset["wh"], f"""select sum(total_conversations) as n
        from marts.conversation_metrics_daily where outlet_id is null and tenant_id = 'tn_001'
        and day < {RUNNING_MONTH} and day >= {RUNNING_MONTH} - interval '12 months'""")[0]["n"]
    try:
        warehouse_cli(superset["env"], "superset", "setup", "--login", TENANT_LOGIN, "--tenant", "tn_001")
        charts = charts_by_name(superset)
        for name in tables:
            assert {r["Tenant"] for r in chart_rows(superset, charts[name])} == {"tn_001"}, name
        monthly = chart_rows(superset, charts["Conversations and hand-offs"])
        assert sum(r["Conversations"] for r in monthly) == tn_001_conversations
    finally:
        warehouse_cli(superset["env"], "superset", "setup", "--login", LOGIN)


def test_each_dashboard_renders_in_headless_chromium(superset):
    from PIL import Image, ImageStat

    out = superset["home"] / "screenshots"
    env = dict(superset["env"], SUPERSET_PASSWORD=superset["env"]["SUPERSET_ADMIN_PASSWORD"])
    slugs = DASHBOARDS
    proc = subprocess.run([str(SUPERSET_PYTHON), str(REPO / "bi" / "superset" / "screenshot_dashboards.py"),
                           superset["base"], str(out), *slugs], env=env, capture_output=True, check=False, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shots = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [s["slug"] for s in shots] == slugs
    for shot in shots:
        assert shot["charts"] == CHARTS_PER_DASHBOARD[shot["slug"]] and shot["errors"] == [], shot
        assert shot["warnings"] == 0, shot                                  # no warning icon on any chart
        assert shot["hosts"] == [superset["base"].split("/")[2]], shot      # nothing but the server
        image = Image.open(shot["png"]).convert("RGB")
        assert image.size[0] >= 1200 and image.size[1] >= 900
        # Not blank: many colours, and a real share of the page differs from its background.
        colours = image.getcolors(maxcolors=1 << 20)
        background = max(colours)[1]
        drawn = sum(n for n, c in colours if sum(abs(a - b) for a, b in zip(c, background)) > 60)
        assert len(colours) > 200 and drawn / (image.size[0] * image.size[1]) > 0.03, shot
        assert max(ImageStat.Stat(image).stddev) > 20, shot


def test_reimporting_the_bundle_overwrites_edits_prunes_dropped_charts_and_keeps_analysts_charts(superset, tmp_path):
    """docs/DECISIONLOG.md, "Dashboards as code overwrite the UI; analysts' own charts survive": after
    an edit of a bundle chart in Superset, a chart of an analyst's own, and a certified chart imported
    from a bundle that later drops it, `warehouse superset setup` restores the edited chart, deletes
    the dropped one and keeps the analyst's."""
    import shutil
    import uuid
    from orchestration.generator.load import pg_conninfo
    api, base = superset["api"], superset["base"]
    api.headers.update({"X-CSRFToken": get(superset, "/api/v1/security/csrf_token/")["result"], "Referer": base})
    charts = charts_by_name(superset)
    datasets = {d["table_name"]: d["id"] for d in get(superset, "/api/v1/dataset/?q=(page_size:100)")["result"]}
    edited = api.put(f"{base}/api/v1/chart/{charts['MRR']}", json={"slice_name": "MRR (edited in the UI)"})
    assert edited.status_code == 200, edited.text[:500]
    own = api.post(f"{base}/api/v1/chart/", json={
        "slice_name": "An analyst's own chart", "viz_type": "table", "datasource_id": datasets["mrr_monthly"],
        "datasource_type": "table", "params": json.dumps({"viz_type": "table", "all_columns": ["month"]})})
    assert own.status_code == 201, own.text[:500]
    # A bundle holding one more certified chart, imported the way setup imports: then dropped from it.
    bundle_dir = tmp_path / "assets"
    shutil.copytree(ASSETS, bundle_dir)
    retired = yaml.safe_load((ASSETS / "charts" / "revenue__mrr.yaml").read_text())
    retired.update(slice_name="A retired chart", uuid=str(uuid.uuid4()))
    (bundle_dir / "charts" / "retired.yaml").write_text(yaml.safe_dump(retired, sort_keys=False))
    info = pg_conninfo(superset["env"]["PGDATABASE"])
    env = dict(superset["env"], SUPERSET_CONFIG_PATH=str(REPO / "bi" / "superset" / "superset_config.py"),
               WAREHOUSE_SQLALCHEMY_URI=f"postgresql+psycopg2://{LOGIN}@{info['host']}:{info['port']}/{info['dbname']}")
    proc = subprocess.run([str(SUPERSET_PYTHON), str(REPO / "bi" / "superset" / "import_assets.py"), str(bundle_dir)],
                          env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    imported = charts_by_name(superset)
    assert "MRR" in imported and "MRR (edited in the UI)" not in imported     # the edit overwritten, by uuid
    assert {"A retired chart", "An analyst's own chart"} <= set(imported)
    try:
        warehouse_cli(superset["env"], "superset", "setup", "--login", LOGIN)
        after = charts_by_name(superset)
        assert "MRR" in after and "MRR (edited in the UI)" not in after
        assert "A retired chart" not in after                                # certified, no longer in the bundle
        assert "An analyst's own chart" in after                             # not certified: left alone
        assert len(after) == ALL_CHARTS + 1
    finally:
        api.delete(f"{base}/api/v1/chart/{own.json()['id']}")
    assert set(charts_by_name(superset)) == set(CHART_SQL)
