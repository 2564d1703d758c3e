"""Findings: short sentences that state what the numbers say, with the numbers in them.

The helpers here are shared by the pages' findings (`unit_findings`, `portfolio_findings`,
`maturity_findings`): a metric's previous value, a change put in words, the RAG band of an
index, counts of projects in the red.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pandas as pd

from pmovalue.config import Params
from pmovalue.markup import BOARD, is_blank, money_compact, show_html
from pmovalue.report.views import metric_value


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


def previous(history: pd.DataFrame, metric_id: str, period: str) -> float:
    """The metric's latest non-blank value before `period` (blank if none)."""
    return previous_value(history, metric_id, period)[0]


def change_sentence(
    label: str,
    before: float,
    now: float,
    digits: int = 2,
    fmt_value: Callable[[float], str] | None = None,
) -> str:
    """`CPI fell from 0.97 to 0.91` / `rose` / `held at` (equal as shown, to `digits`)."""
    show = fmt_value or (lambda v: f"{v:.{digits}f}")
    if is_blank(now):
        return f"{label} cannot be computed this quarter"
    if is_blank(before):
        return f"{label} is {show(now)}"
    if round(now, digits) == round(before, digits):
        return f"{label} held at {show(now)}"
    word = "rose" if now > before else "fell"
    return f"{label} {word} from {show(before)} to {show(now)}"


def index_band(status: str, green_min: float, amber_min: float) -> str:
    """`red: below 0.90` / `amber: 0.90 to 0.95` / `green: 0.95 or more`."""
    return {
        "red": f"red: below {amber_min:.2f}",
        "amber": f"amber: {amber_min:.2f} to {green_min:.2f}",
        "green": f"green: {green_min:.2f} or more",
    }.get(status, "no status")


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


def index_change_findings(
    metrics: pd.DataFrame, history: pd.DataFrame, period: str, params: Params
) -> list[str]:
    """`CPI fell from 0.86 to 0.85 (red: below 0.90).` for CPI and SPI."""
    t = params.thresholds
    out = []
    for mid, label in (("cpi", "CPI"), ("spi", "SPI")):
        now = metric_value(metrics, mid)
        before = previous(history, mid, period)
        row = metrics.loc[metrics["metric"] == mid, "status"]
        status = str(row.iloc[0]) if len(row) else ""
        band = index_band(status, t.index_green_min, t.index_amber_min)
        out.append(f"{change_sentence(label, before, now)} ({band}).")
    return out
