"""The changes page: each version against the previous quarter of its own history, material
changes first, judged better or worse by the metric's direction, RAG transitions as badges,
one chart, every change below (collapsed); and a scenario against the official parameters."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pmovalue.config import Params, load_params
from pmovalue.diff import is_material, judge_changes, metric_changes, verdict
from pmovalue.errors import ParamsError
from pmovalue.site.changes import changes_html, previous_period

NAN = float("nan")
P = Params()


def rows(unit: str, name: str, values: dict[str, tuple[float, str]]) -> list[dict[str, object]]:
    return [
        {"unit_id": unit, "unit_name": name, "metric": m, "value": v, "status": s}
        for m, (v, s) in values.items()
    ]


def history() -> pd.DataFrame:
    """Two units and the portfolio over three quarters (only the metrics that matter here)."""
    out = []
    for period, cpi, eac, vi_a, vi_b, nps in (
        ("2026-Q1", 0.97, 100.0, 60.0, 70.0, 10.0),
        ("2026-Q2", 0.96, 100.0, 62.0, 71.0, 12.0),
        ("2026-Q3", 0.931, 110.0, 55.5, 75.0, 12.0),
    ):
        status = "green" if cpi >= 0.95 else "amber"
        out += [
            {**r, "period": period}
            for r in rows(
                "_portfolio",
                "Portfolio",
                {"cpi": (cpi, status), "eac_total": (eac, ""), "nps": (nps, "red")},
            )
            + rows("a", "Alpha", {"value_index": (vi_a, "green"), "cpi": (0.931, "amber")})
            + rows("b", "Beta & Co", {"value_index": (vi_b, "green"), "cpi": (0.9312, "amber")})
        ]
    return pd.DataFrame(out)


def now() -> pd.DataFrame:
    h = history()
    return h[h["period"] == "2026-Q3"].drop(columns="period").reset_index(drop=True)


def test_previous_period_is_the_latest_before_the_version() -> None:
    assert previous_period(history(), "2026-Q3") == "2026-Q2"
    assert previous_period(history(), "2026-Q2") == "2026-Q1"
    assert previous_period(history(), "2026-Q1") is None
    assert previous_period(history().iloc[:0], "2026-Q3") is None


@pytest.mark.parametrize(
    ("metric", "old", "new", "expected"),
    [
        ("cpi", 0.96, 0.93, "worse"),  # higher is better
        ("eac_total", 100.0, 110.0, "worse"),  # lower is better: an EAC going up is bad
        ("eac_total", 110.0, 100.0, "better"),
        ("period_variance_pct", -8.0, 3.0, "better"),  # closer to zero is better
        ("period_variance_pct", 2.0, -6.0, "worse"),
        ("bac_total", 100.0, 120.0, ""),  # context only: no judgement
    ],
)
def test_verdict_follows_the_metric_direction(
    metric: str, old: float, new: float, expected: str
) -> None:
    assert verdict(metric, old, new, "", "") == expected


def test_verdict_of_a_status_change_alone() -> None:
    assert verdict("on_time_pct", 80.0, 80.0, "green", "amber") == "worse"
    assert verdict("on_time_pct", 80.0, 80.0, "red", "amber") == "better"


def test_materiality_by_threshold_status_and_blanks() -> None:
    # Defaults: CPI 0.02; EAC 2% of the previous value; benefits baseline never by size.
    assert is_material("cpi", 0.96, 0.94, "green", "green", P)  # exactly the threshold
    assert not is_material("cpi", 0.96, 0.95, "green", "green", P)
    assert is_material("cpi", 0.951, 0.949, "green", "amber", P)  # a RAG transition always is
    assert is_material("eac_total", 100.0, 102.0, "", "", P)
    assert not is_material("eac_total", 100.0, 101.9, "", "", P)
    assert is_material("nps", 10.0, NAN, "red", "", P)  # status lost
    assert is_material("maturity_technology", 2.5, NAN, "", "", P)  # goes blank
    assert not is_material("benefits_baseline_total", 1.0, 900.0, "", "", P)
    mine = Params.model_validate({"changes": {"material": {"cpi": 0.5, "eac_total": "50%"}}})
    assert not is_material("cpi", 0.96, 0.60, "green", "green", mine)
    assert not is_material("eac_total", 100.0, 140.0, "", "", mine)
    assert mine.changes.material["nps"] == P.changes.material["nps"]  # others keep defaults


def test_thresholds_are_validated_naming_the_key(tmp_path) -> None:
    bad = {
        "cpii: 0.02": "unknown metric id",
        "cpi: -1": "cannot be negative",
        "cpi: lots": "neither a number nor a percentage",
        "cpi: [1]": "give a number",
    }
    for line, message in bad.items():
        (tmp_path / "defaults.yml").write_text(f"changes:\n  material:\n    {line}\n")
        with pytest.raises(ParamsError, match=message) as err:
            load_params(tmp_path)
        assert "changes.material" in str(err.value) and "defaults.yml" in str(err.value)


def test_judge_changes_adds_verdict_and_material() -> None:
    h = history()
    before = h[h["period"] == "2026-Q2"].drop(columns="period")
    judged = judge_changes(metric_changes(before, now()), lambda _u: P)
    cpi = judged[(judged["unit_id"] == "_portfolio") & (judged["metric"] == "cpi")].iloc[0]
    assert cpi["verdict"] == "worse" and cpi["material"]  # 0.96 -> 0.931, green -> amber


def page() -> str:
    return changes_html(now(), history(), "2026-Q3", lambda _u: P, "GBP", ["a", "b"])


def test_page_compares_with_the_previous_quarter_of_the_same_data() -> None:
    html = page()
    assert "Compared with 2026-Q2, computed from the same data and parameters" in html
    assert "<h2>Since 2026-Q2</h2>" in html


def test_page_leads_with_material_changes_judged_and_badged() -> None:
    html = page()
    material = html.split('<details class="all-changes">')[0]
    # Material: portfolio CPI (status change) and EAC +10% (lower is better), Alpha's value
    # index -6.5 (threshold 2), Beta's +4.0. Nothing else moved.
    assert "4 material changes: 3 for the worse, 1 for the better; 1 change of RAG status." in (
        material
    )
    body = material.split("Material changes: the portfolio, then each unit")[1]
    names = re.findall(r'href="methodology.html#(\w+)"', body)
    assert names == ["eac_total", "cpi", "value_index", "value_index"]  # portfolio, then units
    assert '<span class="rag rag-green">GREEN</span> <span aria-label="to">→</span> ' in body
    assert '<span class="verdict verdict-worse">▼ worse</span>' in body
    assert '<span class="verdict verdict-better">▲ better</span>' in body
    assert "+GBP 10" in body and "−6.5" in body  # signed changes as the metric is shown


def test_no_change_too_small_to_see_and_no_empty_transitions() -> None:
    html = page()
    text = re.sub(r"<[^>]+>", " ", html)
    # Units' CPI 0.931 and 0.9312 did not move; the portfolio's NPS held: not listed at all.
    assert "0.93 → 0.93" not in text and not re.search(r"–\s*→\s*–", text)
    everything = html.split('<details class="all-changes">')[1]
    assert everything.count("<tr>") - 1 == 4  # the header row and the four changes
    assert "<summary>All 4 changes</summary>" in everything


def test_page_draws_the_units_value_index_last_quarter_to_this_one() -> None:
    html = page()
    assert html.count('<figure class="chart') == 1
    assert html == page()  # the same page from the same numbers: no build-wide chart numbering
    assert 'aria-label="Value index: 2026-Q2 → 2026-Q3"' in html
    table = html.split('<details class="chart-data">')[1]
    assert "Beta &amp; Co" in table and "62.0" in table and "55.5" in table


def test_first_quarter_says_so() -> None:
    h = history()
    first = h[h["period"] == "2026-Q1"]
    html = changes_html(first.drop(columns="period"), first, "2026-Q1", lambda _u: P, "GBP", [])
    assert "2026-Q1 is the first quarter in the data" in html
    assert "first published version" not in html


def test_scenario_page_leads_with_what_it_changes() -> None:
    official = now()
    scenario = official.copy()
    scenario.loc[scenario["metric"] == "value_index", "value"] -= 10.0
    html = changes_html(
        scenario, history(), "2026-Q3", lambda _u: P, "GBP", ["a", "b"], official=official
    )
    assert html.index("What the scenario changes against the official parameters") < html.index(
        "Since 2026-Q2"
    )
    lead = html.split("Since 2026-Q2")[0]
    assert "2 material changes: 2 for the worse, 0 for the better" in lead
    assert ">Official<" in lead and ">Scenario<" in lead


def test_a_value_gone_blank_says_so() -> None:
    """A maturity dimension left out this quarter (or measured for the first time): no better
    or worse, but said in words, and the missing status as a badge that says so."""
    h = history()
    h = pd.concat(
        [
            h,
            pd.DataFrame(
                [
                    {**r, "period": p}
                    for p, v, s in (("2026-Q2", 3.5, "green"), ("2026-Q3", NAN, ""))
                    for r in rows("a", "Alpha", {"maturity_technology": (v, s)})
                ]
            ),
        ],
        ignore_index=True,
    )
    current = h[h["period"] == "2026-Q3"].drop(columns="period").reset_index(drop=True)
    html = changes_html(current, h, "2026-Q3", lambda _u: P, "GBP", ["a", "b"])
    row = next(r for r in html.split("<tr>") if "#maturity_technology" in r)
    assert '<span class="verdict verdict-none">left out</span>' in row
    assert '<span class="rag rag-none">no status</span>' in row
    back = changes_html(
        h[h["period"] == "2026-Q2"].drop(columns="period"), h, "2026-Q2", lambda _u: P, "GBP", []
    )
    row = next(r for r in back.split("<tr>") if "#maturity_technology" in r)
    assert '<span class="verdict verdict-none">new</span>' in row  # none in 2026-Q1
