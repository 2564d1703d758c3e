"""Level 2 in-period KPIs from the projects table: budget, forecast, and their variance.

- period_budget_total = Σ period_budget; period_forecast_total = Σ period_forecast
  (each over the projects that report it; blank when none does).
- period_variance_pct = 100 · (Σforecast - Σbudget) / Σbudget over the projects that report
  BOTH, so a project with only one of the two does not distort the variance; blank when that
  Σbudget is 0.

Which projects count: all but `proposed` (their period budget is not approved spend).
The projects table is a snapshot at its last update: these values do not change with the
report period.
"""

from __future__ import annotations

import pandas as pd

from pmovalue.metrics._common import Result, ratio, total


def period_total(values: pd.Series, what: str) -> Result:
    """Σ of the reported values; blank when no project reports one.

    No caveat for projects without a value: a project with no period budget (a closed one,
    say) simply has no spend planned in the period.
    """
    return Result(total(values, what).value) if values.notna().any() else total(values, what)


def period_variance_pct(budget: pd.Series, forecast: pd.Series) -> Result:
    """100 · (Σforecast - Σbudget) / Σbudget over projects reporting both."""
    both = budget.notna() & forecast.notna()
    if not both.any():
        return Result.blank("no project reports both a period budget and a period forecast")
    b, f = float(budget[both].sum()), float(forecast[both].sum())
    if b == 0:
        return Result.blank("period budget is 0: variance undefined")
    left_out = int((budget.notna() | forecast.notna()).sum() - both.sum())
    note = f"{left_out} project(s) with only one of budget/forecast left out" if left_out else ""
    return ratio(100.0 * (f - b), b, "period budget is 0: variance undefined").with_note(note)
