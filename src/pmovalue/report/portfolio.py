"""The portfolio page (notebooks/portfolio.ipynb): the organisation's headline, findings,
league table of units, RAG heatmap, totals and trends."""

from __future__ import annotations

import pandas as pd

from pmovalue import charts
from pmovalue.markup import (
    BLANK,
    fmt_cell,
    metric_label_html,
    show_chart,
    show_missing,
    show_table,
)
from pmovalue.metrics.catalog import METRICS
from pmovalue.report.compare import comparison_headers, comparison_tables
from pmovalue.report.findings import are, delivery_findings, listed
from pmovalue.report.headline import show_headline
from pmovalue.report.trends import show_trend_chart
from pmovalue.report.views import PortfolioView

LEAGUE_METRICS = [
    "value_index",
    "cpi",
    "spi",
    "on_budget_pct",
    "on_time_pct",
    "benefits_realization_pct",
    "aligned_spend_pct",
    "nps",
    "maturity_level",
]


def league_table(view: PortfolioView) -> pd.DataFrame:
    """Units ranked by value index (raw values and statuses, one row per unit)."""
    return comparison_tables(view.unit_metrics, LEAGUE_METRICS)[1]


def show_league(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return show_missing("unit")
    shown, raw = comparison_tables(view.unit_metrics, LEAGUE_METRICS)
    shown["Unit"] = [f'<span class="rank">{i}</span> {u}' for i, u in enumerate(shown["Unit"], 1)]
    show_table(
        shown,
        "Units ranked by value index, best first",
        "league-table.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c != "Unit"],
        headers=comparison_headers(LEAGUE_METRICS, view.root),
        cards=True,
    )


def show_heatmap(view: PortfolioView) -> None:
    m = view.unit_metrics
    if m.empty:
        return show_missing("unit")
    statuses = m.pivot_table(
        index="unit_name", columns="metric", values="status", aggfunc="first"
    ).fillna("")
    order = list(dict.fromkeys(m["unit_name"]))
    ranked = comparison_tables(m, LEAGUE_METRICS)[1]["unit"].tolist()
    statuses = statuses.loc[[u for u in ranked if u in statuses.index] or order]
    cols = [c for c in LEAGUE_METRICS if c in statuses.columns]
    table = statuses[cols].map(lambda s: charts.RAG_LABELS.get(s, "n/a"))
    table = table.rename(columns={c: METRICS[c].label for c in cols})
    table.columns.name = None
    table = table.reset_index().rename(columns={"unit_name": "Unit"})
    show_chart(charts.units_heatmap(statuses[cols]), table, "rag-status.csv")


def show_portfolio_headline(view: PortfolioView) -> None:
    show_headline(view)


def portfolio_findings(view: PortfolioView) -> list[str]:
    """The portfolio's delivery in a few sentences (its totals section): units and projects in
    the red, the spread of the value index, the forecast against budget. The most material
    facts across every level are in the executive summary."""
    t = view.params.thresholds
    out: list[str] = []
    m = view.unit_metrics
    if not m.empty:
        cpi = m[m["metric"] == "cpi"].dropna(subset=["value"])
        red = cpi[cpi["value"] < t.index_amber_min]
        names = listed([str(n) for n in red["unit_name"]])
        out.append(
            f"{len(red)} of {len(cpi)} units {are(len(red))} red on cost "
            f"(CPI below {t.index_amber_min:.2f})" + (f": {names}." if len(red) else ".")
        )
        vi = m[m["metric"] == "value_index"].dropna(subset=["value"]).sort_values("value")
        if len(vi) >= 2:
            low, high = vi.iloc[0], vi.iloc[-1]
            out.append(
                f"The value index ranges from {low['value']:.1f} ({low['unit_name']}) "
                f"to {high['value']:.1f} ({high['unit_name']})."
            )
    if not view.projects.empty:
        out += delivery_findings(
            view.projects, t.index_green_min, t.index_amber_min, view.params.report.currency
        )
    return out


def show_portfolio_trends(view: PortfolioView) -> None:
    show_trend_chart(view.history, "trends.csv")


def show_portfolio_totals(view: PortfolioView) -> None:
    # (the PMO's cost and cost avoided are on the PMO-value page, with their intervals)
    money = view.metrics["metric"].map(lambda x: METRICS[x].unit == "currency")
    rows = view.metrics[money & (view.metrics["metric"].map(lambda x: METRICS[x].level) != "pmo")]
    cur = view.params.report.currency
    out = pd.DataFrame(
        {
            "Metric": [metric_label_html(x, view.root) for x in rows["metric"]],
            f"Value ({cur})": [fmt_cell(v, "money") for v in rows["value"]],
            "Note": [n if isinstance(n, str) and n else BLANK for n in rows["note"]],
        }
    )
    show_table(
        out,
        "Portfolio totals",
        "portfolio-totals.csv",
        csv=rows[["metric", "value", "note"]],
        numeric_columns=[f"Value ({cur})"],
        html_columns=["Metric"],
    )
