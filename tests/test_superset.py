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

from conftest import BIN, REPO, drop_forecast, free_port, warehouse_cli, write_forecast

pytestmark = pytest.mark.postgres

ASSETS = REPO / "bi" / "superset" / "assets"
LOGIN, TENANT_LOGIN = "test_superset_platform", "test_superset_tn_001"
SUPERSET_PYTHON = REPO / ".superset" / "venv" / "bin" / "python"
DASHBOARDS = ["sales", "customer-success", "revenue", "executive", "messaging"]
# four charts each; Revenue leads with ending MRR, its forecast and the target
CHARTS_PER_DASHBOARD = {slug: 5 if slug == "revenue" else 4 for slug in DASHBOARDS}
ALL_CHARTS = sum(CHARTS_PER_DASHBOARD.values())


def bundle(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((ASSETS / kind).rglob("*.yaml"))]


def exposures() -> dict[str, dict]:
    """The dashboards' exposures (the metrics API is an exposure too, of type application)."""
    doc = yaml.safe_load((REPO / "models" / "marts" / "_exposures.yml").read_text())
    return {e["name"]: e for e in doc["exposures"] if e["type"] == "dashboard"}


def test_the_bundle_declares_the_exposed_dashboards_on_the_marts_they_depend_on():
    """Static: slugs are the exposures' URLs, and each dashboard's charts read only the marts its
    exposure depends on (so `dbt ls -s +exposure:...` tells what a dashboard needs)."""
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
        read = {datasets[charts[u]["dataset_uuid"]]["table_name"] for u in chart_uuids}
        declared = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]}
        assert read <= declared, (slug, read - declared)


@pytest.fixture(scope="module")
def superset(postgres_warehouse, tmp_path_factory):
    from orchestration import superset as superset_cli
    missing = [p for p in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not Path(p).exists()]
    assert not missing, f"{missing} missing: apt-get install chromium chromium-driver (bi/superset/README.md)"
    # Installing would reach the package index; tests never do: `make test` installs first.
    assert superset_cli.installed(), "Superset is not installed: run `warehouse superset install` (make test does)"
    write_forecast(postgres_warehouse)          # the Revenue dashboard shows it; taken away at the end
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
# follow the same order (ties on the order keys may be broken either way).
TABLE_COLUMNS = {
    "At-risk accounts": "tenant_id, customer_id, account_name, segment, current_mrr, latest_health_score, "
                        "latest_health_band",
    "Churn events": "tenant_id, churn_month, customer_id, segment, lost_mrr, tenure_months, last_health_band",
    "Renewals by quarter": "tenant_id, quarter, plan_term, renewals_due, renewed, not_renewed, upcoming, renewal_rate",
    "Store cohort retention": "tenant_id, cohort_month, month_number, cohort_size, retention_rate, "
                              "cumulative_revenue_per_customer",
    "Lead funnel by cohort": "tenant_id, cohort_month, lead_source, leads, qualified, proposal, won, customer, "
                             "lead_to_customer_rate",
    "Rep leaderboard by month": "tenant_id, month, won_amount_rank, full_name, team, deals_won, won_amount_usd, "
                                "win_rate, median_sales_cycle_days",
    "Speed to first contact": "tenant_id, cohort_month, lead_source, leads, contacted, avg_hours_to_first_contact",
    "Campaign leaderboard": "tenant_id, campaign_name, campaign_score, messages_sent, delivery_rate, read_rate, "
                            "reply_rate, total_cost_usd, status",
}
CHART_SQL = {
    "Accounts by health band": ("""select month, sum(healthy_accounts) as "Healthy", sum(stable_accounts) as "Stable",
        sum(at_risk_accounts) as "At risk", sum(critical_accounts) as "Critical"
        from marts.customer_health_monthly group by month""", None, 10000),
    "At-risk accounts": (f"""select {TABLE_COLUMNS["At-risk accounts"]} from marts.dim_customers
        where latest_health_band in ('at_risk', 'critical') and current_mrr > 0""", "current_mrr desc", 50),
    "Churn events": (f"select {TABLE_COLUMNS['Churn events']} from marts.fct_customer_churn",
                     "churn_month desc, lost_mrr desc", 100),
    "Renewals by quarter": (f"select {TABLE_COLUMNS['Renewals by quarter']} from marts.renewals_quarterly",
                            "quarter desc, plan_term", 500),
    "Daily store revenue": ("""select period_start, sum(revenue_usd) as "Revenue (USD)" from marts.period_kpis
        where period_type = 'day' group by period_start""", None, 10000),
    "MRR": ("""select month, sum(mrr) as "MRR", sum(arr) as "ARR" from marts.executive_kpis group by month""",
            None, 10000),
    "Store cohort retention": (f"select {TABLE_COLUMNS['Store cohort retention']} from marts.cohort_retention",
                               "cohort_month desc, month_number", 1000),
    "Web funnel": ("""select session_date, sum(sessions) as "Sessions", sum(product_view_sessions) as "Product views",
        sum(add_to_cart_sessions) as "Add to cart", sum(purchase_sessions) as "Purchases"
        from marts.web_funnel_daily group by session_date""", None, 10000),
    "LTV to CAC": ("""select month, tenant_id, max(ltv_to_cac) as "LTV:CAC" from marts.revenue_unit_economics
        group by month, tenant_id""", None, 10000),
    "MRR by product line": ("""select month, product_line, sum(mrr) as "MRR" from marts.mrr_by_product
        group by month, product_line""", None, 10000),
    # months with a target; actual for complete months, the forecast and its band for the months ahead
    "Ending MRR, forecast and target": ("""select month, sum(actual) as "Ending MRR",
        sum(expected_value) as "Forecast", sum(expected_lower_80) as "Forecast 80 % low",
        sum(expected_upper_80) as "Forecast 80 % high", sum(target) as "Target"
        from marts.targets_vs_actuals where metric = 'mrr' group by month""", None, 10000),
    "MRR by segment": ("""select month, segment, sum(mrr) as "MRR" from marts.mrr_by_segment
        group by month, segment""", None, 10000),
    "MRR movements": ("""select month, sum(new_mrr) as "New", sum(expansion_mrr) as "Expansion",
        sum(reactivation_mrr) as "Reactivation", sum(contraction_mrr) as "Contraction", sum(churned_mrr) as "Churned"
        from marts.mrr_monthly group by month""", None, 10000),
    "Lead funnel by cohort": (f"select {TABLE_COLUMNS['Lead funnel by cohort']} from marts.sales_funnel",
                              "cohort_month desc, lead_source", 500),
    "Open and weighted pipeline": ("""select month, sum(open_pipeline_usd) as "Open pipeline (USD)",
        sum(weighted_pipeline_usd) as "Weighted pipeline (USD)" from marts.sales_pipeline_monthly
        group by month""", None, 10000),
    "Rep leaderboard by month": (f"select {TABLE_COLUMNS['Rep leaderboard by month']} "
                                 "from marts.sales_rep_performance_monthly",
                                 "month desc, tenant_id, won_amount_rank", 100),
    "Speed to first contact": (f"select {TABLE_COLUMNS['Speed to first contact']} from marts.sales_funnel",
                               "cohort_month desc, lead_source", 500),
    # Messaging: tenant totals only (whatsapp_account_id / outlet_id null), which already hold every
    # account's and outlet's numbers; a ratio is the ratio of the month's sums.
    "Delivery funnel": ("""select period_start, sum(messages_sent) as "Sent", sum(messages_delivered) as "Delivered",
        sum(messages_read) as "Read", sum(messages_replied) as "Replied" from marts.messaging_snapshots
        where period_type = 'month' and whatsapp_account_id is null group by period_start""", None, 10000),
    "Conversations and hand-offs": ("""select cast(date_trunc('month', day) as date) as day,
        sum(total_conversations) as "Conversations", sum(total_handoffs) as "Hand-offs"
        from marts.conversation_metrics_daily where outlet_id is null group by 1""", None, 10000),
    "Cost per conversation": ("""select cast(date_trunc('month', day) as date) as day,
        sum(total_cost) / nullif(sum(total_conversations), 0) as "Cost per conversation (USD)"
        from marts.conversation_metrics_daily where outlet_id is null group by 1""", None, 10000),
    "Campaign leaderboard": (f"select {TABLE_COLUMNS['Campaign leaderboard']} from marts.campaign_performance "
                             "where messages_sent >= 10", "campaign_score desc, messages_sent desc", 50),
}
DATE_COLUMNS = {"month", "quarter", "period_start", "session_date", "churn_month", "cohort_month", "day"}


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
    """Superset's numbers are the marts' numbers, for all 21 charts: each chart's rows through the REST
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
    lead funnel chart and of the campaign leaderboard is tn_001's, and the messaging totals are
    tn_001's alone, while the platform login saw every tenant."""
    tables = ["Lead funnel by cohort", "Campaign leaderboard"]
    charts = charts_by_name(superset)
    for name in tables:
        assert {r["tenant_id"] for r in chart_rows(superset, charts[name])} == {"tn_001", "tn_002", "tn_003"}, name
    tn_001_conversations = marts_rows(superset["wh"], """select sum(total_conversations) as n
        from marts.conversation_metrics_daily where outlet_id is null and tenant_id = 'tn_001'""")[0]["n"]
    try:
        warehouse_cli(superset["env"], "superset", "setup", "--login", TENANT_LOGIN, "--tenant", "tn_001")
        charts = charts_by_name(superset)
        for name in tables:
            assert {r["tenant_id"] for r in chart_rows(superset, charts[name])} == {"tn_001"}, name
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
    retired = yaml.safe_load((ASSETS / "charts" / "executive__mrr.yaml").read_text())
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
