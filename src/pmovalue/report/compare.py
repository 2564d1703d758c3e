"""Units side by side: one row per unit, one column per metric, each cell the value with its
RAG badge; used by the unit page (peers) and the portfolio page (league table, heatmap)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from pmovalue.markup import BLANK, badge, fmt
from pmovalue.metrics.catalog import METRICS

# Column headers of comparison tables: short, with the unit of the numbers below them.
COLUMN_HEADERS = {
    "value_index": "Value index (0-100)",
    "cpi": "CPI",
    "spi": "SPI",
    "on_budget_pct": "On budget (%)",
    "on_time_pct": "On time (%)",
    "benefits_realization_pct": "Benefits realized (%)",
    "aligned_spend_pct": "Aligned spend (%)",
    "nps": "NPS (-100 to 100)",
    "maturity_profile": "Maturity (1-4)",
    "maturity_level": "Maturity level (1-4)",
}


def _value_and_badge(mid: str, value: float, status: str) -> str:
    text = html.escape(fmt(mid, value, blank=BLANK).removesuffix("%"))
    mark = badge(status) if status in ("green", "amber", "red") else ""
    return f'<span class="cell-value">{text}</span> {mark}'.strip()


def comparison_tables(
    unit_metrics: pd.DataFrame, metric_ids: list[str], highlight: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw CSV) of units (rows) by metrics: each cell the value with its
    RAG badge; units ranked by value index, best first."""
    shown_rows, raw_rows = [], []
    for (uid, name), part in unit_metrics.groupby(["unit_id", "unit_name"], sort=False):
        by = part.drop_duplicates("metric").set_index("metric")
        label = html.escape(str(name))
        if name == highlight:
            label = f"<strong>{label}</strong> (this unit)"
        shown: dict[str, Any] = {"Unit": label}
        raw: dict[str, Any] = {"unit_id": uid, "unit": name}
        for mid in metric_ids:
            value = by["value"].get(mid, float("nan"))
            status = str(by["status"].get(mid, "") or "")
            shown[COLUMN_HEADERS.get(mid, METRICS[mid].label)] = _value_and_badge(
                mid, value, status
            )
            raw[mid] = value
            raw[f"{mid}_status"] = status
        shown_rows.append(shown)
        raw_rows.append(raw)
    raw_frame = pd.DataFrame(raw_rows)
    shown_frame = pd.DataFrame(shown_rows)
    if "value_index" in raw_frame:
        order = raw_frame["value_index"].sort_values(ascending=False, na_position="last").index
        raw_frame, shown_frame = raw_frame.loc[order], shown_frame.loc[order]
    return shown_frame.reset_index(drop=True), raw_frame.reset_index(drop=True)
