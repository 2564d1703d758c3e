"""The headline strip at the top of the unit and portfolio pages: key metrics as cards with
their RAG status and their change since the previous quarter."""

from __future__ import annotations

import html

import pandas as pd

from pmovalue.markup import (
    BOARD,
    change_size,
    fmt,
    is_blank,
    metric_label_html,
    money,
    money_compact,
    rag_badge,
    show_html,
    shows_change,
)
from pmovalue.metrics.catalog import METRICS
from pmovalue.report.findings import previous_value
from pmovalue.report.views import PortfolioView, UnitView

HEADLINE = [
    "cpi",
    "spi",
    "eac_total",
    "benefits_realization_pct",
    "npv_total",
    "nps",
    "maturity_level",
    "value_index",
]


def _card_value(mid: str, value: float, currency: str) -> tuple[str, str]:
    """(inner HTML of the value, full value for its title attribute) of a headline card."""
    if METRICS[mid].unit == "currency" and not is_blank(value):
        short = money_compact(value, "")
        cur = f'<span class="cur">{html.escape(currency)}</span> ' if currency else ""
        return f"{cur}{html.escape(short)}", money(value, currency)
    text = fmt(mid, value, currency)
    return html.escape(text), text


def _delta(mid: str, now: float, before: float, since: str, currency: str) -> str:
    """`up 0.02 since 2026-Q2` / `down GBP 1.2m since 2026-Q2` / `unchanged since 2026-Q2`
    (`since` may also read `against the official parameters`)."""
    if is_blank(now) or is_blank(before) or not since:
        return ""
    diff = now - before
    if not shows_change(mid, diff, currency):
        return f"unchanged {since}"
    return f"{'up' if diff > 0 else 'down'} {change_size(mid, diff, currency)} {since}"


def headline_html(
    metrics: pd.DataFrame,
    ids: list[str],
    currency: str,
    history: pd.DataFrame | None = None,
    period: str | None = None,
    root: str = "",
    official: pd.DataFrame | None = None,
) -> str:
    """The strip of key metrics: label (linked to its definition), value (money compact, in
    full on hover), RAG status written out, change since the previous quarter (in a scenario:
    against the official parameters, its point), and the metric's note."""
    cards = []
    by_id = metrics.set_index("metric")
    official_by_id = official.set_index("metric")["value"] if official is not None else None
    for mid in ids:
        if mid not in by_id.index:
            continue
        row = by_id.loc[mid]
        inner, full = _card_value(mid, row["value"], currency)
        title = f' title="{html.escape(full)}"' if html.escape(full) != inner else ""
        delta = ""
        if official_by_id is not None:
            before = float(official_by_id.get(mid, float("nan")))
            change = html.escape(_delta(mid, row["value"], before, "against official", currency))
            if change:
                delta = f'<span class="delta">{change}</span>'
        elif history is not None and period is not None and len(history):
            before, when = previous_value(history, mid, period)
            since = f"since {when}" if when else ""
            change = html.escape(_delta(mid, row["value"], before, since, currency))
            if change:  # the period never breaks at its hyphen
                period_html = f'<span class="nw">{html.escape(when)}</span>'
                change = change.replace(html.escape(when), period_html)
                delta = f'<span class="delta">{change}</span>'
        note = str(row["note"]) if pd.notna(row["note"]) else ""
        note_html = f'<span class="note">{html.escape(note)}</span>' if note else ""
        cards.append(
            f'<div class="kpi" data-metric="{mid}"><span class="label">'
            f"{metric_label_html(mid, root)}</span>"
            f'<span class="value"{title}>{inner}</span>'
            f"{rag_badge(str(row['status']))}{delta}{note_html}</div>"
        )
    return f'<div class="headline" {BOARD}>{"".join(cards)}</div>'


def show_headline(view: UnitView | PortfolioView) -> None:
    show_html(
        headline_html(
            view.metrics,
            HEADLINE,
            view.params.report.currency,
            view.history,
            view.period,
            view.root,
            view.official,
        )
    )
