"""Churn risk and lifetime value (orchestration/churn, docs/CHURN.md): the evaluation arithmetic and
the retention model on hand-worked figures and a published estimator, the time split, and on the
generated warehouses the held-out model against the generator's ledger of who churned, no look-ahead
in the features, determinism, both engines written, the Dagster checks and the High Churn Risk alert.
The labelling and censoring rule itself is proven by the dbt unit tests of
customer_churn_features_monthly (models/marts/customers/_customers__unit_tests.yml)."""
import logging
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta as beta_function

from orchestration.churn import clv
from orchestration.churn.model import (average_precision, brier, calibration_deciles, fit_logistic,
                                       roc_auc)
from orchestration.churn.run import (ALL_TENANTS, EVALUATION, EVALUATION_MONTHS, HIGH_RISK, HORIZONS, PRIMARY_KEYS,
                                     RISK, SCORED, TABLES, Horizon, prepare, risk_band, score_all, time_split)
from conftest import AS_OF, base_env, query, run_dbt, run_sql, warehouse_cli

LAST_COMPLETE_MONTH = date(AS_OF.year, AS_OF.month, 1) - pd.DateOffset(months=1)


# --- the arithmetic, by hand ---------------------------------------------------------------------

def test_roc_auc_average_precision_and_brier_by_hand():
    y = np.array([1, 0, 1, 0, 0])
    score = np.array([0.9, 0.8, 0.4, 0.4, 0.1])
    # 6 churner-stayer pairs: 0.9 beats all three stayers (3); 0.4 loses to 0.8, ties 0.4 (1/2), beats 0.1
    assert roc_auc(y, score) == pytest.approx(4.5 / 6)
    # thresholds 0.9 (precision 1, recall +1/2), 0.8 (no recall gained), 0.4 (precision 2/4, recall +1/2)
    assert average_precision(y, score) == pytest.approx(0.5 * 1 + 0.5 * 0.5)
    assert brier(y, score) == pytest.approx((0.01 + 0.64 + 0.36 + 0.16 + 0.01) / 5)
    assert roc_auc(np.zeros(3), score[:3]) is None and average_precision(np.zeros(3), score[:3]) is None


def test_calibration_deciles_split_sorted_rows_evenly():
    p = np.arange(20) / 20                   # 0.00, 0.05, ... 0.95
    y = (np.arange(20) >= 14).astype(float)  # the six highest churn
    deciles = calibration_deciles(y, p, np.arange(20))
    assert [d.rows for d in deciles] == [2] * 10
    assert deciles[0].mean_predicted == pytest.approx(0.025) and deciles[0].observed_rate == 0.0
    assert [d.churners for d in deciles[-3:]] == [2, 2, 2] and deciles[6].churners == 0
    assert [d.rows for d in calibration_deciles(np.ones(13), np.zeros(13), np.arange(13))] == [2, 2, 2] + [1] * 7


def _simulated(rows: int = 400, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)) * np.array([1.0, 3.0, 0.5]) + np.array([0.0, 2.0, -1.0])
    y = (rng.random(rows) < 1 / (1 + np.exp(-(0.5 + x @ np.array([1.0, -0.7, 0.0]))))).astype(float)
    return x, y


def test_logistic_fit_without_penalty_is_the_maximum_likelihood_of_statsmodels():
    import statsmodels.api as sm
    x, y = _simulated()
    ours = fit_logistic(x, y, penalty=0.0)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0).params
    # ours is fitted on standardised columns: back to the raw scale
    mean, scale = x.mean(axis=0), x.std(axis=0)
    assert ours.coef / scale == pytest.approx(reference[1:], rel=1e-6)
    assert ours.intercept - np.sum(ours.coef * mean / scale) == pytest.approx(reference[0], rel=1e-6)
    # the explanation is exact: intercept + the three contributions = the log-odds
    assert ours.intercept + ours.contributions(x[:5]).sum(axis=1) == pytest.approx(
        reference[0] + x[:5] @ reference[1:], rel=1e-6)
    assert ours.predict(x[:5]) == pytest.approx(1 / (1 + np.exp(-(reference[0] + x[:5] @ reference[1:]))), rel=1e-6)
    with pytest.raises(ValueError, match="both outcomes"):
        fit_logistic(x, np.zeros(400))


def test_the_penalised_fit_is_the_optimum_of_the_declared_objective():
    """log-loss summed over rows + penalty/2 * |coef|^2 on standardised columns, intercept free: at the
    optimum its gradient is 0, i.e. Z'(p - y) + penalty * [0, coef] = 0 (Z with a column of ones); a
    constant column (scale 1 by declaration) gets coefficient 0; the same rows give the same fit."""
    x, y = _simulated()
    x = np.column_stack([x, np.full(len(x), 4.0)])
    model = fit_logistic(x, y, penalty=5.0)
    z = np.column_stack([np.ones(len(x)), (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)])
    w = np.concatenate([[model.intercept], model.coef])
    p = 1 / (1 + np.exp(-(z @ w)))
    gradient = z.T @ (p - y) + 5.0 * np.concatenate([[0.0], model.coef])
    assert np.abs(gradient).max() < 1e-6
    assert model.coef[3] == 0.0 and model.contributions(x)[:, 3].tolist() == [0.0] * len(x)
    # the penalty shrinks: the unpenalised coefficients are larger in size
    assert np.abs(model.coef[:3]).sum() < np.abs(fit_logistic(x[:, :3], y, penalty=0.0).coef).sum()
    again = fit_logistic(x, y, penalty=5.0)
    assert again.coef.tolist() == model.coef.tolist() and again.intercept == model.intercept


def test_risk_bands_follow_the_alert_rule():
    assert risk_band(0.8) == "medium" and risk_band(0.8000001) == "high" == risk_band(1.0)
    assert risk_band(0.3) == "low" and risk_band(0.31) == "medium"


def test_sbg_survival_is_the_beta_function_ratio_of_the_paper():
    """Fader & Hardie (2007): S(t) = B(alpha, beta + t) / B(alpha, beta); a customer who stayed n
    months is still there t months later with chance S(n + t) / S(n)."""
    model = clv.ShiftedBetaGeometric(alpha=0.7, beta=2.5)
    n = 4
    months = np.arange(1, clv.MONTHS_AHEAD + 1)
    still_there = beta_function(0.7, 2.5 + n + months) / beta_function(0.7, 2.5 + n)
    assert model.expected_remaining_months(np.array([n]), discounted=False)[0] == pytest.approx(still_there.sum())
    monthly = 1.1 ** (1 / 12) - 1
    assert model.expected_remaining_months(np.array([n]), discounted=True)[0] == pytest.approx(
        np.sum(still_there / (1 + monthly) ** months))
    # the chance to churn in month n + 1: 1 - S(n + 1) / S(n)
    assert model.churn_probability(np.array([n]))[0] == pytest.approx(1 - still_there[0])


def test_sbg_fit_recovers_the_parameters_of_a_simulated_cohort():
    rng = np.random.default_rng(11)
    theta = rng.beta(2.0, 8.0, size=20_000)
    lifetime = rng.geometric(theta)             # the month (1, 2, ...) in which each customer churns
    tenure, churned = [], []
    for months in range(24):                    # 24 months observed: later churn is censored
        at_risk = lifetime > months
        tenure.append(np.full(at_risk.sum(), months))
        churned.append(lifetime[at_risk] == months + 1)
    fitted = clv.fit_sbg(np.concatenate(tenure), np.concatenate(churned))
    assert fitted.alpha == pytest.approx(2.0, rel=0.1) and fitted.beta == pytest.approx(8.0, rel=0.1)


def test_a_tenant_whose_retention_is_the_geometric_limit_is_summarised_without_alpha_or_beta():
    """A tenant whose customers all churn alike has no alpha or beta: its run line names the limit (it
    raised a TypeError on such a tenant, and the Dagster asset failed)."""
    from orchestration.churn.run import _retention_summary
    assert _retention_summary(clv.ShiftedBetaGeometric.geometric(0.05)) == "geometric, monthly churn 0.050"
    assert _retention_summary(clv.ShiftedBetaGeometric(1.5, 20.25)) == "sBG alpha 1.500 beta 20.250"


def test_sbg_fit_of_customers_who_all_churn_alike_is_the_geometric_limit():
    """Every customer churns with probability 0.05 a month: no spread of theta to fit, so alpha and
    beta would grow without end; the model is the geometric one, with the observed monthly rate."""
    rng = np.random.default_rng(12)
    lifetime = rng.geometric(0.05, size=20_000)
    tenure, churned = [], []
    for months in range(24):
        at_risk = lifetime > months
        tenure.append(np.full(at_risk.sum(), months))
        churned.append(lifetime[at_risk] == months + 1)
    churned_all = np.concatenate(churned)
    fitted = clv.fit_sbg(np.concatenate(tenure), churned_all)
    assert fitted.alpha is None and fitted.beta is None
    assert fitted.geometric_churn == pytest.approx(churned_all.mean()) and fitted.geometric_churn == pytest.approx(
        0.05, rel=0.05)
    assert list(fitted.churn_probability(np.array([0, 12, 60]))) == [fitted.geometric_churn] * 3
    # undiscounted, a geometric lifetime has 1 / p - 1 months ahead of any tenure
    assert fitted.expected_remaining_months(np.array([0, 30]), discounted=False) == pytest.approx(
        [1 / fitted.geometric_churn - 1] * 2, rel=1e-6)


def _frame(cutoffs: int, customers: int = 4) -> pd.DataFrame:
    months = pd.date_range("2020-01-01", periods=cutoffs, freq="MS")
    rows = [dict(tenant_id="t1", customer_id=f"c{c}", cutoff_month=m, churned_next_month=bool((i + c) % 5 == 0),
                 churned_within_3_months=bool((i + c) % 3 == 0)) for i, m in enumerate(months)
            for c in range(customers)]
    frame = pd.DataFrame(rows)
    frame["label_window_end_month"] = frame["cutoff_month"] + pd.DateOffset(months=3)
    for horizon in HORIZONS:
        frame[f"is_labelled_{horizon.months}m"] = True
    return frame


@pytest.mark.parametrize("horizon", HORIZONS, ids=lambda h: f"{h.months}m")
def test_the_time_split_trains_only_on_labels_known_before_the_evaluation(horizon: Horizon):
    split = time_split(_frame(24), horizon)
    evaluated = sorted(split.evaluation["cutoff_month"].unique())
    assert len(evaluated) == EVALUATION_MONTHS and evaluated[-1] == pd.Timestamp("2021-12-01")
    # a training row's label window (cut-off + horizon) ends by the first evaluated cut-off
    assert (split.train["cutoff_month"] + pd.DateOffset(months=horizon.months)).max() == evaluated[0]
    assert split.train["cutoff_month"].max() < evaluated[0]
    with pytest.raises(ValueError, match="labelled cut-off months"):
        time_split(_frame(EVALUATION_MONTHS + horizon.months + 2), horizon)


def test_prepare_censors_labels_whose_window_ends_after_the_last_complete_month():
    frame = _frame(12)
    # as of 1 October 2020 the last complete month is September: the 3-month label is known through
    # the June cut-off (window July-September), the 1-month one through August; as of 30 September,
    # September is no cut-off at all
    prepared = prepare(frame.drop(columns=[f"is_labelled_{h.months}m" for h in HORIZONS]), date(2020, 10, 1))
    assert prepared["cutoff_month"].max() == pd.Timestamp("2020-09-01")
    labelled_3m = prepared[prepared["is_labelled_3m"]]["cutoff_month"]
    assert labelled_3m.max() == pd.Timestamp("2020-06-01")
    assert prepared[prepared["is_labelled_1m"]]["cutoff_month"].max() == pd.Timestamp("2020-08-01")
    assert prepare(frame.drop(columns=[f"is_labelled_{h.months}m" for h in HORIZONS]),
                   date(2020, 9, 30))["cutoff_month"].max() == pd.Timestamp("2020-08-01")


@pytest.mark.parametrize("args", [["--target", "postgres"], ["--duckdb-path", "{tmp}/empty.duckdb"]])
def test_an_unreachable_or_unbuilt_warehouse_is_one_line_and_exit_2(tmp_path, args):
    env = base_env(tmp_path)
    env.update(PGHOST="127.0.0.1", PGPORT="1")
    proc = warehouse_cli(env, "churn-risk", *[a.format(tmp=tmp_path) for a in args], check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("warehouse: error: "), proc.stderr


# --- on the session warehouses -----------------------------------------------------------------------

def _score_in_process(wh):
    import duckdb
    con = duckdb.connect(wh.env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        return score_all(con, AS_OF, progress=lambda line: None)
    finally:
        con.close()


def test_churn_marts_are_written_with_a_line_per_tenant(warehouse, python_marts):
    proc = python_marts(warehouse)
    tenants = [t for (t,) in query(warehouse, "select distinct tenant_id from marts.fct_mrr order by 1")]
    lines = proc.stdout.splitlines()
    for tenant in tenants:
        assert sum(line.startswith(f"{tenant}: ") for line in lines) == 1, proc.stdout
    assert lines[-1].startswith(f"churn risk as of {AS_OF}: ")
    for table, keys in PRIMARY_KEYS.items():
        total, distinct = query(warehouse, f"select count(*), count(distinct ({', '.join(keys)})) from marts.{table}")[0]
        assert total == distinct > 0, table
    # one row per customer with MRR in the last complete month, read from fct_mrr (not the features mart)
    active = set(query(warehouse, "select tenant_id, customer_id from marts.fct_mrr "
                                  f"where month = '{LAST_COMPLETE_MONTH.date()}' and mrr > 0"))
    scored = query(warehouse, f"select tenant_id, customer_id, cutoff_month, churn_probability, risk_band, "
                              f"driver_1, driver_3, clv_usd, expected_remaining_months from marts.{RISK}")
    assert {(t, c) for t, c, *_ in scored} == active
    for _, _, month, p, band, driver_1, driver_3, value, remaining in scored:
        assert str(month)[:10] == str(LAST_COMPLETE_MONTH.date())
        assert 0 <= p <= 1 and band == risk_band(p)
        assert driver_1 and driver_3 and value > 0 and remaining > 0
    # every tenant and the whole: the metrics of both horizons, ten calibration deciles
    evaluated = query(warehouse, f"select tenant_id, horizon_months, count(*) from marts.{EVALUATION} "
                                 "where metric = 'calibration' group by 1, 2")
    assert {(t, h) for t, h, _ in evaluated} == {(t, h.months) for t in [*tenants, ALL_TENANTS] for h in HORIZONS}
    assert {n for tenant, _, n in evaluated if tenant == ALL_TENANTS} == {10}


def test_the_held_out_model_ranks_the_ledgers_churners_well_above_chance(duckdb_warehouse):
    """The held-out probabilities against who churned per the generator's ledger of MRR (a customer with
    MRR in the cut-off month and none the month after), not against the mart's label; the mart's
    label agrees with the ledger on every held-out row."""
    run = _score_in_process(duckdb_warehouse)
    held_out = run.held_out[SCORED.months]
    ledger = pd.DataFrame(query(duckdb_warehouse, "select tenant_id, customer_id, month from generator_ledger.mrr "
                                                  "where mrr_usd > 0"), columns=["tenant_id", "customer_id", "month"])
    paying = set(zip(ledger["tenant_id"], ledger["customer_id"], pd.to_datetime(ledger["month"]), strict=True))
    assert all((t, c, m) in paying for t, c, m in
               zip(held_out["tenant_id"], held_out["customer_id"], held_out["cutoff_month"], strict=True))
    churned = np.array([(t, c, m + pd.DateOffset(months=1)) not in paying for t, c, m in
                        zip(held_out["tenant_id"], held_out["customer_id"], held_out["cutoff_month"], strict=True)])
    assert churned.sum() >= 15 and len(churned) >= 300
    assert (held_out[SCORED.label].astype(bool).to_numpy() == churned).all()
    auc = roc_auc(churned, held_out["probability"].to_numpy())
    assert auc >= 0.75, auc
    # the health-band rule alone ranks them worse
    assert auc > roc_auc(churned, held_out["is_health_at_risk"].astype(float).to_numpy()) + 0.05


def test_training_never_sees_the_evaluation_months(duckdb_warehouse):
    run = _score_in_process(duckdb_warehouse)
    for months, split in run.splits.items():
        first_evaluated = split.evaluation["cutoff_month"].min()
        assert split.train["cutoff_month"].max() < first_evaluated
        assert (split.train["cutoff_month"] + pd.DateOffset(months=months)).max() <= first_evaluated
        assert split.evaluation["cutoff_month"].nunique() == EVALUATION_MONTHS
        assert split.evaluation["cutoff_month"].max() + pd.DateOffset(months=months) <= LAST_COMPLETE_MONTH


def test_features_at_a_cutoff_ignore_everything_after_it(duckdb_warehouse, tmp_path):
    """A copy of the warehouse loses every month, score, payment and cancellation after June 2026 and the
    features model is rebuilt on it: every feature of every cut-off up to June is unchanged, while the
    labels that looked past June do change (the truncation took effect)."""
    import duckdb
    copy = tmp_path / "truncated.duckdb"
    shutil.copy(duckdb_warehouse.env["DBT_DUCKDB_PATH"], copy)
    cut, after = "2026-06-01", "2026-07-01"
    con = duckdb.connect(str(copy))
    try:
        con.execute(f"""
            delete from marts.fct_mrr where month > '{cut}';
            delete from intermediate.int_account_health_by_month where month > '{cut}';
            delete from staging.stg_billing__payments where created_at >= '{after}';
            update staging.stg_billing__subscriptions set canceled_at = null where canceled_at >= '{after}';
            update staging.stg_billing__subscriptions set ended_at = null where ended_at >= '{after}';
        """)
    finally:
        con.close()
    env = {**duckdb_warehouse.env, "DBT_DUCKDB_PATH": str(copy)}
    run_dbt(env, "duckdb", tmp_path / "target", "run", "--select", "customer_churn_features_monthly")
    features = ("tenant_id, customer_id, cutoff_month, segment, tenure_months, mrr, mrr_change_3m, contractions_6m, "
                "expansions_6m, previous_churns, health_score, health_change_1m, is_health_at_risk, "
                "failed_payments_3m, has_pending_cancellation")
    sql = f"select {features} from marts.customer_churn_features_monthly where cutoff_month <= '{cut}' order by 1, 2, 3"
    original = query(duckdb_warehouse, sql)
    truncated = duckdb.connect(str(copy), read_only=True)
    try:
        assert truncated.execute(sql).fetchall() == original and len(original) > 1000
        labels = ("select count(*) from marts.customer_churn_features_monthly where cutoff_month between "
                  "'2026-04-01' and '2026-06-01' and churned_within_3_months")
        assert truncated.execute(labels).fetchone()[0] < query(duckdb_warehouse, labels)[0][0]
    finally:
        truncated.close()


def test_same_data_and_date_give_the_same_scores(duckdb_warehouse, python_marts):
    python_marts(duckdb_warehouse)
    columns = [name for name, _ in TABLES[RISK]]
    written = query(duckdb_warehouse, f"select {', '.join(columns)} from marts.{RISK} order by 1, 2")
    again = sorted(tuple(r[name] for name in columns) for r in _score_in_process(duckdb_warehouse).rows(RISK))
    assert [tuple(r) for r in written] == again


def test_both_engines_write_the_same_scores(duckdb_warehouse, postgres_warehouse, python_marts):
    python_marts(duckdb_warehouse)
    python_marts(postgres_warehouse)
    sql = (f"select tenant_id, customer_id, risk_band, driver_1, churn_probability, clv_usd "
           f"from marts.{RISK} order by 1, 2")
    duck, pg = query(duckdb_warehouse, sql), query(postgres_warehouse, sql)
    assert len(duck) == len(pg) > 0
    for a, b in zip(duck, pg, strict=True):
        assert a[:4] == b[:4]
        assert a[4:] == pytest.approx(b[4:], rel=1e-6)


def test_postgres_churn_marts_are_served_to_one_tenant_per_login(postgres_warehouse, python_marts):
    import os
    import psycopg
    from orchestration.generator.load import pg_conninfo
    python_marts(postgres_warehouse)
    login = f"test_churn_tn_001_{os.getpid()}"
    warehouse_cli(postgres_warehouse.env, "access", "tenant-login", login, "tn_001")
    try:
        for table in TABLES:
            rls, policy, granted = query(postgres_warehouse, f"""
                select c.relrowsecurity,
                       exists (select from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation'
                               and 'analyst'::regrole = any (p.polroles)),
                       has_table_privilege('analyst', 'marts.{table}', 'select')
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'marts' and c.relname = '{table}'""")[0]
            assert rls and policy and granted, table
            with psycopg.connect(**{**pg_conninfo(postgres_warehouse.env["PGDATABASE"]), "user": login}) as con:
                seen = [t for (t,) in con.execute(f"select distinct tenant_id from marts.{table}").fetchall()]
            assert seen == ["tn_001"], table
            assert len(query(postgres_warehouse, f"select distinct tenant_id from marts.{table}")) > 1
    finally:
        warehouse_cli(postgres_warehouse.env, "access", "drop-login", login)


def test_the_dagster_asset_checks_and_alerts_high_churn_risk(duckdb_warehouse, python_marts, monkeypatch, caplog):
    import dagster as dg
    from orchestration.dagster_defs.churn import CHECKS, HIGH_RISK_CHECK, KEYS, check_churn_marts, customer_churn_risk
    from orchestration.dagster_defs.warehouse import WarehouseResource
    python_marts(duckdb_warehouse)                     # registers the tables for dropping afterwards
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", AS_OF.isoformat())
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    warehouse = WarehouseResource(target="duckdb", duckdb_path=duckdb_warehouse.env["DBT_DUCKDB_PATH"])
    with caplog.at_level(logging.WARNING, logger="warehouse.alerts"):
        result = dg.materialize([customer_churn_risk], resources={"warehouse": warehouse})
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == set(KEYS.values())
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert {name: checks[name].passed for name in CHECKS.values()} == {name: True for name in CHECKS.values()}
    high = query(duckdb_warehouse, f"select tenant_id, customer_id from marts.{RISK} where churn_probability > "
                                   f"{HIGH_RISK} order by 1, 2")
    assert high, "the generated data has customers above the alert rule (pending cancellations, sinking health)"
    warning = checks[HIGH_RISK_CHECK]
    assert warning.severity == dg.AssetCheckSeverity.WARN and not warning.passed
    alerts = [r.getMessage() for r in caplog.records if '"kind": "high_churn_risk"' in r.getMessage()]
    assert len(alerts) == 1 and all(f'"customer_id": "{c}"' in alerts[0] for _, c in high)
    assert all(f"{t} {c}: " in warning.description for t, c in high)
    # a probability out of range and a customer left out both fail the blocking check
    run_sql(duckdb_warehouse, f"update marts.{RISK} set churn_probability = 1.5 where customer_id = "
                              f"(select min(customer_id) from marts.{RISK} where tenant_id = 'tn_001') "
                              "and tenant_id = 'tn_001'")
    run_sql(duckdb_warehouse, f"delete from marts.{RISK} where customer_id = (select max(customer_id) "
                              f"from marts.{RISK} where tenant_id = 'tn_002') and tenant_id = 'tn_002'")
    bad = {r.check_name: r for r in check_churn_marts(warehouse)}
    assert not bad[CHECKS[RISK]].passed
    assert bad[CHECKS[RISK]].description == ("1 probabilities outside 0-1 or missing; "
                                             "1 active customers not scored")
    assert bad[CHECKS[EVALUATION]].passed


# --- BigQuery: the writer through the client, offline ------------------------------------------------

FEATURE_COLUMNS = ["tenant_id", "customer_id", "cutoff_month", "segment", "tenure_months", "mrr", "mrr_change_3m",
                   "contractions_6m", "expansions_6m", "previous_churns", "health_score", "health_change_1m",
                   "is_health_at_risk", "failed_payments_3m", "has_pending_cancellation", "label_window_end_month",
                   "churned_within_3_months", "churned_next_month"]


def _synthetic_features(seed: int = 3) -> list[tuple]:
    """Two tenants, 40 customers each, cut-offs January 2024 to June 2026 (as the features mart gives them
    to a client): a pending cancellation or a failed payment makes churn next month likely."""
    rng = np.random.default_rng(seed)
    cutoffs = [(pd.Timestamp("2024-01-01") + pd.DateOffset(months=i)).date() for i in range(30)]
    rows = []
    for tenant in ("t1", "t2"):
        for c in range(40):
            for i, month in enumerate(cutoffs):
                pending, failed = bool(rng.random() < 0.08), int(rng.random() < 0.1)
                churn_next = bool(rng.random() < (0.6 if pending else 0.25 if failed else 0.03))
                health = None if c % 7 == 0 else float(rng.integers(20, 100))
                window_end = (pd.Timestamp(month) + pd.DateOffset(months=3)).date()
                rows.append((tenant, f"c{c:02d}", month, ("smb", "mid_market", "enterprise", None)[c % 4], i + 1,
                             float(rng.integers(50, 500)), float(rng.normal(0, 20)), int(rng.integers(0, 2)),
                             int(rng.integers(0, 2)), 0, health, None if health is None else float(rng.normal(0, 5)),
                             health is not None and health < 40, failed, pending, window_end,
                             churn_next or bool(rng.random() < 0.05), churn_next))
    return rows


def test_the_churn_marts_load_into_bigquery_through_its_client(tmp_path):
    """The same rows through a BigQuery client as into DuckDB: one WRITE_TRUNCATE load per table in
    BigQuery's types, dates as ISO text, no NaN (valid JSON), nothing sent over the network."""
    import duckdb
    from google.cloud import bigquery
    from orchestration.churn.run import run_churn_risk
    from bigquery_offline import FakeBigQuery, no_network
    features = _synthetic_features()
    ltv = [(t, date(2026, 6, 1), 1234.5) for t in ("t1", "t2")]
    client = FakeBigQuery({"marts.customer_churn_features_monthly": (FEATURE_COLUMNS, features),
                           "marts.revenue_unit_economics": (["tenant_id", "month", "ltv"], ltv)})
    as_of = date(2026, 7, 1)
    with no_network():
        run = run_churn_risk("bigquery", as_of, bigquery=client, progress=lambda line: None)
    assert [t for t, _, _ in client.loads] == [f"warehouse-offline.marts.{t}" for t in TABLES]
    assert client.job.result.call_count == len(TABLES)                    # each load waited for
    bigquery_type = {"text": "STRING", "date": "DATE", "integer": "INT64", "double precision": "FLOAT64",
                     "boolean": "BOOL"}
    for table_id, rows, config in client.loads:
        table = table_id.rsplit(".", 1)[1]
        assert config.write_disposition == bigquery.WriteDisposition.WRITE_TRUNCATE
        assert [(f.name, f.field_type) for f in config.schema] == [(n, bigquery_type[t]) for n, t in TABLES[table]]
        assert len(rows) == len(run.rows(table)) > 0 and all(list(r) == [n for n, _ in TABLES[table]] for r in rows)
    risk = client.loads[0][1]
    # June 2026 is the last complete month before 1 July: every customer of both tenants is scored there
    assert {(r["tenant_id"], r["customer_id"]) for r in risk} == {(t, f"c{c:02d}") for t in ("t1", "t2")
                                                                   for c in range(40)}
    assert {r["cutoff_month"] for r in risk} == {"2026-06-01"} and {r["as_of_date"] for r in risk} == {"2026-07-01"}
    assert {r["simple_ltv_usd"] for r in risk} == {1234.5}
    # the DuckDB writer, given the same mart rows, writes the same scores
    db = tmp_path / "same.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema marts")
        con.register("features", pd.DataFrame(features, columns=FEATURE_COLUMNS))
        con.execute("create table marts.customer_churn_features_monthly as select * from features")
        con.execute("create table marts.revenue_unit_economics (tenant_id text, month date, ltv double)")
        con.executemany("insert into marts.revenue_unit_economics values (?, ?, ?)", ltv)
    finally:
        con.close()
    expected = run_churn_risk("duckdb", as_of, duckdb_path=db, progress=lambda line: None).rows(RISK)
    assert [(r["customer_id"], r["risk_band"], r["driver_1"]) for r in risk] == [
        (r["customer_id"], r["risk_band"], r["driver_1"]) for r in expected]
    assert [r["churn_probability"] for r in risk] == pytest.approx([r["churn_probability"] for r in expected])
