"""Each chart builder: trace types, title, axis titles with units, the colour-blind-safe palette,
RAG statuses written as text or drawn with their own symbol, hover details, ranges that show
every point, and nothing that the page layout relies on (legend placement, no radial title)."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from pmovalue import charts, markup
from pmovalue.metrics.catalog import MATURITY_DIMENSIONS, METRICS

# Okabe & Ito (2008), "Color Universal Design": the eight colours of the palette.
OKABE_ITO = {
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
}
NEUTRAL = {"#BBBBBB", "#333", "#666", "#999"}  # greys for outlines, reference lines, "no status"
QUARTERS = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def figure(spec: charts.Figure) -> go.Figure:
    """The chart as plotly's own Figure, which validates it: it raises for any property or
    value plotly does not know (the build serialises figures without that check)."""
    assert set(spec) == {"data", "layout"}
    return go.Figure(spec)


def colours(fig: go.Figure) -> set[str]:
    """Every explicit colour of the traces (markers, lines, fills), upper-cased."""
    found: set[str] = set()
    for t in fig.data:
        for path in (("marker", "color"), ("line", "color"), ("marker", "line", "color")):
            obj: Any = t
            for key in path:
                obj = getattr(obj, key, None) if obj is not None else None
            if isinstance(obj, str):
                found.add(obj.upper())
    return found


def check_common(fig: go.Figure, title_words: list[str]) -> None:
    title = fig.layout.title.text or ""
    for word in title_words:
        assert word.lower() in title.lower(), title
    assert len(title) <= 40, f"title too long for a phone: {title!r}"
    assert set(fig.layout.colorway) == OKABE_ITO
    assert colours(fig) <= {c.upper() for c in OKABE_ITO | NEUTRAL}, colours(fig)
    for t in fig.data:
        assert t.hovertemplate, f"trace {t.name!r} has no hover details"
    # The legend sits in the figure's bottom margin, below the x-axis title.
    assert fig.layout.legend.yref == "container" and fig.layout.legend.yanchor == "bottom"


def axis_title(axis: Any) -> str:
    return str(axis.title.text or "")


# ---- unit page --------------------------------------------------------------------------------


def evm_frame() -> pd.DataFrame:
    rows = []
    for i, q in enumerate(QUARTERS, 1):
        for pid in ("P1", "P2"):
            rows.append((pid, q, 100.0 * i, 90.0 * i, 110.0 * i))
    return pd.DataFrame(
        rows, columns=["project_id", "period", "planned_value", "earned_value", "actual_cost"]
    )


def test_evm_curves() -> None:
    fig = figure(charts.evm_curves(evm_frame(), "GBP"))
    check_common(fig, ["earned value"])
    assert [t.type for t in fig.data] == ["scatter"] * 3
    assert {t.name for t in fig.data} == {
        "Planned value (PV)",
        "Earned value (EV)",
        "Actual cost (AC)",
    }
    assert axis_title(fig.layout.xaxis) == "Quarter"
    assert "(GBP)" in axis_title(fig.layout.yaxis)
    assert list(fig.data[0].y) == [200.0, 400.0, 600.0, 800.0]  # summed over projects
    # Lines differ by dash and marker, not by colour alone.
    assert len({t.line.dash for t in fig.data}) == 3
    assert len({t.marker.symbol for t in fig.data}) == 3


def quadrant_projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D", "E"],
            "project_name": ["a", "b", "c", "d", "e"],
            "cpi": [0.73, 0.92, 1.04, 0.85, 0.99],
            "spi": [0.12, 0.97, 1.01, 0.95, 0.91],
        }
    )


def test_cpi_spi_quadrant_statuses_symbols_and_ranges() -> None:
    data = quadrant_projects()
    fig = figure(charts.cpi_spi_quadrant(data, 0.95, 0.90))
    check_common(fig, ["cost", "schedule"])
    assert all(t.type == "scatter" and t.mode == "markers" for t in fig.data)
    assert "CPI" in axis_title(fig.layout.xaxis) and "1.0" in axis_title(fig.layout.xaxis)
    assert "SPI" in axis_title(fig.layout.yaxis)
    # Each status present has its own trace, written out in its name, with its own symbol.
    worst = [min(c, s) for c, s in zip(data["cpi"], data["spi"], strict=True)]
    expected = {
        "green" if w >= 0.95 else "amber" if w >= 0.90 else "red": None for w in worst
    }.keys()
    names = {t.name.split(":")[0] for t in fig.data}
    assert names == {s.upper() for s in expected}
    assert len({t.marker.symbol for t in fig.data}) == len(fig.data)
    for t in fig.data:
        status = t.name.split(":")[0].lower()
        assert t.marker.color == charts.RAG_COLOURS[status]
        assert t.marker.symbol == charts.RAG_SYMBOLS[status]
    assert sum(len(t.x) for t in fig.data) == len(data)
    # The axes fit the data with padding, and show 1.0 and both thresholds.
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert x0 < data["cpi"].min() and x1 > data["cpi"].max()
    assert y0 < data["spi"].min() and y1 > data["spi"].max()
    assert x0 <= 0.90 and x1 >= 1.0 and y0 <= 0.90 and y1 >= 1.0
    assert x0 > 0.5 and x1 < 1.2  # fitted, not a fixed 0.15-1.5 box
    assert all(t.cliponaxis is False for t in fig.data)  # edge markers drawn whole


def test_fit_range_pads_and_includes() -> None:
    lo, hi = charts.fit_range([0.73, 1.04], (1.0, 0.9))
    assert lo < 0.73 and hi > 1.04 and hi - 1.04 == pytest.approx(0.73 - lo)
    lo, hi = charts.fit_range([0.95, 0.96], (1.0,))
    assert lo < 0.95 and hi > 1.0
    assert charts.fit_range([float("nan")]) == [0.0, 1.0]


def test_benefits_chart() -> None:
    b = pd.DataFrame(
        {
            "period": QUARTERS,
            "baseline_forecast": [10.0, 20.0, 30.0, 40.0],
            "realized": [5.0, 15.0, 20.0, None],
        }
    )
    fig = figure(charts.benefits_chart(b, "GBP"))
    check_common(fig, ["benefits"])
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert "(GBP)" in axis_title(fig.layout.yaxis) and axis_title(fig.layout.xaxis) == "Quarter"
    # The two series differ by pattern as well as by colour.
    assert {t.marker.pattern.shape for t in fig.data} == {"/", ""}


def test_alignment_bubble() -> None:
    data = pd.DataFrame(
        {
            "project_id": ["A", "B", "C"],
            "project_name": ["a", "b", "c"],
            "alignment_score": [1.9, 3.0, 4.8],
            "npv": [1_800_000.0, -550_000.0, 120_000.0],
            "bac": [500_000.0, 2_000_000.0, 100_000.0],
        }
    )
    fig = figure(charts.alignment_bubble(data, "GBP", 3.0))
    check_common(fig, ["alignment", "npv"])
    assert "(1-5)" in axis_title(fig.layout.xaxis) and "(GBP)" in axis_title(fig.layout.yaxis)
    names = [t.name for t in fig.data]
    assert any(n.startswith("Aligned") for n in names)
    assert any(n.startswith("Weakly") for n in names)
    assert len({t.marker.symbol for t in fig.data}) == 2  # not colour alone
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert x0 < 1.9 and x1 > 4.8 and y0 < -550_000 and y1 > 1_800_000
    # Hover gives the budget with separators, not a raw float.
    assert "2,000,000" in {c[2] for t in fig.data for c in t.customdata}


def test_satisfaction_trend_fixed_scales() -> None:
    h = pd.DataFrame(
        {
            "period": QUARTERS * 2,
            "metric": ["nps"] * 4 + ["csat_pct"] * 4,
            "value": [-29.0, -48.0, -45.0, -79.0, 59.0, 56.0, 40.0, 21.0],
        }
    )
    fig = figure(charts.satisfaction_trend(h))
    check_common(fig, ["satisfaction"])
    assert [t.yaxis or "y" for t in fig.data] == ["y", "y2"]
    assert "-100 to 100" in axis_title(fig.layout.yaxis)
    assert "%" in axis_title(fig.layout.yaxis2)
    assert list(fig.layout.yaxis2.tickvals) == [0, 25, 50, 75, 100]
    assert list(fig.layout.yaxis.tickvals) == [-100, -50, 0, 50, 100]
    assert fig.layout.yaxis2.automargin is True  # its numbers and title never cut off
    lo, hi = fig.layout.yaxis2.range
    assert lo <= 0 and hi >= 100


def test_maturity_radar_has_no_radial_title() -> None:
    scores = {"people": 2.2, "process": 2.1, "technology": 2.3, "governance": 1.5}
    fig = figure(charts.maturity_radar(scores, dict.fromkeys(MATURITY_DIMENSIONS, 3), "Unit A"))
    check_common(fig, ["maturity", "1-4"])
    assert [t.type for t in fig.data] == ["scatterpolar", "scatterpolar"]
    assert not fig.layout.polar.radialaxis.title.text
    assert list(fig.layout.polar.radialaxis.range) == [0, 4]
    target, unit = fig.data
    assert list(target.r) == [3, 3, 3, 3, 3]  # closed shape
    assert list(unit.r)[:4] == [scores[d] for d in MATURITY_DIMENSIONS]


def test_metric_trends_shows_on_plan_line() -> None:
    h = pd.DataFrame(
        {
            "period": QUARTERS * 2,
            "metric": ["cpi"] * 4 + ["spi"] * 4,
            "value": [0.86, 0.87, 0.85, 0.84, 0.88, 0.90, 0.91, 0.89],
        }
    )
    fig = figure(charts.metric_trends(h, ["cpi", "spi"]))
    check_common(fig, ["indices"])
    assert "1.0 = on plan" in axis_title(fig.layout.yaxis)
    lo, hi = fig.layout.yaxis.range
    assert lo < 0.84 and hi > 1.0  # the reference line is always in view
    assert len({t.marker.symbol for t in fig.data}) == 2


# ---- portfolio --------------------------------------------------------------------------------


def test_units_heatmap_every_status_written_out() -> None:
    statuses = pd.DataFrame(
        {"cpi": ["green", "red", ""], "spi": ["amber", "green", "red"]},
        index=["Retail Banking", "Operations & Technology", "Digital Channels"],
    )
    fig = figure(charts.units_heatmap(statuses))
    assert "rag status" in fig.layout.title.text.lower()
    (trace,) = fig.data
    assert trace.type == "heatmap" and trace.hovertemplate
    # Metrics down (their catalogue labels, horizontal, wrapped), units across.
    assert [y.replace("<br>", " ") for y in trace.y] == [METRICS[m].label for m in statuses]
    assert [x.replace("<br>", " ") for x in trace.x] == list(statuses.index)
    assert fig.layout.xaxis.tickangle == 0
    text = [list(row) for row in trace.text]
    for i, metric in enumerate(statuses.columns):
        for j, unit_status in enumerate(statuses[metric]):
            assert text[i][j] == charts.RAG_LABELS[unit_status]
    # Colours: the RAG colours only, and a blank status is left uncoloured.
    scale = {c.upper() for _, c in trace.colorscale}
    assert scale == {charts.RAG_COLOURS[s].upper() for s in ("red", "amber", "green")}
    assert pd.isna(trace.z[0][2])
    # On a phone the cells show one-letter codes, explained in the title.
    narrow = fig.layout.meta["narrow"]
    codes = narrow["on"]["data"]["text"][0]
    assert codes[0] == [charts.RAG_CODES[s] for s in statuses["cpi"]]
    assert "G green" in narrow["on"]["layout"]["title.text"]
    assert narrow["off"]["data"]["text"][0] == text
    # Upright on a phone, each unit's name on one line; wrapped again when wide.
    assert narrow["on"]["layout"]["xaxis.tickangle"] == -90
    assert narrow["on"]["data"]["x"][0] == list(statuses.index)
    assert narrow["off"]["data"]["x"][0] == list(trace.x)


def test_value_index_dumbbell_joins_last_and_this_quarter() -> None:
    rows = pd.DataFrame(
        {
            "unit": ["Rose", "Fell", "New", "Held"],
            "before": [70.0, 55.5, float("nan"), 60.0],
            "now": [72.5, 50.0, 40.0, 60.0],
        }
    )
    fig = figure(charts.value_index_dumbbell(rows, "2026-Q2", "2026-Q3"))
    assert "2026-Q2 → 2026-Q3" in fig.layout.title.text
    lines = [t for t in fig.data if t.mode == "lines"]
    # One joining line per unit with both values, green when it rose, red when it fell.
    assert [t.y[0] for t in lines] == ["Rose", "Fell", "Held"]
    assert lines[0].line.color == charts.RAG_COLOURS["green"]
    assert lines[1].line.color == charts.RAG_COLOURS["red"]
    before, now = (t for t in fig.data if t.mode != "lines")
    assert (before.name, now.name) == ("2026-Q2", "2026-Q3")
    assert before.marker.symbol != now.marker.symbol  # not told apart by colour alone
    assert list(now.text) == ["72.5", "50.0", "40.0", "60.0"]
    lo, hi = fig.layout.xaxis.range
    assert lo < 40.0 and hi > 72.5
    # On a phone the written values go (they would not fit), for every trace: hover shows them.
    narrow = fig.layout.meta["narrow"]
    assert len(narrow["on"]["data"]["mode"]) == len(fig.data)
    assert narrow["on"]["data"]["mode"][-1] == "markers"
    assert narrow["off"]["data"]["mode"][-1] == "markers+text"


def test_pmo_forest_rows_intervals_and_zero_line() -> None:
    estimates = pmo_estimates()
    fig = figure(charts.pmo_forest(estimates, "CPI"))
    overall, types = fig.data
    # one row per group, all services first and set apart, in the order given
    assert [*overall.y, *types.y] == ["All services", "Cost review", "<b>Coaching</b>"]
    assert (overall.marker.symbol, overall.marker.color) == ("diamond", "#000000")
    assert types.marker.symbol == "circle" and types.marker.color != "#000000"
    assert fig.layout.yaxis.autorange == "reversed"  # the first row on top
    # each point with its 95% interval as the error bar, in the point's colour
    for trace, rows in ((overall, estimates.iloc[:1]), (types, estimates.iloc[1:])):
        np.testing.assert_allclose(trace.x, rows["effect"])
        x = np.asarray(trace.x)
        np.testing.assert_allclose(x - trace.error_x.arrayminus, rows["effect_low"])
        np.testing.assert_allclose(x + trace.error_x.array, rows["effect_high"])
        assert trace.error_x.color == trace.marker.color
    # only all services: one trace
    assert len(figure(charts.pmo_forest(estimates.iloc[:1], "CPI")).data) == 1
    # the dotted zero line across the plot, named above it, inside the axis range
    (line,) = fig.layout.shapes
    assert (line.x0, line.x1, line.xref, line.y0, line.y1) == (0, 0, "x", 0, 1)
    assert line.yref == "y domain" and line.line.dash == "dot"
    (note,) = fig.layout.annotations
    assert note.text == "0 = no effect" and (note.y, note.yanchor) == (1, "bottom")
    low, high = fig.layout.xaxis.range
    assert low < estimates["effect_low"].min() and high > estimates["effect_high"].max()
    assert low < 0 < high
    # a phone gets the axis title on two lines, and the wide one back
    narrow = fig.layout.meta["narrow"]
    assert "<br>" in narrow["on"]["layout"]["xaxis.title.text"]
    assert narrow["off"]["layout"]["xaxis.title.text"] == fig.layout.xaxis.title.text
    # the zero line stays in view when every interval is on one side of it
    clear = estimates.assign(effect_low=[0.05] * 3, effect_high=[0.2] * 3, effect=[0.1] * 3)
    assert figure(charts.pmo_forest(clear, "SPI")).layout.xaxis.range[0] < 0


def test_every_rag_status_has_a_label_symbol_and_safe_colour() -> None:
    for status in ("green", "amber", "red", ""):
        assert charts.RAG_LABELS[status]
        assert charts.RAG_SYMBOLS[status]
        assert charts.RAG_CODES[status]
    labelled = {charts.RAG_COLOURS[s].upper() for s in ("green", "amber", "red")}
    assert labelled <= OKABE_ITO
    assert len({charts.RAG_SYMBOLS[s] for s in ("green", "amber", "red")}) == 3


@pytest.mark.parametrize(
    "kind, value, line, text, font",
    [
        ("h", 1.0, {"color": "#666", "width": 1}, "", None),
        ("h", 1.0, {"color": "#666", "width": 1, "dash": "dot"}, "1.0 = on plan", {"size": 11}),
        ("v", 3.0, {"dash": "dash", "color": "#666"}, "aligned at 3", None),
        ("v", -2.5, {"color": "#666", "width": 1}, "", None),
    ],
)
def test_reference_lines_are_what_plotly_draws(
    kind: str, value: float, line: dict, text: str, font: dict | None
) -> None:
    """Our layout items for a reference line equal plotly's own add_hline / add_vline (which
    charts no longer call: each call relayouts the whole figure)."""
    theirs = go.Figure(layout={"template": None})
    kw: dict[str, Any] = {"line": line}
    if text:
        kw["annotation_text"] = text
        kw["annotation_position"] = "top left" if kind == "h" else "top right"
        if font:
            kw["annotation_font"] = font
    if kind == "h":
        theirs.add_hline(y=value, **kw)
        shape, note = charts.hline(value, line, text, font=font)
    else:
        theirs.add_vline(x=value, **kw)
        shape, note = charts.vline(value, line, text)
    ours = go.Figure(
        layout={"template": None, "shapes": [shape], "annotations": [note] if note else []}
    )
    assert ours.layout.shapes == theirs.layout.shapes
    assert ours.layout.annotations == theirs.layout.annotations
    assert (note is None) == (not text)


def test_figures_carry_no_template() -> None:
    """plotly's default template would add ~8 kB of JSON to every chart."""
    evm = pd.DataFrame(
        {
            "period": QUARTERS,
            "planned_value": [1.0, 2, 3, 4],
            "earned_value": [1.0, 2, 3, 4],
            "actual_cost": [1.0, 2, 3, 4],
        }
    )
    for spec in (
        charts.evm_curves(evm, "GBP"),
        charts.maturity_radar({d: 2.0 for d in MATURITY_DIMENSIONS}, {}, "Unit"),
    ):
        assert "template" not in spec["layout"]
        figure(spec)


# ---- what the page draws ----------------------------------------------------------------------


def every_chart() -> dict[str, charts.Figure]:
    """Every builder, with blanks (NaN, None, no status) where real data has them."""
    nan = float("nan")
    return {
        "evm": charts.evm_curves(evm_frame(), "GBP"),
        "quadrant": charts.cpi_spi_quadrant(quadrant_projects(), 0.95, 0.90),
        "benefits": charts.benefits_chart(
            pd.DataFrame(
                {
                    "period": QUARTERS,
                    "baseline_forecast": [10.0, 20.0, 30.0, 40.0],
                    "realized": [5.0, 15.0, nan, None],
                }
            ),
            "GBP",
        ),
        "alignment": charts.alignment_bubble(
            pd.DataFrame(
                {
                    "project_id": ["A", "B", "C"],
                    "project_name": ["a", "<b>", "c"],
                    "alignment_score": [1.9, 3.0, 4.8],
                    "npv": [1_800_000.0, -550_000.0, 120_000.0],
                    "bac": [500_000.0, 2_000_000.0, 100_000.0],
                }
            ),
            "GBP",
            3.0,
        ),
        "satisfaction": charts.satisfaction_trend(
            pd.DataFrame(
                {
                    "period": QUARTERS * 2,
                    "metric": ["nps"] * 4 + ["csat_pct"] * 4,
                    "value": [-29.0, nan, -45.0, -79.0, 59.0, 56.0, 40.0, 21.0],
                }
            )
        ),
        "radar": charts.maturity_radar(
            {"people": 2.2, "process": nan}, dict.fromkeys(MATURITY_DIMENSIONS, 3), "Unit A"
        ),
        "trends": charts.metric_trends(
            pd.DataFrame(
                {
                    "period": QUARTERS * 2,
                    "metric": ["cpi"] * 4 + ["spi"] * 4,
                    "value": [0.86, nan, 0.85, 0.84, 0.88, 0.90, 0.91, 0.89],
                }
            ),
            ["cpi", "spi"],
        ),
        "heatmap": charts.units_heatmap(
            pd.DataFrame({"cpi": ["green", "red", ""], "spi": ["amber", "green", "red"]})
        ),
        "dumbbell": charts.value_index_dumbbell(
            pd.DataFrame(
                {
                    "unit": ["Alpha", "<b>Beta</b>", "Gamma", "Delta"],
                    "before": [70.0, 55.5, nan, 60.0],
                    "now": [72.5, 50.0, 40.0, 60.0],
                }
            ),
            "2026-Q2",
            "2026-Q3",
        ),
        "pmo_forest": charts.pmo_forest(pmo_estimates(), "CPI"),
        "pmo_cost_avoided": charts.pmo_cost_and_avoided(pmo_estimates(), "GBP"),
    }


def pmo_estimates() -> pd.DataFrame:
    """Estimates of the PMO page: all services first, then service types (one with <b>)."""
    return pd.DataFrame(
        {
            "label": ["All services", "Cost review", "<b>Coaching</b>"],
            "effect": [0.016, 0.064, -0.012],
            "effect_low": [-0.004, 0.020, -0.053],
            "effect_high": [0.036, 0.109, 0.032],
            "served_projects": [31, 5, 6],
            "comparison_projects": [51, 8, 17],
            "service_cost": [154_509.0, 51_183.0, 11_409.0],
            "avoided": [744_608.0, 481_124.0, 3_312.0],
            "avoided_low": [-109_198.0, 2_967.0, -116_638.0],
            "avoided_high": [1_346_250.0, 987_769.0, 147_026.0],
        }
    )


def drawn(page: str) -> list[Any]:
    """The arguments of the page's Plotly.newPlot call: div id, data, layout, config."""
    start = re.search(r"Plotly\.newPlot\(", page)
    assert start, page[:300]
    decoder, i, args = json.JSONDecoder(), start.end(), []
    for _ in range(4):
        while page[i] in " \n,":
            i += 1
        value, i = decoder.raw_decode(page, i)
        args.append(value)
    return args


def plain(value: Any) -> Any:
    """JSON as plotly.js reads it: typed arrays (`bdata`) as lists, NaN as null, 2.0 as 2."""
    if isinstance(value, dict):
        if {"dtype", "bdata"} <= set(value):
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return plain(array.tolist())
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@pytest.mark.parametrize("name", list(every_chart()))
def test_page_draws_the_figure_plotly_validates(name: str) -> None:
    """Unvalidated, the page's JSON is what plotly's own validated figure gives, value for
    value: skipping the validation changes nothing that is drawn."""
    spec = every_chart()[name]
    div_id, data, layout, config = drawn(markup.chart_html(spec))
    theirs = json.loads(pio.to_json(figure(spec)))
    theirs["layout"].pop("template")  # plotly's default, which the page never sends
    assert plain(data) == plain(theirs["data"])
    assert plain(layout) == plain(theirs["layout"])
    assert div_id.startswith("chart-") and config == markup.PLOTLY_CONFIG
