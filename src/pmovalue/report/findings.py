"""Findings: short sentences that state what the numbers say, with the numbers in them.

The helpers here are shared by the pages' findings (`unit_findings`, `portfolio_findings`,
`maturity_findings`) and the executive summary (`pmovalue.report.summary`): a metric's
previous value, counts of projects in the red, lists of names.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from pmovalue.markup import BOARD, money_compact, show_html


def findings_html(sentences: list[str]) -> str:
    if not sentences:
        return f'<p class="findings" {BOARD}>No findings.</p>'
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f'<ul class="findings" {BOARD}>{items}</ul>'


def show_findings(sentences: list[str]) -> None:
    show_html(findings_html(sentences))


def previous_value(history: pd.DataFrame, metric_id: str, period: str) -> tuple[float, str]:
    """The metric's latest non-blank value before `period`, and that period ('' if none)."""
    if history.empty:
        return float("nan"), ""
    # A page asks this for a dozen metrics of a ~600-row history: plain arrays, not a
    # filtered and sorted frame each time.
    periods = history["period"].to_numpy(dtype=object)
    values = history["value"].to_numpy(dtype="float64")
    mine = (history["metric"].to_numpy(dtype=object) == metric_id) & ~np.isnan(values)
    best = -1
    for i in np.flatnonzero(mine):
        p = periods[i]
        if isinstance(p, str) and p < period and (best < 0 or p >= periods[best]):
            best = i
    if best < 0:
        return float("nan"), ""
    return float(values[best]), str(periods[best])


def count_below(values: pd.Series, threshold: float) -> tuple[int, int]:
    """(how many of the non-blank values are below threshold, how many are non-blank)."""
    known = pd.to_numeric(values, errors="coerce").dropna()
    return int((known < threshold).sum()), len(known)


def are(n: int) -> str:
    """The verb agreeing with a count: `1 is`, `2 are`."""
    return "is" if n == 1 else "are"


def listed(names: list[str], limit: int = 3) -> str:
    """`A, B, C` or `A, B, C and 2 more`."""
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _forecast_sentence(projects: pd.DataFrame, currency: str) -> str | None:
    """Forecast cost at completion against budget, over the projects that have both."""
    if not {"bac", "eac"} <= set(projects.columns):
        return None
    both = projects.dropna(subset=["bac", "eac"])
    if both.empty or both["bac"].sum() <= 0:
        return None
    bac, eac = float(both["bac"].sum()), float(both["eac"].sum())
    diff = eac - bac
    pct = 100 * diff / bac
    if round(pct, 1) == 0:
        verdict = "on budget"
    else:
        verdict = f"{money_compact(abs(diff), currency)} ({abs(pct):.1f}%) " + (
            "over" if diff > 0 else "under"
        )
    return (
        f"The {len(both)} projects with a forecast expect to cost "
        f"{money_compact(eac, currency)} against budgets of {money_compact(bac, currency)}: "
        f"{verdict}."
    )


def delivery_findings(
    projects: pd.DataFrame, green_min: float, amber_min: float, currency: str
) -> list[str]:
    """Counts of projects red on cost and on schedule, and the forecast against budget."""
    out: list[str] = []
    if "cpi" in projects:
        red, n = count_below(projects["cpi"], amber_min)
        if n:
            out.append(
                f"{red} of {n} projects with earned value data {are(red)} red on cost "
                f"(CPI below {amber_min:.2f})."
            )
    if "spi_t" in projects:
        late, n = count_below(projects["spi_t"], amber_min)
        if n:
            out.append(
                f"{late} of {n} projects {are(late)} red on schedule by earned schedule "
                f"(SPI(t) below {amber_min:.2f})."
            )
    forecast = _forecast_sentence(projects, currency)
    if forecast:
        out.append(forecast)
    return out
