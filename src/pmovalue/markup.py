"""How values and tables look on a page: number formats, RAG badges, and the HTML of tables
(escaped, with a CSV download) and charts (plotly figures drawn by the page's one local
plotly.js), shown in a notebook as `text/html`, which survives nbconvert and works offline.

Charts are emitted as `text/html` calling `window.Plotly`, because papermill's
`application/vnd.plotly.v1+json` output is dropped by nbconvert's HTML export. Every chart
carries a data table (for screen readers and analysts) and every table a CSV download of its
raw numbers; all data text is HTML-escaped here, never by the notebook.
"""

from __future__ import annotations

import html
import itertools
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.io as pio

from pmovalue import charts
from pmovalue.config import Params
from pmovalue.metrics import catalog
from pmovalue.metrics.catalog import METRICS
from pmovalue.outputs import spreadsheet_safe

BLANK = "–"  # an empty table cell (en dash): nothing to show, as opposed to a zero
# Marks a block of a unit page that the board pack shows (pmovalue.pack.compose condenses a
# unit page to its marked blocks): headline tiles, findings, attention list, key charts.
BOARD = "data-board"
# Marks a part about one unit (`data-unit="<unit id>"`) in a page about them all, inside a
# list of such parts (`data-unit-list`): a board pack for other units leaves it out.
UNIT = "data-unit"
UNIT_LIST = "data-unit-list"
_chart_ids = itertools.count(1)


# ---- formatting -------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def money(value: float, currency: str = "", blank: str = "n/a") -> str:
    """Money in full with thousands separators: `GBP 1,234,567`, `GBP -4,665,184`."""
    if is_blank(value):
        return blank
    return f"{currency} {value:,.0f}".strip()


def money_compact(value: float, currency: str = "", blank: str = "n/a") -> str:
    """Money short enough for a card: `GBP 51.2m`, `GBP 950k`, `GBP -4.7m`, `GBP 1.2bn`."""
    if is_blank(value):
        return blank
    size, sign = abs(float(value)), "-" if value < 0 else ""
    text = f"{size:,.0f}"
    for step, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if size >= step * 0.9995:  # 999,950 reads as 1.0m, not 1000.0k
            scaled = size / step
            text = f"{scaled:.1f}{suffix}" if scaled < 100 else f"{scaled:.0f}{suffix}"
            break
    return f"{currency} {sign}{text}".strip()


def fmt(metric_id: str, value: float, currency: str = "", blank: str = "n/a") -> str:
    """A metric value as a reader expects it: money with separators, indices to 2 decimals,
    changes of an index signed to 3, percentages to 1 decimal, days and counts as whole
    numbers, NPS signed."""
    if is_blank(value):
        return blank
    unit = METRICS[metric_id].unit if metric_id in METRICS else ""
    if unit == "currency":
        return money(value, currency)
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "delta":  # a change of an index: small, and its sign is the point
        return signed(value, 3)
    if metric_id == "nps":
        return signed(value, 0)
    if metric_id == "maturity_level":
        return f"{value:.0f}"
    if metric_id == "value_index":
        return f"{value:.1f}"
    return f"{value:.2f}"


def change_size(metric_id: str, diff: float, currency: str = "") -> str:
    """How big a change is, unsigned, as the metric is shown: `GBP 1.2m`, `1.3 pts` (of a
    percentage), `0.02`, `5 days`, `3`."""
    unit = METRICS[metric_id].unit if metric_id in METRICS else ""
    size = abs(diff)
    if unit == "currency":
        return money_compact(size, currency)
    if unit == "pct":
        return f"{size:.1f} pts"
    if metric_id == "nps":
        return f"{size:.0f}"  # a change of NPS has no sign of its own
    return fmt(metric_id, size)  # as the values themselves


def shows_change(metric_id: str, diff: float, currency: str = "") -> bool:
    """Whether a change is big enough to show at the metric's precision (0.001 of CPI is not)."""
    return not is_blank(diff) and any(ch in "123456789" for ch in change_size(metric_id, diff))


def fmt_change(metric_id: str, diff: float, currency: str = "", blank: str = "–") -> str:
    """A change with its sign: `+0.02`, `−GBP 1.2m`, `+1.3 pts`; `0` when too small to show."""
    if is_blank(diff):
        return blank
    if not shows_change(metric_id, diff, currency):
        return "0"
    return ("+" if diff > 0 else "−") + change_size(metric_id, diff, currency)


def metric_label_html(metric_id: str, root: str, currency: str = "", unit: bool = False) -> str:
    """A metric's catalogue label linked to its entry on the methodology page (`root` leads
    from the page to the version's root); with `unit`, the unit of its values after it."""
    link = (
        f'<a class="metric" href="{root}methodology.html#{metric_id}">'
        f"{html.escape(METRICS[metric_id].label)}</a>"
    )
    suffix = value_unit(metric_id, currency) if unit else ""
    return f'{link}<span class="nw"> ({html.escape(suffix)})</span>' if suffix else link


def value_unit(metric_id: str, currency: str = "") -> str:
    """What a column of the metric's values is counted in, for its header: `%`, `GBP`, `days`
    (nothing for indices, scores and counts)."""
    unit = METRICS[metric_id].unit
    return {"pct": "%", "currency": currency, "days": "days"}.get(unit, "")


def metric_header(metric_id: str, currency: str = "") -> str:
    """The plain text of `metric_label_html(..., unit=True)`: `Projects on budget (%)`."""
    suffix = value_unit(metric_id, currency)
    return METRICS[metric_id].label + (f" ({suffix})" if suffix else "")


def signed(value: float, digits: int) -> str:
    """`+25`, `-79`, and `0` (never `+0` or `-0`)."""
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def fmt_cell(value: Any, kind: str) -> str:
    """One table cell: `index` 2 dp, `money` and `int` with separators, `days` whole, `pct`
    1 dp, `score` 2 dp, `signed` whole number with sign; blank as an en dash."""
    if is_blank(value):
        return BLANK
    if kind == "index" or kind == "score":
        return f"{value:.2f}"
    if kind in ("money", "int", "days"):
        return f"{value:,.0f}"
    if kind == "signed_money":
        return f"{value:+,.0f}"
    if kind == "pct":
        return f"{value:.1f}"
    if kind == "signed":
        return signed(value, 0)
    return str(value)


def rag_badge(status: str, blank: str = '<span class="rag rag-none">no target</span>') -> str:
    status = str(status or "")
    if status not in ("green", "amber", "red"):
        return blank
    return f'<span class="rag rag-{status}">{status.upper()}</span>'


def badge(status: str) -> str:
    """The RAG badge of a table cell: the status written out on its colour, `–` when none."""
    return rag_badge(status, BLANK)


def target_text(metric_id: str, params: Params, currency: str = "") -> str:
    """What a metric is judged against, as a reader would say it (`≥ 80.0%`, `≤ 30 days`,
    `within ±5.0%`, and for indices the green threshold); `–` when nothing."""
    info = METRICS.get(metric_id)
    if info is None:
        return BLANK
    if info.index:
        return f"≥\u00a0{params.thresholds.index_green_min:.2f}"
    dim = metric_id.removeprefix("maturity_")
    if dim in catalog.MATURITY_DIMENSIONS and params.maturity.targets.get(dim) is not None:
        return f"≥\u00a0{params.maturity.targets[dim]:g}"
    target = params.targets.get(metric_id)
    if target is None or info.direction is None:
        return BLANK
    if metric_id == "maturity_level":  # a level is whole, a target may be 3.5
        return f"≥\u00a0{target:g}"
    value = fmt(metric_id, target, currency)
    if info.direction == "higher":
        return f"≥\u00a0{value}"
    if info.direction == "lower":
        return f"≤\u00a0{value}"
    return f"within ±{fmt(metric_id, abs(target), currency).lstrip('+')}"


def show_html(markup: str) -> None:
    """Display HTML in the notebook. IPython is imported here, not with the module: the build
    imports this module for its page helpers (`fmt`, `table_html`) and never displays."""
    from IPython.display import HTML, display

    display(HTML(markup))


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_missing(what: str) -> None:
    """A section whose data was not provided says so, instead of failing or staying blank."""
    show_markdown(f"_No {what} data was provided, so this section is empty._")


# ---- tables and charts as HTML ----------------------------------------------------------------


def csv_link(frame: pd.DataFrame, csv_name: str, text: str = "Download CSV") -> str:
    data = urllib.parse.quote(spreadsheet_safe(frame).to_csv(index=False))
    return (
        f'<a class="download" download="{html.escape(csv_name)}" '
        f'href="data:text/csv;charset=utf-8,{data}">{html.escape(text)}</a>'
    )


def _auto_cell(value: Any, big: bool) -> str:
    if is_blank(value):
        return BLANK
    if isinstance(value, float):
        return f"{value:,.0f}" if big else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _header(text: str) -> str:
    """A column header, escaped; its unit in brackets never breaks (`Value index (0-100)`)."""
    escaped = html.escape(text)
    return re.sub(r"(\([^()]*\))$", r'<span class="nw">\1</span>', escaped)


def table_html(
    frame: pd.DataFrame,
    caption: str = "",
    csv_name: str | None = None,
    *,
    csv: pd.DataFrame | None = None,
    html_columns: Iterable[str] = (),
    numeric_columns: Iterable[str] | None = None,
    note: str = "",
    headers: Mapping[str, str] | None = None,
    cards: bool = False,
    board: bool = False,
) -> str:
    """An HTML table with every cell escaped (except `html_columns`, which hold markup this
    module made, e.g. RAG badges). Numeric columns are right-aligned; raw floats are formatted
    (2 decimals, or whole numbers with separators when the column's values reach 1,000).
    With csv_name, a link downloads `csv` (default: the frame itself) as CSV, offline.
    `headers`: markup for some column headers (a metric's label linked to its definition).
    `cards`: on a phone each row becomes a card, each cell labelled by its column (pmovalue.css).
    With board, the table is one of the blocks of a unit page that its board pack shows."""
    raw_html = set(html_columns)
    markup_of = dict(headers or {})
    if numeric_columns is None:
        numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    else:
        numeric = set(numeric_columns)
    num_class = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_class if c in numeric else ""}>'
        f"{markup_of.get(str(c)) or _header(str(c))}</th>"
        for c in frame.columns
    )
    big = {
        c: bool(pd.api.types.is_float_dtype(frame[c]) and frame[c].abs().max() >= 1000)
        for c in frame.columns
    }
    labels = {c: f' data-label="{html.escape(str(c))}"' if cards else "" for c in frame.columns}
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(frame.columns, values, strict=True):
            cls = ' class="num"' if c in numeric else ""
            text = str(v) if c in raw_html else html.escape(_auto_cell(v, big[c]))
            if cards:  # one box beside its label on a phone, whatever the cell holds
                text = f'<span class="cv">{text}</span>'
            cells.append(f"<td{cls}{labels[c]}>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    cap = f'<p class="caption">{html.escape(caption)}</p>' if caption else ""
    link = csv_link(csv if csv is not None else frame, csv_name) if csv_name else ""
    extra = f'<p class="table-note">{html.escape(note)}</p>' if note else ""
    tools = f'<div class="table-tools">{cap}{link}</div>' if cap or link else ""
    mark = f" {BOARD}" if board else ""
    table_class = "data cards" if cards else "data"
    return (
        f'<div class="table-wrap"{mark}>{tools}<table class="{table_class}"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{extra}</div>"
    )


def show_table(
    frame: pd.DataFrame, caption: str = "", csv_name: str | None = None, **kw: Any
) -> None:
    show_html(table_html(frame, caption, csv_name, **kw))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": "hover",  # the toolbar never covers the title unless asked for
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}


# Applies a figure's `layout.meta.narrow` changes (see charts.narrow_meta) while the chart is
# narrower than its threshold, and undoes them when it is wider again.
NARROW_SCRIPT = """var gd = document.getElementById('{plot_id}');
var n = gd && gd.layout && gd.layout.meta && gd.layout.meta.narrow;
if (n) {
  var state = null;
  var fit = function () {
    var narrow = gd.clientWidth > 0 && gd.clientWidth < n.below;
    if (narrow === state) return;
    state = narrow;
    var u = narrow ? n.on : n.off;
    Plotly.update(gd, u.data || {}, u.layout || {});
  };
  fit();
  window.addEventListener('resize', fit);
}"""


def chart_html(
    fig: charts.Figure,
    table: pd.DataFrame | None = None,
    csv_name: str | None = None,
    div_id: str | None = None,
    *,
    board: bool = False,
    **kw: Any,
) -> str:
    """A chart as an HTML fragment using the page's plotly.js, with its data as a table (a
    screen-reader alternative, also downloadable as CSV). `fig` is a figure of
    `pmovalue.charts`, serialised as it is: the charts' tests validate it (see there).
    `div_id`: the chart's element id; a page made by the build itself names its charts, as
    the build's numbering would make the same page differ from one build to the next.
    With board, one of the key charts a unit's board pack section shows."""
    div_id = div_id or f"chart-{next(_chart_ids)}"
    layout = fig["layout"]
    meta = layout.get("meta")
    narrow = isinstance(meta, dict) and "narrow" in meta
    plot = pio.to_html(
        fig,
        validate=False,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        post_script=NARROW_SCRIPT if narrow else None,
    )
    title = html.escape(_plain(str(layout.get("title", {}).get("text") or "Chart")))
    alt = ""
    if table is not None and len(table):
        alt = (
            f'<details class="chart-data"><summary>Data table: {title}</summary>'
            f"{table_html(table, csv_name=csv_name, **kw)}</details>"
        )
    mark = f" {BOARD}" if board else ""
    # A chart drawn at its own height keeps it: the default minimum height would let it grow
    # past its box on the first resize and cover what follows.
    kind = "chart sized" if layout.get("height") else "chart"
    return f'<figure class="{kind}" aria-label="{title}"{mark}>{plot}{alt}</figure>'


def show_chart(
    fig: charts.Figure,
    table: pd.DataFrame | None = None,
    csv_name: str | None = None,
    *,
    board: bool = False,
    **kw: Any,
) -> None:
    show_html(chart_html(fig, table, csv_name, board=board, **kw))
