"""One series of one tenant: backtest every candidate from rolling origins, choose the lowest MASE,
refit it on the whole history and forecast. A series too short to backtest gets the declared
fallback (`naive`), and its rows say so."""
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from orchestration.forecast import backtest
from orchestration.forecast.models import (BACKTEST_FOLDS, MIN_POINTS_FOR_FALLBACK, MIN_SEASONS_TO_BACKTEST,
                                           ModelName, fit_forecast, one_blas_thread)

SeriesName = Literal["ending_mrr", "store_net_revenue"]
BASELINE: ModelName = "seasonal_naive"
FALLBACK: ModelName = "naive"


@dataclass(frozen=True)
class SeriesSpec:
    name: SeriesName
    sql: str                                 # tenant_id, period_start, value: read from a mart, never recomputed
    grain: Literal["month", "week"]
    season: int
    horizon: int
    candidates: tuple[ModelName, ...]        # the baseline first: a tie goes to the simpler model

    @property
    def step(self) -> pd.DateOffset:
        return pd.DateOffset(months=1) if self.grain == "month" else pd.DateOffset(weeks=1)

    def is_complete(self, period_start: date, as_of: date) -> bool:
        """A period is complete when its last day is before as_of (docs/periods.md)."""
        return (pd.Timestamp(period_start) + self.step).date() <= as_of


SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec("ending_mrr", "select tenant_id, month as period_start, ending_mrr as value from marts.mrr_monthly",
               "month", season=12, horizon=12, candidates=(BASELINE, "ets", "ets_trend")),
    SeriesSpec("store_net_revenue", "select tenant_id, period_start, revenue_usd as value from marts.period_kpis "
               "where period_type = 'week'", "week", season=52, horizon=8, candidates=(BASELINE, "ets", "ets_trend")),
)


@dataclass
class SeriesResult:
    tenant_id: str
    series: SeriesName
    model: ModelName | None
    selection: str
    forecast: list[dict] = field(default_factory=list)
    backtest: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)

    def progress_line(self) -> str:
        return f"{self.tenant_id} {self.series}: {self.selection}"


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def run_backtest(y: np.ndarray, spec: SeriesSpec, model: ModelName) -> list[backtest.FoldForecast]:
    folds = []
    for t in backtest.rolling_origins(len(y), spec.horizon, BACKTEST_FOLDS, MIN_SEASONS_TO_BACKTEST * spec.season):
        actual = y[t:t + spec.horizon]
        f = fit_forecast(model, y[:t], spec.season, len(actual))
        folds.append(backtest.FoldForecast(actual, f.point, f.lower_80, f.upper_80, f.lower_95, f.upper_95,
                                           backtest.mase_scale(y[:t], spec.season)))
    return folds


def forecast_series(tenant_id: str, spec: SeriesSpec, periods: list[date], values: np.ndarray) -> SeriesResult:
    """periods: consecutive period starts, oldest first; values: the mart's values for them."""
    with one_blas_thread():
        return _forecast_series(tenant_id, spec, periods, values)


def _forecast_series(tenant_id: str, spec: SeriesSpec, periods: list[date], values: np.ndarray) -> SeriesResult:
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n < MIN_POINTS_FOR_FALLBACK:
        return SeriesResult(tenant_id, spec.name, None, f"no forecast: {n} periods of history, fewer than "
                                                        f"{MIN_POINTS_FOR_FALLBACK}")
    needed = MIN_SEASONS_TO_BACKTEST * spec.season + 1
    result = SeriesResult(tenant_id, spec.name, None, "")
    if n < needed:
        chosen: ModelName = FALLBACK
        result.selection = (f"fallback {FALLBACK}: {n} {spec.grain}s of history, under the {needed} a backtest "
                            f"needs ({MIN_SEASONS_TO_BACKTEST} seasons + 1)")
        result.backtest.append(dict(tenant_id=tenant_id, series=spec.name, model=FALLBACK, is_chosen=True, folds=0,
                                    mape=None, mase=None, coverage_80=None, coverage_95=None, baseline_mase=None,
                                    beats_baseline=None))
    else:
        scores, per_step = {}, {}
        for model in spec.candidates:
            folds = run_backtest(y, spec, model)
            scores[model] = backtest.score(folds)
            per_step[model] = [backtest.score(folds, step) for step in range(spec.horizon)]
        baseline = scores[BASELINE].mase

        def rank(model):
            mase = scores[model].mase
            return (mase is None, mase if mase is not None else 0.0, spec.candidates.index(model))
        chosen = min(spec.candidates, key=rank)
        for model in spec.candidates:
            s = scores[model]
            result.backtest.append(dict(
                tenant_id=tenant_id, series=spec.name, model=model, is_chosen=model == chosen, folds=s.folds,
                mape=s.mape, mase=s.mase, coverage_80=s.coverage_80, coverage_95=s.coverage_95,
                baseline_mase=baseline,
                beats_baseline=None if s.mase is None or baseline is None else s.mase < baseline))
            for step, st in enumerate(per_step[model], start=1):
                result.steps.append(dict(tenant_id=tenant_id, series=spec.name, model=model, horizon_step=step,
                                         folds=st.folds, mape=st.mape, mase=st.mase, coverage_80=st.coverage_80,
                                         coverage_95=st.coverage_95))
        c = scores[chosen]
        verdict = ("is the baseline" if chosen == BASELINE else
                   "beats" if c.mase is not None and baseline is not None and c.mase < baseline else
                   "does NOT beat")
        result.selection = (f"{chosen} (backtest over {c.folds} folds: MASE {_fmt(c.mase)}, MAPE {_fmt(c.mape)}, "
                            f"80 % coverage {_fmt(c.coverage_80)}; {verdict} seasonal naive MASE {_fmt(baseline)})")
    result.model = chosen
    f = fit_forecast(chosen, y, spec.season, spec.horizon)
    last = pd.Timestamp(periods[-1])
    for i in range(spec.horizon):
        result.forecast.append(dict(
            tenant_id=tenant_id, series=spec.name, period_start=(last + spec.step * (i + 1)).date(),
            horizon_step=i + 1, point_forecast=float(f.point[i]), lower_80=float(f.lower_80[i]),
            upper_80=float(f.upper_80[i]), lower_95=float(f.lower_95[i]), upper_95=float(f.upper_95[i]),
            model=chosen, selection=result.selection, trained_through=last.date()))
    return result
