"""The unit page (notebooks/unit_report.ipynb): its findings and its sections, level by level.
Each section handles a missing table by saying so. The attention list is in
`pmovalue.report.attention`; the headline in `pmovalue.report.headline`.
"""

from __future__ import annotations

import html

import pandas as pd

from pmovalue import charts
from pmovalue.config import Params
from pmovalue.markup import (
    BLANK,
    badge,
    fmt,
    is_blank,
    metric_label_html,
    show_chart,
    show_html,
    show_markdown,
    show_missing,
    show_table,
    target_text,
)
from pmovalue.metrics import catalog, value_index_formula
from pmovalue.metrics.catalog import METRICS
from pmovalue.report.compare import comparison_headers, comparison_tables
from pmovalue.report.findings import (
    delivery_findings,
)
from pmovalue.report.maturity import maturity_scores
from pmovalue.report.trends import show_trend_chart
from pmovalue.report.views import UnitView

PEER_METRICS = [
    "value_index",
    "cpi",
    "spi",
    "benefits_realization_pct",
    "aligned_spend_pct",
    "nps",
    "maturity_profile",
]


def unit_findings(view: UnitView) -> list[str]:
    """The unit's delivery in a few sentences with their numbers (Level 1 section): projects
    red on cost and schedule, the forecast against budget, the managers' ratings. The page's
    most material facts across every level are in its executive summary."""
    t = view.params.thresholds
    cur = view.params.report.currency
    out = delivery_findings(view.projects, t.index_green_min, t.index_amber_min, cur)
    red, amber = view.value("rating_red_count"), view.value("rating_amber_count")
    green = view.value("rating_green_count")
    if not any(is_blank(v) for v in (red, amber, green)) and red + amber + green > 0:
        out.append(
            f"Project managers rate {red:.0f} of {red + amber + green:.0f} projects red "
            f"and {amber:.0f} amber."
        )
    return out


def show_evm_curves(view: UnitView) -> None:
    evm = view.tables.get("evm")
    if evm is None or evm.empty:
        return show_missing("earned value (EVM)")
    evm = evm[evm["period"] <= view.period]
    cur = view.params.report.currency
    sums = evm.groupby("period", as_index=False)[
        ["planned_value", "earned_value", "actual_cost"]
    ].sum()
    table = sums.rename(
        columns={
            "period": "Quarter",
            "planned_value": f"Planned value PV ({cur})",
            "earned_value": f"Earned value EV ({cur})",
            "actual_cost": f"Actual cost AC ({cur})",
        }
    )
    show_chart(charts.evm_curves(evm, cur), table, f"{view.unit_id}-evm.csv", board=True)


def show_quadrant(view: UnitView) -> None:
    t = view.params.thresholds
    data = view.projects.dropna(subset=["cpi", "spi"])
    if data.empty:
        return show_missing("earned value (EVM)")
    status = [
        charts.worst_index_status(c, s, t.index_green_min, t.index_amber_min)
        for c, s in zip(data["cpi"], data["spi"], strict=True)
    ]
    table = pd.DataFrame(
        {
            "Project": data["project_id"].astype(str),
            "Name": data["project_name"].astype(str),
            "CPI": data["cpi"].round(2),
            "SPI": data["spi"].round(2),
            "Worse index": [s.upper() for s in status],
        }
    ).sort_values(["CPI"])
    show_chart(
        charts.cpi_spi_quadrant(data, t.index_green_min, t.index_amber_min),
        table,
        f"{view.unit_id}-cpi-spi.csv",
        board=True,
    )


def metric_table(
    metrics: pd.DataFrame, level: str, params: Params, root: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw rows for the CSV) of one level's metrics. The table is HTML
    (escaped here): a metric's label links to its definition and its note is written under
    it, which keeps the table four columns wide, narrow enough for a phone."""
    cur = params.report.currency
    rows = metrics[metrics["metric"].map(lambda m: METRICS[m].level == level)]

    def name(metric_id: str, note: object) -> str:
        label = metric_label_html(metric_id, root)
        if isinstance(note, str) and note:
            return f'{label}<span class="cell-note">{html.escape(note)}</span>'
        return label

    shown = pd.DataFrame(
        {
            "Metric": [name(m, n) for m, n in zip(rows["metric"], rows["note"], strict=True)],
            "Value": [
                fmt(m, v, cur, blank=BLANK)
                for m, v in zip(rows["metric"], rows["value"], strict=True)
            ],
            "Status": [badge(s) for s in rows["status"]],
            "Target": [html.escape(target_text(m, params, cur)) for m in rows["metric"]],
        }
    )
    raw = rows[["metric", "value", "status", "note"]].assign(
        label=[METRICS[m].label for m in rows["metric"]],
        target=[params.targets.get(m) for m in rows["metric"]],
    )
    return shown, raw


METRIC_TABLE_CAPTIONS = {
    "delivery": "All delivery metrics",
    "kpi": "KPIs against budget and target",
    "outcome": "All outcome metrics",
    "maturity": "All maturity metrics",
}


def show_metric_table(view: UnitView, level: str) -> None:
    shown, raw = metric_table(view.metrics, level, view.params, view.root)
    show_table(
        shown,
        METRIC_TABLE_CAPTIONS.get(level, ""),
        csv_name=f"{view.unit_id}-{level}.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=["Value"],
    )


def show_benefits(view: UnitView) -> None:
    b = view.tables.get("benefits")
    if b is None or b.empty:
        return show_missing("benefits")
    b = b[b["period"] <= view.period]
    cur = view.params.report.currency
    table = b.groupby("period", as_index=False)[["baseline_forecast", "realized"]].sum()
    table.columns = ["Quarter", f"Baseline forecast ({cur})", f"Realized ({cur})"]
    show_chart(charts.benefits_chart(b, cur), table, f"{view.unit_id}-benefits.csv")


def show_alignment(view: UnitView) -> None:
    data = view.projects.dropna(subset=["alignment_score", "npv"])
    if data.empty:
        return show_missing("alignment or cash flow")
    cur = view.params.report.currency
    table = pd.DataFrame(
        {
            "Project": data["project_id"].astype(str),
            "Name": data["project_name"].astype(str),
            "Alignment (1-5)": data["alignment_score"].round(2),
            f"NPV ({cur})": data["npv"].round(0),
            f"BAC ({cur})": data["bac"].round(0),
        }
    ).sort_values("Alignment (1-5)")
    show_chart(
        charts.alignment_bubble(data, cur, view.params.alignment.aligned_threshold),
        table,
        f"{view.unit_id}-alignment.csv",
    )


def show_satisfaction(view: UnitView) -> None:
    h = view.history[view.history["metric"].isin(["nps", "csat_pct"])]
    if h["value"].isna().all():
        return show_missing("survey")
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    table.columns.name = None
    table = table.rename(columns={"period": "Quarter", "nps": "NPS", "csat_pct": "CSAT (%)"})
    show_chart(charts.satisfaction_trend(h), table.round(1), f"{view.unit_id}-satisfaction.csv")


def show_maturity(view: UnitView) -> None:
    scores = maturity_scores(view.metrics)
    if all(pd.isna(v) for v in scores.values()):
        return show_missing("maturity assessment")
    targets = view.params.maturity.targets
    table = pd.DataFrame(
        {
            "Dimension": [d.capitalize() for d in scores],
            "Score (1-4)": list(scores.values()),
            "Target": [targets.get(d) for d in scores],
        }
    ).round(2)
    show_chart(
        charts.maturity_radar(scores, targets, view.unit_name),
        table,
        f"{view.unit_id}-maturity.csv",
    )
    level = view.value("maturity_level")
    if not pd.isna(level):
        stage = catalog.MATURITY_STAGES.get(int(level), "")
        weakest = min((v, d) for d, v in scores.items() if not pd.isna(v))[1]
        show_markdown(
            f"Maturity level **{int(level)} ({stage})**: the level of the weakest "
            f"dimension, here **{weakest}**."
        )


def show_trends(view: UnitView) -> None:
    show_trend_chart(view.history, f"{view.unit_id}-trends.csv")


def show_peers(view: UnitView) -> None:
    """This unit against the others, all measured with the organisation's default parameters."""
    if view.peers.empty:
        return show_missing("peer")
    shown, raw = comparison_tables(view.peers, PEER_METRICS, highlight=view.unit_name)
    show_table(
        shown,
        "Compared with the other units (default parameters), best value index first",
        f"{view.unit_id}-peers.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c != "Unit"],
        headers=comparison_headers(PEER_METRICS, view.root),
        cards=True,
    )


def show_value_index_formula(view: UnitView) -> None:
    lines = value_index_formula(view.params).splitlines()
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    show_html(
        '<details class="formula"><summary>How the value index is computed</summary>'
        f"<ul>{items}</ul></details>"
    )
