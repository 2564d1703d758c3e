"""Metric changes between two versions: used by `pmovalue diff` and by changes.html."""

from __future__ import annotations

import pandas as pd

from pmovalue.metrics.catalog import METRICS

KEY = ["unit_id", "metric"]


def metric_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, metric) present in either version whose value or status changed.

    Columns: unit_id, unit_name, metric, old, new, change, old_status, new_status, direction
    (up, down, new, gone, status). `direction` is about the value, not about good or bad."""
    a = old[[*KEY, "unit_name", "value", "status"]].rename(
        columns={"value": "old", "status": "old_status", "unit_name": "unit_name_old"}
    )
    b = new[[*KEY, "unit_name", "value", "status"]].rename(
        columns={"value": "new", "status": "new_status"}
    )
    both = a.merge(b, on=KEY, how="outer")
    both["unit_name"] = both["unit_name"].fillna(both["unit_name_old"])
    both = both.drop(columns="unit_name_old")
    both[["old_status", "new_status"]] = both[["old_status", "new_status"]].fillna("")
    both["change"] = both["new"] - both["old"]

    def direction(row: pd.Series) -> str:
        if pd.isna(row["old"]) and pd.notna(row["new"]):
            return "new"
        if pd.notna(row["old"]) and pd.isna(row["new"]):
            return "gone"
        if pd.notna(row["change"]) and abs(row["change"]) > 1e-9:
            return "up" if row["change"] > 0 else "down"
        if row["old_status"] != row["new_status"]:
            return "status"
        return ""

    both["direction"] = both.apply(direction, axis=1) if len(both) else pd.Series(dtype=str)
    changed = both[both["direction"] != ""].copy()
    order = {m: i for i, m in enumerate(METRICS)}
    changed["_o"] = changed["metric"].map(order)
    changed = changed.sort_values(["unit_id", "_o"]).drop(columns="_o")
    cols = [
        "unit_id",
        "unit_name",
        "metric",
        "old",
        "new",
        "change",
        "old_status",
        "new_status",
        "direction",
    ]
    return changed[cols].reset_index(drop=True)


TREND_METRICS = [
    "cpi",
    "spi",
    "on_budget_pct",
    "on_time_pct",
    "rating_red_amber_pct",
    "benefits_realization_pct",
    "npv_total",
    "nps",
    "maturity_profile",
    "value_index",
]


def published_trend(
    frames: dict[str, pd.DataFrame],
    unit_id: str = "_portfolio",
    metric_ids: list[str] | None = None,
) -> pd.DataFrame:
    """Key metrics of one unit across published versions (oldest first), as they were published.

    Snapshot metrics (ratings, on-budget share) cannot be rebuilt from the data's history, so
    their trend comes from each version's own metrics.csv."""
    ids = metric_ids or TREND_METRICS
    rows = []
    for version, frame in frames.items():
        part = frame[(frame["unit_id"] == unit_id) & (frame["metric"].isin(ids))]
        row: dict[str, object] = {"version": version}
        row.update(dict(zip(part["metric"], part["value"], strict=True)))
        rows.append(row)
    out = pd.DataFrame(rows, columns=["version", *ids])
    return out.sort_values("version").reset_index(drop=True)
