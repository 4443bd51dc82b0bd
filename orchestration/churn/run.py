"""Read the churn features from the built marts, train, evaluate and score per tenant, write the churn marts.

    warehouse forecast --target duckdb|postgres|bigquery [--as-of-date YYYY-MM-DD]   (with the forecasts)

The features and labels are dbt's (marts.customer_churn_features_monthly); this module only splits them
by time, fits, scores and writes. One model over every tenant's customers:
- evaluation: the EVALUATION_MONTHS latest cut-offs whose label window is complete; the held-out
  model is trained on cut-offs whose label window ends no later than the first evaluation cut-off,
  so no label it learns from was unknown at any evaluation cut-off; scored per tenant and overall;
- scores: a model refitted on every labelled cut-off scores the customers with MRR in the latest
  complete month, with the three features that raise each one's log-odds most;
- lifetime value: a shifted-beta-geometric model of each tenant's monthly retention (clv.py).
Connections and writers are those of the forecasts (orchestration/mart_writer.py), on every target.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from orchestration.churn import clv
from orchestration.churn.model import (FEATURES, LABELS, LogisticModel, average_precision, brier,
                                       calibration_deciles, features_from, fit_logistic, roc_auc)
from orchestration import mart_writer

RISK = "customer_churn_risk"
EVALUATION = "churn_model_evaluation"
MODEL = "logistic_l2"
EVALUATION_MONTHS = 6          # half a year of held-out cut-offs: enough churners per tenant to score
HIGH_RISK = 0.8                # the alert rule: "High Churn Risk" is a probability above this
RiskBand = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Horizon:
    months: int
    label: str                 # the mart's label column: churned within `months` months of the cut-off


# The scores predict churn in the month after the cut-off: the data's only warnings (a health score
# that sinks, a cancellation request, a failed payment) come at most about two months before service
# ends, so a longer window dilutes them. The 3-month window is evaluated beside it to show this.
HORIZONS = (Horizon(1, "churned_next_month"), Horizon(3, "churned_within_3_months"))
SCORED = HORIZONS[0]
MEDIUM_RISK = 0.3              # below: low; a 3-month churn rate ~3x the usual base rate is worth a call

FEATURES_SQL = "select * from marts.customer_churn_features_monthly"
SIMPLE_LTV_SQL = "select tenant_id, month, ltv from marts.revenue_unit_economics"

TABLES: dict[str, list[tuple[str, str]]] = {
    RISK: [("tenant_id", "text"), ("customer_id", "text"), ("cutoff_month", "date"),
           ("churn_probability", "double precision"), ("risk_band", "text"),
           ("driver_1", "text"), ("driver_1_contribution", "double precision"),
           ("driver_2", "text"), ("driver_2_contribution", "double precision"),
           ("driver_3", "text"), ("driver_3_contribution", "double precision"),
           ("mrr", "double precision"), ("tenure_months", "integer"),
           ("expected_remaining_months", "double precision"), ("clv_usd", "double precision"),
           ("simple_ltv_usd", "double precision"), ("horizon_months", "integer"), ("model", "text"),
           ("as_of_date", "date")],
    EVALUATION: [("tenant_id", "text"), ("horizon_months", "integer"), ("metric", "text"), ("decile", "integer"),
                 ("value", "double precision"),
                 ("rows", "integer"), ("churners", "integer"), ("mean_predicted", "double precision"),
                 ("observed_rate", "double precision"), ("train_cutoff_from", "date"), ("train_cutoff_to", "date"),
                 ("evaluation_cutoff_from", "date"), ("evaluation_cutoff_to", "date"), ("model", "text"),
                 ("as_of_date", "date")],
}
PRIMARY_KEYS = {RISK: ("tenant_id", "customer_id"), EVALUATION: ("tenant_id", "horizon_months", "metric", "decile")}


def risk_band(probability: float) -> RiskBand:
    return "high" if probability > HIGH_RISK else "medium" if probability > MEDIUM_RISK else "low"


@dataclass(frozen=True)
class TimeSplit:
    horizon: Horizon
    train: pd.DataFrame
    evaluation: pd.DataFrame


def labelled(frame: pd.DataFrame, horizon: Horizon) -> pd.DataFrame:
    return frame[frame[f"is_labelled_{horizon.months}m"]]


def time_split(frame: pd.DataFrame, horizon: Horizon) -> TimeSplit:
    """Evaluation: the EVALUATION_MONTHS latest cut-offs with the horizon's label. Training: cut-offs
    whose label window ends at or before the first of them (its labels were known at that cut-off)."""
    rows = labelled(frame, horizon)
    cutoffs = sorted(rows["cutoff_month"].unique())
    if len(cutoffs) < EVALUATION_MONTHS + horizon.months + 3:
        raise ValueError(f"{len(cutoffs)} labelled cut-off months, fewer than the "
                         f"{EVALUATION_MONTHS + horizon.months + 3} a held-out evaluation needs")
    first_evaluated = cutoffs[-EVALUATION_MONTHS]
    window_end = rows["cutoff_month"] + pd.DateOffset(months=horizon.months)
    return TimeSplit(horizon, train=rows[window_end <= first_evaluated],
                     evaluation=rows[rows["cutoff_month"] >= first_evaluated])


ALL_TENANTS = "all_tenants"      # the evaluation over every tenant's held-out rows (platform logins see it)


@dataclass
class TenantResult:
    tenant_id: str
    risk: list[dict] = field(default_factory=list)
    evaluation: list[dict] = field(default_factory=list)
    line: str = ""


@dataclass
class ChurnRun:
    as_of: date
    splits: dict[int, TimeSplit] = field(default_factory=dict)          # per horizon (months)
    held_out: dict[int, pd.DataFrame] = field(default_factory=dict)     # evaluation rows + held-out probability
    tenants: list[TenantResult] = field(default_factory=list)

    def rows(self, table: str) -> list[dict]:
        kind = {RISK: "risk", EVALUATION: "evaluation"}[table]
        return [{**row, "as_of_date": self.as_of} for t in self.tenants for row in getattr(t, kind)]


def _month(value) -> date:
    return pd.Timestamp(value).date()


def prepare(features: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The mart's rows in a fixed order, cut-offs and labels complete before as_of only (the mart
    already stops there when dbt was given the same date)."""
    frame = features.copy()
    for col in ("cutoff_month", "label_window_end_month"):
        frame[col] = pd.to_datetime(frame[col])
    last_complete = (pd.Timestamp(as_of).to_period("M") - 1).to_timestamp()
    frame = frame[frame["cutoff_month"] <= last_complete].copy()
    for horizon in HORIZONS:
        frame[f"is_labelled_{horizon.months}m"] = frame[horizon.label].notna() & (
            frame["cutoff_month"] + pd.DateOffset(months=horizon.months) <= last_complete)
    return frame.sort_values(["tenant_id", "customer_id", "cutoff_month"], kind="stable").reset_index(drop=True)


def _labels(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype(bool).to_numpy(dtype=float)


def held_out_predictions(split: TimeSplit) -> pd.DataFrame:
    """The evaluation rows with the probability of a model fitted on the training rows only."""
    model = fit_logistic(features_from(split.train), _labels(split.train, split.horizon.label))
    return split.evaluation.assign(probability=model.predict(features_from(split.evaluation)))


def evaluation_rows(tenant_id: str, split: TimeSplit, held_out: pd.DataFrame) -> tuple[list[dict], dict]:
    """One row per metric (decile 0) and one per calibration decile (metric 'calibration'), over
    held_out. Baseline: the health band at risk or critical, as a 0/1 score."""
    y = _labels(held_out, split.horizon.label)
    p = held_out["probability"].to_numpy(dtype=float)
    baseline = held_out["is_health_at_risk"].astype(bool).to_numpy(dtype=float)
    scores = {"base_rate": float(y.mean()), "roc_auc": roc_auc(y, p), "pr_auc": average_precision(y, p),
              "brier": brier(y, p), "baseline_roc_auc": roc_auc(y, baseline),
              "baseline_pr_auc": average_precision(y, baseline)}
    scores["roc_auc_lift"] = (None if scores["roc_auc"] is None or scores["baseline_roc_auc"] is None
                              else scores["roc_auc"] - scores["baseline_roc_auc"])
    scores["pr_auc_lift"] = (None if not scores["pr_auc"] or not scores["baseline_pr_auc"]
                             else scores["pr_auc"] / scores["baseline_pr_auc"])
    common = dict(tenant_id=tenant_id, horizon_months=split.horizon.months, model=MODEL,
                  train_cutoff_from=_month(split.train["cutoff_month"].min()),
                  train_cutoff_to=_month(split.train["cutoff_month"].max()),
                  evaluation_cutoff_from=_month(split.evaluation["cutoff_month"].min()),
                  evaluation_cutoff_to=_month(split.evaluation["cutoff_month"].max()))
    rows = [dict(common, metric=metric, decile=0, value=value, rows=len(y), churners=int(y.sum()),
                 mean_predicted=float(p.mean()), observed_rate=float(y.mean()))
            for metric, value in scores.items()]
    order_key = (held_out["tenant_id"].astype(str) + "|" + held_out["customer_id"].astype(str) + "|"
                 + held_out["cutoff_month"].astype(str)).to_numpy()
    for d in calibration_deciles(y, p, order_key):
        rows.append(dict(common, metric="calibration", decile=d.decile, value=None, rows=d.rows,
                         churners=d.churners, mean_predicted=d.mean_predicted,
                         observed_rate=d.observed_rate))
    return rows, scores


def top_drivers(model: LogisticModel, x: np.ndarray, k: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the k features whose terms raise its log-odds most (largest contribution first; ties
    in FEATURES order)."""
    contributions = model.contributions(x)
    names = [f.name for f in FEATURES]
    out = []
    for row in contributions:
        order = sorted(range(len(names)), key=lambda j: (-row[j], j))[:k]
        out.append([(LABELS[names[j]], float(row[j])) for j in order])
    return out


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _retention_summary(retention: clv.ShiftedBetaGeometric) -> str:
    """The fitted retention model in a few words: its limit, the geometric one, has no alpha or beta."""
    if retention.geometric_churn is not None:
        return f"geometric, monthly churn {retention.geometric_churn:.3f}"
    return f"sBG alpha {retention.alpha:.3f} beta {retention.beta:.3f}"


def score_tenant(tenant_id: str, frame: pd.DataFrame, model: LogisticModel, simple_ltv: pd.DataFrame,
                 run: "ChurnRun") -> TenantResult:
    """The tenant's held-out scores (every horizon), its retention model and the scores of its
    customers with MRR in its latest cut-off month."""
    result = TenantResult(tenant_id)
    scores = {}
    for months, split in run.splits.items():
        mine = run.held_out[months][run.held_out[months]["tenant_id"] == tenant_id]
        if len(mine):
            rows, horizon_scores = evaluation_rows(tenant_id, split, mine)
            result.evaluation += rows
            if months == SCORED.months:
                scores = horizon_scores
    survival_rows = labelled(frame, HORIZONS[0])
    survival_labels = _labels(survival_rows, HORIZONS[0].label)
    retention = clv.fit_sbg(survival_rows["tenure_months"].to_numpy(dtype=float), survival_labels)
    parameters = ((("sbg_geometric_churn", retention.geometric_churn),) if retention.geometric_churn is not None
                  else (("sbg_alpha", retention.alpha), ("sbg_beta", retention.beta)))
    for metric, value in parameters:
        result.evaluation.append(dict(tenant_id=tenant_id, horizon_months=1, metric=metric, decile=0, value=value,
                                      rows=len(survival_rows), churners=int(survival_labels.sum()),
                                      model="shifted_beta_geometric"))
    latest = frame["cutoff_month"].max()
    current = frame[frame["cutoff_month"] == latest]
    x = features_from(current)
    probability = model.predict(x)
    drivers = top_drivers(model, x)
    tenure = current["tenure_months"].to_numpy(dtype=float)
    remaining = retention.expected_remaining_months(tenure, discounted=False)
    discounted = retention.expected_remaining_months(tenure, discounted=True)
    ltv = simple_ltv[(simple_ltv["tenant_id"] == tenant_id)
                     & (pd.to_datetime(simple_ltv["month"]) == latest)]["ltv"]
    simple = float(ltv.iloc[0]) if len(ltv) and pd.notna(ltv.iloc[0]) else None
    for i, row in enumerate(current.itertuples(index=False)):
        mrr = float(row.mrr)
        out = dict(tenant_id=tenant_id, customer_id=row.customer_id, cutoff_month=_month(row.cutoff_month),
                   churn_probability=float(probability[i]), risk_band=risk_band(float(probability[i])),
                   mrr=mrr, tenure_months=int(row.tenure_months),
                   expected_remaining_months=float(remaining[i]), clv_usd=mrr * float(discounted[i]),
                   simple_ltv_usd=simple, horizon_months=SCORED.months, model=MODEL)
        for n, (name, contribution) in enumerate(drivers[i], start=1):
            out[f"driver_{n}"], out[f"driver_{n}_contribution"] = name, contribution
        result.risk.append(out)
    high = sum(1 for r in result.risk if r["risk_band"] == "high")
    result.line = (f"{tenant_id}: {len(result.risk)} customers scored at {latest:%Y-%m}, {high} above "
                   f"{HIGH_RISK}; held out ({SCORED.months}-month churn): ROC AUC {_fmt(scores.get('roc_auc'))} "
                   f"(health-band baseline {_fmt(scores.get('baseline_roc_auc'))}), PR AUC "
                   f"{_fmt(scores.get('pr_auc'))}, Brier {_fmt(scores.get('brier'))}, churn rate "
                   f"{_fmt(scores.get('base_rate'))}; retention {_retention_summary(retention)}")
    return result


def score_all(con, as_of: date, progress: Callable[[str], None] = print) -> ChurnRun:
    """One model over every tenant's customers (the features are rates and flags, not amounts that
    differ by tenant; a small tenant has too few churners for a model of its own), evaluated per
    tenant and over all of them, for every horizon; the scores are the SCORED horizon's."""
    frame = prepare(mart_writer.read_frame(con, FEATURES_SQL), as_of)
    if frame.empty:
        raise RuntimeError("marts.customer_churn_features_monthly has no cut-off before the as-of date: "
                           "run dbt build first, with the same as_of_date")
    simple_ltv = mart_writer.read_frame(con, SIMPLE_LTV_SQL)
    run = ChurnRun(as_of)
    try:
        for horizon in HORIZONS:
            run.splits[horizon.months] = time_split(frame, horizon)
            run.held_out[horizon.months] = held_out_predictions(run.splits[horizon.months])
        training = labelled(frame, SCORED)
        model = fit_logistic(features_from(training), _labels(training, SCORED.label))
        for tenant_id, rows in frame.groupby("tenant_id", sort=True):
            result = score_tenant(str(tenant_id), rows, model, simple_ltv, run)
            run.tenants.append(result)
            progress(result.line)
    except ValueError as e:
        raise RuntimeError(f"churn risk: {e}") from None
    overall = TenantResult(ALL_TENANTS)
    for months, split in run.splits.items():
        rows, scores = evaluation_rows(ALL_TENANTS, split, run.held_out[months])
        overall.evaluation += rows
        line = (f"all tenants, {months}-month churn: held out {split.evaluation['cutoff_month'].min():%Y-%m} to "
                f"{split.evaluation['cutoff_month'].max():%Y-%m} ({len(split.evaluation)} customer-months, trained "
                f"on cut-offs to {split.train['cutoff_month'].max():%Y-%m}): ROC AUC {_fmt(scores['roc_auc'])} "
                f"(baseline {_fmt(scores['baseline_roc_auc'])}), PR AUC {_fmt(scores['pr_auc'])} (baseline "
                f"{_fmt(scores['baseline_pr_auc'])}), Brier {_fmt(scores['brier'])}, churn rate "
                f"{_fmt(scores['base_rate'])}")
        overall.line = "\n".join(filter(None, [overall.line, line]))
    run.tenants.append(overall)
    progress(overall.line)
    return run


def run_churn_risk(target: str, as_of: date, duckdb_path: Path | None = None, database: str | None = None,
                   progress: Callable[[str], None] = print, bigquery=None) -> ChurnRun:
    """bigquery: a google-cloud-bigquery client for target bigquery (default: bigquery_client())."""
    return mart_writer.read_and_replace(target, lambda con: score_all(con, as_of, progress), TABLES, PRIMARY_KEYS,
                                        duckdb_path=duckdb_path, database=database, bigquery=bigquery)
