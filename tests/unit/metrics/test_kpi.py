"""Level 2 period KPIs."""

from __future__ import annotations

import math

import pytest

from pmovalue.metrics import compute_metrics

P = "2026-Q3"


def test_period_totals_and_variance(tb, params, row) -> None:
    projects = tb.projects(
        {"project_id": "A", "period_budget": 100.0, "period_forecast": 110.0},
        {"project_id": "B", "period_budget": 50.0, "period_forecast": 40.0},
        {"project_id": "C", "period_budget": 30.0},  # no forecast: in the budget total only
        {
            "project_id": "N",
            "status": "proposed",
            "period_budget": 999.0,
            "period_forecast": 999.0,
        },  # not approved: left out
    )
    p = tb.params(targets={"period_variance_pct": 5})
    m = compute_metrics(tb.tables(projects=projects), p, P)
    assert row(m, "period_budget_total")["value"] == 180.0  # 100 + 50 + 30
    assert row(m, "period_forecast_total")["value"] == 150.0  # 110 + 40
    # variance over projects with both: 100 * (150 - 150)/150 = 0
    v = row(m, "period_variance_pct")
    assert v["value"] == pytest.approx(0.0)
    assert "1 project(s) with only one of budget/forecast left out" in v["note"]
    assert v["status"] == "green"  # |0| <= 5


def test_period_variance_sign_and_zero_budget(tb, params, row) -> None:
    over = tb.projects({"project_id": "A", "period_budget": 80.0, "period_forecast": 100.0})
    p = tb.params(targets={"period_variance_pct": 5})
    v = row(compute_metrics(tb.tables(projects=over), p, P), "period_variance_pct")
    assert v["value"] == pytest.approx(25.0)  # 100 * (100 - 80)/80
    assert v["status"] == "red"  # |25| > 5 * 1.1
    zero = tb.projects({"project_id": "A", "period_budget": 0.0, "period_forecast": 10.0})
    v = row(compute_metrics(tb.tables(projects=zero), params, P), "period_variance_pct")
    assert math.isnan(v["value"]) and "budget is 0" in v["note"]


def test_all_missing_period_totals_are_blank_not_zero(tb, params, row) -> None:
    m = compute_metrics(tb.tables(projects=tb.projects({"project_id": "A"})), params, P)
    for mid in ("period_budget_total", "period_forecast_total", "period_variance_pct"):
        assert math.isnan(row(m, mid)["value"]), mid
        assert row(m, mid)["note"].startswith("no "), mid
