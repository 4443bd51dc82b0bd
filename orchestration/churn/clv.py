"""Subscription customer lifetime value from a shifted-beta-geometric (sBG) model of retention.

Each customer's monthly churn probability theta is drawn from Beta(alpha, beta) and stays fixed, so a
cohort's churn rate falls with tenure as the likelier churners leave (Fader & Hardie, "How to project
customer retention", 2007). The chance that a customer who has stayed through month n churns in month
n + 1 is alpha / (alpha + beta + n); alpha and beta are fitted per tenant by maximum likelihood on
every (tenure, churned next month) pair of the features mart: a discrete-time survival likelihood,
which counts customers still active and censored ones correctly.

The expected remaining lifetime of a customer with tenure n is the sum over the months ahead of the
chance to still be there; discounted at DISCOUNT_RATE_ANNUAL and multiplied by the customer's MRR it
is the value of the future subscription revenue (flat MRR: expansion is not projected).

When the customers' churn does not vary between them (every tenure churns at about the same rate),
the likelihood keeps rising as alpha and beta grow together at a fixed ratio, and the fit runs into
its bounds: the model is then its limit, the geometric one, where every customer churns each month
with the same probability (the churners over the customer-months). It is reported as that, never as
the arbitrary alpha and beta the bounds stopped at."""
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

DISCOUNT_RATE_ANNUAL = 0.10          # a typical cost of capital for a SaaS business
MONTHS_AHEAD = 600                   # 50 years: the discounted tail beyond it is negligible
MONTHLY_DISCOUNT = (1 + DISCOUNT_RATE_ANNUAL) ** (1 / 12) - 1


LOG_BOUNDS = [(-9.0, 9.0), (-9.0, 12.0)]      # log alpha, log beta
LIMIT_GAIN_NATS = 0.01      # a log-likelihood gain over the geometric limit below this is no gain


@dataclass(frozen=True)
class ShiftedBetaGeometric:
    alpha: float | None
    beta: float | None
    geometric_churn: float | None = None      # the geometric limit's one monthly churn probability

    @classmethod
    def geometric(cls, churn: float) -> "ShiftedBetaGeometric":
        return cls(None, None, churn)

    def churn_probability(self, tenure_months: np.ndarray) -> np.ndarray:
        """P(churn in month n + 1 | stayed through month n), n = tenure_months."""
        n = np.asarray(tenure_months, dtype=float)
        if self.geometric_churn is not None:
            return np.full(n.shape, self.geometric_churn)
        return self.alpha / (self.alpha + self.beta + n)

    def expected_remaining_months(self, tenure_months: np.ndarray, discounted: bool) -> np.ndarray:
        """Sum over t = 1 .. MONTHS_AHEAD of P(still a customer t months on | stayed through n),
        each month discounted to today when asked."""
        n = np.asarray(tenure_months, dtype=float)[:, None]
        t = np.arange(1, MONTHS_AHEAD + 1, dtype=float)[None, :]
        # retention in month n + t given survival to n + t - 1
        if self.geometric_churn is not None:
            retention = np.full(np.broadcast_shapes(n.shape, t.shape), 1 - self.geometric_churn)
        else:
            retention = (self.beta + n + t - 1) / (self.alpha + self.beta + n + t - 1)
        survival = np.cumprod(retention, axis=1)
        if discounted:
            survival = survival / (1 + MONTHLY_DISCOUNT) ** t
        return survival.sum(axis=1)


def fit_sbg(tenure_months: np.ndarray, churned: np.ndarray) -> ShiftedBetaGeometric:
    """Maximum likelihood of alpha, beta (> 0, fitted on their logs) from each customer-month: its
    tenure n and whether it churned the month after; the geometric limit when the fit runs into the
    bounds (no variation in churn between customers to fit)."""
    n = np.asarray(tenure_months, dtype=float)
    y = np.asarray(churned, dtype=float)
    if len(y) == 0 or y.sum() == 0:
        raise ValueError(f"cannot fit retention: {len(y)} customer-months, none churned")

    def negative_log_likelihood(params):
        log_alpha, log_beta = params
        alpha, beta = np.exp(log_alpha), np.exp(log_beta)
        # log(h) and log(1 - h) with h = alpha / (alpha + beta + n), written to stay finite
        log_total = np.log(alpha + beta + n)
        return -np.sum(y * (np.log(alpha) - log_total) + (1 - y) * (np.log(beta + n) - log_total))

    rate = y.mean()
    start = np.log([1.0, max((1 - rate) / rate, 1e-3)])      # theta ~ Beta(1, b) with mean = the churn rate
    result = minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=LOG_BOUNDS)
    # the geometric limit's own likelihood: every customer churns with the observed rate each month
    geometric_nll = -(y.sum() * np.log(rate) + (1 - y).sum() * np.log1p(-rate)) if rate < 1 else 0.0
    # Toward the limit the likelihood is flat along a ridge (alpha / beta fixed, both growing), and where
    # the optimizer stops on it depends on the last bits of the arithmetic (one CPU reached the bound,
    # another stopped at alpha 7,349 a little worse than the limit): a fit that gains less than
    # LIMIT_GAIN_NATS over the geometric model is that model, as is one that reached the bounds
    at_bounds = any(value >= upper - 1e-3 for value, (_, upper) in zip(result.x, LOG_BOUNDS, strict=True))
    if at_bounds or result.fun > geometric_nll - LIMIT_GAIN_NATS:
        return ShiftedBetaGeometric.geometric(float(rate))
    alpha, beta = np.exp(result.x)
    return ShiftedBetaGeometric(float(alpha), float(beta))

