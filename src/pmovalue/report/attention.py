"""The unit page's attention list: projects red on CPI, SPI or SPI(t), or rated red, each
with the reason in numbers; open projects first, the worst index first."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pmovalue.markup import BLANK, BOARD, fmt_cell, is_blank, show_html, table_html
from pmovalue.report.views import UnitView

OPEN_STATUSES = ("active", "on_hold", "")  # projects that can still be steered

ATTENTION_COLUMNS = [
    "project_id",
    "project_name",
    "reason",
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
    for col, label in (("cpi", "CPI"), ("spi", "SPI"), ("spi_t", "SPI(t)")):
        v = row.get(col)
        if not is_blank(v) and v < amber_min:
            parts.append(_below(label, float(v), amber_min))
    if str(row.get("rating") or "").lower() == "red":
        parts.append("rated red")
    return "; ".join(parts)


def attention_rows(projects: pd.DataFrame, amber_min: float) -> pd.DataFrame:
    """Projects red on CPI, SPI or SPI(t) (below `amber_min`) or rated red, each with the
    reason. Open projects (active, on hold) come first, then the worst index first."""
    p = projects.copy()
    for col in ("cpi", "spi", "spi_t"):
        if col not in p:
            p[col] = float("nan")
    if "rating" not in p:
        p["rating"] = ""
    p["reason"] = [attention_reason(r, amber_min) for r in p.to_dict("records")]
    p = p[p["reason"] != ""]
    status = p["status"].fillna("").astype(str).str.lower() if "status" in p else ""
    p = p.assign(
        _closed=~pd.Series(status, index=p.index).isin(OPEN_STATUSES),
        _worst=p[["cpi", "spi", "spi_t"]].min(axis=1, skipna=True),
    )
    p = p.sort_values(["_closed", "_worst"], na_position="last", kind="stable")
    cols = [c for c in ATTENTION_COLUMNS if c in p.columns]
    return p[cols].reset_index(drop=True)


def attention_projects(view: UnitView) -> pd.DataFrame:
    """The unit's attention list (all rows, raw numbers)."""
    return attention_rows(view.projects, view.params.thresholds.index_amber_min)


def attention_display(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The attention list for reading: readable headers, formatted numbers, the reason early."""

    def col(name: str, kind: str) -> list[str]:
        values = rows[name] if name in rows else pd.Series([None] * len(rows))
        return [fmt_cell(v, kind) for v in values]

    over = rows["eac"] - rows["bac"] if {"eac", "bac"} <= set(rows.columns) else None
    return pd.DataFrame(
        {
            "Project": [
                f'<span class="pid">{html.escape(str(i))}</span> {html.escape(str(n))}'
                for i, n in zip(rows["project_id"], rows["project_name"], strict=True)
            ],
            "Why listed": [
                "; ".join(f'<span class="nw">{html.escape(p)}</span>' for p in r.split("; "))
                for r in rows["reason"]
            ],
            "CPI": col("cpi", "index"),
            "SPI": col("spi", "index"),
            "SPI(t)": col("spi_t", "index"),
            f"EAC − BAC ({currency})": [fmt_cell(v, "signed_money") for v in over]
            if over is not None
            else BLANK,
            "Slip (days)": col("slip_days", "days"),
            "Status": rows["status"].fillna("").astype(str).str.replace("_", "\u00a0"),
            "Rating": rows["rating"].fillna("").astype(str),
            f"BAC ({currency})": col("bac", "money"),
            f"EAC ({currency})": col("eac", "money"),
        }
    )


def attention_html(view: UnitView, limit: int = ATTENTION_SHOWN) -> str:
    """The attention list: the worst `limit` projects shown, all of them in the CSV."""
    rows = attention_projects(view)
    if rows.empty:
        return f"<p {BOARD}>No project is red on cost or schedule or rated red this quarter.</p>"
    cur = view.params.report.currency
    shown = attention_display(rows.head(limit), cur)
    more = len(rows) - len(shown)
    caption = (
        f"{len(rows)} projects need attention"
        + (f": the first {len(shown)} shown" if more > 0 else "")
        + " (open projects first, then the lowest index)"
    )
    note = f"{more} more in the CSV, which lists all {len(rows)}." if more > 0 else ""
    numeric = ["CPI", "SPI", "SPI(t)", f"EAC − BAC ({cur})", "Slip (days)", f"BAC ({cur})"]
    return table_html(
        shown,
        caption,
        f"{view.unit_id}-attention.csv",
        csv=rows.round(4),
        numeric_columns=[*numeric, f"EAC ({cur})"],
        html_columns=["Project", "Why listed"],
        note=note,
        board=True,
    )


def show_attention(view: UnitView, limit: int = ATTENTION_SHOWN) -> None:
    show_html(attention_html(view, limit))
