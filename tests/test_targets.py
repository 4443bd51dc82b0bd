"""Targets against actuals (marts.targets_vs_actuals, the targets_monthly seed) and the alert on
ending MRR below an earlier forecast's 80 % band. The truths are worked here, in Python, from the
seed file and the marts that own each metric, not read from the model under test."""
import csv
from collections import defaultdict
from datetime import date, timedelta

import pytest

from conftest import AS_OF, REPO, assert_engines_agree, drop_forecast, query, write_forecast

SEED = REPO / "seeds" / "targets_monthly.csv"


def seed_targets() -> dict[tuple[str, str, date], float]:
    with SEED.open() as f:
        return {(r["tenant_id"], r["metric"], date.fromisoformat(r["month"])): float(r["target"])
                for r in csv.DictReader(f)}


def month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)


def test_the_seed_covers_every_generated_tenant_and_metric_for_three_years():
    targets = seed_targets()
    tenants = {t for t, _, _ in targets}
    assert tenants == {"tn_001", "tn_002", "tn_003"}
    for tenant in tenants:
        for metric in ("mrr", "new_mrr", "won_amount", "store_revenue"):
            months = sorted(m for t, x, m in targets if t == tenant and x == metric)
            assert months[0] == date(2025, 1, 1) and months[-1] == date(2027, 12, 1) and len(months) == 36
    assert all(v >= 0 and v % 100 == 0 for v in targets.values())


def actuals_from_the_owning_marts(wh) -> dict[tuple[str, str, date], float]:
    out = {}
    for tenant, month, ending, new in query(wh, "select tenant_id, month, ending_mrr, new_mrr from marts.mrr_monthly"):
        out[(tenant, "mrr", month)] = float(ending)
        out[(tenant, "new_mrr", month)] = float(new)
    won = defaultdict(float)
    for tenant, month, amount in query(wh, "select tenant_id, month, won_amount_usd from marts.sales_pipeline_monthly"):
        won[(tenant, "won_amount", month)] += float(amount)
    out.update(won)
    for tenant, month, revenue in query(wh, "select tenant_id, period_start, revenue_usd from marts.period_kpis "
                                            "where period_type = 'month'"):
        out[(tenant, "store_revenue", month)] = float(revenue)
    return out


def mart_rows(wh) -> dict[tuple[str, str, date], tuple]:
    rows = query(wh, "select tenant_id, metric, month, is_complete, target, actual, attainment, expected_value, "
                     "expected_attainment, expected_basis from marts.targets_vs_actuals")
    return {(t, m, d): rest for t, m, d, *rest in rows}


def _date(value) -> date:
    return value if type(value) is date else value.date()


def test_complete_months_read_their_actual_from_the_owning_mart(warehouse):
    targets, actuals, rows = seed_targets(), actuals_from_the_owning_marts(warehouse), mart_rows(warehouse)
    assert {(t, m, _date(d)) for t, m, d in rows} == set(targets)
    checked = 0
    for (tenant, metric, month), (complete, target, actual, attainment, *_rest) in rows.items():
        month = _date(month)
        assert complete == (month_end(month) < AS_OF)
        assert float(target) == targets[(tenant, metric, month)]
        if not complete:
            assert actual is None and attainment is None
            continue
        truth = actuals.get((tenant, metric, month), 0.0)
        assert float(actual) == pytest.approx(truth, abs=1e-4)
        if targets[(tenant, metric, month)] == 0:
            assert attainment is None
        else:
            assert attainment == pytest.approx(truth / targets[(tenant, metric, month)], rel=1e-9, abs=1e-9)
        checked += 1
    assert checked == 3 * 4 * 22                      # 2025-01 .. 2026-10: 22 complete months


def test_without_a_forecast_no_month_has_an_expected_attainment(warehouse):
    rows = mart_rows(warehouse)
    open_rows = [r for r in rows.values() if not r[0]]
    assert len(open_rows) == 3 * 4 * 14               # 2026-11 .. 2027-12
    assert {r[-2] for r in rows.values()} == {None}
    assert {r[-1] for r in open_rows} == {"no forecast for this tenant yet", "no forecast series for this metric"}


@pytest.fixture(scope="module")
def with_forecast(request):
    """`warehouse forecast` on a session warehouse, then the forecast's staging model and the mart
    rebuilt on it; afterwards the forecast tables are dropped and both rebuilt again, so the other
    tests see the warehouses as dbt built them."""
    done = {}

    def run(wh):
        if wh.target not in done:
            write_forecast(wh)
            done[wh.target] = wh
        return wh
    yield run
    for wh in done.values():
        drop_forecast(wh)


def test_expected_attainment_is_the_forecast_at_month_end_over_the_target(warehouse, with_forecast):
    with_forecast(warehouse)
    targets, rows = seed_targets(), mart_rows(warehouse)
    mrr_forecast = {(t, _date(p)): float(v) for t, p, v in query(
        warehouse, "select tenant_id, period_start, point_forecast from marts.revenue_forecast "
                   "where series = 'ending_mrr'")}
    weeks = defaultdict(dict)
    for t, p, v in query(warehouse, "select tenant_id, period_start, point_forecast from marts.revenue_forecast "
                                    "where series = 'store_net_revenue'"):
        weeks[t][_date(p)] = float(v)
    days = defaultdict(dict)
    for t, d, v in query(warehouse, "select tenant_id, period_start, revenue_usd from marts.period_kpis "
                                    "where period_type = 'day'"):
        days[t][_date(d)] = float(v)
    with_expectation = 0
    for (tenant, metric, month), (complete, _t, _a, _at, expected, expected_attainment, basis) in rows.items():
        month = _date(month)
        target = targets[(tenant, metric, month)]
        truth = None
        if complete or metric in ("new_mrr", "won_amount"):
            truth = None
        elif metric == "mrr":
            truth = mrr_forecast.get((tenant, month))
        else:
            first, last = min(weeks[tenant]), max(weeks[tenant]) + timedelta(days=6)
            if last >= month_end(month):
                truth = 0.0
                day = month
                while day <= month_end(month):        # day by day: actual before the forecast, else 1/7 of its week
                    if day < first:
                        truth += days[tenant].get(day, 0.0)
                    else:
                        truth += weeks[tenant][day - timedelta(days=day.weekday())] / 7
                    day += timedelta(days=1)
        if truth is None:
            assert expected is None and expected_attainment is None, (tenant, metric, month, basis)
            continue
        with_expectation += 1
        assert float(expected) == pytest.approx(truth, abs=1e-3), (tenant, metric, month)
        assert expected_attainment == pytest.approx(truth / target, rel=1e-6)
    # per tenant: 12 months of MRR forecast (2026-11 .. 2027-10); 8 weeks from Monday 2026-11-16 reach
    # Sunday 2027-01-10: November and December whole, January not
    assert with_expectation == 3 * (12 + 2)
    assert rows[("tn_001", "store_revenue", date(2026, 11, 1))][-1].startswith("actual days before the first")


def test_both_engines_agree_with_the_forecast(duckdb_warehouse, postgres_warehouse, with_forecast):
    with_forecast(duckdb_warehouse)
    with_forecast(postgres_warehouse)
    assert_engines_agree(duckdb_warehouse, postgres_warehouse, "marts.targets_vs_actuals",
                         "tenant_id, metric, month", "is_complete, target, actual, attainment, expected_value, "
                         "expected_attainment, forecast_model, expected_basis", digits=4)


def test_postgres_serves_targets_vs_actuals_like_the_other_marts(postgres_warehouse):
    rls, policy, granted = query(postgres_warehouse, """
        select c.relrowsecurity,
               exists (select from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation'),
               has_table_privilege('analyst', 'marts.targets_vs_actuals', 'select')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'marts' and c.relname = 'targets_vs_actuals'""")[0]
    assert rls and policy and granted


# --- the alert: ending MRR below an earlier forecast's 80 % band ----------------------------------

def _hand_made_warehouse(path, forecast_rows):
    import duckdb
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.mrr_monthly (tenant_id text, month date, ending_mrr decimal(18, 4))")
    con.execute("insert into marts.mrr_monthly values ('t1', '2026-09-01', 1000), ('t1', '2026-10-01', 899.99), "
                "('t2', '2026-10-01', 500), ('t3', '2026-10-01', 100)")
    if forecast_rows is not None:
        con.execute("create table marts.revenue_forecast (tenant_id text, series text, period_start date, "
                    "point_forecast double, lower_80 double, trained_through date, model text)")
        for row in forecast_rows:
            con.execute("insert into marts.revenue_forecast values (?, ?, ?, ?, ?, ?, ?)", row)
    con.close()


FORECAST_BEFORE_OCTOBER = [
    # t1: October's 899.99 is below its lower bound 900: fires
    ("t1", "ending_mrr", date(2026, 10, 1), 1050.0, 900.0, date(2026, 9, 1), "ets"),
    ("t1", "ending_mrr", date(2026, 11, 1), 1100.0, 850.0, date(2026, 9, 1), "ets"),
    # t2: October's 500 equals its lower bound: inside the band, does not fire
    ("t2", "ending_mrr", date(2026, 10, 1), 600.0, 500.0, date(2026, 9, 1), "naive"),
    # t3: only the store series falls below: not an MRR alert
    ("t3", "store_net_revenue", date(2026, 10, 1), 900.0, 800.0, date(2026, 9, 28), "ets"),
]


@pytest.fixture
def alerts(monkeypatch):
    sent = []
    from orchestration.dagster_defs import forecast
    monkeypatch.setattr(forecast, "send_alert", lambda kind, summary, **details: sent.append((kind, details)))
    return sent


def _check(tmp_path, rows):
    from orchestration.dagster_defs.forecast import check_mrr_against_earlier_forecast
    from orchestration.dagster_defs.warehouse import WarehouseResource
    _hand_made_warehouse(tmp_path / "w.duckdb", rows)
    return check_mrr_against_earlier_forecast(WarehouseResource(target="duckdb",
                                                                duckdb_path=str(tmp_path / "w.duckdb")), AS_OF)


def test_mrr_below_the_earlier_forecasts_80_band_warns_and_alerts(tmp_path, alerts):
    import dagster as dg
    result = _check(tmp_path, FORECAST_BEFORE_OCTOBER)
    assert result.passed is False and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["months_compared"].value == 2                 # t1 and t2 October
    assert result.description == "t1 2026-10-01: ending MRR 899.99 below 900.00"
    assert [kind for kind, _ in alerts] == ["mrr_below_forecast"]
    assert alerts[0][1]["months"] == [{"tenant_id": "t1", "month": "2026-10-01", "ending_mrr": 899.99,
                                       "forecast_lower_80": 900.0, "forecast_point": 1050.0,
                                       "forecast_trained_through": "2026-09-01", "model": "ets"}]


def test_mrr_inside_the_band_or_no_earlier_forecast_does_not_alert(tmp_path, alerts):
    inside = [r for r in FORECAST_BEFORE_OCTOBER if r[0] != "t1"]
    result = _check(tmp_path, inside)
    assert result.passed is True and result.metadata["months_compared"].value == 1
    assert alerts == []
    (tmp_path / "w.duckdb").unlink()
    first_run = _check(tmp_path, None)
    assert first_run.passed is True and first_run.description.startswith("no earlier forecast stored")
    assert alerts == []
