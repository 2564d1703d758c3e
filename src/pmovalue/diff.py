"""Metric changes between two sets of metrics: two published versions (`pmovalue diff`), a
version and its previous period computed from the same data and parameters (changes.html), a
scenario and the official parameters (a scenario's pages); and whether each change is better
or worse, and material (`judge_changes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from pmovalue.metrics.catalog import METRICS

if TYPE_CHECKING:
    from pmovalue.config import Params

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


RAG_RANK = {"red": 0, "amber": 1, "green": 2}


def verdict(metric_id: str, old: float, new: float, old_status: str, new_status: str) -> str:
    """ "better", "worse" or "" (no judgement: the metric has no direction, or nothing moved)
    of a change, by the metric's direction (higher, lower, closer to zero is better); a change
    of RAG status alone is judged by the status."""
    info = METRICS.get(metric_id)
    if info is not None and info.direction and pd.notna(old) and pd.notna(new) and new != old:
        if info.direction == "higher":
            return "better" if new > old else "worse"
        if info.direction == "lower":
            return "better" if new < old else "worse"
        if abs(new) != abs(old):  # "zero": closer to zero is better
            return "better" if abs(new) < abs(old) else "worse"
    a, b = RAG_RANK.get(old_status), RAG_RANK.get(new_status)
    if a is not None and b is not None and a != b:
        return "better" if b > a else "worse"
    return ""


def is_material(
    metric_id: str, old: float, new: float, old_status: str, new_status: str, params: Params
) -> bool:
    """A change of RAG status; for a metric with a `changes.material` threshold, a value that
    appears or goes blank, or a change at least that big."""
    if old_status != new_status:
        return True
    if params.changes.material.get(metric_id) is None:
        return False
    if pd.isna(old) != pd.isna(new):
        return True
    if pd.isna(old):
        return False
    threshold = params.changes.threshold(metric_id, old)
    assert threshold is not None
    return abs(new - old) >= threshold - 1e-9 * max(1.0, abs(threshold))


def judge_changes(changes: pd.DataFrame, params_of: Callable[[str], Params]) -> pd.DataFrame:
    """`metric_changes` with `verdict` (better, worse or "") and `material` (bool) added;
    `params_of(unit_id)` gives the parameters whose thresholds apply to that unit."""
    out = changes.copy()
    rows = list(
        zip(
            out["unit_id"],
            out["metric"],
            out["old"],
            out["new"],
            out["old_status"],
            out["new_status"],
            strict=True,
        )
    )
    out["verdict"] = [verdict(m, a, b, sa, sb) for _, m, a, b, sa, sb in rows]
    out["material"] = [is_material(m, a, b, sa, sb, params_of(u)) for u, m, a, b, sa, sb in rows]
    return out


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
