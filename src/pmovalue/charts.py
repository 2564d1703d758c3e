"""Figure builders: each takes tidy DataFrames and returns a plotly Figure; none writes files.

Colours come from the Okabe-Ito palette (safe for colour-blind readers), and every status is also
written as text, never shown by colour alone.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmovalue.metrics.catalog import MATURITY_DIMENSIONS, METRICS

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
RAG_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "": "#999999"}
RAG_SYMBOLS = {"green": "circle", "amber": "diamond", "red": "x", "": "circle-open"}

# A lean template: plotly's default one adds ~8 kB of JSON to every chart.
_LAYOUT = {
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    "colorway": OKABE_ITO,
    "plot_bgcolor": "white",
    "paper_bgcolor": "white",
    "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
    "hovermode": "closest",
    "legend": {"orientation": "h", "y": -0.2},
}
_AXIS = {"showgrid": True, "gridcolor": "#e5e5e5", "zeroline": False, "linecolor": "#999"}


def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=None, title={"text": title}, **_LAYOUT)
    fig.update_xaxes(title_text=x_title, **_AXIS)
    fig.update_yaxes(title_text=y_title, **_AXIS)
    return fig


def evm_curves(evm: pd.DataFrame, currency: str) -> go.Figure:
    """Cumulative planned value, earned value and actual cost by period, summed over projects."""
    sums = evm.groupby("period")[["planned_value", "earned_value", "actual_cost"]].sum(min_count=1)
    fig = _figure(
        "Cumulative planned value, earned value and actual cost", "Quarter", f"{currency}"
    )
    names = {
        "planned_value": "Planned value (PV)",
        "earned_value": "Earned value (EV)",
        "actual_cost": "Actual cost (AC)",
    }
    dashes = {"planned_value": "dash", "earned_value": "solid", "actual_cost": "dot"}
    for col, name in names.items():
        fig.add_trace(
            go.Scatter(
                x=list(sums.index),
                y=sums[col].tolist(),
                name=name,
                mode="lines+markers",
                line={"dash": dashes[col]},
                hovertemplate=f"{name}<br>%{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
            )
        )
    return fig


def cpi_spi_quadrant(projects: pd.DataFrame, green_min: float, amber_min: float) -> go.Figure:
    """Projects by CPI (x) and SPI (y); shaded zones show the RAG thresholds."""
    fig = _figure("Cost and schedule performance of projects", "CPI (cost)", "SPI (schedule)")
    data = projects.dropna(subset=["cpi", "spi"])
    lo = float(min(0.5, data[["cpi", "spi"]].min().min() if len(data) else 0.5))
    hi = float(max(1.5, data[["cpi", "spi"]].max().max() if len(data) else 1.5))
    for x0, colour in (
        (lo, RAG_COLOURS["red"]),
        (amber_min, RAG_COLOURS["amber"]),
        (green_min, RAG_COLOURS["green"]),
    ):
        fig.add_shape(
            type="rect",
            x0=x0,
            x1=hi,
            y0=x0,
            y1=hi,
            fillcolor=colour,
            opacity=0.08,
            line_width=0,
            layer="below",
        )
    fig.add_hline(y=1, line={"color": "#666", "width": 1})
    fig.add_vline(x=1, line={"color": "#666", "width": 1})
    status = (
        data.apply(lambda r: _worst_index_status(r["cpi"], r["spi"], green_min, amber_min), axis=1)
        if len(data)
        else pd.Series(dtype=str)
    )
    for rag in ("red", "amber", "green"):
        part = data[status == rag]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["cpi"],
                y=part["spi"],
                mode="markers",
                name=f"{rag.title()} (worst index)",
                marker={
                    "color": RAG_COLOURS[rag],
                    "symbol": RAG_SYMBOLS[rag],
                    "size": 10,
                    "line": {"width": 1, "color": "#333"},
                },
                customdata=part[["project_id", "project_name"]].astype(str).to_numpy(),
                hovertemplate="%{customdata[0]} %{customdata[1]}<br>CPI %{x:.2f}, SPI %{y:.2f}"
                "<extra></extra>",
            )
        )
    fig.update_xaxes(range=[lo, hi])
    fig.update_yaxes(range=[lo, hi])
    return fig


def _worst_index_status(cpi: float, spi: float, green_min: float, amber_min: float) -> str:
    worst = min(cpi, spi)
    return "green" if worst >= green_min else "amber" if worst >= amber_min else "red"


def benefits_chart(benefits: pd.DataFrame, currency: str) -> go.Figure:
    """Baseline forecast vs realized benefits per quarter (flows, not cumulative)."""
    sums = benefits.groupby("period")[["baseline_forecast", "realized"]].sum(min_count=1)
    fig = _figure("Benefits: baseline forecast vs realized", "Quarter", currency)
    fig.add_trace(
        go.Bar(
            x=list(sums.index),
            y=sums["baseline_forecast"].tolist(),
            name="Baseline forecast",
            marker_color=OKABE_ITO[4],
            hovertemplate=f"Baseline %{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=list(sums.index),
            y=sums["realized"].tolist(),
            name="Realized",
            marker_color=OKABE_ITO[0],
            hovertemplate=f"Realized %{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group")
    return fig


def alignment_bubble(projects: pd.DataFrame, currency: str, threshold: float) -> go.Figure:
    """Strategic alignment (x) against NPV (y); bubble size is the budget at completion."""
    data = projects.dropna(subset=["alignment_score", "npv", "bac"])
    fig = _figure(
        "Strategic alignment and value of projects (size = budget)",
        "Weighted alignment score (1-5)",
        f"NPV ({currency})",
    )
    if len(data):
        size = data["bac"].clip(lower=0)
        fig.add_trace(
            go.Scatter(
                x=data["alignment_score"],
                y=data["npv"],
                mode="markers",
                name="Projects",
                marker={
                    "size": size,
                    "sizemode": "area",
                    "sizeref": 2.0 * float(size.max() or 1) / 40**2,
                    "sizemin": 4,
                    "color": OKABE_ITO[0],
                    "opacity": 0.6,
                    "line": {"width": 1, "color": "#333"},
                },
                customdata=data[["project_id", "project_name", "bac"]].astype(str).to_numpy(),
                hovertemplate="%{customdata[0]} %{customdata[1]}<br>alignment %{x:.2f}, "
                f"NPV %{{y:,.0f}} {currency}<br>BAC %{{customdata[2]}}<extra></extra>",
            )
        )
    fig.add_vline(
        x=threshold,
        line={"dash": "dash", "color": "#666"},
        annotation_text=f"aligned at {threshold:g}",
    )
    fig.add_hline(y=0, line={"color": "#666", "width": 1})
    return fig


def satisfaction_trend(history: pd.DataFrame) -> go.Figure:
    """NPS (-100..100, left axis) and CSAT (% satisfied, right axis) by quarter."""
    wide = history.pivot_table(index="period", columns="metric", values="value", aggfunc="first")
    fig = _figure("Stakeholder satisfaction by quarter", "Quarter", "NPS (-100 to 100)")
    if "nps" in wide:
        fig.add_trace(
            go.Scatter(
                x=list(wide.index),
                y=wide["nps"].tolist(),
                name="NPS",
                mode="lines+markers",
                hovertemplate="NPS %{x}: %{y:.0f}<extra></extra>",
            )
        )
    if "csat_pct" in wide:
        fig.add_trace(
            go.Scatter(
                x=list(wide.index),
                y=wide["csat_pct"].tolist(),
                name="CSAT (% satisfied)",
                mode="lines+markers",
                yaxis="y2",
                line={"dash": "dash"},
                hovertemplate="CSAT %{x}: %{y:.0f}%<extra></extra>",
            )
        )
    fig.update_layout(
        yaxis2={
            "title": {"text": "CSAT (% satisfied)"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 100],
            "showgrid": False,
        }
    )
    return fig


def maturity_radar(scores: dict[str, float], targets: dict[str, int], name: str) -> go.Figure:
    """Maturity by dimension (1-4) against the target profile."""
    dims = list(MATURITY_DIMENSIONS)
    fig = go.Figure()
    fig.update_layout(template=None, title={"text": f"PMO maturity: {name} vs target"}, **_LAYOUT)
    fig.add_trace(
        go.Scatterpolar(
            r=[targets.get(d) for d in dims] + [targets.get(dims[0])],
            theta=[*dims, dims[0]],
            name="Target",
            line={"dash": "dash"},
            hovertemplate="Target %{theta}: %{r}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            r=[scores.get(d) for d in dims] + [scores.get(dims[0])],
            theta=[*dims, dims[0]],
            name=name,
            fill="toself",
            hovertemplate=f"{name} %{{theta}}: %{{r:.2f}}<extra></extra>",
        )
    )
    fig.update_layout(
        polar={
            "radialaxis": {
                "range": [0, 4],
                "tickvals": [1, 2, 3, 4],
                "title": {"text": "Level (1-4)"},
            }
        }
    )
    return fig


def metric_trends(history: pd.DataFrame, metric_ids: list[str]) -> go.Figure:
    """Lines of the given metrics by quarter (same scale, e.g. index metrics)."""
    label = METRICS[metric_ids[0]].unit
    fig = _figure(
        "Trends of key metrics", "Quarter", "Index (1.0 = on plan)" if label == "index" else label
    )
    for mid in metric_ids:
        part = history[history["metric"] == mid]
        fig.add_trace(
            go.Scatter(
                x=part["period"].tolist(),
                y=part["value"].tolist(),
                name=METRICS[mid].label,
                mode="lines+markers",
                hovertemplate=f"{METRICS[mid].label} %{{x}}: %{{y:.2f}}<extra></extra>",
            )
        )
    return fig


def units_heatmap(statuses: pd.DataFrame) -> go.Figure:
    """Units (rows) x metrics (columns) coloured by RAG status, with the status written in."""
    code = {"red": 0, "amber": 1, "green": 2}
    z = statuses.map(lambda s: code.get(s))
    text = statuses.map(lambda s: s.upper() if s else "n/a")
    fig = _figure("RAG status by unit and metric", "Metric", "Unit")
    fig.add_trace(
        go.Heatmap(
            z=z.to_numpy(dtype=float),
            x=[METRICS[m].label for m in statuses.columns],
            y=list(statuses.index),
            text=text.to_numpy(),
            texttemplate="%{text}",
            zmin=0,
            zmax=2,
            colorscale=[
                [0, RAG_COLOURS["red"]],
                [0.5, RAG_COLOURS["amber"]],
                [1, RAG_COLOURS["green"]],
            ],
            showscale=False,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(tickangle=-30)
    return fig
