"""A metric that several marts show (win rate and its deals, MRR, net store revenue) shows one value
per tenant and month: the singular dbt test assert_shared_metrics_agree_across_marts holds every such
mart to the one that owns the metric, in every build. Here it is seen to fail when one side moves."""
import shutil

from conftest import run_dbt

TEST = "assert_shared_metrics_agree_across_marts"


def test_cross_mart_test_fails_when_one_mart_disagrees(duckdb_warehouse, tmp_path):
    import duckdb
    path = tmp_path / "tampered.duckdb"
    shutil.copy(duckdb_warehouse.env["DBT_DUCKDB_PATH"], path)
    env = {**duckdb_warehouse.env, "DBT_DUCKDB_PATH": str(path)}
    assert run_dbt(env, "duckdb", tmp_path / "target", "test", "--select", TEST, check=False).returncode == 0

    # One row each: a rep-month with one more won deal than the pipeline, a segment with 1 USD more MRR
    # than mrr_monthly, an executive month with 1 USD more store revenue than fct_orders' paid orders.
    with duckdb.connect(str(path)) as con:
        con.execute("update marts.sales_rep_performance_monthly set deals_won = deals_won + 1 "
                    "where rep_month_key = (select min(rep_month_key) from marts.sales_rep_performance_monthly)")
        con.execute("update marts.mrr_by_segment set mrr = mrr + 1 where tenant_month_segment_key = "
                    "(select min(tenant_month_segment_key) from marts.mrr_by_segment)")
        con.execute("update marts.executive_kpis set store_revenue_usd = store_revenue_usd + 1 "
                    "where tenant_month_key = (select min(executive_kpis.tenant_month_key) "
                    "from marts.executive_kpis inner join marts.period_kpis "
                    "on executive_kpis.tenant_id = period_kpis.tenant_id "
                    "and executive_kpis.month = period_kpis.period_start and period_kpis.period_type = 'month')")
    proc = run_dbt(env, "duckdb", tmp_path / "target", "test", "--select", TEST, check=False)
    assert proc.returncode != 0
    assert "Got 3 results" in proc.stdout, proc.stdout[-3000:]
