"""On budget, on time, slip days, rating counts (level 1 judgements)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics, project_metrics
from pmovalue.metrics import delivery as DL

P = "2026-Q3"


def test_on_budget_tolerance_boundary() -> None:
    # tolerance 5%: limit = 100 * 1.05 = 105
    eac = pd.Series([105.0, 105.01, 90.0, math.nan], dtype="float64")
    bac = pd.Series([100.0, 100.0, 100.0, 100.0], dtype="float64")
    flags = DL.on_budget(eac, bac, 5.0)
    assert flags.tolist()[:3] == [True, False, True]
    assert flags.isna().tolist() == [False, False, False, True]


def test_on_time_tolerance_boundary_and_actual_over_forecast(tb, params) -> None:
    # tolerance 30 days (defaults)
    projects = tb.projects(
        # 2026-06-30 + 30 days = 2026-07-30: exactly on the limit -> on time
        {"project_id": "A", "baseline_finish": "2026-06-30", "forecast_finish": "2026-07-30"},
        # 31 days late -> not on time
        {"project_id": "B", "baseline_finish": "2026-06-30", "forecast_finish": "2026-07-31"},
        # closed: the actual finish (10 days early) wins over a stale forecast (late)
        {
            "project_id": "C",
            "status": "closed",
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2026-12-31",
            "actual_finish": "2026-06-20",
        },
        # no baseline: unknown
        {"project_id": "D", "forecast_finish": "2026-06-30"},
    )
    pm = project_metrics(tb.tables(projects=projects), params, P).set_index("project_id")
    assert pm.loc["A", "slip_days"] == 30
    assert pm.loc["B", "slip_days"] == 31
    assert pm.loc["C", "slip_days"] == -10
    assert math.isnan(pm.loc["D", "slip_days"])
    assert pm["on_time"].tolist()[:3] == [True, False, True]
    assert pd.isna(pm.loc["D", "on_time"])


def test_delivery_percentages_and_slip_median(tb, params, row) -> None:
    projects = tb.projects(
        {
            "project_id": "A",
            "budget_at_completion": 100.0,
            "forecast_at_completion": 100.0,
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2026-06-30",
        },  # slip 0
        {
            "project_id": "B",
            "budget_at_completion": 100.0,
            "forecast_at_completion": 120.0,
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2026-09-28",
        },  # slip 90
        {
            "project_id": "C",
            "budget_at_completion": 100.0,
            "forecast_at_completion": 104.0,
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2026-06-20",
        },  # slip -10
        {"project_id": "D", "budget_at_completion": 100.0},  # no EAC, no dates: undetermined
        # cancelled and proposed: not judged (would make on-budget 3/6 and slip median 45)
        {
            "project_id": "X",
            "status": "cancelled",
            "budget_at_completion": 100.0,
            "forecast_at_completion": 500.0,
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2027-06-30",
        },
        {
            "project_id": "Y",
            "status": "proposed",
            "budget_at_completion": 100.0,
            "forecast_at_completion": 500.0,
            "baseline_finish": "2026-06-30",
            "forecast_finish": "2027-06-30",
        },
    )
    m = compute_metrics(tb.tables(projects=projects), params, P)
    # on budget: A (100 <= 105), C (104 <= 105) of A, B, C -> 2/3
    assert row(m, "on_budget_pct")["value"] == pytest.approx(200 / 3)
    assert "1 of 4 project(s) undetermined" in row(m, "on_budget_pct")["note"]
    # on time: A (0), C (-10) of A, B, C -> 2/3
    assert row(m, "on_time_pct")["value"] == pytest.approx(200 / 3)
    # slip median of (0, 90, -10) = 0
    assert row(m, "schedule_slip_days_median")["value"] == 0


def test_delivery_percentages_blank_when_nothing_to_judge(tb, params, row) -> None:
    m = compute_metrics(tb.tables(projects=tb.projects({"project_id": "A"})), params, P)
    for mid in ("on_budget_pct", "on_time_pct", "schedule_slip_days_median"):
        assert math.isnan(row(m, mid)["value"]), mid
        assert row(m, mid)["note"].startswith("no project"), mid


def test_rating_counts_and_red_amber_share(tb, params, row) -> None:
    projects = tb.projects(
        {"project_id": "A", "rating": "red"},
        {"project_id": "B", "rating": "amber"},
        {"project_id": "C", "rating": "green"},
        {"project_id": "D", "rating": "green"},
        {"project_id": "E"},  # not rated: not in the share's denominator
    )
    p = tb.params(targets={"rating_red_amber_pct": 30})
    m = compute_metrics(tb.tables(projects=projects), p, P)
    assert row(m, "rating_red_count")["value"] == 1
    assert row(m, "rating_amber_count")["value"] == 1
    assert row(m, "rating_green_count")["value"] == 2
    assert row(m, "rating_red_amber_pct")["value"] == pytest.approx(50.0)  # 2 of 4 rated
    assert row(m, "rating_red_amber_pct")["status"] == "red"  # 50 > 30 + 10% of 30


def test_ratings_blank_not_zero_when_nobody_is_rated(tb, params, row) -> None:
    m = compute_metrics(tb.tables(projects=tb.projects({"project_id": "A"})), params, P)
    for mid in (
        "rating_red_count",
        "rating_amber_count",
        "rating_green_count",
        "rating_red_amber_pct",
    ):
        assert math.isnan(row(m, mid)["value"]), mid
        assert row(m, mid)["note"] == "no project ratings"
