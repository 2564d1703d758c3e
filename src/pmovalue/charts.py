"""Figure builders: each takes tidy DataFrames and returns a figure; none writes files.

A figure is a plain dict in plotly's figure format (`{"data": [traces], "layout": {...}}`),
serialised for the page by `pmovalue.markup.chart_html` without plotly's validation: building
`plotly.graph_objects.Figure` objects, which validates every property, was about a fifth of a
unit page's CPU time. The tests validate every builder's figure with `go.Figure(figure)`, which
rejects any property plotly does not know.

Every chart has a short title (it must fit a phone), axis titles with units, hover details, and
colours from the Okabe-Ito palette (safe for colour-blind readers). Colour is never the only
cue: RAG statuses are also written as text or drawn with their own marker symbol, and lines
differ by dash and marker as well as colour. Axes grow their margins to fit their labels
(`automargin`) and legends sit at the bottom of the figure, below the x-axis title.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from pmovalue.metrics.catalog import MATURITY_DIMENSIONS, METRICS

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
RAG_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "": "#BBBBBB"}
# Light tints of the RAG colours for zones behind data (opaque, so zones never blend).
RAG_TINTS = {"green": "#DDF2EA", "amber": "#FCEFD6", "red": "#FBE5DA"}
RAG_SYMBOLS = {"green": "circle", "amber": "diamond", "red": "x", "": "circle-open"}
RAG_LABELS = {"green": "GREEN", "amber": "AMBER", "red": "RED", "": "n/a"}
RAG_CODES = {"green": "G", "amber": "A", "red": "R", "": "–"}  # cell text on narrow screens
# Lines are told apart by dash and marker as well as by colour.
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "cross"]

FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
# A lean template: plotly's default one adds ~8 kB of JSON to every chart.
_LAYOUT: dict[str, Any] = {
    "font": {"family": FONT, "size": 13, "color": "#1d1d1f"},
    "colorway": OKABE_ITO,
    "plot_bgcolor": "white",
    "paper_bgcolor": "white",
    # Small fixed margins: the axes' automargin grows them to fit tick labels and titles.
    "margin": {"l": 8, "r": 16, "t": 48, "b": 8, "pad": 0},
    "hovermode": "closest",
    "hoverlabel": {"namelength": -1, "font": {"family": FONT}},
    # Legend in the figure's bottom margin (container coordinates): it pushes the margin, so
    # it never sits on the x-axis title however narrow the screen.
    "legend": {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "y": 0,
        "yanchor": "bottom",
        "yref": "container",
        "font": {"size": 12},
    },
}
_AXIS: dict[str, Any] = {
    "showgrid": True,
    "gridcolor": "#e5e5e5",
    "zeroline": False,
    "linecolor": "#999",
    "automargin": True,
    "title": {"standoff": 10},
}


def _title(text: str) -> dict[str, Any]:
    """Left-aligned, like the page's headings; short enough for a phone."""
    return {
        "text": text,
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "y": 1,
        "yanchor": "top",
        "yref": "container",
        "pad": {"t": 10, "l": 8},
        "font": {"size": 16},
    }


def _axis(title: str) -> dict[str, Any]:
    return {**_AXIS, "title": {**_AXIS["title"], "text": title}}


Item = dict[str, Any]
Figure = dict[str, Any]  # {"data": [trace dicts], "layout": {...}}, plotly's figure format


def _figure(title: str, x_title: str, y_title: str, **layout: Any) -> Figure:
    """A figure with no traces yet and its whole layout: the common one, plus `layout` (its
    `xaxis` and `yaxis` are merged into the common axes)."""
    base = {"title": _title(title), **_LAYOUT, "xaxis": _axis(x_title), "yaxis": _axis(y_title)}
    for axis in ("xaxis", "yaxis"):
        base[axis] = {**base[axis], **layout.pop(axis, {})}
    return _new_figure({**base, **layout})


def _new_figure(layout: dict[str, Any]) -> Figure:
    # No template: the page draws the figure with plotly.js's defaults and `_LAYOUT`.
    return {"data": [], "layout": layout}


def hline(
    y: float, line: Item, text: str = "", font: Item | None = None
) -> tuple[Item, Item | None]:
    """The shape (and annotation, at its top left) of plotly's `add_hline(y, line=…,
    annotation_text=…)`, as layout items: see `_figure`."""
    shape = dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", line=line)
    note = dict(showarrow=False, text=text, x=0, xanchor="left", xref="x domain", y=y)
    note.update(yanchor="bottom", yref="y", **({"font": font} if font else {}))
    return shape, (note if text else None)


def vline(x: float, line: Item, text: str = "") -> tuple[Item, Item | None]:
    """The shape (and annotation, at its top right) of plotly's `add_vline(x, line=…,
    annotation_text=…)`, as layout items: see `_figure`."""
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)
    note = dict(showarrow=False, text=text, x=x, xanchor="left", xref="x", y=1, yanchor="top")
    note.update(yref="y domain")
    return shape, (note if text else None)


def fit_range(
    values: Iterable[float], include: Iterable[float] = (), pad: float = 0.08
) -> list[float]:
    """An axis range around the finite values and the reference values to include, padded by
    `pad` of the span on each side (so markers at the edge are drawn whole)."""
    pts = [float(v) for v in [*values, *include] if v is not None and pd.notna(v)]
    if not pts:
        return [0.0, 1.0]
    lo, hi = min(pts), max(pts)
    margin = max((hi - lo) * pad, abs(hi) * 0.02, 0.02)
    return [lo - margin, hi + margin]


def _line(
    fig: Figure, i: int, x: list[Any], y: list[Any], name: str, hover: str, **kw: Any
) -> None:
    fig["data"].append(
        dict(
            type="scatter",
            x=x,
            y=y,
            name=name,
            mode="lines+markers",
            line={"dash": DASHES[i % len(DASHES)], "width": 2},
            marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 8},
            hovertemplate=hover,
            **kw,
        )
    )


# ---- unit page --------------------------------------------------------------------------------


def evm_curves(evm: pd.DataFrame, currency: str) -> Figure:
    """Cumulative planned value, earned value and actual cost by period, summed over projects."""
    sums = evm.groupby("period")[["planned_value", "earned_value", "actual_cost"]].sum(min_count=1)
    fig = _figure(
        "Earned value over time (cumulative)",
        "Quarter",
        f"Cumulative value ({currency})",
        yaxis={"rangemode": "tozero", "tickformat": "~s"},
    )
    names = {
        "planned_value": "Planned value (PV)",
        "earned_value": "Earned value (EV)",
        "actual_cost": "Actual cost (AC)",
    }
    for i, (col, name) in enumerate(names.items()):
        _line(
            fig,
            i,
            list(sums.index),
            sums[col].tolist(),
            name,
            f"{name}<br>%{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    return fig


def worst_index_status(cpi: float, spi: float, green_min: float, amber_min: float) -> str:
    """RAG of the worse of CPI and SPI (the quadrant's colour and symbol)."""
    worst = min(cpi, spi)
    return "green" if worst >= green_min else "amber" if worst >= amber_min else "red"


_worst_index_status = worst_index_status  # the old private name


def cpi_spi_quadrant(projects: pd.DataFrame, green_min: float, amber_min: float) -> Figure:
    """Projects by CPI (x) and SPI (y). The axes fit the data (with padding) and always show 1.0
    and both thresholds; zones behind the points show the RAG thresholds."""
    data = projects.dropna(subset=["cpi", "spi"])
    refs = (1.0, green_min, amber_min)
    xr = fit_range(data["cpi"], refs)
    yr = fit_range(data["spi"], refs)
    # Zones, drawn opaque from the outside in: red everywhere, amber where both indices are at
    # least amber, green where both are at least green.
    shapes = [
        {
            "type": "rect",
            "x0": x0,
            "x1": xr[1],
            "y0": y0,
            "y1": yr[1],
            "fillcolor": RAG_TINTS[rag],
            "line": {"width": 0},
            "layer": "below",
        }
        for rag, x0, y0 in (
            ("red", xr[0], yr[0]),
            ("amber", amber_min, amber_min),
            ("green", green_min, green_min),
        )
    ]
    shapes += [
        hline(1, {"color": "#666", "width": 1})[0],
        vline(1, {"color": "#666", "width": 1})[0],
    ]
    annotations = [
        {
            "x": xr[1],
            "y": yr[1],
            "xanchor": "right",
            "yanchor": "top",
            "showarrow": False,
            "text": f"green: both ≥ {green_min:.2f}",
            "font": {"size": 11, "color": "#00604a"},
        },
        {
            "x": xr[0],
            "y": yr[0],
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "text": f"red: either < {amber_min:.2f}",
            "font": {"size": 11, "color": "#9c3a0a"},
        },
    ]
    fig = _figure(
        "Cost vs schedule by project",
        "CPI: cost performance (1.0 = on budget)",
        "SPI: schedule (1.0 = on plan)",
        shapes=shapes,
        annotations=annotations,
        xaxis={"range": xr, "zeroline": False},
        yaxis={"range": yr, "zeroline": False},
    )
    status = pd.Series(
        [
            worst_index_status(c, s, green_min, amber_min)
            for c, s in zip(data["cpi"], data["spi"], strict=True)
        ],
        index=data.index,
        dtype=object,
    )
    for rag in ("red", "amber", "green"):
        part = data[status == rag]
        if part.empty:
            continue
        fig["data"].append(
            dict(
                type="scatter",
                x=part["cpi"],
                y=part["spi"],
                mode="markers",
                name=f"{RAG_LABELS[rag]}: worse index {_band(rag, green_min, amber_min)}",
                marker={
                    "color": RAG_COLOURS[rag],
                    "symbol": RAG_SYMBOLS[rag],
                    "size": 10,
                    "line": {"width": 1, "color": "#333"},
                },
                cliponaxis=False,
                customdata=part[["project_id", "project_name"]].astype(str).to_numpy(),
                hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>"
                f"CPI %{{x:.2f}}, SPI %{{y:.2f}} ({RAG_LABELS[rag]})<extra></extra>",
            )
        )
    return fig


def _band(rag: str, green_min: float, amber_min: float) -> str:
    return {
        "green": f"≥ {green_min:.2f}",
        "amber": f"{amber_min:.2f}-{green_min:.2f}",
        "red": f"< {amber_min:.2f}",
    }[rag]


def benefits_chart(benefits: pd.DataFrame, currency: str) -> Figure:
    """Baseline forecast vs realized benefits per quarter (flows, not cumulative)."""
    sums = benefits.groupby("period")[["baseline_forecast", "realized"]].sum(min_count=1)
    fig = _figure(
        "Benefits: forecast vs realized",
        "Quarter",
        f"Benefits per quarter ({currency})",
        barmode="group",
        yaxis={"rangemode": "tozero", "tickformat": "~s"},
    )
    for col, name, colour, pattern in (
        ("baseline_forecast", "Baseline forecast", OKABE_ITO[4], "/"),
        ("realized", "Realized", OKABE_ITO[0], ""),
    ):
        fig["data"].append(
            dict(
                type="bar",
                x=list(sums.index),
                y=sums[col].tolist(),
                name=name,
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate=f"{name} %{{x}}: %{{y:,.0f}} {currency}<extra></extra>",
            )
        )
    return fig


def alignment_bubble(projects: pd.DataFrame, currency: str, threshold: float) -> Figure:
    """Strategic alignment (x) against NPV (y); bubble area is the budget at completion."""
    data = projects.dropna(subset=["alignment_score", "npv", "bac"])
    threshold_line, threshold_note = vline(
        threshold, {"dash": "dash", "color": "#666"}, f"aligned at {threshold:g}"
    )
    fig = _figure(
        "Alignment vs NPV (size = budget)",
        "Weighted alignment score (1-5)",
        f"NPV ({currency})",
        shapes=[threshold_line, hline(0, {"color": "#666", "width": 1})[0]],
        annotations=[threshold_note],
        xaxis={"range": fit_range(data["alignment_score"], (threshold,))},
        yaxis={"range": fit_range(data["npv"], (0.0,), pad=0.12), "tickformat": "~s"},
    )
    size = data["bac"].clip(lower=0)
    sizeref = 2.0 * float(size.max() or 1) / 36**2 if len(size) else 1.0
    aligned = data["alignment_score"] >= threshold
    for part, name, colour, symbol in (
        (data[aligned], f"Aligned (score ≥ {threshold:g})", OKABE_ITO[0], "circle"),
        (data[~aligned], f"Weakly aligned (< {threshold:g})", OKABE_ITO[3], "diamond"),
    ):
        if part.empty:
            continue
        bac = [f"{v:,.0f}" for v in part["bac"]]
        fig["data"].append(
            dict(
                type="scatter",
                x=part["alignment_score"],
                y=part["npv"],
                mode="markers",
                name=name,
                cliponaxis=False,
                marker={
                    "size": part["bac"].clip(lower=0),
                    "sizemode": "area",
                    "sizeref": sizeref,
                    "sizemin": 4,
                    "color": colour,
                    "symbol": symbol,
                    "opacity": 0.65,
                    "line": {"width": 1, "color": "#333"},
                },
                customdata=list(
                    zip(
                        part["project_id"].astype(str),
                        part["project_name"].astype(str),
                        bac,
                        strict=True,
                    )
                ),
                hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>"
                f"alignment %{{x:.2f}}, NPV %{{y:,.0f}} {currency}<br>"
                f"budget (BAC) %{{customdata[2]}} {currency}<extra></extra>",
            )
        )
    return fig


def satisfaction_trend(history: pd.DataFrame) -> Figure:
    """NPS (-100..100, left axis) and CSAT (% satisfied, 0..100, right axis) by quarter, on
    fixed scales whose grid lines coincide."""
    wide = history.pivot_table(index="period", columns="metric", values="value", aggfunc="first")
    fig = _figure(
        "Stakeholder satisfaction",
        "Quarter",
        "NPS (-100 to 100)",
        yaxis={
            "range": [-105, 105],
            "tickvals": [-100, -50, 0, 50, 100],
            "zeroline": True,
            "zerolinecolor": "#999",
        },
        yaxis2={
            "title": {"text": "CSAT (% satisfied)", "standoff": 10},
            "overlaying": "y",
            "side": "right",
            "range": [-2.5, 102.5],
            "tickvals": [0, 25, 50, 75, 100],
            "ticktext": ["0%", "25%", "50%", "75%", "100%"],
            "showgrid": False,
            "zeroline": False,
            "automargin": True,
            "linecolor": "#999",
        },
    )
    if "nps" in wide:
        _line(
            fig,
            0,
            list(wide.index),
            wide["nps"].tolist(),
            "NPS (left axis)",
            "NPS %{x}: %{y:+.0f}<extra></extra>",
        )
    if "csat_pct" in wide:
        _line(
            fig,
            1,
            list(wide.index),
            wide["csat_pct"].tolist(),
            "CSAT % (right axis)",
            "CSAT %{x}: %{y:.0f}% satisfied<extra></extra>",
            yaxis="y2",
        )
    return fig


def _closed(values: list[Any]) -> list[Any]:
    return [*values, values[0]]


def _polar_figure(title: str, **layout: Any) -> Figure:
    return _new_figure(
        {
            "title": _title(title),
            **_LAYOUT,
            "polar": {
                "radialaxis": {
                    "range": [0, 4],
                    "tickvals": [1, 2, 3, 4],
                    "angle": 90,
                    "tickangle": 90,
                    "tickfont": {"size": 10, "color": "#5f6368"},
                    "gridcolor": "#dadce0",
                },
                "angularaxis": {
                    "rotation": 45,
                    "direction": "clockwise",
                    "gridcolor": "#dadce0",
                    "tickfont": {"size": 13},
                },
            },
            "margin": {**_LAYOUT["margin"], "l": 60, "r": 60, "t": 60, "b": 8},
            **layout,
        }
    )


def _dim_labels() -> list[str]:
    return [d.capitalize() for d in MATURITY_DIMENSIONS]


def maturity_radar(scores: dict[str, float], targets: Mapping[str, float], name: str) -> Figure:
    """One unit's maturity by dimension (levels 1-4) against the target profile."""
    dims, labels = list(MATURITY_DIMENSIONS), _dim_labels()
    fig = _polar_figure("Maturity vs target (levels 1-4)")
    fig["data"].append(
        dict(
            type="scatterpolar",
            r=_closed([targets.get(d) for d in dims]),
            theta=_closed(labels),
            name="Target",
            mode="lines+markers",
            line={"dash": "dash", "color": "#000000", "width": 2},
            marker={"symbol": "square", "size": 7},
            hovertemplate="Target %{theta}: level %{r}<extra></extra>",
        )
    )
    fig["data"].append(
        dict(
            type="scatterpolar",
            r=_closed([scores.get(d) for d in dims]),
            theta=_closed(labels),
            name=name,
            mode="lines+markers",
            fill="toself",
            line={"color": OKABE_ITO[1], "width": 2},
            marker={"symbol": "circle", "size": 8},
            hovertemplate="%{fullData.name} %{theta}: %{r:.2f}<extra></extra>",
        )
    )
    return fig


def metric_trends(
    history: pd.DataFrame, metric_ids: list[str], title: str = "Performance indices by quarter"
) -> Figure:
    """Lines of the given metrics by quarter (one scale, e.g. index metrics). For indices a
    reference line marks 1.0 (on plan) and the axis always includes it."""
    unit = METRICS[metric_ids[0]].unit
    index = unit == "index"
    layout: dict[str, Any] = {}
    if index:
        shape, note = hline(
            1,
            {"color": "#666", "width": 1, "dash": "dot"},
            "1.0 = on plan",
            font={"size": 11, "color": "#5f6368"},
        )
        values = history.loc[history["metric"].isin(metric_ids), "value"]
        layout = {
            "shapes": [shape],
            "annotations": [note],
            "yaxis": {"range": fit_range(values, (1.0,), pad=0.1)},
        }
    fig = _figure(title, "Quarter", "Index (1.0 = on plan)" if index else unit, **layout)
    for i, mid in enumerate(metric_ids):
        part = history[history["metric"] == mid].sort_values("period")
        label = METRICS[mid].label
        _line(
            fig,
            i,
            part["period"].tolist(),
            part["value"].tolist(),
            METRICS[mid].label,
            f"{label} %{{x}}: %{{y:.2f}}<extra></extra>",
        )
    return fig


def units_heatmap(statuses: pd.DataFrame) -> Figure:
    """RAG status of each metric (rows, short names) in each unit (columns), the status written
    in every cell. Rows and columns keep the order of `statuses` (units as its index, metric ids
    as its columns)."""
    code = {"red": 0, "amber": 1, "green": 2}
    grid = statuses.T  # metrics down, units across: names stay horizontal and readable
    z = grid.map(lambda s: code.get(s, float("nan")))
    text = grid.map(lambda s: RAG_LABELS.get(s, "n/a"))
    codes = grid.map(lambda s: RAG_CODES.get(s, "–"))
    rows = [_wrap(METRICS[m].label, 18) for m in grid.index]
    cols = [str(u) for u in grid.columns]
    wrapped = [_wrap(c) for c in cols]
    title = "RAG status by unit and metric"
    fig = _figure(
        title,
        "",
        "",
        xaxis={"side": "top", "showgrid": False, "tickangle": 0, "linecolor": "white"},
        yaxis={"autorange": "reversed", "showgrid": False, "linecolor": "white"},
        height=110 + 40 * len(rows),
        margin={**_LAYOUT["margin"], "t": 48, "b": 8},
        meta=narrow_meta(
            below=600,
            # Turned upright, a unit's name is on one line: two would run into the next one.
            on={
                "data": {"text": [codes.to_numpy().tolist()], "x": [cols]},
                "layout": {
                    "title.text": "RAG status (G green, A amber, R red)",
                    "xaxis.tickangle": -90,
                },
            },
            off={
                "data": {"text": [text.to_numpy().tolist()], "x": [wrapped]},
                "layout": {"title.text": title, "xaxis.tickangle": 0},
            },
        ),
    )
    fig["data"].append(
        dict(
            type="heatmap",
            z=z.to_numpy(dtype=float),
            x=wrapped,
            y=rows,
            text=text.to_numpy(),
            customdata=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 11},
            zmin=0,
            zmax=2,
            xgap=2,
            ygap=2,
            colorscale=[
                [0, RAG_COLOURS["red"]],
                [0.5, RAG_COLOURS["amber"]],
                [1, RAG_COLOURS["green"]],
            ],
            showscale=False,
            hovertemplate="%{x}<br>%{y}: %{customdata}<extra></extra>",
        )
    )
    return fig


# ---- changes page -----------------------------------------------------------------------------


def _padded(values: list[float]) -> list[float]:
    """An axis range with room for a value written beside the markers at either end."""
    lo, hi = fit_range(values, pad=0.05)
    room = max((hi - lo) * 0.15, 4.0)
    return [lo - room, hi + room]


def value_index_dumbbell(rows: pd.DataFrame, before: str, now: str) -> Figure:
    """Each unit's value index last quarter (open circle) and this quarter (filled, its value
    written beside it), joined by a line: `rows` has unit, before, now (one row per unit, drawn
    top to bottom in its order). The joining line is green when the index rose, red when it
    fell; the marker shapes say which end is which without colour."""
    label = METRICS["value_index"].label
    units = [_wrap(str(u), 16) for u in rows["unit"]]
    joined = sum(
        1 for a, b in zip(rows["before"], rows["now"], strict=True) if pd.notna(a) and pd.notna(b)
    )
    fig = _figure(
        f"{label}: {before} → {now}",
        f"{label} (0-100)",
        "",
        xaxis={"range": _padded([*rows["before"], *rows["now"]])},
        yaxis={"autorange": "reversed", "showgrid": False, "linecolor": "white"},
        height=140 + 40 * len(units),
        legend={"orientation": "h", "y": -0.25, "x": 0, "xanchor": "left"},
        # On a phone the values written beside the markers would not fit: hover (tap) shows
        # them, and the data table below the chart lists them.
        meta=narrow_meta(
            below=500,
            on={"data": {"mode": ["lines"] * joined + ["markers", "markers"]}},
            off={"data": {"mode": ["lines"] * joined + ["markers", "markers+text"]}},
        ),
    )
    for unit, a, b in zip(units, rows["before"], rows["now"], strict=True):
        if pd.isna(a) or pd.isna(b):
            continue
        colour = RAG_COLOURS["green"] if b > a else RAG_COLOURS["red"] if b < a else "#999"
        fig["data"].append(
            dict(
                type="scatter",
                x=[a, b],
                y=[unit, unit],
                mode="lines",
                line={"color": colour, "width": 3},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    hover = "%{y}: %{x:.1f}<extra>%{fullData.name}</extra>"
    fig["data"].append(
        dict(
            type="scatter",
            x=rows["before"].tolist(),
            y=units,
            mode="markers",
            name=before,
            marker={"symbol": "circle-open", "size": 11, "color": "#5f6368", "line": {"width": 2}},
            hovertemplate=hover,
        )
    )
    fig["data"].append(
        dict(
            type="scatter",
            x=rows["now"].tolist(),
            y=units,
            mode="markers+text",
            name=now,
            text=[f"{v:.1f}" if pd.notna(v) else "" for v in rows["now"]],
            textposition=[
                "middle right" if pd.notna(b) and (pd.isna(a) or b >= a) else "middle left"
                for a, b in zip(rows["before"], rows["now"], strict=True)
            ],
            marker={"symbol": "circle", "size": 11, "color": OKABE_ITO[0]},
            hovertemplate=hover,
        )
    )
    return fig


# ---- PMO value page ----------------------------------------------------------------------------


def pmo_forest(estimates: pd.DataFrame, index_label: str) -> Figure:
    """A forest plot: each group's estimated effect (rows in the order given; the first, all
    services, in black, the others in blue) with its 95% interval as a bar, and a line at zero
    (no effect).

    `estimates`: label, effect, effect_low, effect_high, served_projects, comparison_projects
    (only the groups that have an estimate)."""
    shape, note = vline(0, {"color": "#666", "width": 1, "dash": "dot"}, "0 = no effect")
    assert note is not None
    note.update(yanchor="bottom")  # above the plot, where no row's marker can cover it
    values = [*estimates["effect_low"], *estimates["effect_high"], *estimates["effect"]]
    labels = [str(x) for x in estimates["label"]]
    # short enough for an A4 page; a phone gets it on two lines (meta below)
    x_title = f"Change in {index_label} two quarters later, against comparison projects"
    fig = _figure(
        f"PMO effect on {index_label}, 95% interval",
        x_title,
        "",
        xaxis={"range": fit_range(values, (0.0,), pad=0.1), "zeroline": False},
        yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
        shapes=[shape],
        annotations=[note],
        height=160 + 36 * max(1, len(labels)),
        margin={**_LAYOUT["margin"], "t": 64},
        showlegend=False,
        meta=narrow_meta(
            below=600,
            on={"layout": {"xaxis.title.text": f"Change in {index_label}<br>against comparison"}},
            off={"layout": {"xaxis.title.text": x_title}},
        ),
    )
    # the first row (all services) in black, the service types in blue: point and interval
    for rows, symbol, size, colour in (
        (estimates.iloc[:1], "diamond", 13, "#000000"),
        (estimates.iloc[1:], "circle", 10, OKABE_ITO[0]),
    ):
        if rows.empty:
            continue
        fig["data"].append(
            dict(
                type="scatter",
                x=rows["effect"].tolist(),
                y=[str(x) for x in rows["label"]],
                mode="markers",
                marker={"symbol": symbol, "size": size, "color": colour},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["effect_high"] - rows["effect"]).tolist(),
                    "arrayminus": (rows["effect"] - rows["effect_low"]).tolist(),
                    "thickness": 2,
                    "width": 6,
                    "color": colour,
                },
                customdata=rows[
                    ["effect_low", "effect_high", "served_projects", "comparison_projects"]
                ].to_numpy(),
                hovertemplate="%{y}: %{x:+.3f}<br>95% interval %{customdata[0]:+.3f} to "
                "%{customdata[1]:+.3f}<br>%{customdata[2]} served, %{customdata[3]} "
                "comparison projects<extra></extra>",
            )
        )
    return fig


def pmo_cost_and_avoided(estimates: pd.DataFrame, currency: str) -> Figure:
    """Per group (rows): what its evaluated services cost, and the cost they avoided with its
    95% interval.

    `estimates`: label, service_cost, avoided, avoided_low, avoided_high."""
    labels = [str(x) for x in estimates["label"]]
    fig = _figure(
        "Cost avoided against PMO cost",
        currency,
        "",
        yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
        barmode="group",
        height=160 + 56 * max(1, len(labels)),
    )
    fig["data"].append(
        dict(
            type="bar",
            orientation="h",
            x=estimates["service_cost"].tolist(),
            y=labels,
            name="PMO cost of the services",
            marker={"color": OKABE_ITO[1]},
            hovertemplate="%{y}: PMO cost %{x:,.0f}<extra></extra>",
        )
    )
    fig["data"].append(
        dict(
            type="bar",
            orientation="h",
            x=estimates["avoided"].tolist(),
            y=labels,
            name="Cost avoided (95% interval)",
            marker={"color": OKABE_ITO[2], "pattern": {"shape": "/"}},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (estimates["avoided_high"] - estimates["avoided"]).tolist(),
                "arrayminus": (estimates["avoided"] - estimates["avoided_low"]).tolist(),
                "color": "#444",
            },
            customdata=estimates[["avoided_low", "avoided_high"]].to_numpy(),
            hovertemplate="%{y}: cost avoided %{x:,.0f}<br>95% interval %{customdata[0]:,.0f} "
            "to %{customdata[1]:,.0f}<extra></extra>",
        )
    )
    return fig


def narrow_meta(below: int, on: dict[str, Any], off: dict[str, Any]) -> dict[str, Any]:
    """A figure's `layout.meta` for changes to apply when the chart is narrower than `below`
    pixels (a phone), and how to undo them: `{"data": {attr: [per trace]}, "layout": {attr:
    value}}` for Plotly.update. `pmovalue.markup.chart_html` wires them to the page's width."""
    return {"narrow": {"below": below, "on": on, "off": off}}


def _wrap(text: str, width: int = 12) -> str:
    """Break a long name onto two lines at the space nearest the middle (tick labels)."""
    if len(text) <= width or " " not in text:
        return text
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "<br>" + text[cut + 1 :]


def warm_up() -> None:
    """Serialise a tiny figure as the report does, with data of every kind used here (lists,
    pandas, numpy, NaN): plotly loads its JSON machinery on first use. The kernel zygote calls
    this once, so that no kernel forked from it pays for that again."""
    import plotly.io as pio

    fig = _figure("warm-up", "x", "y", meta=narrow_meta(600, {}, {}))
    values = pd.Series([1.0, float("nan")])
    _line(fig, 0, [1, 2], [1, 2], "a", "%{y}", text=["a", "b"])
    fig["data"].append(
        dict(
            type="scatter",
            x=values,
            y=values.to_numpy(),
            customdata=pd.DataFrame({"a": ["x", "y"]}).to_numpy(),
        )
    )
    pio.to_html(fig, validate=False, full_html=False, include_plotlyjs=False, div_id="warm-up")
