"""The indices over the quarters (CPI, SPI, median SPI(t)): one chart with its data table, on
the unit and the portfolio pages."""

from __future__ import annotations

import pandas as pd

from pmovalue import charts
from pmovalue.markup import show_chart, show_missing
from pmovalue.metrics.catalog import METRICS

TREND_METRICS = ["cpi", "spi", "spi_t_median"]


def trend_table(h: pd.DataFrame) -> pd.DataFrame:
    """One row per quarter, one column per trend metric (short labels)."""
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    table.columns.name = None
    cols = ["period", *[m for m in TREND_METRICS if m in table.columns]]
    return table[cols].rename(
        columns={"period": "Quarter", **{m: METRICS[m].label for m in TREND_METRICS}}
    )


def show_trend_chart(history: pd.DataFrame, csv_name: str) -> None:
    """The trend chart of a metric history; says so when it has no value to draw."""
    h = history[history["metric"].isin(TREND_METRICS)] if len(history) else history
    if h.empty or h["value"].isna().all():
        return show_missing("history")
    show_chart(charts.metric_trends(h, TREND_METRICS), trend_table(h).round(3), csv_name)
