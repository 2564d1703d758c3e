"""Level 3 benefits: baseline forecast, realized, realization.

Benefit rows are per-period FLOWS. Totals are cumulative to date: the sum over rows with
period ≤ the report period (a row with a blank period counts as the report period, as docs/data.md
says). Negative values are disbenefits and count as negative.

- benefits_baseline_total = Σ baseline_forecast
- benefits_realized_total = Σ realized over rows with a realized value (blank when none has one)
- benefits_realization_pct = 100 · Σrealized / Σbaseline_forecast, both over the rows that
  have a realized value (a flow not yet measured is neither counted as 0 nor as achieved);
  blank when that Σbaseline_forecast is 0 or negative (a net disbenefit baseline has no
  meaningful realization percentage).

Which projects count: all but `proposed` (when the projects table is given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmovalue.metrics._common import Result, num, period_index, period_indices, ratio


def benefit_rows(benefits: pd.DataFrame) -> pd.DataFrame:
    """Every row, normalised: period_ix (NaN when blank), baseline, realized (float64)."""
    ix = (
        period_indices(benefits["period"])
        if "period" in benefits.columns
        else pd.Series(np.nan, index=benefits.index, dtype="float64")
    )
    return pd.DataFrame(
        {
            "period_ix": ix,
            "baseline": num(benefits, "baseline_forecast"),
            "realized": num(benefits, "realized"),
        },
        index=benefits.index,
    )


def to_date_mask(period_ix: pd.Series, period: str) -> pd.Series:
    """Rows counted at `period`: period ≤ `period`, or blank (= the report period)."""
    return period_ix.isna() | (period_ix <= period_index(period))


def benefits_to_date(benefits: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows with period ≤ `period` (blank period = the report period), money as float64."""
    rows = benefit_rows(benefits)
    return rows.loc[to_date_mask(rows["period_ix"], period), ["baseline", "realized"]]


def realization_pct(baseline: pd.Series, realized: pd.Series) -> Result:
    """100 · Σrealized / Σbaseline over rows with a realized value."""
    measured = realized.notna() & baseline.notna()
    if not measured.any():
        return Result.blank("no realized benefits reported yet")
    b = float(baseline[measured].sum())
    r = float(realized[measured].sum())
    if b == 0:
        return Result.blank("baseline forecast is 0: realization undefined")
    if b < 0:
        return Result.blank("baseline forecast is a net disbenefit: realization undefined")
    unmeasured = int((baseline.notna() & realized.isna()).sum())
    plural = "s" if unmeasured != 1 else ""
    note = (
        f"{unmeasured} benefit{plural} not yet measured left out of both sums" if unmeasured else ""
    )
    return ratio(100.0 * r, b, "baseline forecast is 0: realization undefined").with_note(note)
