"""What the PMO-value page and the unit pages' PMO section say, from the sample's tables."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from pmovalue import handoff
from pmovalue.config import Params, load_params
from pmovalue.data.loading import load_dataset
from pmovalue.execute.plan import PMO_TABLES
from pmovalue.markup import signed
from pmovalue.metrics import all_metrics, compute_metrics
from pmovalue.metrics.catalog import METRICS
from pmovalue.metrics.pmo import ALL, PMO_METRICS
from pmovalue.report import UnitView
from pmovalue.report import pmo as report_pmo

PERIOD = "2026-Q3"


@pytest.fixture(scope="module")
def sample(repo: Path) -> tuple[dict[str, pd.DataFrame], Params]:
    return load_dataset(repo / "data" / "sample").tables, load_params(repo / "params")


def view_of(tmp: Path, tables: dict[str, pd.DataFrame], params: Params) -> report_pmo.PmoView:
    given = {name: tables[name] for name in PMO_TABLES if name in tables}
    handoff.write_tables(tmp / "input", given)
    return report_pmo.pmo_view(tmp / "input", PERIOD, params.model_dump(mode="json"))


def test_the_page_gives_the_figures_of_metrics_csv(tmp_path: Path, sample) -> None:
    tables, params = sample
    view = view_of(tmp_path, tables, params)
    portfolio = compute_metrics(tables, params, PERIOD).set_index("metric")["value"]
    page = view.metrics.set_index("metric")["value"]
    for mid in PMO_METRICS:
        assert page[mid] == portfolio[mid] or (math.isnan(page[mid]) and math.isnan(portfolio[mid]))
    # and every service type of the sample's catalogue has its row for both indices
    assert set(view.estimates["group"]) == {ALL, *tables["pmo_services"]["service"]}
    assert len(view.estimates) == 2 * view.estimates["group"].nunique()


def test_findings_always_give_an_estimate_with_its_interval(tmp_path: Path, sample) -> None:
    tables, params = sample
    view = view_of(tmp_path, tables, params)
    findings = report_pmo.pmo_findings(view)
    cpi = view.estimates.query("group == @ALL and index == 'cpi'").iloc[0]
    said = next(s for s in findings if "changed their CPI" in s)
    assert signed(cpi["effect"], 3) in said
    assert f"95% interval {signed(cpi['effect_low'], 3)} to {signed(cpi['effect_high'], 3)}" in said
    assert f"{cpi['served_projects']} served, {cpi['comparison_projects']} comparison" in said
    for sentence in findings:
        if re.search(r"[+-]\d\.\d{3}", sentence):  # any effect stated
            assert "95% interval" in sentence, sentence
    # the return, too: the cost avoided's bounds over the same services' cost
    low, high = (cpi[f"avoided_{b}"] / cpi["service_cost"] for b in ("low", "high"))
    spent = f"for each {params.report.currency} spent"
    said = next(s for s in findings if spent in s)
    assert f"{cpi['return']:.1f} {spent} (95% interval {low:.1f} to {high:.1f})" in said


def test_every_estimate_card_gives_its_interval(tmp_path: Path, sample) -> None:
    tables, params = sample
    view = view_of(tmp_path, tables, params)
    notes = report_pmo._card_notes(view).set_index("metric")["note"]
    m = view.metrics.set_index("metric")["value"]
    for mid in ("pmo_effect_cpi", "pmo_effect_spi", "pmo_cost_avoided", "pmo_return"):
        assert not math.isnan(m[mid]) and "95% interval" in notes[mid], mid
    cpi = view.estimates.query("group == @ALL and index == 'cpi'").iloc[0]
    low = cpi["avoided_low"] / cpi["service_cost"]
    assert notes["pmo_return"].startswith(f"95% interval {low:.1f} to ")


def test_without_the_table_every_section_says_what_to_provide(
    tmp_path: Path, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables, params = sample
    view = view_of(tmp_path, {k: v for k, v in tables.items() if k != "pmo_services"}, params)
    assert view.evidence is None and report_pmo.pmo_findings(view) == []
    shown: list[str] = []
    monkeypatch.setattr(report_pmo, "show_markdown", shown.append)
    for section in (
        report_pmo.show_pmo_headline,
        report_pmo.show_pmo_effects,
        report_pmo.show_pmo_cost_avoided,
        report_pmo.show_pmo_services,
    ):
        section(view)
    assert shown == [report_pmo.MISSING] * 4
    for column in ("pmo_services.csv", "project_id", "period", "service", "hours", "cost"):
        assert column in report_pmo.MISSING


def test_services_table_by_hand(tmp_path: Path, sample) -> None:
    tables, params = sample
    services = pd.DataFrame(
        {
            "project_id": ["RB-001", "RB-002", "RB-001", "CB-001", "CB-001"],
            "period": ["2025-Q1", "2026-Q2", "2026-Q3", "2026-Q3", "2026-Q3"],
            "service": ["health_check", "health_check", "health_check", "recovery", "recovery"],
            "hours": [10.0, 20.0, 5.0, 100.0, math.nan],
            "cost": [math.nan, math.nan, 1000.0, math.nan, 250.0],
        }
    )
    view = view_of(tmp_path, {**tables, "pmo_services": services}, params)
    rate = params.pmo.hourly_rate
    got = report_pmo.services_table(view).set_index("service")
    assert got.loc["health_check"].tolist() == [1, 1000.0, 2, 35.0, 30 * rate + 1000.0]
    assert got.loc["recovery"].tolist() == [2, 100 * rate + 250.0, 1, 100.0, 100 * rate + 250]


def test_method_names_who_was_compared_with_whom(tmp_path: Path, sample) -> None:
    tables, params = sample
    view = view_of(tmp_path, tables, params)
    text = report_pmo.method_html(view)
    for words in (
        "association, not proof",
        "same unit",
        "same band",
        "difference-in-differences",
        "regression to the mean",
        f"{params.pmo.bootstrap_draws:,} times",
        f"at least {params.pmo.min_group_size} served",
        "Who was compared with whom",
    ):
        assert words in text, words
    for mid in PMO_METRICS:  # each linked to its definition, with its id in metrics.csv
        assert f'href="methodology.html#{mid}">{METRICS[mid].label}</a> <code>{mid}</code>' in text


def test_unit_section_sentences(sample) -> None:
    tables, params = sample
    unit = "digital-channels"
    projects = tables["projects"]
    mine = set(projects.loc[projects["unit_id"] == unit, "project_id"])
    part = {
        name: (frame[frame["project_id"].isin(mine)] if "project_id" in frame else frame)
        for name, frame in tables.items()
    }
    computed = all_metrics(part, params, PERIOD, [PERIOD])
    view = UnitView(unit, "Digital Channels", PERIOD, params, part, computed.metrics,
                    computed.projects, computed.history)  # fmt: skip
    said = report_pmo.unit_support_sentences(view)
    m = computed.metrics.set_index("metric")["value"]
    assert f"{m['pmo_supported_pct']:.0f}% of its active projects" in said[0]
    assert signed(m["pmo_effect_cpi"], 3) in said[1]
    assert (
        f"{signed(m['pmo_effect_cpi_low'], 3)} to {signed(m['pmo_effect_cpi_high'], 3)}"
        in (said[1])
    )
