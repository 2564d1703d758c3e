"""The top of the unit and portfolio pages: the executive summary (money at risk, at most five
sentences across the levels and maturity, most material first, each with its number), the
PMO's commentary, and a scenario's effect against the official parameters."""

from __future__ import annotations

import re

import pandas as pd

from pmovalue import report as r
from pmovalue.config import Params
from pmovalue.report.commentary import commentary_html
from pmovalue.report.scenario import scenario_html
from pmovalue.report.summary import AREAS, summary_html, summary_statements

NAN = float("nan")
PARAMS = Params.model_validate(
    {
        "targets": {
            "period_variance_pct": 5,
            "benefits_realization_pct": 85,
            "nps": 20,
            "csat_pct": 75,
            "value_index": 60,
            "maturity_level": 3,
        },
        "owner": "Chief <Digital> Officer",
        "pmo_type": "supportive",
    }
)
NOW = {
    # metric: (value this quarter, status, value last quarter)
    "cpi": (0.85, "red", 0.86),
    "spi": (0.97, "green", 0.97),
    "spi_t_median": (0.96, "green", 0.96),
    "period_budget_total": (5_300_000.0, "", 5_000_000.0),
    "period_forecast_total": (5_850_000.0, "", 5_000_000.0),
    "period_variance_pct": (10.4, "red", 10.4),
    "benefits_baseline_total": (1_000_000.0, "", 900_000.0),
    "benefits_realized_total": (820_000.0, "", 700_000.0),
    "benefits_realization_pct": (82.0, "amber", 80.0),
    "nps": (-79.0, "red", -58.0),
    "csat_pct": (70.0, "amber", 72.0),
    "value_index": (52.6, "red", 56.9),
    "maturity_people": (2.5, "", 2.5),
    "maturity_process": (2.2, "", 2.2),
    "maturity_technology": (1.9, "", 1.9),
    "maturity_governance": (1.46, "", 1.46),
    "maturity_level": (1.0, "red", 1.0),
}


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    metrics = pd.DataFrame(
        {
            "metric": list(NOW),
            "value": [v[0] for v in NOW.values()],
            "status": [v[1] for v in NOW.values()],
            "note": [""] * len(NOW),
        }
    )
    history = pd.DataFrame(
        {
            "period": ["2026-Q2"] * len(NOW) + ["2026-Q3"] * len(NOW),
            "metric": list(NOW) * 2,
            "value": [v[2] for v in NOW.values()] + [v[0] for v in NOW.values()],
            "status": "",
            "note": "",
        }
    )
    return metrics, history


def projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["X1", "X2", "X3"],
            "project_name": ["a", "b", "c"],
            "status": ["active", "active", "closed"],
            "rating": ["red", "green", "green"],
            "cpi": [0.95, 0.80, 1.0],
            "spi": [1.0, 1.0, 1.0],
            "spi_t": [1.0, 1.0, 1.0],
            "bac": [100_000.0, 200_000.0, 50_000.0],
            "eac": [150_000.0, 260_000.0, 90_000.0],
            "pv": [1.0, 1.0, 1.0],
            "ev": [1.0, 1.0, 1.0],
            "benefits_baseline": [NAN, 40_000.0, 25_000.0],
            "benefits_realized": [NAN, 30_000.0, NAN],
        }
    )


def peers() -> pd.DataFrame:
    vi = {"Alpha": 88.2, "Unit U": 52.6, "Beta": 70.0}
    return pd.DataFrame(
        {
            "unit_id": list(vi),
            "unit_name": list(vi),
            "metric": "value_index",
            "value": list(vi.values()),
            "status": "",
        }
    )


def unit(**kw: object) -> r.UnitView:
    metrics, history = frames()
    base = dict(
        unit_id="u",
        unit_name="Unit U",
        period="2026-Q3",
        params=PARAMS,
        tables={},
        metrics=metrics,
        projects=projects(),
        history=history,
        peers=peers(),
    )
    base.update(kw)
    return r.UnitView(**base)  # type: ignore[arg-type]


def test_at_most_five_sentences_one_per_area_most_material_first() -> None:
    found = summary_statements(unit())
    assert len(found) == 5
    assert sorted(s.area for s in found) == sorted(AREAS)  # the four levels and maturity
    weights = [s.weight for s in found]
    assert weights == sorted(weights, reverse=True)
    # Red and worse by more than its threshold (NPS -21, value index -4.3) weigh most; red
    # and unchanged next; CSAT (amber) loses its place to NPS in the outcomes.
    assert [s.metric for s in found[:2]] == ["nps", "value_index"]
    assert {s.metric for s in found} == {
        "nps",
        "value_index",
        "cpi",
        "period_variance_pct",
        "maturity_level",
    }


def test_each_sentence_has_its_number_and_links_its_metric() -> None:
    by = {s.metric: s.html for s in summary_statements(unit())}
    assert by["nps"] == (
        '<a class="metric" href="../methodology.html#nps">Net promoter score (NPS)</a> is -79 '
        "(red, target ≥\u00a0+20), down 21 since 2026-Q2."
    )
    assert (
        "is 52.6 (red, target ≥\u00a060.0), down 4.3 since 2026-Q2; the lowest of 3 units"
        in (by["value_index"])
    )
    assert "is 0.85 (red, target ≥\u00a00.95)" in by["cpi"]
    assert "1 of 3 projects are red on cost" in by["cpi"]
    assert "GBP 5.8m forecast against a budget of GBP 5.3m" in by["period_variance_pct"]
    assert "is 1, ad hoc (red, target ≥\u00a03)" in by["maturity_level"]
    assert "the weakest dimension is governance (1.46)" in by["maturity_level"]
    # Beyond the five shown, the benefits sentence names its two totals too.
    more = {s.metric: s.html for s in summary_statements(unit(), most=20)}
    assert more["benefits_realization_pct"].endswith(
        ": GBP 820k realized of GBP 1.0m forecast to date."
    )


def test_money_at_risk_owner_and_the_section_hook() -> None:
    html = summary_html(unit())
    assert html.startswith('<section class="exec-summary"')
    # Overrun of the open projects that need attention: X1 (rated red) 50,000 and X2 (CPI
    # 0.80) 60,000; closed X3's overrun is spent. Benefits short: X2 10,000 + X3 25,000.
    assert '<span class="value">GBP 145k</span>' in html
    assert "GBP 110k forecast overrun on 2 open projects that need attention" in html
    assert "GBP 35.0k of benefits due to date not realized" in html
    assert 'href="../methodology.html#money-at-risk"' in html
    assert "Owner: <strong>Chief &lt;Digital&gt; Officer</strong> · Supportive PMO" in html
    assert html.count("<li ") == 5
    assert '<span class="nw">2026-Q2</span>' in html  # a period never breaks at its hyphen


def test_portfolio_summary_gives_the_spread_of_units() -> None:
    metrics, history = frames()
    um = peers()
    view = r.PortfolioView("2026-Q3", PARAMS, {}, um, metrics, history, projects())
    by = {s.metric: s.html for s in summary_statements(view)}
    assert "units range from 52.6 (Unit U) to 88.2 (Alpha)" in by["value_index"]
    assert 'href="methodology.html#value_index"' in by["value_index"]  # the root's pages
    assert "Owner" not in summary_html(view)


def test_fewer_areas_leave_room_for_the_heaviest_left() -> None:
    metrics, _ = frames()
    keep = ["benefits_realization_pct", "nps", "csat_pct", "cpi", "spi"]
    view = unit(metrics=metrics[metrics["metric"].isin(keep)])
    found = [s.metric for s in summary_statements(view)]
    assert len(found) == 5 and set(found) == set(keep)


def test_commentary_with_byline_and_escaped_text() -> None:
    assert commentary_html(unit()) == ""
    note = {"markdown": "**Fine** <script>", "author": "Head <of> PMO", "date": "2026-10-05"}
    html = commentary_html(unit(commentary=note))
    assert html.startswith('<section class="commentary"')
    assert "<h2>PMO commentary</h2>" in html
    assert '<p class="byline">Head &lt;of&gt; PMO · 2026-10-05</p>' in html
    assert "<p><strong>Fine</strong> &lt;script&gt;</p>" in html


def test_scenario_leads_with_the_metrics_that_moved() -> None:
    metrics, _ = frames()
    assert scenario_html(unit()) == ""  # an official page
    official = metrics.copy()
    official.loc[official["metric"] == "value_index", ["value", "status"]] = [61.0, "green"]
    html = scenario_html(unit(official=official, official_params=PARAMS))
    assert html.startswith('<section class="scenario-effect"')
    assert "1 metric of this page moves against the official parameters" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert re.search(r"Value index\s+61\.0\s+52\.6\s+−8\.4\s+▼ worse", text)
    same = scenario_html(unit(official=metrics, official_params=PARAMS))
    assert "No metric of this page moves" in same


PMO = {"pmo_effect_cpi": 0.031, "pmo_effect_cpi_low": 0.008, "pmo_effect_cpi_high": 0.055}


def with_pmo(values: dict[str, float], keep: list[str] | None = None) -> r.UnitView:
    metrics, _ = frames()
    if keep is not None:
        metrics = metrics[metrics["metric"].isin(keep)]
    extra = pd.DataFrame({"metric": list(values), "value": list(values.values())})
    metrics = pd.concat([metrics, extra.assign(status="", note="")], ignore_index=True)
    return unit(metrics=metrics)


def test_the_pmo_effect_is_cited_only_with_its_interval() -> None:
    # five areas with something to say: the PMO's effect waits for a place
    assert "pmo_effect_cpi" not in {s.metric for s in summary_statements(with_pmo(PMO))}
    # an area without data leaves one
    view = with_pmo(PMO, keep=["cpi", "period_variance_pct", "nps", "value_index"])
    by = {s.metric: s.html for s in summary_statements(view)}
    assert by["pmo_effect_cpi"] == (
        '<a class="metric" href="../methodology.html#pmo_effect_cpi">PMO effect on CPI</a> is '
        "+0.031 (95% interval +0.008 to +0.055)."
    )
    # without its bounds, never
    bare = with_pmo({**PMO, "pmo_effect_cpi_high": NAN}, keep=["cpi"])
    assert "pmo_effect_cpi" not in {s.metric for s in summary_statements(bare)}


def test_every_estimate_any_summary_cites_gives_its_interval() -> None:
    from pmovalue.metrics.catalog import METRICS

    values = {m: 0.5 for m in METRICS}  # every metric has something to say
    view = with_pmo(values, keep=[])
    estimates = {m for m in METRICS if f"{m}_low" in METRICS}
    found = summary_statements(view, most=len(METRICS))
    assert estimates & {s.metric for s in found}
    for s in found:
        assert (s.metric in estimates) == ("95% interval" in s.html), s.html
