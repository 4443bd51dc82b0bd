"""The candidate models: each fits a series (equally spaced periods, oldest first) and forecasts
`horizon` periods with 80 % and 95 % prediction intervals. Every tunable number lives here.

- `seasonal_naive`: the baseline, the same period of the last season; its intervals assume
  normal errors with the spread of the history's seasonal differences, widening with each
  season ahead (sigma * sqrt(k + 1) in season k, Hyndman & Athanasopoulos, FPP3 5.5).
- `naive`: the last value, sigma * sqrt(step); the declared fallback for a series of two seasons
  or less, which cannot be backtested (a seasonal ETS needs two seasons to start).
- `ets`: statsmodels ETSModel, additive errors, additive damped trend, additive season
  (analytic intervals: the model is linear). Heuristic initial states (Hyndman et al. 2008),
  so fitting estimates only the smoothing parameters: about 10 ms.
- `ets_trend`: the same without a season (a growth curve such as MRR may have none).

Rejected: SARIMAX(0,1,1)(0,1,1)_12 (the "airline" model) took 0.4-8 s per fit on 25-35 months here,
against 10-100 ms for ETS: a backtest of three tenants would have cost minutes.
"""
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np

ModelName = Literal["seasonal_naive", "naive", "ets", "ets_trend"]

Z_80 = 1.2815515655446004          # standard normal quantile 0.90
Z_95 = 1.959963984540054           # standard normal quantile 0.975
BACKTEST_FOLDS = 6                 # full-horizon rolling origins per series (later, shorter ones are added)
MIN_SEASONS_TO_BACKTEST = 2        # training history of the oldest fold, in seasons
MIN_POINTS_FOR_FALLBACK = 3        # fewer points: no forecast at all (said on the progress line)


@dataclass(frozen=True)
class Forecast:
    point: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray


def _normal(point: np.ndarray, sd: np.ndarray) -> Forecast:
    return Forecast(point, point - Z_80 * sd, point + Z_80 * sd, point - Z_95 * sd, point + Z_95 * sd)


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if len(values) else 0.0


def seasonal_naive(y: np.ndarray, season: int, horizon: int) -> Forecast:
    from orchestration.forecast.backtest import seasonal_naive as repeat_last_season
    sigma = _rms(y[season:] - y[:-season])
    k = np.arange(horizon) // season
    return _normal(repeat_last_season(y, season, horizon), sigma * np.sqrt(k + 1))


def naive(y: np.ndarray, season: int, horizon: int) -> Forecast:
    sigma = _rms(np.diff(y))
    return _normal(np.full(horizon, y[-1], dtype=float), sigma * np.sqrt(np.arange(1, horizon + 1)))


def _ets(y: np.ndarray, season: int | None, horizon: int) -> Forecast:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    series = pd.Series(y, dtype=float)           # get_prediction needs an index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # convergence chatter; the backtest judges the fit
        model = ETSModel(series, error="add", trend="add", damped_trend=True,
                         seasonal="add" if season else None, seasonal_periods=season,
                         initialization_method="heuristic")
        fit = model.fit(disp=False)
        pred = fit.get_prediction(start=len(y), end=len(y) + horizon - 1)
        f80, f95 = pred.summary_frame(alpha=0.20), pred.summary_frame(alpha=0.05)
    return Forecast(f80["mean"].to_numpy(), f80["pi_lower"].to_numpy(), f80["pi_upper"].to_numpy(),
                    f95["pi_lower"].to_numpy(), f95["pi_upper"].to_numpy())


def ets(y: np.ndarray, season: int, horizon: int) -> Forecast:
    return _ets(y, season, horizon)


def ets_trend(y: np.ndarray, season: int, horizon: int) -> Forecast:
    return _ets(y, None, horizon)


MODELS = {"seasonal_naive": seasonal_naive, "naive": naive, "ets": ets, "ets_trend": ets_trend}


@contextmanager
def one_blas_thread():
    """BLAS on one thread: the fits are tiny, and OpenBLAS's threads spinning on a busy machine made
    them 10x slower (measured: 16 s -> 2 s for three tenants). The libraries are loaded first, so
    that the limit reaches every copy of OpenBLAS (numpy's and scipy's)."""
    import scipy.optimize  # noqa: F401
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        yield


def fit_forecast(model: ModelName, y: np.ndarray, season: int, horizon: int) -> Forecast:
    return MODELS[model](np.asarray(y, dtype=float), season, horizon)
