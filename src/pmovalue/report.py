"""What notebooks call: load a job's inputs, compute through the metrics package, record results,
and display charts, tables and findings as HTML that survives nbconvert and works offline.

Charts are emitted as `text/html` calling the page's one local plotly.js (`window.Plotly`),
because papermill's `application/vnd.plotly.v1+json` output is dropped by nbconvert's HTML export.
"""

from __future__ import annotations

import html
import itertools
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML, Markdown, display

from pmovalue import charts
from pmovalue.config import Params
from pmovalue.metrics import catalog, compute_metrics, metric_history, project_metrics
from pmovalue.metrics.catalog import METRICS

RESULT_FILES = ("metrics", "projects", "history")
_chart_ids = itertools.count(1)


def load_tables(input_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The canonical tables a job was given (one parquet file per table)."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(input_dir).glob("*.parquet"))}


@dataclass
class UnitView:
    """Everything a unit page shows, computed once from the job's inputs."""

    unit_id: str
    unit_name: str
    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    projects: pd.DataFrame
    history: pd.DataFrame
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def value(self, metric_id: str) -> float:
        row = self.metrics.loc[self.metrics["metric"] == metric_id, "value"]
        return float(row.iloc[0]) if len(row) else float("nan")

    def status(self, metric_id: str) -> str:
        row = self.metrics.loc[self.metrics["metric"] == metric_id, "status"]
        return str(row.iloc[0]) if len(row) else ""


def unit_view(
    input_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
) -> UnitView:
    """Compute a unit's metrics, per-project metrics and history; record them in results_dir."""
    tables = load_tables(input_dir)
    peers = tables.pop("peers", pd.DataFrame())
    p = Params.model_validate(params)
    periods = sorted(set(tables["evm"]["period"])) if "evm" in tables else [period]
    periods = [x for x in periods if x <= period] or [period]
    view = UnitView(
        unit_id=unit_id,
        unit_name=unit_name,
        period=period,
        params=p,
        tables=tables,
        metrics=compute_metrics(tables, p, period),
        projects=project_metrics(tables, p, period),
        history=metric_history(tables, p, periods),
        peers=peers,
    )
    if results_dir is not None:
        record(results_dir, unit_id, unit_name, period, view.metrics, view.projects, view.history)
    return view


def record(
    results_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    metrics: pd.DataFrame,
    projects: pd.DataFrame,
    history: pd.DataFrame,
) -> None:
    """Save a job's metrics as data: the site's metrics.csv is assembled from these files."""
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = {"unit_id": unit_id, "unit_name": unit_name}
    metrics.assign(period=period, **stamp).to_parquet(out / "metrics.parquet", index=False)
    projects.to_parquet(out / "projects.parquet", index=False)
    history.assign(**stamp).to_parquet(out / "history.parquet", index=False)


# ---- formatting -------------------------------------------------------------------------------


def fmt(metric_id: str, value: float, currency: str = "") -> str:
    """A metric value as a reader expects it: money with separators, indices to 2 decimals."""
    if value is None or pd.isna(value):
        return "n/a"
    unit = METRICS[metric_id].unit if metric_id in METRICS else ""
    if unit == "currency":
        return f"{currency} {value:,.0f}".strip()
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.0f} days"
    if metric_id == "nps":
        return f"{value:+.0f}"
    return f"{value:.2f}"


def _badge(status: str) -> str:
    if not status:
        return '<span class="rag rag-none">no target</span>'
    return f'<span class="rag rag-{status}">{status.upper()}</span>'


# ---- display ----------------------------------------------------------------------------------


def chart_html(fig: go.Figure, table: pd.DataFrame | None = None) -> str:
    """A chart as an HTML fragment using the page's plotly.js, with a data table alternative."""
    div_id = f"chart-{next(_chart_ids)}"
    plot = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    title = html.escape(str(fig.layout.title.text or "Chart"))
    alt = ""
    if table is not None and len(table):
        alt = (
            f'<details class="chart-data"><summary>Data table: {title}</summary>'
            f"{table_html(table, caption=title)}</details>"
        )
    return f'<figure class="chart" aria-label="{title}">{plot}{alt}</figure>'


def show_chart(fig: go.Figure, table: pd.DataFrame | None = None) -> None:
    display(HTML(chart_html(fig, table)))


def table_html(frame: pd.DataFrame, caption: str = "", csv_name: str | None = None) -> str:
    """An escaped HTML table; with csv_name, a link downloads the same rows as CSV (offline)."""
    body = frame.to_html(index=False, escape=True, na_rep="n/a", classes="data", border=0)
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    link = ""
    if csv_name:
        data = urllib.parse.quote(frame.to_csv(index=False))
        link = (
            f'<a class="download" download="{html.escape(csv_name)}" '
            f'href="data:text/csv;charset=utf-8,{data}">Download CSV</a>'
        )
    return f'<div class="table-wrap">{cap}{link}{body}</div>'


def show_table(frame: pd.DataFrame, caption: str = "", csv_name: str | None = None) -> None:
    display(HTML(table_html(frame, caption, csv_name)))


def headline_html(metrics: pd.DataFrame, ids: list[str], currency: str) -> str:
    """The strip of key metrics with their RAG status written out."""
    cards = []
    by_id = metrics.set_index("metric")
    for mid in ids:
        if mid not in by_id.index:
            continue
        row = by_id.loc[mid]
        note = f'<span class="note">{html.escape(str(row["note"]))}</span>' if row["note"] else ""
        cards.append(
            f'<div class="kpi" data-metric="{mid}"><span class="label">'
            f"{html.escape(METRICS[mid].label)}</span>"
            f'<span class="value">{html.escape(fmt(mid, row["value"], currency))}</span>'
            f"{_badge(str(row['status']))}{note}</div>"
        )
    return f'<div class="headline">{"".join(cards)}</div>'


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


def show_headline(view: UnitView) -> None:
    display(HTML(headline_html(view.metrics, HEADLINE, view.params.report.currency)))


def show_findings(sentences: list[str]) -> None:
    display(Markdown("\n".join(f"- {s}" for s in sentences) or "_No findings._"))


# ---- findings ---------------------------------------------------------------------------------


def _previous(history: pd.DataFrame, metric_id: str, period: str) -> float:
    rows = history[(history["metric"] == metric_id) & (history["period"] < period)]
    rows = rows.dropna(subset=["value"]).sort_values("period")
    return float(rows["value"].iloc[-1]) if len(rows) else float("nan")


def change_sentence(label: str, before: float, now: float, digits: int = 2) -> str:
    """`CPI fell from 0.97 to 0.91` / `rose` / `held at`."""
    if pd.isna(now):
        return f"{label} cannot be computed this quarter"
    if pd.isna(before):
        return f"{label} is {now:.{digits}f}"
    if round(now, digits) == round(before, digits):
        return f"{label} held at {now:.{digits}f}"
    word = "rose" if now > before else "fell"
    return f"{label} {word} from {before:.{digits}f} to {now:.{digits}f}"


def unit_findings(view: UnitView) -> list[str]:
    """Short sentences stating a unit's findings with their numbers."""
    out: list[str] = []
    projects = view.projects
    green, amber = view.params.thresholds.index_green_min, view.params.thresholds.index_amber_min
    measured = projects.dropna(subset=["cpi"])
    if len(measured):
        red = int((measured["cpi"] < amber).sum())
        out.append(
            f"{red} of {len(measured)} projects with earned value data are red on cost "
            f"(CPI below {amber:.2f})."
        )
    for mid, label in (("cpi", "CPI"), ("spi", "SPI")):
        now = view.value(mid)
        before = _previous(view.history, mid, view.period)
        out.append(change_sentence(label, before, now) + f" ({view.status(mid) or 'no status'}).")
    late = projects.dropna(subset=["spi_t"])
    if len(late):
        behind = int((late["spi_t"] < green).sum())
        out.append(
            f"{behind} of {len(late)} projects are behind schedule by earned schedule "
            f"(SPI(t) below {green:.2f})."
        )
    real = view.value("benefits_realization_pct")
    if not pd.isna(real):
        out.append(f"Benefits realized to date are {real:.0f}% of the baseline forecast.")
    return out


# ---- unit page sections (each handles a missing table by saying so) ---------------------------


def _missing(what: str) -> None:
    display(Markdown(f"_No {what} data was provided, so this section is empty._"))


def _currency(view: UnitView) -> str:
    return view.params.report.currency


def show_evm_curves(view: UnitView) -> None:
    evm = view.tables.get("evm")
    if evm is None or evm.empty:
        return _missing("earned value (EVM)")
    evm = evm[evm["period"] <= view.period]
    table = evm.groupby("period", as_index=False)[
        ["planned_value", "earned_value", "actual_cost"]
    ].sum()
    show_chart(charts.evm_curves(evm, _currency(view)), table)


def show_quadrant(view: UnitView) -> None:
    t = view.params.thresholds
    data = view.projects.dropna(subset=["cpi", "spi"])
    if data.empty:
        return _missing("earned value (EVM)")
    show_chart(
        charts.cpi_spi_quadrant(data, t.index_green_min, t.index_amber_min),
        data[["project_id", "project_name", "cpi", "spi"]].round(3),
    )


ATTENTION_COLUMNS = [
    "project_id",
    "project_name",
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


def attention_projects(view: UnitView) -> pd.DataFrame:
    """Projects red on CPI, SPI or SPI(t), or rated red; worst cost first."""
    p = view.projects
    amber = view.params.thresholds.index_amber_min
    flag = (p["cpi"] < amber) | (p["spi"] < amber) | (p["spi_t"] < amber) | (p["rating"] == "red")
    cols = [c for c in ATTENTION_COLUMNS if c in p.columns]
    return p.loc[flag.fillna(False), cols].sort_values("cpi", na_position="last").round(2)


def show_attention(view: UnitView) -> None:
    rows = attention_projects(view)
    if rows.empty:
        display(Markdown("No project is red on cost or schedule this quarter."))
        return
    show_table(rows, f"{len(rows)} projects need attention", f"{view.unit_id}-attention.csv")


def show_metric_table(view: UnitView, level: str) -> None:
    rows = view.metrics[view.metrics["metric"].map(lambda m: METRICS[m].level == level)]
    out = pd.DataFrame(
        {
            "metric": [METRICS[m].label for m in rows["metric"]],
            "value": [
                fmt(m, v, _currency(view))
                for m, v in zip(rows["metric"], rows["value"], strict=True)
            ],
            "status": rows["status"].replace("", "no target").str.upper(),
            "target": [
                fmt(m, view.params.targets.get(m, float("nan")), _currency(view))
                for m in rows["metric"]
            ],
            "note": rows["note"],
        }
    )
    show_table(out, csv_name=f"{view.unit_id}-{level}.csv")


def show_benefits(view: UnitView) -> None:
    b = view.tables.get("benefits")
    if b is None or b.empty:
        return _missing("benefits")
    b = b[b["period"] <= view.period]
    table = b.groupby("period", as_index=False)[["baseline_forecast", "realized"]].sum()
    show_chart(charts.benefits_chart(b, _currency(view)), table)


def show_alignment(view: UnitView) -> None:
    data = view.projects.dropna(subset=["alignment_score", "npv"])
    if data.empty:
        return _missing("alignment or cash flow")
    show_chart(
        charts.alignment_bubble(data, _currency(view), view.params.alignment.aligned_threshold),
        data[["project_id", "project_name", "alignment_score", "npv", "bac"]].round(2),
    )


def show_satisfaction(view: UnitView) -> None:
    h = view.history[view.history["metric"].isin(["nps", "csat_pct"])]
    if h["value"].isna().all():
        return _missing("survey")
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    show_chart(charts.satisfaction_trend(h), table.round(1))


def maturity_scores(metrics: pd.DataFrame) -> dict[str, float]:
    by = metrics.set_index("metric")["value"]
    return {d: float(by.get(f"maturity_{d}", float("nan"))) for d in catalog.MATURITY_DIMENSIONS}


def show_maturity(view: UnitView) -> None:
    scores = maturity_scores(view.metrics)
    if all(pd.isna(v) for v in scores.values()):
        return _missing("maturity assessment")
    targets = view.params.maturity.targets
    table = pd.DataFrame(
        {
            "dimension": list(scores),
            "score": list(scores.values()),
            "target": [targets.get(d) for d in scores],
        }
    ).round(2)
    show_chart(charts.maturity_radar(scores, targets, view.unit_name), table)
    level = view.value("maturity_level")
    if not pd.isna(level):
        stage = catalog.MATURITY_STAGES.get(int(level), "")
        weakest = min((v, d) for d, v in scores.items() if not pd.isna(v))[1]
        display(
            Markdown(
                f"Maturity level **{int(level)} ({stage})**: the level of the weakest "
                f"dimension, here **{weakest}**."
            )
        )


TREND_METRICS = ["cpi", "spi", "spi_t_median"]


def show_trends(view: UnitView) -> None:
    h = view.history[view.history["metric"].isin(TREND_METRICS)]
    if h["value"].isna().all():
        return _missing("history")
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    show_chart(charts.metric_trends(h, TREND_METRICS), table.round(3))


PEER_METRICS = [
    "cpi",
    "spi",
    "benefits_realization_pct",
    "aligned_spend_pct",
    "nps",
    "maturity_profile",
    "value_index",
]


def show_peers(view: UnitView) -> None:
    """This unit against the others, all measured with the organisation's default parameters."""
    if view.peers.empty:
        return _missing("peer")
    wide = view.peers.pivot_table(index="unit_name", columns="metric", values="value")
    cols = [m for m in PEER_METRICS if m in wide.columns]
    out = wide[cols].round(2).rename(columns={m: METRICS[m].label for m in cols})
    out.insert(0, "unit", [f"{u} (this unit)" if u == view.unit_name else u for u in out.index])
    show_table(
        out.reset_index(drop=True),
        "Compared with the other units (default parameters)",
        f"{view.unit_id}-peers.csv",
    )


# ---- portfolio and maturity pages ------------------------------------------------------------

UNIT_METRICS_FILE = "unit_metrics"  # input of portfolio-level jobs: every unit job's metrics
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


@dataclass
class PortfolioView:
    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    unit_metrics: pd.DataFrame  # rows of every unit job's metrics (with unit_id, unit_name)
    metrics: pd.DataFrame  # the _portfolio metrics
    history: pd.DataFrame


def portfolio_view(
    input_dir: str | Path,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
    compute: bool = True,
) -> PortfolioView:
    """Portfolio metrics from the whole organisation's data, plus every unit's recorded metrics."""
    tables = load_tables(input_dir)
    units = tables.pop(UNIT_METRICS_FILE, pd.DataFrame())
    tables.pop("peers", None)
    p = Params.model_validate(params)
    metrics = compute_metrics(tables, p, period) if compute else pd.DataFrame()
    periods = sorted(set(tables["evm"]["period"])) if "evm" in tables else [period]
    history = (
        metric_history(tables, p, [x for x in periods if x <= period] or [period])
        if compute
        else pd.DataFrame()
    )
    if results_dir is not None and compute:
        from pmovalue.data.units import PORTFOLIO_ID

        record(
            results_dir,
            PORTFOLIO_ID,
            "Portfolio",
            period,
            metrics,
            project_metrics(tables, p, period),
            history,
        )
    return PortfolioView(period, p, tables, units, metrics, history)


def league_table(view: PortfolioView) -> pd.DataFrame:
    """Units ranked by value index, with each metric's value and status written out."""
    m = view.unit_metrics
    rows = []
    for (_uid, name), part in m.groupby(["unit_id", "unit_name"], sort=False):
        by = part.set_index("metric")
        row: dict[str, Any] = {"unit": name}
        for mid in LEAGUE_METRICS:
            if mid in by.index:
                status = str(by.at[mid, "status"]).upper() or "-"
                row[METRICS[mid].label] = f"{fmt(mid, by.at[mid, 'value'])} ({status or '-'})"
        row["_rank"] = by["value"].get("value_index", float("nan"))
        rows.append(row)
    out = pd.DataFrame(rows).sort_values("_rank", ascending=False, na_position="last")
    return out.drop(columns="_rank").reset_index(drop=True)


def show_league(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return _missing("unit")
    show_table(
        league_table(view), "Units ranked by value index (status in brackets)", "league-table.csv"
    )


def show_heatmap(view: PortfolioView) -> None:
    m = view.unit_metrics
    if m.empty:
        return _missing("unit")
    statuses = m.pivot_table(
        index="unit_name", columns="metric", values="status", aggfunc="first"
    ).fillna("")
    cols = [c for c in LEAGUE_METRICS if c in statuses.columns]
    show_chart(charts.units_heatmap(statuses[cols]), statuses[cols].reset_index())


def show_portfolio_headline(view: PortfolioView) -> None:
    display(HTML(headline_html(view.metrics, HEADLINE, view.params.report.currency)))


def show_portfolio_trends(view: PortfolioView) -> None:
    h = view.history[view.history["metric"].isin(TREND_METRICS)]
    if h.empty or h["value"].isna().all():
        return _missing("history")
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    show_chart(charts.metric_trends(h, TREND_METRICS), table.round(3))


def show_portfolio_totals(view: PortfolioView) -> None:
    rows = view.metrics[view.metrics["metric"].map(lambda x: METRICS[x].unit == "currency")]
    cur = view.params.report.currency
    out = pd.DataFrame(
        {
            "metric": [METRICS[x].label for x in rows["metric"]],
            "value": [fmt(x, v, cur) for x, v in zip(rows["metric"], rows["value"], strict=True)],
            "note": rows["note"],
        }
    )
    show_table(out, "Portfolio totals", "portfolio-totals.csv")


def maturity_table(view: PortfolioView) -> pd.DataFrame:
    """Each unit's maturity profile, level (weakest link) and gaps to target."""
    m = view.unit_metrics
    ids = (
        [f"maturity_{d}" for d in catalog.MATURITY_DIMENSIONS]
        + ["maturity_profile", "maturity_level"]
        + [f"maturity_gap_{d}" for d in catalog.MATURITY_DIMENSIONS]
    )
    wide = m[m["metric"].isin(ids)].pivot_table(
        index="unit_name", columns="metric", values="value", aggfunc="first"
    )
    wide = wide[[c for c in ids if c in wide.columns]].round(2)
    weakest = wide[
        [f"maturity_{d}" for d in catalog.MATURITY_DIMENSIONS if f"maturity_{d}" in wide]
    ].idxmin(axis=1, skipna=True)
    wide["weakest dimension"] = weakest.str.removeprefix("maturity_")
    wide = wide.rename(columns={c: METRICS[c].label for c in wide.columns if c in METRICS})
    return wide.reset_index().rename(columns={"unit_name": "unit"})


def show_maturity_table(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return _missing("unit")
    show_table(
        maturity_table(view),
        "Maturity by unit: level = the weakest dimension's level",
        "maturity.csv",
    )


def show_maturity_radars(view: PortfolioView) -> None:
    m = view.unit_metrics
    if m.empty:
        return _missing("maturity")
    for (_, name), part in m.groupby(["unit_id", "unit_name"], sort=False):
        scores = maturity_scores(part)
        if all(pd.isna(v) for v in scores.values()):
            continue
        show_chart(charts.maturity_radar(scores, view.params.maturity.targets, str(name)))
