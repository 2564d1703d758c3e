"""EVM project measures and roll-ups: hand-computed cases and which projects count."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics, project_metrics
from pmovalue.metrics import evm as E

P = "2026-Q3"


def s(*values: float) -> pd.Series:
    return pd.Series(values, dtype="float64")


def test_eac_prefers_reported_forecast_then_bac_over_cpi_then_blank() -> None:
    forecast = s(150.0, math.nan, math.nan)
    bac = s(100.0, 100.0, 100.0)
    cpi = s(0.5, 0.8, math.nan)
    eac, source = E.estimate_at_completion(forecast, bac, cpi)
    assert eac[0] == 150.0  # reported wins even though BAC/CPI would be 200
    assert eac[1] == pytest.approx(125.0)  # 100 / 0.8
    assert math.isnan(eac[2])  # neither: blank
    assert list(source) == ["reported", "BAC/CPI", ""]


def test_tcpi_blank_when_budget_used_up() -> None:
    # BAC 100, EV 60, AC 100 -> BAC - AC = 0: undefined, not infinity
    # BAC 100, EV 60, AC 120 -> BAC - AC = -20: blank, not -2
    # BAC 100, EV 60, AC 80  -> 40/20 = 2.0
    t = E.to_complete_performance_index(s(100, 100, 100), s(60, 60, 60), s(100, 120, 80))
    assert math.isnan(t[0]) and math.isnan(t[1])
    assert t[2] == pytest.approx(2.0)


def test_latest_evm_row_at_or_before_the_period(tb) -> None:
    evm = tb.evm(
        tb.evm_row("P1", "2026-Q1", 10, 9, 8),
        tb.evm_row("P1", "2026-Q2", 20, 18, 16),
        tb.evm_row("P1", "2026-Q4", 40, 36, 32),  # after the report period: not used
        tb.evm_row("P2", "2026-Q4", 5, 5, 5),  # only after: P2 has no row at 2026-Q3
    )
    latest = E.latest_evm(evm, P)
    assert list(latest.index) == ["P1"]
    assert latest.loc["P1", "evm_period"] == "2026-Q2"
    assert latest.loc["P1", "ev"] == 18
    assert latest.loc["P1", "first_period"] == "2026-Q1"


def test_sums_are_additive() -> None:
    a = E.evm_sums(s(10, 20), s(8, 20), s(9, 25))
    b = E.evm_sums(s(5), s(6), s(3))
    both = a + b
    assert (both.pv, both.ev, both.ac, both.n) == (35, 34, 37, 3)
    # CPI = 34/37, SPI = 34/35
    assert E.rollup_cpi(both).value == pytest.approx(34 / 37)
    assert E.rollup_spi(both).value == pytest.approx(34 / 35)


def test_incomplete_evm_row_left_out_with_note(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "P1", "budget_at_completion": 100.0},
            {"project_id": "P2", "budget_at_completion": 100.0},
        ),
        evm=tb.evm(
            tb.evm_row("P1", P, 50, 40, 50),
            {"project_id": "P2", "period": P, "planned_value": 50.0, "earned_value": 50.0},
        ),
    )
    cpi = row(compute_metrics(tables, params, P), "cpi")
    assert cpi["value"] == pytest.approx(0.8)  # P1 only: 40/50
    assert "1 project(s) with an incomplete EVM row left out" in cpi["note"]


def test_unit_with_no_evm_rows(tb, params, row) -> None:
    # evm table given (other units have rows) but none for this unit's projects
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100.0}),
        evm=tb.empty("evm"),
    )
    m = compute_metrics(tables, params, P)
    for mid in ("cv_total", "sv_total", "cpi", "spi", "tcpi", "spi_t_median"):
        r = row(m, mid)
        assert math.isnan(r["value"]), mid
        assert r["note"] == f"no EVM data up to {P}", mid
    assert row(m, "bac_total")["value"] == 100.0  # the rest still works
    pm = project_metrics(tables, params, P).iloc[0]
    assert math.isnan(pm["cpi"]) and "no EVM row up to 2026-Q3" in pm["note"]


def test_no_evm_table_at_all(tb, params, row) -> None:
    tables = tb.tables(projects=tb.projects({"project_id": "P1", "budget_at_completion": 1.0}))
    r = row(compute_metrics(tables, params, P), "cpi")
    assert math.isnan(r["value"]) and r["note"] == "no EVM data"


def test_evm_row_only_after_the_period_is_not_used(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100.0}),
        evm=tb.evm(tb.evm_row("P1", "2026-Q4", 50, 40, 50)),
    )
    assert math.isnan(row(compute_metrics(tables, params, P), "cpi")["value"])


def test_which_projects_count_in_evm_rollups(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "status": "active", "budget_at_completion": 100.0},
            {"project_id": "C", "status": "cancelled", "budget_at_completion": 100.0},
            {"project_id": "D", "status": "closed", "budget_at_completion": 50.0},
            {"project_id": "N", "status": "proposed", "budget_at_completion": 1000.0},
        ),
        evm=tb.evm(
            tb.evm_row("A", P, 60, 50, 40),
            tb.evm_row("C", P, 40, 30, 60),  # cancelled keeps its cumulative EVM
            tb.evm_row("D", P, 50, 50, 55),
            tb.evm_row("N", P, 999, 1, 999),  # proposed: ignored
        ),
    )
    m = compute_metrics(tables, params, P)
    # CPI = (50 + 30 + 50)/(40 + 60 + 55) = 130/155; SPI = 130/(60 + 40 + 50) = 130/150
    assert row(m, "cpi")["value"] == pytest.approx(130 / 155)
    assert row(m, "spi")["value"] == pytest.approx(130 / 150)
    assert row(m, "cv_total")["value"] == pytest.approx(130 - 155)
    assert row(m, "sv_total")["value"] == pytest.approx(130 - 150)
    # TCPI over open projects only (A): (100 - 50)/(100 - 40) = 50/60
    assert row(m, "tcpi")["value"] == pytest.approx(50 / 60)
    # BAC total: every project but the proposed one: 100 + 100 + 50
    assert row(m, "bac_total")["value"] == 250.0
    assert row(m, "project_count")["value"] == 4
    assert row(m, "active_project_count")["value"] == 1


def test_eac_total_and_blank_when_all_missing(tb, params, row) -> None:
    with_eac = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "budget_at_completion": 100.0, "forecast_at_completion": 110.0},
            {"project_id": "B", "budget_at_completion": 50.0},  # no forecast, no EVM: no EAC
        )
    )
    r = row(compute_metrics(with_eac, params, P), "eac_total")
    assert r["value"] == 110.0
    assert "1 of 2 without EAC" in r["note"]
    none = tb.tables(projects=tb.projects({"project_id": "A"}, {"project_id": "B"}))
    m = compute_metrics(none, params, P)
    for mid in ("eac_total", "bac_total"):
        assert math.isnan(row(m, mid)["value"]), mid  # blank, not 0
        assert row(m, mid)["note"].startswith("no "), mid


def test_stale_evm_row_noted_for_open_projects(tb, params) -> None:
    tables = tb.tables(
        projects=tb.projects({"project_id": "A", "budget_at_completion": 100.0}),
        evm=tb.evm(tb.evm_row("A", "2026-Q1", 10, 10, 10)),
    )
    pm = project_metrics(tables, params, P).iloc[0]
    assert pm["evm_period"] == "2026-Q1"
    assert "latest EVM row is from 2026-Q1" in pm["note"]


def test_etc_falls_back_to_reported_actual_cost_without_evm(tb, params) -> None:
    tables = tb.tables(
        projects=tb.projects(
            {
                "project_id": "A",
                "budget_at_completion": 100.0,
                "forecast_at_completion": 120.0,
                "actual_cost": 70.0,
            }
        )
    )
    pm = project_metrics(tables, params, P).iloc[0]
    assert pm["etc"] == 50.0  # 120 - 70
    assert pm["vac"] == -20.0  # 100 - 120
