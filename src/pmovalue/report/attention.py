"""The unit page's attention list: projects red on CPI, SPI or SPI(t), or rated red, each
with the reason in numbers, ranked by the money exposed on them (`pmovalue.metrics.exposure`);
the ten most exposed are shown, every one in the CSV."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pmovalue.markup import (
    BLANK,
    BOARD,
    badge,
    fmt_cell,
    is_blank,
    money_compact,
    show_html,
    table_html,
)
from pmovalue.metrics.exposure import INDEX_COLUMNS, exposure_columns, is_open, needs_attention
from pmovalue.report.views import UnitView

ATTENTION_COLUMNS = [
    "project_id",
    "project_name",
    "reason",
    "exposure",
    "overrun",
    "unearned",
    "benefits_shortfall",
    "status",
    "rating",
    "cpi",
    "spi",
    "spi_t",
    "bac",
    "eac",
    "vac",
    "slip_days",
]
ATTENTION_SHOWN = 10


def _below(label: str, value: float, threshold: float) -> str:
    limit = f"{threshold:.2f}"
    digits = 2
    while digits < 6 and float(f"{value:.{digits}f}") >= float(limit):
        digits += 1  # 0.8999 must not read "0.90 < 0.90"
    return f"{label} {value:.{digits}f} < {limit}"


def attention_reason(row: Mapping[str, Any], amber_min: float) -> str:
    """Why a project is on the attention list: `CPI 0.78 < 0.90; rated red`."""
    parts = []
    for col, label in INDEX_COLUMNS:
        v = row.get(col)
        if not is_blank(v) and v < amber_min:
            parts.append(_below(label, float(v), amber_min))
    if str(row.get("rating") or "").lower() == "red":
        parts.append("rated red")
    return "; ".join(parts)


def attention_rows(projects: pd.DataFrame, amber_min: float) -> pd.DataFrame:
    """Projects red on CPI, SPI or SPI(t) (below `amber_min`) or rated red, with the reason
    and their exposure in money (and its parts); the most exposed first, then open projects
    before closed ones, then the lowest index first."""
    p = projects.copy()
    for col, _ in INDEX_COLUMNS:
        if col not in p:
            p[col] = float("nan")
    if "rating" not in p:
        p["rating"] = ""
    p = pd.concat([p, exposure_columns(p)], axis=1)
    p = p[needs_attention(p, amber_min)]
    p["reason"] = [attention_reason(r, amber_min) for r in p.to_dict("records")]
    p = p.assign(
        _closed=~is_open(p),
        _worst=p[[c for c, _ in INDEX_COLUMNS]].min(axis=1, skipna=True),
    )
    p = p.sort_values(
        ["exposure", "_closed", "_worst"],
        ascending=[False, True, True],
        na_position="last",
        kind="stable",
    )
    cols = [c for c in ATTENTION_COLUMNS if c in p.columns]
    return p[cols].reset_index(drop=True)


def attention_projects(view: UnitView) -> pd.DataFrame:
    """The unit's attention list (all rows, raw numbers)."""
    return attention_rows(view.projects, view.params.thresholds.index_amber_min)


def exposure_parts(row: Mapping[str, Any], currency: str) -> str:
    """`overrun GBP 200k · late work GBP 12k · benefits GBP 30k` (the non-zero parts)."""
    parts = [
        (name, row.get(col))
        for col, name in (
            ("overrun", "forecast overrun"),
            ("unearned", "late work"),
            ("benefits_shortfall", "benefits not realized"),
        )
    ]
    return " · ".join(
        f"{name} {money_compact(v, currency)}" for name, v in parts if not is_blank(v) and v > 0
    )


def _exposure_cell(row: Mapping[str, Any], currency: str) -> str:
    """The exposure and, under it, its parts one per line."""
    parts = exposure_parts(row, currency).split(" · ")
    lines = "".join(f'<span class="cell-note">{html.escape(p)}</span>' for p in parts if p)
    return f"{html.escape(fmt_cell(row.get('exposure'), 'money'))}{lines}"


def attention_display(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The attention list for reading: readable headers, formatted numbers, the exposure with
    its parts, the reason, ratings as badges (the CSV has every column: EAC, slip, ...)."""

    def col(name: str, kind: str) -> list[str]:
        values = rows[name] if name in rows else pd.Series([None] * len(rows))
        return [fmt_cell(v, kind) for v in values]

    exposure = [_exposure_cell(r, currency) for r in rows.to_dict("records")]
    return pd.DataFrame(
        {
            "Project": [
                f'<span class="pid">{html.escape(str(i))}</span> {html.escape(str(n))}'
                for i, n in zip(rows["project_id"], rows["project_name"], strict=True)
            ],
            f"Exposure ({currency})": exposure,
            "Why listed": [
                "; ".join(f'<span class="nw">{html.escape(p)}</span>' for p in r.split("; "))
                for r in rows["reason"]
            ],
            "Rating": [badge(str(v or "")) for v in rows["rating"]],
            "Status": [
                html.escape(str(v or "")).replace("_", "\u00a0") or BLANK for v in rows["status"]
            ],
            "CPI": col("cpi", "index"),
            "SPI": col("spi", "index"),
            "SPI(t)": col("spi_t", "index"),
        }
    )


def attention_html(view: UnitView, limit: int = ATTENTION_SHOWN) -> str:
    """The attention list: the `limit` most exposed projects shown, all of them in the CSV."""
    rows = attention_projects(view)
    if rows.empty:
        return f"<p {BOARD}>No project is red on cost or schedule or rated red this quarter.</p>"
    cur = view.params.report.currency
    shown = attention_display(rows.head(limit), cur)
    more = len(rows) - len(shown)
    caption = (
        f"{len(rows)} projects need attention"
        + (f": the {len(shown)} with the most money exposed" if more > 0 else "")
        + ", the most exposed first"
    )
    note = f"{more} more in the CSV, which lists all {len(rows)}." if more > 0 else ""
    numeric = [f"Exposure ({cur})", "CPI", "SPI", "SPI(t)"]
    return table_html(
        shown,
        caption,
        f"{view.unit_id}-attention.csv",
        csv=rows.round(4),
        numeric_columns=numeric,
        html_columns=["Project", f"Exposure ({cur})", "Why listed", "Rating", "Status"],
        note=note,
        board=True,
        cards=True,
    )


def show_attention(view: UnitView, limit: int = ATTENTION_SHOWN) -> None:
    show_html(attention_html(view, limit))
