"""The churn-risk model and its scores: scikit-learn's L2-penalised logistic regression on standardised
features, whose per-customer explanation is exact (the log-odds are the intercept plus one term per
feature), and the evaluation metrics (ROC AUC, average precision and Brier score from sklearn.metrics,
calibration by decile).

The solver is scikit-learn's Newton-Cholesky: deterministic (no sampling, so random_state changes
nothing; it is fixed anyway), and with fifteen features and thousands of rows it converges to the
optimum in a few steps, so the same rows give the same coefficients on any machine."""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler

# the penalty on the standardised coefficients: enough to keep a perfectly separating feature
# (a pending cancellation is nearly always followed by churn) finite, small beside thousands of rows;
# scikit-learn's C is its inverse (C * log-loss + |coef|^2 / 2, the intercept not penalised)
L2_PENALTY = 1.0
SOLVER = "newton-cholesky"
TOLERANCE = 1e-10              # tight: the coefficients are exact to well below what the marts show
MAX_ITERATIONS = 200
RANDOM_STATE = 0


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
    scaler: StandardScaler            # the training rows' mean and standard deviation per feature
    classifier: LogisticRegression    # fitted on the standardised columns

    @property
    def intercept(self) -> float:
        return float(self.classifier.intercept_[0])

    @property
    def coef(self) -> np.ndarray:
        return self.classifier.coef_[0]

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, its term of the log-odds: coef * standardised value. A feature at the
        training mean contributes 0; intercept + the row's sum = its log-odds."""
        return self.scaler.transform(x) * self.coef

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        return self.classifier.decision_function(self.scaler.transform(x))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classifier.predict_proba(self.scaler.transform(x))[:, 1]


def fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float = L2_PENALTY) -> LogisticModel:
    """Minimise the log-loss plus penalty/2 * |coef|^2 (the intercept is not penalised; penalty 0:
    plain maximum likelihood) on standardised columns; a constant column gets scale 1, so it is 0
    everywhere and its coefficient 0."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or y.min() == y.max():
        raise ValueError(f"cannot fit churn risk: {len(y)} labelled rows, "
                         f"{int(y.sum()) if len(y) else 0} churned (both outcomes are needed)")
    scaler = StandardScaler().fit(x)
    classifier = LogisticRegression(C=np.inf if penalty == 0 else 1 / penalty, l1_ratio=0.0, solver=SOLVER,
                                    tol=TOLERANCE, max_iter=MAX_ITERATIONS, random_state=RANDOM_STATE)
    classifier.fit(scaler.transform(x), y)
    return LogisticModel(scaler=scaler, classifier=classifier)


# --- evaluation ---------------------------------------------------------------------------------

def _both_outcomes(y: np.ndarray) -> bool:
    return 0 < int(np.sum(y)) < len(y)


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """The probability that a churner scores above a stayer (ties count one half). None without both
    outcomes."""
    y = np.asarray(y, dtype=bool)
    return float(roc_auc_score(y, np.asarray(score, dtype=float))) if _both_outcomes(y) else None


def average_precision(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the precision-recall curve as the step sum over thresholds (each distinct score,
    highest first): sum of (recall gained) * (precision at that threshold). None without churners."""
    y = np.asarray(y, dtype=bool)
    return float(average_precision_score(y, np.asarray(score, dtype=float))) if y.any() else None


def brier(y: np.ndarray, probability: np.ndarray) -> float:
    return float(brier_score_loss(np.asarray(y, dtype=bool), np.asarray(probability, dtype=float)))


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
