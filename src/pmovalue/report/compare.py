"""Comparisons: units side by side (one row per unit, one column per metric, each cell the
value with its RAG badge: the unit page's peers, the portfolio's league table and heatmap), and
changes between two sets of metrics as a table (the changes page, a scenario's pages)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pandas as pd

from pmovalue.config import Params
from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.diff import judge_changes, metric_changes
from pmovalue.markup import (
    BLANK,
    badge,
    fmt,
    fmt_change,
    metric_header,
    metric_label_html,
    rag_badge,
    table_html,
)
from pmovalue.metrics.catalog import METRICS

VERDICT_TEXT = {"better": "▲ better", "worse": "▼ worse", "": "changed"}


def value_and_badge(mid: str, value: float, status: str) -> str:
    text = html.escape(fmt(mid, value, blank=BLANK).removesuffix("%"))
    mark = badge(status) if status in ("green", "amber", "red") else ""
    return f'<span class="cell-value">{text}</span> {mark}'.strip()


def comparison_headers(metric_ids: list[str], root: str) -> dict[str, str]:
    """The header markup of a comparison table's metric columns: the catalogue label linked to
    its definition, and the unit of the values (`%`)."""
    return {metric_header(m): metric_label_html(m, root, unit=True) for m in metric_ids}


def comparison_tables(
    unit_metrics: pd.DataFrame, metric_ids: list[str], highlight: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw CSV) of units (rows) by metrics: each cell the value with its
    RAG badge, each column headed by `metric_header` (see `comparison_headers` for its
    markup); units ranked by value index, best first."""
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
            shown[metric_header(mid)] = value_and_badge(mid, value, status)
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


def visible_changes(
    before: pd.DataFrame,
    now: pd.DataFrame,
    params_of: Callable[[str], Params],
    currency: str,
    unit_order: list[str],
) -> pd.DataFrame:
    """The changes from `before` to `now` a reader can see: the value as shown changes, or
    the RAG status does (never `0.93 → 0.93`); judged (verdict,
    material) and ordered: the portfolio, then the units in `unit_order`; within each, worse
    before better, then in catalogue order."""
    changes = metric_changes(before, now)
    if changes.empty:
        return changes.assign(verdict=pd.Series(dtype=object), material=pd.Series(dtype=bool))
    seen = [
        fmt(m, a, currency) != fmt(m, b, currency) or sa != sb
        for m, a, b, sa, sb in zip(
            changes["metric"],
            changes["old"],
            changes["new"],
            changes["old_status"],
            changes["new_status"],
            strict=True,
        )
    ]
    changes = judge_changes(changes[seen], params_of)
    rank = {u: i for i, u in enumerate([PORTFOLIO_ID, *unit_order])}
    order = {m: i for i, m in enumerate(METRICS)}
    changes = changes.assign(
        _u=changes["unit_id"].map(lambda u: rank.get(u, len(rank))),
        _v=changes["verdict"].map({"worse": 0, "better": 1}).fillna(2),
        _m=changes["metric"].map(order),
    )
    return (
        changes.sort_values(["_u", "_v", "_m"], kind="stable")
        .drop(columns=["_u", "_v", "_m"])
        .reset_index(drop=True)
    )


def _badge(status: str) -> str:
    """A status badge in a transition: `no status` when there is none (a metric gone
    blank)."""
    return rag_badge(status, '<span class="rag rag-none">no status</span>')


def _status_html(old: str, new: str) -> str:
    """`AMBER → RED` as badges; one badge when it did not change; nothing when neither has one
    (never `– → –`)."""
    if old == new:
        return badge(new) if new else ""
    return f'{_badge(old)} <span aria-label="to">→</span> {_badge(new)}'


def _verdict_html(verdict: str, old: float, new: float) -> str:
    """Better or worse; a value that went blank or appeared, said so (nothing to judge)."""
    text = VERDICT_TEXT[verdict]
    if not verdict and pd.isna(old) != pd.isna(new):
        text = "left out" if pd.isna(new) else "new"
    return f'<span class="verdict verdict-{verdict or "none"}">{text}</span>'


def changes_table(
    rows: pd.DataFrame,
    before: str,
    now: str,
    currency: str,
    caption: str,
    csv_name: str,
    root: str = "",
    with_unit: bool = True,
) -> str:
    """The changes for reading: unit, metric (linked to its definition), both values, the
    change, better or worse, the RAG status (a transition as two badges)."""
    shown = pd.DataFrame(
        {
            "Unit": [html.escape(str(u)) for u in rows["unit_name"]],
            "Metric": [metric_label_html(m, root) for m in rows["metric"]],
            before: [
                fmt(m, v, currency, blank=BLANK)
                for m, v in zip(rows["metric"], rows["old"], strict=True)
            ],
            now: [
                fmt(m, v, currency, blank=BLANK)
                for m, v in zip(rows["metric"], rows["new"], strict=True)
            ],
            "Change": [
                fmt_change(m, b - a, currency)
                for m, a, b in zip(rows["metric"], rows["old"], rows["new"], strict=True)
            ],
            "Better or worse": [
                _verdict_html(v, a, b)
                for v, a, b in zip(rows["verdict"], rows["old"], rows["new"], strict=True)
            ],
            "RAG status": [
                _status_html(a, b)
                for a, b in zip(rows["old_status"], rows["new_status"], strict=True)
            ],
        }
    )
    if not with_unit:
        shown = shown.drop(columns="Unit")
    csv = rows.assign(label=[METRICS[m].label for m in rows["metric"]])
    return table_html(
        shown,
        caption,
        csv_name,
        csv=csv,
        html_columns=["Unit", "Metric", "Better or worse", "RAG status"],
        numeric_columns=[before, now, "Change"],
        cards=True,
    )
