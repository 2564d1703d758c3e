"""changes.html: what changed since the previous quarter, computed from the same data and
parameters as the version (each job records its metric history), so the page is right
whatever order versions are published in. Material changes first, each judged better or worse
by the metric's direction, RAG transitions as badges; one chart of the units' value index,
last quarter to this one; every change below, collapsed. A scenario's page starts with what
its parameters change against the official ones.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from pmovalue import charts
from pmovalue.config import Params
from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.markup import chart_html, fmt, metric_label_html, table_html
from pmovalue.metrics.catalog import METRICS
from pmovalue.report.compare import changes_table, visible_changes


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def previous_period(history: pd.DataFrame, period: str) -> str | None:
    """The latest quarter before `period` in the jobs' histories (None: the first one)."""
    if history.empty:
        return None
    earlier = [p for p in set(history["period"]) if isinstance(p, str) and p < period]
    return max(earlier) if earlier else None


def metrics_at(history: pd.DataFrame, period: str) -> pd.DataFrame:
    """The histories' rows of one quarter, as metrics rows (unit_id, unit_name, metric, value,
    status)."""
    rows = history[history["period"] == period]
    return rows[["unit_id", "unit_name", "metric", "value", "status"]].fillna({"status": ""})


def _summary(rows: pd.DataFrame) -> str:
    worse = int((rows["verdict"] == "worse").sum())
    better = int((rows["verdict"] == "better").sum())
    rag = int((rows["old_status"] != rows["new_status"]).sum())
    return (
        f"{len(rows)} material change{'s' if len(rows) != 1 else ''}: {worse} for the worse, "
        f"{better} for the better; {rag} change{'s' if rag != 1 else ''} of RAG status."
    )


def comparison_html(
    rows: pd.DataFrame,
    before: str,
    now: str,
    currency: str,
    key: str,
    heading: str,
    chart: str = "",
) -> str:
    """Their count, the chart (if any), the material changes, then every change, collapsed."""
    parts = [f"<h2>{html.escape(heading)}</h2>"]
    if rows.empty:
        parts.append(_p("No metric changed."))
        return "\n".join([*parts, chart])
    material = rows[rows["material"]]
    if material.empty:
        parts.append(_p("No change is material (see the thresholds on the methodology page)."))
    else:
        parts.append(_p(_summary(material)))
    parts.append(chart)
    if not material.empty:
        parts.append(
            changes_table(
                material,
                before,
                now,
                currency,
                "Material changes: the portfolio, then each unit; the worse first",
                f"material-changes-{key}.csv",
            )
        )
    parts.append(
        f'<details class="all-changes"><summary>All {len(rows)} changes</summary>'
        + changes_table(
            rows, before, now, currency, f"Every change since {before}", f"changes-{key}.csv"
        )
        + "</details>"
    )
    return "\n".join(p for p in parts if p)


def dumbbell_html(
    before: pd.DataFrame, now: pd.DataFrame, before_label: str, now_label: str
) -> str:
    """Each unit's value index, last quarter and this one (the portfolio's excluded)."""

    def values(frame: pd.DataFrame) -> pd.Series:
        part = frame[(frame["metric"] == "value_index") & (frame["unit_id"] != PORTFOLIO_ID)]
        return part.drop_duplicates("unit_name").set_index("unit_name")["value"]

    a, b = values(before), values(now)
    if b.dropna().empty:
        return ""
    rows = pd.DataFrame({"unit": b.index, "before": a.reindex(b.index).to_numpy(), "now": b})
    rows = rows.sort_values("now", ascending=False, na_position="last")
    table = pd.DataFrame(
        {
            "Unit": rows["unit"],
            before_label: rows["before"].round(1),
            now_label: rows["now"].round(1),
            "Change": (rows["now"] - rows["before"]).round(1),
        }
    )
    return chart_html(
        charts.value_index_dumbbell(rows.reset_index(drop=True), before_label, now_label),
        table,
        "value-index-by-unit.csv",
        div_id="chart-value-index-by-unit",
    )


def trend_html(trend: pd.DataFrame | None, currency: str) -> str:
    """The portfolio's key metrics in every published official version, as published."""
    if trend is None or len(trend) < 2:
        return ""
    show = pd.DataFrame({"Version": trend["version"]})
    for m in trend.columns[1:]:
        show[METRICS[m].label] = [fmt(m, v, currency) for v in trend[m]]
    return "\n".join(
        [
            "<h2>Across published versions</h2>",
            _p("The portfolio's key metrics as each official version published them."),
            table_html(
                show,
                csv_name="published-trend.csv",
                headers={METRICS[m].label: metric_label_html(m, "") for m in trend.columns[1:]},
            ),
        ]
    )


def changes_html(
    metrics: pd.DataFrame,
    history: pd.DataFrame,
    period: str,
    params_of: Callable[[str], Params],
    currency: str,
    unit_order: list[str],
    trend: pd.DataFrame | None = None,
    official: pd.DataFrame | None = None,
) -> str:
    """The page. `metrics`: the version's metrics; `history`: the jobs' metric histories (with
    unit_id, unit_name); `official`: a scenario's metrics computed with the official
    parameters from the same data (None for an official version)."""
    parts = []
    if official is not None and not official.empty:
        rows = visible_changes(official, metrics, params_of, currency, unit_order)
        parts.append(
            comparison_html(
                rows,
                "Official",
                "Scenario",
                currency,
                "scenario",
                "What the scenario changes against the official parameters",
            )
        )
    before = previous_period(history, period)
    if before is None:
        parts.append(
            _p(
                f"{period} is the first quarter in the data: there is no earlier quarter to "
                "compare with."
            )
        )
    else:
        previous = metrics_at(history, before)
        parts.append(
            _p(
                f"Compared with {before}, computed from the same data and parameters as this "
                "version."
            )
        )
        rows = visible_changes(previous, metrics, params_of, currency, unit_order)
        chart = dumbbell_html(previous, metrics, before, period)
        parts.append(
            comparison_html(rows, before, period, currency, "period", f"Since {before}", chart)
        )
    parts.append(trend_html(trend, currency))
    return "\n".join(p for p in parts if p)
