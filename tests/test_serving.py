"""Serving on Postgres: what a BI login may read. `analyst` members read every mart and nothing in
raw, staging, quarantine, intermediate, snapshots or reference; a tenant login sees only its
tenant's rows in every mart, after a rebuild too; a platform login sees every tenant; no BI role
can bypass row-level security. Readers querying the marts during a build see only complete old
or complete new data and no errors; a long reader makes the swap fail fast, not stall everyone."""
import subprocess
import threading
import time

import psycopg
import pytest

from orchestration.generator.load import pg_conninfo

from conftest import pg_query, run_dbt, warehouse_cli

TENANT_LOGIN, OTHER_TENANT_LOGIN, PLATFORM_LOGIN = "test_bi_tn_001", "test_bi_tn_002", "test_bi_platform"
PRIVATE_SCHEMAS = ("raw_crm", "raw_billing", "raw_commerce", "raw_messaging", "staging", "quarantine", "intermediate",
                   "snapshots", "reference")


@pytest.fixture(scope="module")
def logins(postgres_warehouse):
    env = postgres_warehouse.env
    warehouse_cli(env, "access", "tenant-login", TENANT_LOGIN, "tn_001")
    warehouse_cli(env, "access", "tenant-login", OTHER_TENANT_LOGIN, "tn_002")
    warehouse_cli(env, "access", "platform-login", PLATFORM_LOGIN)
    yield postgres_warehouse
    for role in (TENANT_LOGIN, OTHER_TENANT_LOGIN, PLATFORM_LOGIN):
        warehouse_cli(env, "access", "drop-login", role)


def as_login(wh, role: str, sql: str):
    with psycopg.connect(**{**pg_conninfo(wh.env["PGDATABASE"]), "user": role}) as con:
        return con.execute(sql).fetchall()


def relations(wh, schemas) -> list[tuple[str, str]]:
    return [tuple(r) for r in pg_query(wh, "select table_schema, table_name from information_schema.tables "
                                           f"where table_schema in ({', '.join(repr(s) for s in schemas)}) "
                                           "order by 1, 2")]


def tenant_marts(wh) -> list[str]:
    return [r[0] for r in pg_query(wh, "select table_name from information_schema.columns where "
                                       "table_schema = 'marts' and column_name = 'tenant_id' order by 1")]


def private_relations(wh) -> list[tuple[str, str]]:
    """Every relation outside `marts` and `security` (whose mapping table a login reads, its own row
    only): the schemas named in PRIVATE_SCHEMAS and any other the build or the generator made."""
    schemas = [r[0] for r in pg_query(wh, "select nspname from pg_namespace where nspname not in "
                                          "('marts', 'security', 'information_schema') and nspname !~ '^pg_'")]
    return relations(wh, schemas)


def test_bi_logins_read_every_mart_and_nothing_else(logins):
    """Tenant and platform logins alike: every mart is readable, no relation of any other schema is."""
    marts = relations(logins, ["marts"])
    assert len(marts) >= 27
    private = private_relations(logins)
    assert {schema for schema, _ in private} >= set(PRIVATE_SCHEMAS) and len(private) > 60
    for login in (TENANT_LOGIN, PLATFORM_LOGIN):
        for schema, table in marts:
            as_login(logins, login, f"select 1 from {schema}.{table} limit 1")
        readable = []
        for schema, table in private:
            try:
                as_login(logins, login, f"select 1 from {schema}.{table} limit 1")
                readable.append(f"{schema}.{table}")
            except psycopg.errors.InsufficientPrivilege:
                pass
        assert readable == [], login


def check_isolation(wh):
    marts = tenant_marts(wh)
    assert len(marts) >= 27       # every mart is per tenant
    for table in marts:
        owner = dict(pg_query(wh, f"select tenant_id, count(*) from marts.{table} group by 1"))
        mine = dict(as_login(wh, TENANT_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert mine == ({"tn_001": owner["tn_001"]} if "tn_001" in owner else {}), table
        other = dict(as_login(wh, OTHER_TENANT_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert other == ({"tn_002": owner["tn_002"]} if "tn_002" in owner else {}), table
        platform = dict(as_login(wh, PLATFORM_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert platform == owner, table


def test_a_tenant_login_sees_only_its_tenant_in_every_mart(logins):
    check_isolation(logins)


def test_isolation_survives_a_rebuild(logins):
    run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "marts")
    check_isolation(logins)


def test_isolation_survives_a_full_refresh_build(logins):
    """`dbt build --full-refresh` of marts: a table mart and the incremental one (web_funnel_daily,
    which a full refresh re-creates instead of appending to), with their tests."""
    run_dbt(logins.env, "postgres", logins.target_path, "build", "--full-refresh",
            "--select", "mrr_monthly", "web_funnel_daily", "--exclude", "resource_type:unit_test")
    check_isolation(logins)


def test_isolation_survives_a_dagster_run_build(logins, tmp_path):
    """The weekly clickstream job executed by Dagster (tests/dagster_job.py, in-process): its dbt asset
    runs `dbt build --full-refresh` of the clickstream models, the mart web_funnel_daily included,
    through the dagster-dbt resource, on this Postgres warehouse with raw tables managed outside."""
    import json
    from conftest import AS_OF, BIN, REPO
    env = dict(logins.env, DBT_TARGET="postgres", WAREHOUSE_RAW_MODE="external", WAREHOUSE_AS_OF_DATE=AS_OF.isoformat(),
               DAGSTER_HOME=str(tmp_path), WAREHOUSE_REPORTS_DIR=str(tmp_path / "reports"),
               DBT_TARGET_PATH=str(tmp_path / "target"))
    # The Definitions read manifest.json in DBT_TARGET_PATH when imported (this test's own, not the
    # checkout's target/, which other test processes use): parse the project as it is now, with the
    # vars the asset passes, so that the job's dbt can parse partially.
    run_dbt(env, "postgres", tmp_path / "target", "parse", "--quiet", "--vars", json.dumps({"as_of_date": AS_OF.isoformat()}))
    proc = subprocess.run([str(BIN / "python"), str(REPO / "tests" / "dagster_job.py"), "weekly_clickstream_full_refresh",
                           "{}"], cwd=REPO, env=env, capture_output=True, check=False, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stderr[-4000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["success"] and "marts/web_funnel_daily" in result["materialized"], result
    check_isolation(logins)


def test_no_bi_role_bypasses_row_level_security(logins):
    roles = pg_query(logins, "select rolname, rolbypassrls, rolsuper from pg_roles where rolname in "
                             f"('analyst', 'platform_analyst', '{TENANT_LOGIN}', '{PLATFORM_LOGIN}')")
    assert len(roles) == 4 and all(not bypass and not superuser for _, bypass, superuser in roles)
    # Every relation in marts: a table with row-level security on and the tenant policy for `analyst`,
    # or a view that runs as its reader (security_invoker); a materialized view cannot have either.
    marts = pg_query(logins, """
        select c.relname, c.relkind, c.relrowsecurity, c.reloptions,
               exists (select from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation'
                       and 'analyst'::regrole = any (p.polroles) and p.polcmd in ('r', '*'))
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'marts' and c.relkind in ('r', 'p', 'v', 'm', 'f')""")
    assert {name for name, *_ in marts} == {table for _, table in relations(logins, ["marts"])}
    assert len(marts) >= 27
    unguarded = [name for name, kind, rls, options, policy in marts
                 if not ((kind in ("r", "p") and rls and policy)
                         or (kind == "v" and "security_invoker=true" in (options or [])))]
    assert unguarded == []


def test_a_tenant_login_cannot_widen_its_own_mapping(logins):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_login(logins, TENANT_LOGIN, "update security.tenant_members set tenant_id = 'tn_002'")
    assert as_login(logins, TENANT_LOGIN, "select role_name, tenant_id from security.tenant_members") == \
        [(TENANT_LOGIN, "tn_001")]


READER_QUERIES = {
    "mrr_monthly": "select count(*), sum(ending_mrr) from marts.mrr_monthly",
    "fct_orders": "select count(*), sum(net_revenue_usd) from marts.fct_orders",
    "customer_rfm": "select count(*), sum(monetary) from marts.customer_rfm",
    "period_kpis": "select count(*), sum(revenue_usd) from marts.period_kpis",
    "cohort_retention": "select count(*), sum(revenue) from marts.cohort_retention",
}


def totals(wh) -> dict:
    return {name: tuple(as_login(wh, PLATFORM_LOGIN, sql)[0]) for name, sql in READER_QUERIES.items()}


def test_readers_during_a_build_see_complete_old_or_new_data(logins):
    """The build changes the clock (as_of one week earlier), so old and new totals differ."""
    old = totals(logins)
    seen, errors, waits = [], [], []
    stop = threading.Event()

    def reader():
        with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": PLATFORM_LOGIN},
                             autocommit=True) as con:
            while not stop.is_set():
                for name, sql in READER_QUERIES.items():
                    t0 = time.perf_counter()
                    try:
                        seen.append((name, tuple(con.execute(sql).fetchone())))
                    except psycopg.Error as e:
                        errors.append(f"{name}: {e}")
                    waits.append(time.perf_counter() - t0)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        # the marts the readers read: each swap is what they must never see half done
        run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", *READER_QUERIES,
                extra_vars={"as_of_date": "2026-11-14"})
        time.sleep(1)
    finally:
        stop.set()
        for t in readers:
            t.join()
    new = totals(logins)
    try:
        assert errors == []
        assert any(old[n] != new[n] for n in READER_QUERIES)
        torn = [(n, v) for n, v in seen if v not in (old[n], new[n])]
        assert torn == [], f"half-built data seen: {torn[:5]}"
        assert len(seen) > 100
        assert max(waits) < 30, f"a reader waited {max(waits):.1f} s"
    finally:   # the session's warehouse goes back to the shared clock for the tests after this one
        run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", *READER_QUERIES)
    assert totals(logins) == old


def test_a_long_reader_makes_the_swap_fail_fast_and_a_retry_succeeds(logins):
    with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": PLATFORM_LOGIN}) as long_reader:
        long_reader.execute("select count(*) from marts.mrr_monthly").fetchall()   # open transaction holds a lock
        time.perf_counter()
        failed = run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "mrr_monthly",
                         check=False, extra_vars={"swap_lock_timeout": "2s"})
        assert failed.returncode != 0 and "lock timeout" in failed.stdout
        assert as_login(logins, PLATFORM_LOGIN, "select count(*) from marts.mrr_monthly")[0][0] > 0
        long_reader.rollback()
    retried = run_dbt(logins.env, "postgres", logins.target_path, "retry", check=False)
    assert retried.returncode == 0, retried.stdout[-2000:]


def pack_params():
    from datetime import timedelta
    from conftest import AS_OF
    return {"tenant_id": "tn_001", "since_month": AS_OF.replace(day=1) - timedelta(days=365),
            "since_day": AS_OF - timedelta(days=30)}


def expected_pack(wh, params) -> dict:
    """What each dashboard query should return, read independently: the owner reads the mart's rows of
    the tenant (no row-level security applies to the owner) and pandas filters, sorts, limits and sums."""
    import pandas as pd
    from psycopg.rows import dict_row
    since_month, since_day = params["since_month"], params["since_day"]
    with psycopg.connect(**pg_conninfo(wh.env["PGDATABASE"]), row_factory=dict_row) as con:
        def mart(name):
            return pd.DataFrame(con.execute(f"select * from marts.{name} where tenant_id = %s",
                                            [params["tenant_id"]]).fetchall())

        def latest(df):
            return df[df["month"] == df["month"].max()]

        health, renewals, churn = mart("customer_health_monthly"), mart("renewals_quarterly"), mart("fct_customer_churn")
        customers, kpis, periods = mart("dim_customers"), mart("executive_kpis"), mart("period_kpis")
        cohorts, funnel, mrr = mart("cohort_retention"), mart("web_funnel_daily"), mart("mrr_monthly")
        segments, products, economics = mart("mrr_by_segment"), mart("mrr_by_product"), mart("revenue_unit_economics")
        leads, pipeline, reps = mart("sales_funnel"), mart("sales_pipeline_monthly"), mart("sales_rep_performance_monthly")
        targets = mart("targets_vs_actuals")
        web = funnel[funnel["session_date"] >= since_day].groupby("session_date", as_index=False)[
            ["sessions", "product_view_sessions", "add_to_cart_sessions", "purchase_sessions"]].sum()
        snapshots, campaigns = mart("messaging_snapshots"), mart("campaign_performance")
        # Messaging: the tenant's total rows only (null account / outlet), which hold every account's numbers
        conversations = mart("conversation_metrics_daily")
        conversations = conversations[conversations["outlet_id"].isna() & (conversations["day"] >= since_month)]
        monthly = conversations.assign(month=conversations["day"].map(lambda d: d.replace(day=1)),
                                       total_cost=conversations["total_cost"].astype(float)).groupby(
            "month", as_index=False).agg(conversations=("total_conversations", "sum"),
                                         handoffs=("total_handoffs", "sum"), total_cost=("total_cost", "sum"))
        monthly["cost_per_conversation"] = (monthly["total_cost"]
                                            / monthly["conversations"].where(monthly["conversations"] > 0))
        return {
            "customer_success/01_health_distribution.sql": health[health["month"] >= since_month][
                ["month", "healthy_accounts", "stable_accounts", "at_risk_accounts", "critical_accounts", "at_risk_mrr"]],
            "customer_success/02_renewals.sql": renewals[renewals["quarter"] >= since_month][
                ["quarter", "plan_term", "renewals_due", "renewed", "not_renewed", "upcoming", "renewal_rate"]],
            "customer_success/03_churn_events.sql": churn[churn["churn_month"] >= since_month].sort_values(
                ["churn_month", "lost_mrr"], ascending=False).head(100)[
                ["churn_month", "customer_id", "segment", "lost_mrr", "tenure_months", "last_health_band"]],
            "customer_success/05_churn_and_retention.sql": mrr[mrr["month"] >= since_month][
                ["month", "starting_customers", "churned_customers", "logo_churn_rate", "starting_mrr", "expansion_mrr",
                 "contraction_mrr", "churned_mrr", "net_revenue_retention"]],
            "customer_success/04_at_risk_accounts.sql": customers[
                customers["latest_health_band"].isin(["at_risk", "critical"]) & (customers["current_mrr"] > 0)
            ].sort_values("current_mrr", ascending=False).head(50)[
                ["customer_id", "account_name", "segment", "current_mrr", "latest_health_score", "latest_health_band"]],
            "executive/01_monthly_kpis.sql": kpis[kpis["month"] >= since_month][
                ["month", "mrr", "arr", "mrr_growth_rate", "net_revenue_retention", "store_revenue_usd", "store_orders",
                 "conversion_rate", "win_rate", "at_risk_mrr"]],
            "executive/02_daily_kpis.sql": periods[(periods["period_type"] == "day")
                                                   & (periods["period_start"] >= since_day)][
                ["period_start", "revenue_usd", "orders", "average_order_value_usd", "conversion_rate", "revenue_growth"]],
            "executive/03_cohort_retention.sql": cohorts[cohorts["cohort_month"] >= since_month][
                ["cohort_month", "month_number", "cohort_size", "retention_rate", "cumulative_revenue_per_customer"]],
            "executive/04_web_funnel.sql": web,
            "executive/05_targets.sql": targets[targets["is_complete"] & (targets["month"] >= since_month)][
                ["metric", "month", "target", "actual", "attainment"]],
            "executive/06_churn_rate.sql": mrr[mrr["month"] >= since_month][
                ["month", "starting_customers", "churned_customers", "logo_churn_rate"]],
            "revenue/01_mrr_bridge.sql": mrr[mrr["month"] >= since_month][
                ["month", "starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                 "churned_mrr", "ending_mrr", "arr", "net_revenue_retention", "logo_churn_rate"]],
            "revenue/02_mrr_by_segment.sql": segments[segments["month"] >= since_month][
                ["month", "segment", "mrr", "active_customers", "arpa"]],
            "revenue/03_mrr_by_product.sql": latest(products)[["product_name", "product_line", "mrr", "paying_customers"]],
            "revenue/04_unit_economics.sql": economics[economics["month"] >= since_month][
                ["month", "arpa", "ltv", "cac", "ltv_to_cac"]],
            "revenue/05_mrr_forecast_and_target.sql": targets[(targets["metric"] == "mrr")
                                                              & (targets["month"] >= since_month)][
                ["month", "is_complete", "actual", "target", "attainment", "expected_value", "expected_lower_80",
                 "expected_upper_80", "expected_attainment", "expected_basis"]],
            "sales/01_funnel_by_cohort.sql": leads[leads["cohort_month"] >= since_month][
                ["cohort_month", "lead_source", "leads", "qualified", "proposal", "won", "customer",
                 "lead_to_customer_rate"]],
            "sales/02_pipeline_monthly.sql": pipeline[pipeline["month"] >= since_month][
                ["month", "opportunity_type", "open_pipeline_usd", "weighted_pipeline_usd", "win_rate_by_count",
                 "average_deal_size_usd", "avg_sales_cycle_days"]],
            "sales/03_rep_leaderboard.sql": latest(reps).sort_values("won_amount_rank").head(10)[
                ["full_name", "team", "deals_won", "won_amount_usd", "win_rate", "median_sales_cycle_days"]],
            "sales/05_daily_leads.sql": periods[(periods["period_type"] == "day")
                                                & (periods["period_start"] >= since_day)][
                ["period_start", "leads", "qualified_leads", "deals_won"]],
            "sales/04_lead_response.sql": leads[leads["cohort_month"] >= since_month][
                ["cohort_month", "lead_source", "leads", "contacted", "avg_hours_to_first_contact"]],
            "messaging/01_delivery_funnel.sql": snapshots[
                (snapshots["period_type"] == "month") & snapshots["whatsapp_account_id"].isna()
                & (snapshots["period_start"] >= since_month)][
                ["period_start", "messages_sent", "messages_delivered", "messages_read", "messages_replied",
                 "delivery_rate", "read_rate", "reply_rate"]],
            "messaging/02_conversations_and_handoffs.sql": monthly[["month", "conversations", "handoffs"]],
            "messaging/03_cost_per_conversation.sql": monthly[
                ["month", "total_cost", "conversations", "cost_per_conversation"]],
            "messaging/04_campaign_leaderboard.sql": campaigns[campaigns["messages_sent"] >= 10].sort_values(
                ["campaign_score", "messages_sent", "campaign_id"], ascending=[False, False, True]).head(10)[
                ["campaign_name", "campaign_score", "messages_sent", "delivery_rate", "read_rate", "reply_rate",
                 "total_cost_usd", "status"]],
        }


def comparable(rows) -> list[tuple]:
    """Rows as sorted tuples: numbers rounded to 6 decimals, missing values (None, NaN) as None."""
    from datetime import date
    from decimal import Decimal

    def value(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return round(float(v), 6)
        return v.isoformat() if isinstance(v, date) else v
    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_the_dashboard_query_pack_returns_the_marts_figures_for_the_tenant(logins):
    """Every query of bi/queries, run as the tenant login (row-level security applies) and as the
    platform login (it does not: the query's own tenant filter must hold), returns exactly the rows
    read independently from the marts (expected_pack), and some rows."""
    from conftest import REPO
    params = pack_params()
    root = REPO / "bi" / "queries"
    queries = sorted(str(p.relative_to(root)) for p in root.rglob("*.sql"))
    expected = expected_pack(logins, params)
    assert queries == sorted(expected)
    wrong = []
    for login in (TENANT_LOGIN, PLATFORM_LOGIN):
        with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": login}) as con:
            for name in queries:
                cursor = con.execute((root / name).read_text(), params)
                frame = expected[name]
                assert [c.name for c in cursor.description] == list(frame.columns), name
                rows = cursor.fetchall()
                if not rows or comparable(rows) != comparable(frame.itertuples(index=False)):
                    wrong.append((login, name, len(rows), len(frame)))
    assert wrong == []


def test_exposures_declare_every_mart_their_dashboard_queries_read(tmp_path):
    import json
    import re
    from conftest import REPO, base_env
    run_dbt(base_env(tmp_path), "duckdb", tmp_path / "target", "parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    dashboards = [e for e in manifest["exposures"].values() if e["type"] == "dashboard"]
    assert len(dashboards) == 5
    for exposure in dashboards:
        declared = {uid.split(".")[-1] for uid in exposure["depends_on"]["nodes"]}
        folder = REPO / "bi" / "queries" / exposure["name"].removesuffix("_dashboard")
        read = {m for p in folder.glob("*.sql") for m in re.findall(r"marts\.(\w+)", p.read_text())}
        assert read and read == declared, exposure["name"]
