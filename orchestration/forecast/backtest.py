"""Rolling-origin backtest arithmetic: the seasonal-naive baseline, MAPE, MASE and interval coverage.

Plain numpy over a series held as an array of equally spaced periods; nothing here knows dates, so a
series of the 1990s is backtested like one of today. Definitions (docs/DECISIONLOG.md, Forecasts):

- origin t: the model is fitted on y[:t] and forecasts y[t : t + h], scored on the actuals that
  exist (a fold near the end has fewer than h). Origins are one period apart: the last `folds`
  that leave a full horizon after them, and every later one (Tashman 2000), each with at least
  `min_train` periods of training, so a series of 2 seasons and a few periods is backtested too.
- MAPE = mean over fold and step of |actual - forecast| / |actual|, as a fraction (0.05 = 5 %),
  over the actuals that are not 0; None when every actual is 0.
- MASE = mean over fold and step of |actual - forecast| / scale(fold), where scale(fold) is the
  in-sample mean absolute seasonal difference of the fold's training data, mean |y_i - y_(i-m)|;
  folds whose scale is 0 (a flat history) are left out; None when every fold is.
- coverage = share of actuals inside [lower, upper], bounds included.
"""
from dataclasses import dataclass

import numpy as np


def seasonal_naive(y: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Each future period repeats the same period of the last observed season."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < season:
        raise ValueError(f"seasonal naive needs a full season ({season} periods), got {n}")
    return np.array([y[n - season + (step % season)] for step in range(horizon)])


def mase_scale(train: np.ndarray, season: int) -> float | None:
    """Mean absolute seasonal difference of the training data; None when it cannot scale (too short or 0)."""
    train = np.asarray(train, dtype=float)
    if len(train) <= season:
        return None
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    return scale if scale > 0 else None


def rolling_origins(n: int, horizon: int, folds: int, min_train: int) -> list[int]:
    """Training lengths of the folds, oldest first: the last `folds` with a full horizon of actuals
    after them and every later one, each with >= min_train periods of training and >= 1 actual."""
    return list(range(max(min_train, n - horizon - folds + 1), n))


@dataclass(frozen=True)
class FoldForecast:
    """One fold: the actuals after the origin, the forecast and its intervals (as many steps as
    actuals), the fold's MASE scale."""
    actual: np.ndarray
    point: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray
    scale: float | None


@dataclass(frozen=True)
class Scores:
    folds: int
    mape: float | None
    mase: float | None
    coverage_80: float | None
    coverage_95: float | None


def _mean(values) -> float | None:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else None


def score(folds: list[FoldForecast], step: int | None = None) -> Scores:
    """Scores over every fold and horizon step, or over one horizon step (0-based) only (`folds` then
    counts the folds that reach that step)."""
    pick = (lambda a: a) if step is None else (lambda a: a[step:step + 1])
    ape, ase, in80, in95 = [], [], [], []
    if step is not None:
        folds = [f for f in folds if len(f.actual) > step]
    for f in folds:
        actual, point = pick(f.actual), pick(f.point)
        err = np.abs(actual - point)
        ape += [e / abs(a) for e, a in zip(err, actual, strict=True) if a != 0]
        if f.scale is not None:
            ase += list(err / f.scale)
        in80 += list((actual >= pick(f.lower_80)) & (actual <= pick(f.upper_80)))
        in95 += list((actual >= pick(f.lower_95)) & (actual <= pick(f.upper_95)))
    return Scores(folds=len(folds), mape=_mean(ape), mase=_mean(ase),
                  coverage_80=_mean([float(v) for v in in80]), coverage_95=_mean([float(v) for v in in95]))
