"""What the pages say: findings sentences, the attention list, number formatting and the HTML
tables and cards. Expected values are worked out here from small hand-made tables."""

from __future__ import annotations

import html
import re
import urllib.parse
from io import StringIO

import pandas as pd
import pytest

from pmovalue import markup
from pmovalue import report as r
from pmovalue.config import Params
from pmovalue.outputs import spreadsheet_safe
from pmovalue.report import attention, compare, findings, headline
from pmovalue.report import unit as unit_page

AMBER, GREEN = 0.90, 0.95


def params(**kw: object) -> Params:
    return Params.model_validate(
        {"thresholds": {"index_green_min": GREEN, "index_amber_min": AMBER}, **kw}
    )


def projects_frame() -> pd.DataFrame:
    """Eight projects: some red on CPI, SPI or SPI(t), one only rated red, two at the edge."""
    rows = [
        # id, status, rating, cpi, spi, spi_t, bac, eac, slip
        ("P1", "active", "green", 0.78, 1.00, 0.97, 700_000.0, 900_000.0, 28.0),
        ("P2", "closed", "green", 0.85, 0.99, 0.99, 100_000.0, 118_000.0, 5.0),
        ("P3", "active", "amber", 0.97, 0.62, 0.70, 50_000.0, 51_000.0, 90.0),
        ("P4", "on_hold", "red", 1.02, 1.00, 1.00, 300_000.0, 290_000.0, 0.0),
        ("P5", "active", "green", 1.05, 1.01, 1.00, 80_000.0, 76_000.0, 0.0),
        ("P6", "active", "amber", 0.8999, 0.95, 0.96, 10_000.0, 11_000.0, 3.0),
        ("P7", "active", "green", float("nan"), 0.0, 0.0, 20_000.0, float("nan"), float("nan")),
        ("P8", "active", "green", 0.90, 0.90, 0.90, 40_000.0, 44_000.0, 0.0),  # on the line
    ]
    cols = ["project_id", "status", "rating", "cpi", "spi", "spi_t", "bac", "eac", "slip_days"]
    p = pd.DataFrame(rows, columns=cols)
    p["project_name"] = [f"Project {i}" for i in p["project_id"]]
    p["vac"] = p["bac"] - p["eac"]
    nan = float("nan")
    # Planned and earned value: only P3 is behind (15,000 of planned work not done).
    p["pv"] = [500_000.0, 100_000.0, 40_000.0, 150_000.0, 60_000.0, 5_000.0, nan, 20_000.0]
    p["ev"] = [500_000.0, 100_000.0, 25_000.0, 150_000.0, 60_000.0, 5_000.0, nan, 20_000.0]
    # Benefits due to date: P4 realized 20,000 of 100,000; closed P2 none measured of 50,000.
    p["benefits_baseline"] = [nan, 50_000.0, nan, 100_000.0, 10_000.0, nan, nan, nan]
    p["benefits_realized"] = [nan, nan, nan, 20_000.0, 12_000.0, nan, nan, nan]
    return p


def metrics_frame(values: dict[str, float], statuses: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": list(values),
            "value": list(values.values()),
            "status": [statuses.get(m, "") for m in values],
            "note": [""] * len(values),
        }
    )


def history_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["period", "metric", "value"]).assign(status="", note="")


def unit(projects: pd.DataFrame | None = None, **kw: object) -> r.UnitView:
    metrics = metrics_frame(
        {"cpi": 0.91, "spi": 0.93, "nps": 12.0, "benefits_realization_pct": 62.4},
        {"cpi": "amber", "spi": "amber"},
    )
    history = history_frame(
        [
            ("2026-Q1", "cpi", 0.99),
            ("2026-Q2", "cpi", 0.97),
            ("2026-Q2", "spi", 0.88),
            ("2026-Q2", "nps", 12.2),
            ("2026-Q3", "cpi", 0.91),
            ("2026-Q3", "spi", 0.93),
            ("2026-Q3", "nps", 12.0),
        ]
    )
    base = {
        "unit_id": "u",
        "unit_name": "Unit U",
        "period": "2026-Q3",
        "params": params(targets={"benefits_realization_pct": 85.0}),
        "tables": {},
        "metrics": metrics,
        "projects": projects_frame() if projects is None else projects,
        "history": history,
    }
    base.update(kw)
    return r.UnitView(**base)  # type: ignore[arg-type]


# ---- findings ---------------------------------------------------------------------------------


def test_unit_findings_counts_projects_in_the_red_and_the_forecast() -> None:
    view = unit()
    found = r.unit_findings(view)
    text = "\n".join(found)
    p = view.projects
    # Worked out independently: projects with a CPI, and those below the amber threshold.
    with_cpi = [c for c in p["cpi"] if c == c]
    red_cost = sum(1 for c in with_cpi if c < AMBER)
    with_spi_t = [s for s in p["spi_t"] if s == s]
    red_schedule = sum(1 for s in with_spi_t if s < AMBER)
    assert red_cost == 3 and red_schedule == 2  # the hand-made table is what we think it is
    assert (
        f"{red_cost} of {len(with_cpi)} projects with earned value data are red on cost "
        f"(CPI below {AMBER:.2f})." in found
    )
    assert (
        f"{red_schedule} of {len(with_spi_t)} projects are red on schedule by earned schedule "
        f"(SPI(t) below {AMBER:.2f})." in found
    )
    # Forecast against budget over the projects that have both.
    both = p.dropna(subset=["bac", "eac"])
    over = both["eac"].sum() - both["bac"].sum()
    pct = 100 * over / both["bac"].sum()
    assert f"({pct:.1f}%) over." in text
    assert f"The {len(both)} projects with a forecast" in text


def test_one_red_project_reads_in_the_singular() -> None:
    p = projects_frame().iloc[[0, 4]]  # one red on cost, one green
    found = findings.delivery_findings(p, GREEN, AMBER, "GBP")
    assert found[0] == "1 of 2 projects with earned value data is red on cost (CPI below 0.90)."


def test_findings_are_escaped_html() -> None:
    out = findings.findings_html(["<b>Ops & Tech</b> fell"])
    assert "&lt;b&gt;Ops &amp; Tech&lt;/b&gt; fell" in out and "<b>" not in out


def test_portfolio_findings_name_the_red_units() -> None:
    um = pd.concat(
        [
            metrics_frame({"cpi": c, "value_index": vi}, {}).assign(unit_id=uid, unit_name=name)
            for uid, name, c, vi in [
                ("a", "Alpha", 0.85, 50.0),
                ("b", "Beta", 0.97, 90.0),
                ("c", "Gamma", 0.89, 70.0),
            ]
        ]
    )
    view = r.PortfolioView("2026-Q3", params(), {}, um, pd.DataFrame(), pd.DataFrame())
    found = r.portfolio_findings(view)
    red = sorted(n for n, c in [("Alpha", 0.85), ("Beta", 0.97), ("Gamma", 0.89)] if c < AMBER)
    assert f"{len(red)} of 3 units are red on cost (CPI below 0.90): {', '.join(red)}." in found
    assert "The value index ranges from 50.0 (Alpha) to 90.0 (Beta)." in found


# ---- the attention list -----------------------------------------------------------------------


def test_attention_selection_and_reasons() -> None:
    p = projects_frame()
    rows = attention.attention_rows(p, AMBER)
    expected = {
        pid
        for pid, c, s, t, rating in zip(
            p["project_id"], p["cpi"], p["spi"], p["spi_t"], p["rating"], strict=True
        )
        if any(v == v and v < AMBER for v in (c, s, t)) or rating == "red"
    }
    assert set(rows["project_id"]) == expected
    reason = dict(zip(rows["project_id"], rows["reason"], strict=True))
    assert reason["P1"] == "CPI 0.78 < 0.90"
    assert reason["P3"] == "SPI 0.62 < 0.90; SPI(t) 0.70 < 0.90"
    assert reason["P4"] == "rated red"
    assert reason["P6"] == "CPI 0.8999 < 0.90"  # never "0.90 < 0.90"
    assert "CPI" not in reason["P7"]  # a blank CPI is never a reason
    assert "P8" not in reason  # exactly at the amber threshold is amber, not red
    # Ranked by exposure, worked out by hand: P1 overrun 900k - 700k = 200,000; P4 (on hold,
    # under budget) benefits shortfall 100k - 20k = 80,000; closed P2: its overrun is spent,
    # its 50,000 of benefits unmeasured count; P3 overrun 1,000 + 15,000 of planned work not
    # done = 16,000; P6 overrun 1,000; P7 nothing to measure.
    exposure = dict(zip(rows["project_id"], rows["exposure"], strict=True))
    assert exposure == {
        "P1": 200_000.0,
        "P4": 80_000.0,
        "P2": 50_000.0,
        "P3": 16_000.0,
        "P6": 1_000.0,
        "P7": 0.0,
    }
    assert list(rows["project_id"]) == ["P1", "P4", "P2", "P3", "P6", "P7"]


def _csv_from_link(fragment: str) -> pd.DataFrame:
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)"', fragment)
    assert href is not None
    return pd.read_csv(StringIO(urllib.parse.unquote(html.unescape(href.group(1)))))


def test_attention_table_shows_the_worst_and_the_csv_holds_all() -> None:
    many = pd.concat([projects_frame()] * 3, ignore_index=True)
    many["project_id"] = [f"P{i:02d}" for i in range(len(many))]
    view = unit(projects=many)
    listed = len(attention.attention_rows(many, AMBER))
    fragment = attention.attention_html(view, limit=4)
    body = fragment.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 4
    assert f"{listed - 4} more in the CSV, which lists all {listed}." in fragment
    csv = _csv_from_link(fragment)
    assert len(csv) == listed and "reason" in csv.columns
    assert {"exposure", "overrun", "unearned", "benefits_shortfall"} <= set(csv.columns)
    # Readable headers and formatted numbers, never raw column names or floats.
    fragment = attention.attention_html(view, limit=listed)
    assert "more in the CSV" not in fragment
    head = re.sub(r"<[^>]+>", "", fragment.split("<thead>")[1].split("</thead>")[0])
    for raw in ("project_id", "spi_t", "slip_days"):
        assert raw not in head
    assert "Why listed" in head and "Exposure (GBP)" in head
    table = fragment.split("<table")[1]  # the rows, not the CSV link (raw numbers there)
    assert "200,000" in table and "200000.0" not in table  # P1's exposure, with separators
    assert "forecast overrun GBP 200k" in table  # and what it is made of
    assert "late work GBP 15.0k" in table  # P3's planned work not done
    assert '<span class="rag rag-red">RED</span>' in table  # ratings as badges
    assert 'class="data cards"' in fragment  # one card per project on a phone


# ---- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (51_202_854, "GBP 51.2m"),
        (204_084_001, "GBP 204m"),
        (999_950, "GBP 1.0m"),
        (9_489_393, "GBP 9.5m"),
        (-4_665_184, "GBP -4.7m"),
        (635_000, "GBP 635k"),
        (950, "GBP 950"),
        (1_250_000_000, "GBP 1.2bn"),
        (float("nan"), "n/a"),
    ],
)
def test_money_compact(value: float, expected: str) -> None:
    assert markup.money_compact(value, "GBP") == expected


def test_metric_formats() -> None:
    assert markup.fmt("cpi", 0.8488504) == "0.85"
    assert markup.fmt("eac_total", 51_202_854.4, "GBP") == "GBP 51,202,854"
    assert markup.fmt("on_budget_pct", 7.317) == "7.3%"
    assert markup.fmt("schedule_slip_days_median", 58.0) == "58 days"
    assert markup.fmt("nps", -79.31) == "-79" and markup.fmt("nps", 25.0) == "+25"
    assert markup.fmt("nps", 0.2) == "0"  # never "+0"
    assert markup.fmt("maturity_level", 2.0) == "2"
    assert markup.fmt("cpi", float("nan")) == "n/a" and markup.fmt("cpi", None, blank="–") == "–"
    assert markup.fmt_cell(635000.0, "money") == "635,000"
    assert markup.fmt_cell(-209084.46, "signed_money") == "-209,084"
    assert markup.fmt_cell(28.0, "days") == "28"
    assert markup.fmt_cell(0.9312, "index") == "0.93"
    assert markup.fmt_cell(float("nan"), "index") == "–"


def test_target_text() -> None:
    p = params(targets={"on_budget_pct": 80.0, "schedule_slip_days_median": 30.0})
    nbsp = "\u00a0"
    assert markup.target_text("on_budget_pct", p) == f"≥{nbsp}80.0%"
    assert markup.target_text("schedule_slip_days_median", p) == f"≤{nbsp}30 days"
    assert markup.target_text("cpi", p) == f"≥{nbsp}{GREEN:.2f}"
    assert markup.target_text("bac_total", p) == "–"


# ---- cards and tables -------------------------------------------------------------------------


def test_headline_cards() -> None:
    m = metrics_frame({"cpi": 0.8488504, "eac_total": 51_202_854.0}, {"cpi": "red"})
    h = history_frame([("2026-Q2", "cpi", 0.86), ("2026-Q2", "eac_total", 46_400_000.0)])
    out = headline.headline_html(m, ["cpi", "eac_total"], "GBP", h, "2026-Q3")
    cpi = re.search(r'data-metric="cpi".*?class="value">([^<]+)<', out, re.S)
    assert cpi is not None and cpi.group(1) == f"{0.8488504:.2f}"
    eac = re.search(r'data-metric="eac_total".*?</div>', out, re.S)
    assert eac is not None
    card = eac.group(0)
    assert 'title="GBP 51,202,854"' in card and "51.2m" in card
    assert "up GBP 4.8m since" in card and "2026-Q2" in card
    assert '<span class="rag rag-red">RED</span>' in out
    assert "down 0.01 since" in out


def test_metric_table_uses_badges_and_dashes() -> None:
    m = metrics_frame({"cpi": 0.85, "bac_total": 1000.0, "eac_total": 1.0}, {"cpi": "red"})
    m.loc[m["metric"] == "eac_total", "note"] = "2 of 9 <without> EAC"
    shown, raw = unit_page.metric_table(m, "delivery", params(), "../")
    assert list(shown.columns) == ["Metric", "Value", "Status", "Target"]
    eac = shown["Metric"].iloc[2]  # the label links to its definition, the note sits under it
    assert eac.startswith(
        '<a class="metric" href="../methodology.html#eac_total">Estimate at completion (EAC)</a>'
        '<span class="cell-note">'
    )
    assert "2 of 9 &lt;without&gt; EAC" in eac
    shown = shown.iloc[:2]
    row = shown.set_index(shown["Metric"].str.replace(r"<[^>]+>", "", regex=True))
    assert row.loc["Cost performance index (CPI)", "Status"] == (
        '<span class="rag rag-red">RED</span>'
    )
    assert row.loc["Budget at completion (BAC)", "Target"] == "–"
    assert "n/a" not in shown.to_string()
    assert set(raw["metric"]) == {"cpi", "bac_total", "eac_total"} and "note" in raw


def test_table_html_escapes_and_has_no_empty_index_column() -> None:
    frame = pd.DataFrame({"unit": ["Ops & Tech", "<img src=x>"], "cpi": [0.9, 1.1]})
    frame.columns.name = "metric"  # what a pivot leaves behind
    out = markup.table_html(frame, "Cap", "x.csv")
    assert "<th" in out and '<th scope="col"></th>' not in out
    assert ">metric<" not in out
    assert "Ops &amp; Tech" in out and "&lt;img src=x&gt;" in out and "<img" not in out
    assert 'class="num"' in out  # numbers right-aligned


def test_comparison_table_units_per_column_and_highlight() -> None:
    um = pd.concat(
        [
            metrics_frame(
                {"value_index": vi, "cpi": c, "benefits_realization_pct": b},
                {"cpi": "red" if c < AMBER else "green"},
            ).assign(unit_id=uid, unit_name=name)
            for uid, name, vi, c, b in [
                ("a", "A & Co", 60.0, 0.85, 70.0),
                ("b", "B", 80.0, 1.0, 90.0),
            ]
        ]
    )
    ids = ["value_index", "cpi", "benefits_realization_pct"]
    shown, raw = compare.comparison_tables(um, ids, "A & Co")
    # Headers are the catalogue's labels (one metric each), with the unit of the values.
    cpi, benefits = "Cost performance index (CPI)", "Benefits realization (%)"
    assert list(shown.columns) == ["Unit", "Value index", cpi, benefits]
    assert list(raw["unit"]) == ["B", "A & Co"]  # best value index first
    assert shown.loc[1, "Unit"] == "<strong>A &amp; Co</strong> (this unit)"
    assert "RED" in shown.loc[1, cpi] and "0.85" in shown.loc[1, cpi]
    assert shown.loc[0, benefits].startswith('<span class="cell-value">90.0<')
    headers = compare.comparison_headers(ids, "../")
    assert headers[cpi] == '<a class="metric" href="../methodology.html#cpi">' + cpi + "</a>"
    assert headers[benefits] == (
        '<a class="metric" href="../methodology.html#benefits_realization_pct">'
        'Benefits realization</a><span class="nw"> (%)</span>'
    )


def test_csv_download_neutralises_formulas() -> None:
    frame = pd.DataFrame({"name": ['=HYPERLINK("x")', "plain"], "value": [-1.5, 2.0]})
    csv = _csv_from_link(markup.csv_link(frame, "x.csv"))
    assert csv.loc[0, "name"] == '\'=HYPERLINK("x")'
    assert csv.loc[0, "value"] == -1.5  # numbers stay numbers
    assert frame.loc[0, "name"] == '=HYPERLINK("x")'  # the page's own table is untouched
    clean = pd.DataFrame({"name": ["plain", None], "value": [1.0, 2.0]})
    assert spreadsheet_safe(clean) is clean  # nothing to neutralise: no copy made


def test_previous_value_is_the_latest_earlier_non_blank_one() -> None:
    nan = float("nan")
    history = pd.DataFrame(
        {
            # rows out of period order, as a history read back from a file may be
            "period": ["2026-Q2", "2025-Q4", "2026-Q1", "2026-Q3", "2026-Q2", "2026-Q1"],
            "metric": ["cpi", "cpi", "cpi", "cpi", "spi", "spi"],
            "value": [nan, 0.91, 0.95, 0.99, 1.02, nan],
        }
    )
    # Q2's CPI is blank: the one before it counts; Q3 itself (the report period) never does.
    assert findings.previous_value(history, "cpi", "2026-Q3") == (0.95, "2026-Q1")
    assert findings.previous_value(history, "cpi", "2026-Q1") == (0.91, "2025-Q4")
    for metric, period in (("cpi", "2025-Q4"), ("spi", "2026-Q2"), ("nps", "2026-Q3")):
        value, when = findings.previous_value(history, metric, period)
        assert when == "" and value != value  # nothing earlier: NaN and no period
    assert findings.previous_value(history, "spi", "2026-Q3") == (1.02, "2026-Q2")
    assert findings.previous_value(history.iloc[:0], "cpi", "2026-Q3")[1] == ""


def test_chart_html_table_alternative_toolbar_and_narrow_screens() -> None:
    from pmovalue import charts

    statuses = pd.DataFrame({"cpi": ["green", "red"]}, index=["Ops & Tech", "Retail"])
    table = statuses.reset_index().rename(columns={"index": "Unit"})
    out = markup.chart_html(charts.units_heatmap(statuses), table, "rag.csv")
    # drawn at its own height (rows x 40 px): no minimum height lets it outgrow its box
    assert out.startswith('<figure class="chart sized" aria-label="RAG status by unit and metric">')
    details = out.split('<details class="chart-data">')[1]
    assert "<summary>Data table: RAG status by unit and metric</summary>" in details
    assert "Ops &amp; Tech" in details and 'download="rag.csv"' in details
    assert '"displayModeBar": "hover"' in out
    assert "gd.layout.meta.narrow" in out  # the heatmap adapts to a phone
    evm = pd.DataFrame(
        {"period": ["2026-Q3"], "planned_value": [1.0], "earned_value": [1.0], "actual_cost": [1.0]}
    )
    plain = markup.chart_html(charts.evm_curves(evm, "GBP"))
    assert "meta.narrow" not in plain and "<details" not in plain  # no data: no empty table


def test_the_build_gets_the_page_helpers_without_ipython() -> None:
    # The build imports the markup module for fmt and table_html (through the page
    # generators); IPython (~0.1 s to import) is for the kernels, which display. Nor does
    # importing the report module bring it in.
    import subprocess
    import sys

    code = (
        "import sys, pmovalue.site.generated, pmovalue.report, pmovalue.markup as m\n"
        "assert m.table_html(m.pd.DataFrame({'a': [1.5]})).startswith('<div')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'IPython'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("metric", "diff", "expected"),
    [
        ("cpi", -0.03, "−0.03"),
        ("cpi", 0.001, "0"),  # too small to show at the metric's precision
        ("on_time_pct", 1.3, "+1.3 pts"),  # percentage points, not percent
        ("nps", -7.0, "−7"),
        ("eac_total", 9_700_000.0, "+GBP 9.7m"),
        ("schedule_slip_days_median", 5.0, "+5 days"),
        ("value_index", -0.94, "−0.9"),
        ("maturity_level", 1.0, "+1"),
    ],
)
def test_changes_are_signed_and_shown_as_the_metric_is(
    metric: str, diff: float, expected: str
) -> None:
    assert markup.fmt_change(metric, diff, "GBP") == expected
