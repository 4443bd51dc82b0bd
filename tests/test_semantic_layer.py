"""The semantic layer (models/semantic/): `mf query` answers what SQL over the marts answers.

A tiny DuckDB warehouse is built; MetricFlow's CLI (its own venv, .metricflow/venv, installed by
`make metricflow-venv`) is asked for MRR, NRR, win rate and lead-to-customer conversion by month
and tenant, and MRR and conversion by quarter. Each is compared with the same figure computed
here from the marts' rows: MRR and NRR from mrr_monthly's bridge, win rate from the opportunities
themselves (fct_opportunities), conversion from the leads themselves (fct_leads).
"""
import csv
import subprocess
from collections import defaultdict
from datetime import date

import pytest

from conftest import REPO, base_env, duck_query, generate_args, run_dbt, warehouse_cli, Warehouse

MF = REPO / ".metricflow" / "venv" / "bin" / "mf"
# The smallest warehouse that still has a few closed deals and a converted lead.
TINY = {"tenants": 1, "scale": 0.005}
MARTS = ("mrr_monthly", "sales_pipeline_monthly", "sales_funnel", "fct_opportunities", "fct_leads")

pytestmark = pytest.mark.skipif(
    not MF.exists(), reason="MetricFlow is not installed in .metricflow/venv: run `make metricflow-venv`")


@pytest.fixture(scope="module")
def semantic_warehouse(tmp_path_factory):
    """A built tiny warehouse and a project directory holding its semantic manifest.

    mf reads <project>/target/semantic_manifest.json, whatever dbt's --target-path: the build's
    target path is that folder of a throwaway project directory (dbt_project.yml only), so the
    repository's own target/ is never touched."""
    tmp = tmp_path_factory.mktemp("semantic")
    env = base_env(tmp)
    env["DBT_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
    args = generate_args("duckdb")
    for flag, value in TINY.items():
        args[args.index(f"--{flag}") + 1] = str(value)
    warehouse_cli(env, *args)
    project = tmp / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text((REPO / "dbt_project.yml").read_text())
    selection = " ".join(f"+{mart}" for mart in MARTS) + " util_days"
    # the seeds and models only: their tests belong to the build tests (some reach models not
    # selected here)
    build = run_dbt(env, "duckdb", project / "target", "build", "--select", selection,
                    "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    assert (project / "target" / "semantic_manifest.json").exists()
    return Warehouse("duckdb", env, project / "target", build), project


def mf_query(semantic_warehouse, metric: str, grain: str) -> dict[tuple[str, date], float | None]:
    """`mf query` for one metric by tenant and metric_time at a grain: {(tenant, period): value}."""
    wh, project = semantic_warehouse
    out = project / f"{metric}_{grain}.csv"
    proc = subprocess.run(
        [str(MF), "query", "--metrics", metric, "--group-by", f"metric_time__{grain},tenant",
         "--csv", str(out)],
        cwd=project, env={**wh.env, "DBT_PROJECT_DIR": str(project)},
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and out.exists(), f"mf query {metric} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    with out.open() as f:
        rows = list(csv.DictReader(f))
    return {(row["tenant"], date.fromisoformat(row[f"metric_time__{grain}"][:10])):
            (float(row[metric]) if row[metric] != "" else None) for row in rows}


def ratio(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def quarter_of(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def assert_same(answered: dict, truth: dict) -> None:
    """Every period the truth has a value for is answered with that value, and mf answers no
    value the truth lacks (a period without any denominator may be missing or null)."""
    with_value = {key: value for key, value in answered.items() if value is not None}
    expected = {key: value for key, value in truth.items() if value is not None}
    assert with_value.keys() == expected.keys()
    for key, value in expected.items():
        assert with_value[key] == pytest.approx(value, rel=1e-9, abs=1e-6), key
    assert expected, "the tiny warehouse has no value to compare: the test would prove nothing"


def mrr_rows(wh) -> list[tuple]:
    return duck_query(wh, """
        select tenant_id, month, ending_mrr, starting_mrr, expansion_mrr, contraction_mrr,
            churned_mrr, net_revenue_retention
        from marts.mrr_monthly""")


def test_mrr_by_month_and_quarter(semantic_warehouse):
    wh, _ = semantic_warehouse
    rows = mrr_rows(wh)
    by_month = {(tenant, month): float(ending) for tenant, month, ending, *_ in rows}
    assert_same(mf_query(semantic_warehouse, "mrr", "month"), by_month)
    # a balance: a quarter's MRR is its last month's
    last_month = defaultdict(lambda: date.min)
    for tenant, month in by_month:
        last_month[tenant, quarter_of(month)] = max(last_month[tenant, quarter_of(month)], month)
    by_quarter = {(tenant, quarter): by_month[tenant, month] for (tenant, quarter), month in last_month.items()}
    assert len(by_quarter) < len(by_month)
    assert_same(mf_query(semantic_warehouse, "mrr", "quarter"), by_quarter)


def test_net_revenue_retention_by_month(semantic_warehouse):
    wh, _ = semantic_warehouse
    truth = {}
    for tenant, month, _ending, starting, expansion, contraction, churned, mart_nrr in mrr_rows(wh):
        truth[tenant, month] = ratio(starting + expansion + contraction + churned, starting)
        # the mart's own column agrees: the metric is the mart's NRR, not a new definition
        assert (mart_nrr is None) == (truth[tenant, month] is None)
        if mart_nrr is not None:
            assert float(mart_nrr) == pytest.approx(truth[tenant, month], abs=1e-6)
    assert any(value is not None and value != 1 for value in truth.values()), "no month moved MRR"
    assert_same(mf_query(semantic_warehouse, "net_revenue_retention", "month"), truth)


def test_win_rate_by_month(semantic_warehouse):
    wh, _ = semantic_warehouse
    won, closed = defaultdict(int), defaultdict(int)
    for tenant, closed_at, is_won, is_lost in duck_query(wh, """
            select tenant_id, closed_at, is_won, is_lost from marts.fct_opportunities
            where closed_at is not null"""):
        key = (tenant, closed_at.date().replace(day=1))
        won[key] += int(is_won)
        closed[key] += int(is_won) + int(is_lost)
    truth = {key: ratio(won[key], closed[key]) for key in closed}
    assert_same(mf_query(semantic_warehouse, "win_rate", "month"), truth)


def test_lead_to_customer_rate_by_month_and_quarter(semantic_warehouse):
    wh, _ = semantic_warehouse
    leads = duck_query(wh, "select tenant_id, created_at, is_customer from marts.fct_leads")
    for grain, period_of in (("month", lambda day: day.replace(day=1)), ("quarter", quarter_of)):
        created, customers = defaultdict(int), defaultdict(int)
        for tenant, created_at, is_customer in leads:
            key = (tenant, period_of(created_at.date()))
            created[key] += 1
            customers[key] += int(is_customer)
        truth = {key: ratio(customers[key], created[key]) for key in created}
        assert any(customers.values()), "no lead became a customer"
        assert_same(mf_query(semantic_warehouse, "lead_to_customer_rate", grain), truth)
