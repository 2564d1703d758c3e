"""Level 1 delivery judgements: on budget, on time, schedule slip, RAG rating counts.

- on budget: EAC ≤ BAC · (1 + tolerances.budget_pct / 100); unknown when EAC or BAC is blank.
- finish = actual_finish where reported, else forecast_finish.
- slip days = finish - baseline_finish in days (negative = early); unknown when either is blank.
- on time: slip days ≤ tolerances.schedule_days (i.e. finish ≤ baseline + tolerance).
- on_budget_pct / on_time_pct = 100 · on / (on + off) over projects whose flag is known.
- schedule_slip_days_median = median of the known slips, early finishes included (negative).
- rating counts: projects rated red / amber / green, whatever their status;
  rating_red_amber_pct = 100 · (red + amber) / rated projects.

Which projects count for on budget, on time and slip: all but `proposed` (no approved
baseline yet) and `cancelled` (they will not deliver); closed projects are judged on their
actual finish and final EAC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmovalue.metrics._common import Result, float_values


def on_budget(eac: pd.Series, bac: pd.Series, budget_pct: float) -> pd.Series:
    """EAC ≤ BAC · (1 + budget_pct/100) as a nullable boolean (NA when EAC or BAC is blank)."""
    bac = bac.reindex(eac.index)
    flag, known = on_budget_flags(float_values(eac), float_values(bac), budget_pct)
    return pd.Series(pd.arrays.BooleanArray(flag, ~known), index=eac.index)


def on_budget_flags(
    eac: np.ndarray, bac: np.ndarray, budget_pct: float
) -> tuple[np.ndarray, np.ndarray]:
    """`on_budget` of float arrays, as (flag, known) boolean arrays."""
    known = ~np.isnan(eac) & ~np.isnan(bac)
    with np.errstate(invalid="ignore"):
        flag = eac <= bac * (1 + budget_pct / 100.0)
    return flag & known, known


def finish_date(actual_finish: pd.Series, forecast_finish: pd.Series) -> pd.Series:
    """actual_finish where reported, else forecast_finish."""
    return actual_finish.where(actual_finish.notna(), forecast_finish)


def slip_days(finish: pd.Series, baseline_finish: pd.Series) -> pd.Series:
    """finish - baseline_finish in days (float, NaN when either date is blank)."""
    delta = pd.to_datetime(finish) - pd.to_datetime(baseline_finish)
    return (delta.dt.total_seconds() / 86400.0).astype("float64")


def on_time(slip: pd.Series, schedule_days: float) -> pd.Series:
    """slip ≤ schedule_days as a nullable boolean (NA when the slip is unknown)."""
    flag = (slip <= schedule_days).astype("boolean")
    return flag.where(slip.notna(), pd.NA).astype("boolean")


RATINGS = ("red", "amber", "green")


def rating_counts(rating: pd.Series) -> dict[str, Result]:
    """Number of projects rated red, amber, green; all blank when no project is rated."""
    rated = rating[rating.isin(RATINGS)]
    if rated.empty:
        return {r: Result.blank("no project ratings") for r in RATINGS}
    return {r: Result(float((rated == r).sum())) for r in RATINGS}


def rating_red_amber_pct(rating: pd.Series) -> Result:
    """100 · (red + amber) / rated projects; blank when no project is rated."""
    rated = rating[rating.isin(RATINGS)]
    if rated.empty:
        return Result.blank("no project ratings")
    return Result(100.0 * float(rated.isin(("red", "amber")).sum()) / len(rated))
