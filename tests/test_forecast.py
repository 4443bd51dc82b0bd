"""Forecasts (orchestration/forecast): the backtest arithmetic on a hand-worked series, a public
monthly series of the 1990s where the chosen model beats seasonal naive, the declared fallback,
determinism, and the three forecast marts written by `warehouse forecast` on both engines."""
import math
from datetime import date

import numpy as np
import pytest

from orchestration.forecast import backtest
from orchestration.forecast.models import Z_80, Z_95, fit_forecast
from orchestration.forecast.run import BACKTEST, BACKTEST_STEPS, FORECAST, PRIMARY_KEYS, TABLES
from orchestration.forecast.series import SERIES, forecast_series
from conftest import AS_OF, base_env, query, run_sql, warehouse_cli

MONTHLY = SERIES[0]
WEEKLY = SERIES[1]

# season 4: two seasons, each 2 above the one before
HAND = np.array([10.0, 20.0, 30.0, 40.0, 12.0, 22.0, 32.0, 42.0])


def test_seasonal_naive_repeats_the_last_season():
    assert backtest.seasonal_naive(HAND, 4, 6).tolist() == [12, 22, 32, 42, 12, 22]
    with pytest.raises(ValueError):
        backtest.seasonal_naive(HAND[:3], 4, 1)


def test_mase_scale_is_the_mean_absolute_seasonal_difference():
    assert backtest.mase_scale(HAND, 4) == 2.0                     # |12-10|, |22-20|, |32-30|, |42-40|
    assert backtest.mase_scale(np.array([5.0] * 8), 4) is None     # flat: no scale, never 0
    assert backtest.mase_scale(HAND[:4], 4) is None                # no seasonal difference yet


def test_rolling_origins_keep_full_folds_and_the_shorter_ones_after_them():
    # n 10, horizon 3, 2 full folds: origins 6 and 7 (actuals 6-8, 7-9), then 8 and 9 (2 and 1 actuals)
    assert backtest.rolling_origins(10, 3, 2, 4) == [6, 7, 8, 9]
    assert backtest.rolling_origins(10, 3, 9, 4) == [4, 5, 6, 7, 8, 9]     # never under min_train
    assert backtest.rolling_origins(4, 3, 2, 4) == []


def test_scores_by_hand():
    fold_a = backtest.FoldForecast(actual=np.array([10.0, 0.0, 20.0]), point=np.array([12.0, 5.0, 15.0]),
                                   lower_80=np.array([11.0, 0.0, 16.0]), upper_80=np.array([13.0, 1.0, 18.0]),
                                   lower_95=np.array([9.0, -1.0, 14.0]), upper_95=np.array([14.0, 2.0, 20.0]),
                                   scale=2.0)
    fold_b = backtest.FoldForecast(actual=np.array([8.0]), point=np.array([4.0]), lower_80=np.array([5.0]),
                                   upper_80=np.array([7.0]), lower_95=np.array([3.0]), upper_95=np.array([8.0]),
                                   scale=4.0)
    s = backtest.score([fold_a, fold_b])
    assert s.folds == 2
    # APE: 2/10, (actual 0 left out), 5/20, 4/8
    assert s.mape == pytest.approx((0.2 + 0.25 + 0.5) / 3)
    # scaled errors: 2/2, 5/2, 5/2, 4/4
    assert s.mase == pytest.approx((1 + 2.5 + 2.5 + 1) / 4)
    # 80 %: 10 out (11-13), 0 in (bound), 20 out, 8 out; 95 %: 10 in, 0 in, 20 in (bound), 8 in (bound)
    assert s.coverage_80 == 0.25 and s.coverage_95 == 1.0
    first = backtest.score([fold_a, fold_b], step=0)
    assert first.folds == 2 and first.mape == pytest.approx((0.2 + 0.5) / 2) and first.mase == pytest.approx(1.0)
    third = backtest.score([fold_a, fold_b], step=2)
    assert third.folds == 1 and third.mape == pytest.approx(0.25) and third.coverage_80 == 0.0
    assert backtest.score([backtest.FoldForecast(*(np.array([0.0]),) * 6, scale=None)]).mape is None


def test_seasonal_naive_intervals_widen_by_season():
    f = fit_forecast("seasonal_naive", HAND, 4, 6)
    sigma = 2.0                                     # every seasonal difference is 2
    assert f.point.tolist() == [12, 22, 32, 42, 12, 22]
    assert f.upper_80[0] - f.point[0] == pytest.approx(Z_80 * sigma)
    assert f.point[4] - f.lower_95[4] == pytest.approx(Z_95 * sigma * math.sqrt(2))


def elec_equip_monthly():
    """Eurostat's euro-area electrical equipment orders index, monthly, shipped inside statsmodels:
    1995-01 to 2004-12 (120 months)."""
    from statsmodels.datasets import elec_equip
    data = elec_equip.load_pandas().data.iloc[:, 0]
    data = data[data.index < "2005-01-01"]
    return [d.date() for d in data.index], data.to_numpy(dtype=float)


def test_a_public_1990s_series_is_forecast_better_than_seasonal_naive():
    periods, y = elec_equip_monthly()
    assert periods[0] == date(1995, 1, 1) and len(y) == 120
    result = forecast_series("public", MONTHLY, periods, y)
    rows = {r["model"]: r for r in result.backtest}
    chosen = [r for r in result.backtest if r["is_chosen"]]
    assert len(chosen) == 1 and chosen[0]["model"] != "seasonal_naive"
    # the baseline's rolling-origin MAPE, worked here from the series: origins 103 .. 119 (the last 6
    # with 12 months after them, then every later one), each forecast repeats the 12 months before it
    errors = []
    for t in range(120 - 12 - 6 + 1, 120):
        for i in range(min(12, 120 - t)):
            errors.append(abs(y[t + i] - y[t - 12 + i % 12]) / abs(y[t + i]))
    baseline_mape = float(np.mean(errors))
    assert rows["seasonal_naive"]["mape"] == pytest.approx(baseline_mape)
    assert rows["seasonal_naive"]["folds"] == chosen[0]["folds"] == 17
    assert chosen[0]["mape"] < baseline_mape and chosen[0]["beats_baseline"] is True
    assert chosen[0]["mase"] < chosen[0]["baseline_mase"] == rows["seasonal_naive"]["mase"]
    # no calendar bounds: the forecast continues the series' own months
    assert [r["period_start"] for r in result.forecast][:2] == [date(2005, 1, 1), date(2005, 2, 1)]
    assert {r["trained_through"] for r in result.forecast} == {date(2004, 12, 1)}
    assert len(result.forecast) == 12 and all(r["model"] == chosen[0]["model"] for r in result.forecast)
    for r in result.forecast:
        assert r["lower_95"] <= r["lower_80"] <= r["point_forecast"] <= r["upper_80"] <= r["upper_95"]
    # coverage per horizon step, for every model: 12 steps, fewer folds reach the later ones
    steps = [s for s in result.steps if s["model"] == chosen[0]["model"]]
    assert [s["horizon_step"] for s in steps] == list(range(1, 13))
    assert [s["folds"] for s in steps] == [17 - k for k in range(12)]
    assert all(0 <= s["coverage_80"] <= s["coverage_95"] <= 1 for s in steps)


def test_same_data_same_forecast():
    periods, y = elec_equip_monthly()
    assert forecast_series("public", MONTHLY, periods, y) == forecast_series("public", MONTHLY, periods, y)


def test_a_short_series_falls_back_to_naive_and_says_so():
    periods = [date(1998, m, 1) for m in range(1, 13)] + [date(1999, m, 1) for m in range(1, 9)]
    y = np.arange(20, dtype=float) * 10 + 100                      # 20 months: under two seasons + 1
    result = forecast_series("short", MONTHLY, periods, y)
    assert result.model == "naive" and "fallback naive: 20 months" in result.selection
    assert result.backtest == [dict(tenant_id="short", series="ending_mrr", model="naive", is_chosen=True, folds=0,
                                    mape=None, mase=None, coverage_80=None, coverage_95=None, baseline_mase=None,
                                    beats_baseline=None)]
    assert {r["point_forecast"] for r in result.forecast} == {290.0}
    assert result.forecast[0]["period_start"] == date(1999, 9, 1)
    assert all(r["selection"] == result.selection for r in result.forecast)
    # naive: sigma of the first differences (all 10), times sqrt(step)
    assert result.forecast[3]["upper_95"] - 290 == pytest.approx(Z_95 * 10 * 2)
    assert forecast_series("tiny", MONTHLY, periods[:2], y[:2]).model is None


def test_series_stop_at_the_last_complete_period_and_a_gap_is_counted():
    import pandas as pd
    from orchestration.forecast.run import series_of
    frame = pd.DataFrame({"tenant_id": ["a", "a", "a", "a"],
                          "period_start": [date(1991, 1, 1), date(1991, 2, 1), date(1991, 4, 1), date(1991, 5, 1)],
                          "value": [1.0, 2.0, 4.0, 5.0]})
    # as of 1991-05-20, May is running: left out; March is absent from the mart: 0, and counted
    periods, values, missing = series_of(frame, MONTHLY, date(1991, 5, 20))["a"]
    assert periods == [date(1991, m, 1) for m in (1, 2, 3, 4)]
    assert values.tolist() == [1.0, 2.0, 0.0, 4.0] and missing == 1
    weeks = pd.DataFrame({"tenant_id": ["b", "b"], "period_start": [date(1994, 1, 3), date(1994, 1, 10)],
                          "value": [1.0, 2.0]})
    assert series_of(weeks, WEEKLY, date(1994, 1, 17))["b"][0] == [date(1994, 1, 3), date(1994, 1, 10)]
    assert series_of(weeks, WEEKLY, date(1994, 1, 16))["b"][0] == [date(1994, 1, 3)]


def test_a_flat_history_keeps_the_baseline_and_says_so():
    import pandas as pd
    periods = [(pd.Timestamp("1996-01-01") + pd.DateOffset(months=i)).date() for i in range(30)]
    result = forecast_series("flat", MONTHLY, periods, np.full(30, 50.0))
    assert result.model == "seasonal_naive" and "is the baseline" in result.selection
    assert {r["mase"] for r in result.backtest} == {None}          # no scale: null, never 0


@pytest.mark.parametrize("args", [["--target", "postgres"], ["--duckdb-path", "{tmp}/empty.duckdb"]])
def test_an_unreachable_or_unbuilt_warehouse_is_one_line_and_exit_2(tmp_path, args):
    env = base_env(tmp_path)
    env.update(PGHOST="127.0.0.1", PGPORT="1")
    proc = warehouse_cli(env, "forecast", *[a.format(tmp=tmp_path) for a in args], check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("warehouse: error: "), proc.stderr


# --- the marts, on the session warehouses --------------------------------------------------------

def test_forecast_marts_are_written_with_a_line_per_tenant_and_series(warehouse, python_marts):
    proc = python_marts(warehouse)
    tenants = [t for (t,) in query(warehouse, "select distinct tenant_id from marts.mrr_monthly order by 1")]
    lines = proc.stdout.splitlines()
    for spec in SERIES:
        for tenant in tenants:
            assert sum(line.startswith(f"{tenant} {spec.name}: ") for line in lines) == 1
    # the forecast's summary after its series, then the churn scores (a line per tenant, tests/test_churn_risk.py)
    summary = [i for i, line in enumerate(lines) if line.startswith(f"forecast as of {AS_OF}: ")]
    series_lines = [i for i, line in enumerate(lines) for spec in SERIES if line.split(":")[0].endswith(f" {spec.name}")]
    churn_lines = [i for i, line in enumerate(lines) if line.split(":")[0] in tenants]
    assert len(summary) == 1 and max(series_lines) < summary[0] < min(churn_lines), proc.stdout
    assert lines[-1].startswith(f"churn risk as of {AS_OF}: ")
    for table, keys in PRIMARY_KEYS.items():
        total, distinct = query(warehouse, f"select count(*), count(distinct ({', '.join(keys)})) "
                                           f"from marts.{table}")[0]
        assert total == distinct > 0, table
    # every tenant: 12 months of MRR after its last complete month, 8 weeks after its last complete week
    for spec, source, where in ((MONTHLY, "select tenant_id, max(month) from marts.mrr_monthly", ""),
                                (WEEKLY, "select tenant_id, max(period_start) from marts.period_kpis",
                                 " where period_type = 'week'")):
        last = dict(query(warehouse, f"{source}{where} group by tenant_id"))
        got = query(warehouse, f"select tenant_id, count(*), min(trained_through), max(trained_through), "
                               f"min(period_start), max(horizon_step) from marts.{FORECAST} "
                               f"where series = '{spec.name}' group by tenant_id")
        assert sorted(t for t, *_ in got) == tenants
        for tenant, rows, first_trained, last_trained, first_period, steps in got:
            assert rows == steps == spec.horizon
            assert str(first_trained)[:10] == str(last_trained)[:10] == str(last[tenant])[:10]
            assert first_period > last[tenant]
    assert query(warehouse, f"select count(*) from marts.{FORECAST} where not (lower_95 <= lower_80 and "
                            "lower_80 <= point_forecast and point_forecast <= upper_80 and "
                            "upper_80 <= upper_95)")[0][0] == 0
    # one chosen model per series, the same one the forecast rows name
    assert query(warehouse, f"select count(*) from (select tenant_id, series from marts.{BACKTEST} "
                            "group by tenant_id, series having sum(case when is_chosen then 1 else 0 end) <> 1) "
                            "as s")[0][0] == 0
    assert query(warehouse, f"select count(*) from marts.{FORECAST} f left join marts.{BACKTEST} b "
                            "on f.tenant_id = b.tenant_id and f.series = b.series and b.is_chosen "
                            "where b.model is null or b.model <> f.model")[0][0] == 0
    # coverage per horizon step for every backtested model
    assert query(warehouse, f"select count(*) from marts.{BACKTEST} b where b.folds > 0 and "
                            f"(select count(*) from marts.{BACKTEST_STEPS} s where s.tenant_id = b.tenant_id "
                            "and s.series = b.series and s.model = b.model) <> "
                            "case b.series when 'ending_mrr' then 12 else 8 end")[0][0] == 0


def test_a_rerun_gives_the_same_forecast(duckdb_warehouse, python_marts):
    import duckdb
    from orchestration.forecast.run import forecast_all
    python_marts(duckdb_warehouse)
    columns = ", ".join(name for name, _ in TABLES[FORECAST])
    written = query(duckdb_warehouse, f"select {columns} from marts.{FORECAST} order by 1, 2, 3")
    con = duckdb.connect(duckdb_warehouse.env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        again = forecast_all(con, AS_OF, progress=lambda line: None)
    finally:
        con.close()
    rows = sorted(tuple(r[name] for name, _ in TABLES[FORECAST]) for r in again.rows(FORECAST))
    assert [tuple(r) for r in written] == rows


def test_both_engines_write_the_same_forecast(duckdb_warehouse, postgres_warehouse, python_marts):
    python_marts(duckdb_warehouse)
    python_marts(postgres_warehouse)
    sql = (f"select tenant_id, series, period_start, model, point_forecast, lower_95, upper_95 "
           f"from marts.{FORECAST} order by 1, 2, 3")
    duck, pg = query(duckdb_warehouse, sql), query(postgres_warehouse, sql)
    assert len(duck) == len(pg) > 0
    for a, b in zip(duck, pg, strict=True):
        assert a[:4] == b[:4]
        assert a[4:] == pytest.approx(b[4:], rel=1e-6)


def test_postgres_forecast_marts_are_served_like_the_dbt_marts(postgres_warehouse, python_marts):
    python_marts(postgres_warehouse)
    for table in TABLES:
        rls, policy, granted = query(postgres_warehouse, f"""
            select c.relrowsecurity,
                   exists (select from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation'
                           and 'analyst'::regrole = any (p.polroles)),
                   has_table_privilege('analyst', 'marts.{table}', 'select')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'marts' and c.relname = '{table}'""")[0]
        assert rls and policy and granted, table


def test_the_dagster_asset_writes_the_marts_and_its_checks_catch_a_bad_row(duckdb_warehouse, python_marts,
                                                                            monkeypatch):
    import dagster as dg
    from orchestration.dagster_defs.forecast import (CHECKS, EARLIER_FORECAST_CHECK, KEYS, check_forecast_marts,
                                                     revenue_forecast)
    from orchestration.dagster_defs.warehouse import WarehouseResource
    python_marts(duckdb_warehouse)                  # registers the tables for dropping afterwards
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", AS_OF.isoformat())
    warehouse = WarehouseResource(target="duckdb", duckdb_path=duckdb_warehouse.env["DBT_DUCKDB_PATH"])
    result = dg.materialize([revenue_forecast], resources={"warehouse": warehouse})
    assert result.success
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialised == set(KEYS.values())
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {**{name: True for name in CHECKS.values()}, EARLIER_FORECAST_CHECK: True}
    tenants = query(duckdb_warehouse, "select count(distinct tenant_id) from marts.mrr_monthly")[0][0]
    run_sql(duckdb_warehouse, f"update marts.{FORECAST} set lower_95 = upper_95 + 1 where horizon_step = 1 "
                              "and series = 'ending_mrr'")
    bad = {r.check_name: r for r in check_forecast_marts(warehouse)}
    assert not bad[CHECKS[FORECAST]].passed
    assert bad[CHECKS[FORECAST]].description == f"{tenants} intervals not nested around the point"
    assert bad[CHECKS[BACKTEST]].passed and bad[CHECKS[BACKTEST_STEPS]].passed


# --- BigQuery: the writer through the client, offline ------------------------------------------

def test_the_writer_loads_the_three_tables_into_bigquery_through_its_client():
    import pandas as pd
    from google.cloud import bigquery
    from orchestration.forecast.run import run_forecast
    from bigquery_offline import FakeBigQuery, no_network
    months = [(pd.Timestamp("2024-01-01") + pd.DateOffset(months=i)).date() for i in range(30)]
    weeks = [date(2026, 2, 2) + pd.Timedelta(days=7 * i) for i in range(21)]    # Mondays 02-02 .. 06-22
    client = FakeBigQuery({
        "marts.mrr_monthly": (["tenant_id", "period_start", "value"],
                              [("t1", m, 100.0 + 10 * i) for i, m in enumerate(months)]),
        "marts.period_kpis": (["tenant_id", "period_start", "value"], [("t1", w, 50.0) for w in weeks]),
    })
    with no_network():
        run = run_forecast("bigquery", date(2026, 7, 1), bigquery=client, progress=lambda line: None)
    assert [t for t, _, _ in client.loads] == [f"warehouse-offline.marts.{t}" for t in TABLES]
    assert client.job.result.call_count == 3                              # each load waited for
    for table_id, rows, config in client.loads:
        table = table_id.rsplit(".", 1)[1]
        assert config.write_disposition == bigquery.WriteDisposition.WRITE_TRUNCATE
        assert [(f.name, f.field_type) for f in config.schema] == [
            (n, {"text": "STRING", "date": "DATE", "integer": "INT64", "double precision": "FLOAT64",
                 "boolean": "BOOL"}[t]) for n, t in TABLES[table]]
        assert len(rows) == len(run.rows(table)) and all(list(r) == [n for n, _ in TABLES[table]] for r in rows)
    forecast = {(r["series"], r["horizon_step"]): r for r in client.loads[0][1]}
    # 30 months (2024-01 .. 2026-06), complete before 2026-07-01: 12 months from 2026-07
    assert forecast[("ending_mrr", 1)]["period_start"] == "2026-07-01"
    assert forecast[("ending_mrr", 1)]["trained_through"] == "2026-06-01"
    assert forecast[("ending_mrr", 12)]["period_start"] == "2027-06-01"
    # weeks 2026-02-02 .. 06-22: the last one ends 06-28, complete; 8 weeks from Monday 06-29
    assert forecast[("store_net_revenue", 1)]["period_start"] == "2026-06-29"
    assert forecast[("store_net_revenue", 8)]["period_start"] == "2026-08-17"
    assert len(forecast) == 12 + 8
