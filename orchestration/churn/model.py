"""The churn-risk model and its scores: an L2-penalised logistic regression on standardised features,
whose per-customer explanation is exact (the log-odds are the intercept plus one term per feature),
and the evaluation arithmetic (ROC AUC, average precision, Brier score, calibration by decile).

numpy (and scipy's logistic function), fitted by Newton's method: the same rows give the same coefficients on any machine,
and no dependency is added for a dozen lines (docs/DECISIONLOG.md, "Churn risk")."""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

# the penalty on the standardised coefficients: enough to keep a perfectly separating feature
# (a pending cancellation is nearly always followed by churn) finite, small beside thousands of rows
L2_PENALTY = 1.0
NEWTON_STEPS = 100
NEWTON_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Feature:
    name: str           # the model's input, as the drivers name it
    label: str          # what an account manager reads


# the mart's columns become these inputs (features_from); segment is one-hot with `unknown` the reference
FEATURES: tuple[Feature, ...] = (
    Feature("has_pending_cancellation", "cancellation requested"),
    Feature("failed_payments_3m", "failed payments (3 months)"),
    Feature("health_score_shortfall", "health score below 100"),
    Feature("health_change_1m", "health score change (1 month)"),
    Feature("is_health_at_risk", "health band at risk or critical"),
    Feature("has_health_score", "has a health score"),
    Feature("log_mrr", "MRR (log)"),
    Feature("mrr_change_ratio_3m", "MRR change (3 months, share of MRR)"),
    Feature("contractions_6m", "contractions (6 months)"),
    Feature("expansions_6m", "expansions (6 months)"),
    Feature("previous_churns", "churned before"),
    Feature("log_tenure_months", "tenure (log months)"),
    Feature("segment_smb", "segment smb"),
    Feature("segment_mid_market", "segment mid-market"),
    Feature("segment_enterprise", "segment enterprise"),
)
LABELS = {f.name: f.label for f in FEATURES}


def features_from(mart: pd.DataFrame) -> np.ndarray:
    """The model's inputs from rows of marts.customer_churn_features_monthly: rescaled and indicator
    forms of the mart's columns, never a new measure (those belong to the mart)."""
    health = pd.to_numeric(mart["health_score"], errors="coerce").astype(float)
    mrr = pd.to_numeric(mart["mrr"]).astype(float)
    segment = mart["segment"].fillna("unknown")
    cols = {
        "has_pending_cancellation": mart["has_pending_cancellation"].astype(float),
        "failed_payments_3m": pd.to_numeric(mart["failed_payments_3m"]).astype(float),
        "health_score_shortfall": (100.0 - health).fillna(0.0),
        "health_change_1m": pd.to_numeric(mart["health_change_1m"], errors="coerce").astype(float).fillna(0.0),
        "is_health_at_risk": mart["is_health_at_risk"].astype(float),
        "has_health_score": health.notna().astype(float),
        "log_mrr": np.log1p(mrr.clip(lower=0)),
        "mrr_change_ratio_3m": (pd.to_numeric(mart["mrr_change_3m"]).astype(float) / mrr).clip(-5, 5),
        "contractions_6m": pd.to_numeric(mart["contractions_6m"]).astype(float),
        "expansions_6m": pd.to_numeric(mart["expansions_6m"]).astype(float),
        "previous_churns": pd.to_numeric(mart["previous_churns"]).astype(float),
        "log_tenure_months": np.log1p(pd.to_numeric(mart["tenure_months"]).astype(float)),
        "segment_smb": (segment == "smb").astype(float),
        "segment_mid_market": (segment == "mid_market").astype(float),
        "segment_enterprise": (segment == "enterprise").astype(float),
    }
    return np.column_stack([np.asarray(cols[f.name], dtype=float) for f in FEATURES])


@dataclass(frozen=True)
class LogisticModel:
    mean: np.ndarray
    scale: np.ndarray
    intercept: float
    coef: np.ndarray

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, its term of the log-odds: coef * standardised value. A feature at the
        training mean contributes 0; intercept + the row's sum = its log-odds."""
        return (x - self.mean) / self.scale * self.coef

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + self.contributions(x).sum(axis=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return expit(self.log_odds(x))


def fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float = L2_PENALTY) -> LogisticModel:
    """Maximise the log-likelihood minus penalty/2 * |coef|^2 (the intercept is not penalised) on
    standardised columns, by Newton's method; a constant column gets scale 1 and coefficient 0."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or y.min() == y.max():
        raise ValueError(f"cannot fit churn risk: {len(y)} labelled rows, "
                         f"{int(y.sum()) if len(y) else 0} churned (both outcomes are needed)")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    ridge = np.full(z.shape[1], penalty)
    ridge[0] = 0.0
    w = np.zeros(z.shape[1])
    w[0] = np.log(y.mean() / (1 - y.mean()))

    def objective(weights):
        eta = z @ weights
        # log(1 + e^eta) - y * eta, written to stay finite for large |eta|
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(ridge * weights ** 2))

    current = objective(w)
    for _ in range(NEWTON_STEPS):
        p = expit(z @ w)
        gradient = z.T @ (p - y) + ridge * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(ridge) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        # damped Newton: halve the step until the penalised likelihood improves
        size = 1.0
        while size > 1e-6 and objective(w - size * step) > current:
            size /= 2
        w = w - size * step
        previous, current = current, objective(w)
        if np.max(np.abs(size * step)) < NEWTON_TOLERANCE or previous - current < 1e-12:
            break
    return LogisticModel(mean=mean, scale=scale, intercept=float(w[0]), coef=w[1:])


# --- evaluation ---------------------------------------------------------------------------------

def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """The probability that a churner scores above a stayer (ties count one half): the Mann-Whitney
    statistic from average ranks. None without both outcomes."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = pd.Series(np.asarray(score, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def average_precision(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the precision-recall curve as the step sum over thresholds (each distinct score,
    highest first): sum of (recall gained) * (precision at that threshold). None without churners."""
    y = np.asarray(y, dtype=float)
    if y.sum() == 0:
        return None
    frame = pd.DataFrame({"score": np.asarray(score, dtype=float), "y": y})
    by_threshold = frame.groupby("score", sort=True)["y"].agg(["sum", "count"]).iloc[::-1]
    true_positives = by_threshold["sum"].cumsum().to_numpy()
    flagged = by_threshold["count"].cumsum().to_numpy()
    recall_gain = by_threshold["sum"].to_numpy() / y.sum()
    return float(np.sum(recall_gain * true_positives / flagged))


def brier(y: np.ndarray, probability: np.ndarray) -> float:
    return float(np.mean((np.asarray(probability, dtype=float) - np.asarray(y, dtype=float)) ** 2))


@dataclass(frozen=True)
class Decile:
    decile: int             # 1 = the lowest predicted probabilities
    rows: int
    churners: int
    mean_predicted: float
    observed_rate: float


def calibration_deciles(y: np.ndarray, probability: np.ndarray, order_key: np.ndarray) -> list[Decile]:
    """Rows sorted by probability (ties by order_key, so the split is reproducible) and cut into ten
    groups as equal as possible (the first ones one row larger); fewer rows than ten give fewer groups."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(probability, dtype=float)
    order = np.lexsort((np.asarray(order_key), p))
    out = []
    for i, idx in enumerate(np.array_split(order, min(10, len(order))), start=1):
        out.append(Decile(i, len(idx), int(y[idx].sum()), float(p[idx].mean()), float(y[idx].mean())))
    return out
