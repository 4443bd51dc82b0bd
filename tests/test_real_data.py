"""Real public data (tests/fixtures/real_data, see its README) through the whole warehouse, on DuckDB and
Postgres, at two eras: a 1997-1998 CD store order log (CDNOW) and a 2,000-customer SaaS churn sample
(pysurvival), each once before 2010 and once in recent years. The marts must equal an independent
pandas reading of the same files (tests/real_data.py), every row, money to the cent.

Two builds per engine, one per as_of_date: `pre2010` (as_of 2009-01-15: cdnow_1997 + saas_1999, billed
in EUR before the FX seed starts) and `recent` (as_of 2024-01-15: cdnow_2021 + saas_2018, USD).

The build is run with check=False (land_raw + run_dbt, the two steps of conftest.build_landed): a
failing dbt test must not turn every test of an era into the same fixture error; test_dbt_build_passes
reports the build's failures on its own and the mart tests show which rows differ.
No quarantine_max_share override: the mapping breaks no contract rule, nothing should be quarantined.
"""
import json
import os
from decimal import Decimal

import pytest

import real_data as rd
from conftest import Warehouse, contract_table_count, land_raw, query, run_dbt

CENT = Decimal("0.005")     # "to the cent": within half a cent
SHOWN = 12                  # differing rows shown in a failure

PARAMS = [pytest.param(("duckdb", b), id=f"duckdb-{b}") for b in rd.BUILDS] + \
         [pytest.param(("postgres", b), id=f"postgres-{b}", marks=pytest.mark.postgres) for b in rd.BUILDS]


class RealBuild:
    def __init__(self, wh: Warehouse, build: str):
        self.wh, self.build = wh, build
        self.tenants = rd.BUILDS[build]

    def of(self, dataset: str) -> list[str]:
        return [t for t in self.tenants if rd.TENANTS[t].dataset == dataset]


def _drop_pg_database(dbname: str) -> None:
    import psycopg
    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo("postgres"), autocommit=True) as con:
        con.execute(f'drop database if exists "{dbname}" with (force)')


@pytest.fixture(scope="module", params=PARAMS)
def real(request, tmp_path_factory) -> RealBuild:
    engine, build = request.param
    tmp = tmp_path_factory.mktemp(f"real_{engine}_{build}")
    rd.write_raw(tmp / "raw", rd.BUILDS[build])
    pg_database = f"wh_real_{os.getpid()}_{build}"
    try:
        env = land_raw(engine, tmp / "raw", tmp, pg_database)
        proc = run_dbt(env, engine, tmp / "target", "build", "--exclude", "resource_type:unit_test",
                       check=False, extra_vars={"as_of_date": rd.build_as_of(build).isoformat()})
        yield RealBuild(Warehouse(engine, env, tmp / "target", proc), build)
    finally:
        if engine == "postgres":
            _drop_pg_database(pg_database)


# --- comparison -------------------------------------------------------------------------------

def _norm_key(v):
    return str(v)[:10] if hasattr(v, "isoformat") else v


def _same(expected, actual) -> bool:
    if isinstance(expected, Decimal):
        return actual is not None and abs(Decimal(str(actual)) - expected) <= CENT
    if isinstance(expected, bool):
        return actual is not None and bool(actual) == expected
    if isinstance(expected, int):
        return actual is not None and int(actual) == expected
    return _norm_key(actual) == _norm_key(expected)


def _compare(rb: RealBuild, relation: str, expected, keys: list[str], values: list[str], where: str) -> None:
    """Every expected row, by key, has the same values in the warehouse, and the warehouse has no other row."""
    exp = {tuple(_norm_key(r[k]) for k in keys): r for r in expected.to_dict("records")}
    rows = query(rb.wh, f"select {', '.join(keys + values)} from {relation} where {where}")
    act = {}
    for r in rows:
        key = tuple(_norm_key(v) for v in r[:len(keys)])
        assert key not in act, f"{relation}: duplicate key {key}"
        act[key] = dict(zip(values, r[len(keys):]))
    missing = sorted(set(exp) - set(act))
    extra = sorted(set(act) - set(exp))
    differing = []
    for key in sorted(set(exp) & set(act)):
        bad = {c: (exp[key][c], act[key][c]) for c in values if not _same(exp[key][c], act[key][c])}
        if bad:
            differing.append((key, bad))
    if missing or extra or differing:
        def fmt(v):
            return f"{float(v):.4f}" if isinstance(v, Decimal) else str(v)
        lines = [f"{relation} where {where}: {len(exp)} expected rows, {len(act)} in the warehouse; "
                 f"{len(missing)} missing, {len(extra)} unexpected, {len(differing)} differing"]
        lines += [f"  missing {k}" for k in missing[:SHOWN]]
        lines += [f"  unexpected {k}: {act[k]}" for k in extra[:SHOWN]]
        lines += [f"  {k}: " + ", ".join(f"{c} expected {fmt(e)} got {fmt(a)}" for c, (e, a) in bad.items())
                  for k, bad in differing[:SHOWN]]
        pytest.fail("\n".join(lines), pytrace=False)


def _tenant(tenant_id: str) -> str:
    return f"tenant_id = '{tenant_id}'"


def _require(rb: RealBuild, dataset: str) -> list[str]:
    tenants = rb.of(dataset)
    assert tenants, f"build {rb.build} has no {dataset} tenant"
    return tenants


# --- the build --------------------------------------------------------------------------------

def _results(rb: RealBuild) -> list[dict]:
    path = rb.wh.target_path / "run_results.json"
    assert path.exists(), f"dbt build wrote no run_results.json:\n{rb.wh.build.stdout[-3000:]}"
    return json.loads(path.read_text())["results"]


def test_dbt_build_passes(real):
    failed = [(r["unique_id"], r["status"], (r.get("message") or "")[:160]) for r in _results(real)
              if r["status"] in ("error", "fail", "skipped")]
    assert failed == [] and real.wh.build.returncode == 0, "\n".join(map(str, failed[:40]))


def test_raw_keys_equal_staged_plus_quarantined(real):
    recon = [r for r in _results(real) if ".raw_reconciles_" in r["unique_id"]]
    assert len(recon) == contract_table_count(), [r["unique_id"] for r in recon]
    assert [(r["unique_id"], r["status"]) for r in recon if r["status"] != "pass"] == []


def test_nothing_is_quarantined(real):
    # the mapping breaks no contract rule: every raw row is staged
    assert query(real.wh, "select tenant_id, source_table, reason, count(*) from quarantine.quarantine_rows "
                          "group by tenant_id, source_table, reason") == []


# --- commerce: CDNOW --------------------------------------------------------------------------

def test_fct_orders_match_the_order_log(real):
    for t in _require(real, "cdnow"):
        _compare(real, "marts.fct_orders", rd.expected_fct_orders(t), ["tenant_id", "order_id"],
                 ["customer_id", "order_date", "is_paid", "item_count", "net_revenue_usd", "customer_type"],
                 _tenant(t))


def test_customer_rfm_matches_the_independent_reading(real):
    for t in _require(real, "cdnow"):
        _compare(real, "marts.customer_rfm", rd.expected_customer_rfm(t), ["tenant_id", "customer_id"],
                 ["rfm_as_of_date", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                  "segment"], _tenant(t))


def test_cohort_retention_matches_the_independent_reading(real):
    for t in _require(real, "cdnow"):
        _compare(real, "marts.cohort_retention", rd.expected_cohort_retention(t),
                 ["tenant_id", "cohort_month", "month_number"],
                 ["cohort_size", "retained_customers", "revenue"], _tenant(t))


def test_cohort_retention_is_the_full_dense_grid(real):
    for t in _require(real, "cdnow"):
        end = rd.last_complete_month(rd.TENANTS[t].as_of)
        expected = rd.expected_cohort_retention(t)
        cohorts = sorted(set(expected.cohort_month))
        grid = sorted((str(c), k) for c in cohorts for k in range(rd.months_between(c, end) + 1))
        actual = sorted((str(c)[:10], int(k)) for c, k in query(
            real.wh, f"select cohort_month, month_number from marts.cohort_retention where {_tenant(t)}"))
        assert len(actual) == len(grid), f"{t}: {len(actual)} cells, the grid has {len(grid)}"
        assert actual == grid, sorted(set(actual) ^ set(grid))[:SHOWN]


# --- revenue: the churn sample ----------------------------------------------------------------

def test_fct_mrr_matches_the_independent_reading(real):
    for t in _require(real, "saas"):
        _compare(real, "marts.fct_mrr", rd.expected_fct_mrr(t), ["tenant_id", "customer_id", "month"],
                 ["mrr", "previous_mrr", "movement"], _tenant(t) + " and movement <> 'inactive'")


def test_mrr_monthly_matches_the_independent_reading(real):
    for t in _require(real, "saas"):
        _compare(real, "marts.mrr_monthly", rd.expected_mrr_monthly(t), ["tenant_id", "month"],
                 ["starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                  "churned_mrr", "ending_mrr", "active_customers", "new_customers", "churned_customers",
                  "reactivated_customers"], _tenant(t))


def test_zero_month_subscriptions_are_loaded_and_give_no_mrr(real):
    for t in _require(real, "saas"):
        sched = rd.churn_schedule(rd.TENANTS[t])
        zero = sorted(sched.customer_id[sched.months == 0])
        assert len(zero) == 42
        ids = ", ".join(f"'{c}'" for c in zero)
        staged = query(real.wh, f"select count(*) from staging.stg_billing__subscriptions "
                                f"where {_tenant(t)} and customer_id in ({ids})")
        assert staged == [(42,)]
        assert query(real.wh, f"select customer_id, month, mrr from marts.fct_mrr "
                              f"where {_tenant(t)} and customer_id in ({ids}) and mrr <> 0") == []


def test_dim_customers_current_mrr_and_lifetime_revenue(real):
    for t in _require(real, "saas"):
        _compare(real, "marts.dim_customers", rd.expected_dim_customers(t), ["tenant_id", "customer_id"],
                 ["current_mrr", "lifetime_revenue"], _tenant(t) + " and customer_id is not null")


# --- money is never null ----------------------------------------------------------------------

MONEY = {
    "fct_orders": ("cdnow", ["gross_revenue_usd", "discounts_usd", "shipping_usd", "tax_usd", "total_usd",
                             "refunds_usd", "net_revenue_usd"]),
    "customer_rfm": ("cdnow", ["monetary"]),
    "cohort_retention": ("cdnow", ["revenue", "cumulative_revenue_per_customer"]),
    "fct_mrr": ("saas", ["mrr", "previous_mrr", "mrr_change"]),
    "mrr_monthly": ("saas", ["starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                             "churned_mrr", "ending_mrr", "net_new_mrr", "arr"]),
    "dim_customers": ("saas", ["current_mrr", "lifetime_revenue"]),
}


@pytest.mark.parametrize("mart", sorted(MONEY))
def test_money_is_never_null(real, mart):
    dataset, columns = MONEY[mart]
    problems = []
    for t in _require(real, dataset):
        nulls = ", ".join(f"sum(case when {c} is null then 1 else 0 end)" for c in columns)
        (n, *counts), = query(real.wh, f"select count(*), {nulls} from marts.{mart} where {_tenant(t)}")
        if n == 0:
            problems.append(f"{t}: marts.{mart} has no rows")
        problems += [f"{t}: marts.{mart}.{c} null in {k} of {n} rows" for c, k in zip(columns, counts) if k]
    assert problems == [], "\n".join(problems)
