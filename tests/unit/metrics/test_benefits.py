"""Benefits: cumulative flows to date, disbenefits, realization."""

from __future__ import annotations

import math

import pytest

from pmovalue.metrics import compute_metrics, project_metrics

P = "2026-Q3"


def _m(tb, params, benefits, projects=None):
    projects = (
        projects if projects is not None else tb.projects({"project_id": "A"}, {"project_id": "B"})
    )
    return compute_metrics(tb.tables(projects=projects, benefits=benefits), params, P)


def test_flows_are_summed_up_to_the_period_with_disbenefits_negative(tb, params, row) -> None:
    benefits = tb.benefits(
        {"project_id": "A", "period": "2026-Q1", "baseline_forecast": 100.0, "realized": 80.0},
        {"project_id": "A", "period": "2026-Q2", "baseline_forecast": 100.0, "realized": 90.0},
        {
            "project_id": "A",
            "period": "2026-Q4",
            "baseline_forecast": 100.0,
            "realized": 100.0,
        },  # after the period: not yet
        # a disbenefit (e.g. extra running cost) counts as negative
        {"project_id": "B", "period": "2026-Q3", "baseline_forecast": -20.0, "realized": -30.0},
    )
    m = _m(tb, params, benefits)
    assert row(m, "benefits_baseline_total")["value"] == 180.0  # 100 + 100 - 20
    assert row(m, "benefits_realized_total")["value"] == 140.0  # 80 + 90 - 30
    # 100 * 140 / 180
    assert row(m, "benefits_realization_pct")["value"] == pytest.approx(77.7777, abs=1e-3)
    pm = project_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), benefits=benefits), params, P
    ).iloc[0]
    assert (pm["benefits_baseline"], pm["benefits_realized"]) == (200.0, 170.0)


def test_realization_over_measured_rows_only(tb, params, row) -> None:
    benefits = tb.benefits(
        {"project_id": "A", "period": "2026-Q2", "baseline_forecast": 100.0, "realized": 50.0},
        {"project_id": "A", "period": "2026-Q3", "baseline_forecast": 100.0},  # not measured
    )
    m = _m(tb, params, benefits)
    assert row(m, "benefits_baseline_total")["value"] == 200.0
    assert row(m, "benefits_realized_total")["value"] == 50.0
    r = row(m, "benefits_realization_pct")
    assert r["value"] == pytest.approx(50.0)  # 50 / 100, the unmeasured flow is not a 0
    assert "1 benefit not yet measured" in r["note"]


def test_blank_period_counts_as_report_period(tb, params, row) -> None:
    benefits = tb.benefits({"project_id": "A", "baseline_forecast": 10.0, "realized": 5.0})
    assert row(_m(tb, params, benefits), "benefits_baseline_total")["value"] == 10.0


def test_baseline_zero_or_negative_is_blank(tb, params, row) -> None:
    net_zero = tb.benefits(
        {"project_id": "A", "period": P, "baseline_forecast": 50.0, "realized": 40.0},
        {"project_id": "B", "period": P, "baseline_forecast": -50.0, "realized": -40.0},
    )
    r = row(_m(tb, params, net_zero), "benefits_realization_pct")
    assert math.isnan(r["value"]) and "is 0" in r["note"]
    negative = tb.benefits(
        {"project_id": "A", "period": P, "baseline_forecast": -5.0, "realized": -5.0}
    )
    r = row(_m(tb, params, negative), "benefits_realization_pct")
    assert math.isnan(r["value"]) and "disbenefit" in r["note"]


def test_nothing_realized_yet_is_blank_not_zero(tb, params, row) -> None:
    benefits = tb.benefits({"project_id": "A", "period": P, "baseline_forecast": 10.0})
    m = _m(tb, params, benefits)
    assert row(m, "benefits_baseline_total")["value"] == 10.0
    for mid in ("benefits_realized_total", "benefits_realization_pct"):
        assert math.isnan(row(m, mid)["value"]), mid
        assert row(m, mid)["note"] == "no realized benefits reported yet"


def test_no_rows_up_to_period_and_no_table(tb, params, row) -> None:
    later = tb.benefits({"project_id": "A", "period": "2027-Q1", "baseline_forecast": 10.0})
    assert row(_m(tb, params, later), "benefits_baseline_total")["note"] == (
        "no benefits up to 2026-Q3"
    )
    m = compute_metrics(tb.tables(projects=tb.projects({"project_id": "A"})), params, P)
    assert row(m, "benefits_baseline_total")["note"] == "no benefits data"


def test_proposed_projects_benefits_not_counted(tb, params, row) -> None:
    projects = tb.projects({"project_id": "A"}, {"project_id": "N", "status": "proposed"})
    benefits = tb.benefits(
        {"project_id": "A", "period": P, "baseline_forecast": 10.0, "realized": 10.0},
        {"project_id": "N", "period": P, "baseline_forecast": 90.0, "realized": 0.0},
    )
    assert row(_m(tb, params, benefits, projects), "benefits_baseline_total")["value"] == 10.0
