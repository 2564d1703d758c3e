"""Money exposed on each project, and the money at risk of a unit or the portfolio: pure
functions on the per-project table (`project_metrics`), for the attention list and the
executive summary. The methodology page prints `EXPOSURE` and `MONEY_AT_RISK`.

A project needs attention when it is red on cost or schedule (CPI, SPI or SPI(t) below
`thresholds.index_amber_min`) or its manager rates it red. Its exposure is the money the PMO
can still act on:

- forecast overrun = max(0, EAC − BAC), for open projects (active, on hold): a closed
  project's overrun is spent, no longer at risk;
- unearned planned value = max(0, PV − EV), for open projects: work planned by now and not
  done, whose value is delayed (and may be lost);
- benefits shortfall = max(0, Σ baseline forecast − Σ realized), benefits due up to the
  period, any status: benefits not realized (not yet measured counts as not realized).

Money at risk = Σ forecast overrun of the open projects that need attention + Σ benefits
shortfall of every project: money the organisation may not get back, as one figure. The
unearned planned value ranks projects but is not counted as lost: late work can still be done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

OPEN_STATUSES = ("active", "on_hold", "")  # a blank status is active
INDEX_COLUMNS = (("cpi", "CPI"), ("spi", "SPI"), ("spi_t", "SPI(t)"))

EXPOSURE = (
    "The money the PMO can still act on in one project: its forecast overrun (EAC − BAC, when "
    "positive) and its unearned planned value (PV − EV, when positive: work planned by now and "
    "not done), both for open projects (active or on hold), plus its benefits shortfall "
    "(benefits forecast up to the period less those realized, when positive; benefits not yet "
    "measured count as not realized). Projects that need attention are ranked by it."
)
MONEY_AT_RISK = (
    "The forecast overrun of the open projects that need attention (red on cost or schedule: "
    "CPI, SPI or SPI(t) below the amber threshold, or rated red by their manager) plus the "
    "benefits shortfall of every project, up to the period. Unearned planned value is left "
    "out: late work can still be done, whereas an overrun and unrealized benefits are money "
    "the organisation may not get back."
)


def _column(projects: pd.DataFrame, name: str) -> pd.Series:
    if name in projects:
        return pd.to_numeric(projects[name], errors="coerce").astype("float64")
    return pd.Series(np.nan, index=projects.index, dtype="float64")


def is_open(projects: pd.DataFrame) -> pd.Series:
    status = projects["status"] if "status" in projects else pd.Series("", index=projects.index)
    return status.fillna("").astype(str).str.lower().isin(OPEN_STATUSES)


def needs_attention(projects: pd.DataFrame, amber_min: float) -> pd.Series:
    """Red on CPI, SPI or SPI(t) (below `amber_min`), or rated red."""
    red = pd.Series(False, index=projects.index)
    for col, _ in INDEX_COLUMNS:
        red |= (_column(projects, col) < amber_min).fillna(False).astype(bool)
    if "rating" in projects:
        red |= projects["rating"].fillna("").astype(str).str.lower().eq("red")
    return red


def exposure_columns(projects: pd.DataFrame) -> pd.DataFrame:
    """overrun, unearned, benefits_shortfall and exposure (their sum) per project, in money."""
    open_ = is_open(projects)

    def positive(values: pd.Series) -> pd.Series:
        return values.clip(lower=0).fillna(0.0)

    overrun = positive(_column(projects, "eac") - _column(projects, "bac")).where(open_, 0.0)
    unearned = positive(_column(projects, "pv") - _column(projects, "ev")).where(open_, 0.0)
    baseline = _column(projects, "benefits_baseline")
    realized = _column(projects, "benefits_realized").fillna(0.0)
    shortfall = positive(baseline - realized)
    return pd.DataFrame(
        {
            "overrun": overrun,
            "unearned": unearned,
            "benefits_shortfall": shortfall,
            "exposure": overrun + unearned + shortfall,
        },
        index=projects.index,
    )


@dataclass(frozen=True)
class MoneyAtRisk:
    total: float
    overrun: float  # forecast overrun of the open projects that need attention
    overrun_projects: int  # how many of them overrun
    shortfall: float  # benefits shortfall of every project
    shortfall_projects: int


def money_at_risk(projects: pd.DataFrame, amber_min: float) -> MoneyAtRisk:
    """See the module docstring; 0 when there is no project."""
    if projects.empty:
        return MoneyAtRisk(0.0, 0.0, 0, 0.0, 0)
    parts = exposure_columns(projects)
    red = needs_attention(projects, amber_min)
    overrun = parts["overrun"][red]
    shortfall = parts["benefits_shortfall"]
    return MoneyAtRisk(
        total=float(overrun.sum() + shortfall.sum()),
        overrun=float(overrun.sum()),
        overrun_projects=int((overrun > 0).sum()),
        shortfall=float(shortfall.sum()),
        shortfall_projects=int((shortfall > 0).sum()),
    )
