"""Earned schedule: ES, planned duration, AT, SPI(t), SV(t)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics, project_metrics
from pmovalue.metrics import schedule as SCH


def arr(*v: float) -> np.ndarray:
    return np.array(v, dtype=float)


def test_late_project_spi_one_but_spi_t_below_one(tb, params, row) -> None:
    # Planned: PV 25, 50, 75, 100 over 2026-Q1..Q4 (PD = 4). Work ran two quarters late and
    # finished in 2027-Q2 (AT = 6): EV = PV = BAC = 100, so SPI = 100/100 = 1.0,
    # but ES = PD = 4 (ES never exceeds PD) and SPI(t) = 4/6 = 0.6667, SV(t) = 4 - 6 = -2.
    q = tb.quarters("2026-Q1", 6)
    pv = [25, 50, 75, 100, 100, 100]
    ev = [10, 20, 40, 60, 80, 100]
    rows = [tb.evm_row("L", q[i], pv[i], ev[i], ev[i]) for i in range(6)]
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "L", "status": "closed", "budget_at_completion": 100.0}
        ),
        evm=tb.evm(*rows),
    )
    pm = project_metrics(tables, params, "2027-Q2").iloc[0]
    assert pm["spi"] == pytest.approx(1.0)
    assert pm["planned_duration"] == 4
    assert pm["at"] == 6
    assert pm["es"] == 4
    assert pm["spi_t"] == pytest.approx(4 / 6)
    assert pm["sv_t"] == pytest.approx(-2.0)
    m = compute_metrics(tables, params, "2027-Q2")
    assert row(m, "spi")["status"] == "green"
    assert row(m, "spi_t_median")["value"] == pytest.approx(4 / 6)
    assert row(m, "spi_t_median")["status"] == "red"  # 0.667 < 0.90


def test_es_mid_project_uses_earlier_rows_for_at(tb, params) -> None:
    # Same plan, status 2026-Q3 (AT = 3), EV = 40: C = 1 (PV 25 <= 40 < 50),
    # ES = 1 + (40 - 25)/(50 - 25) = 1.6; SPI(t) = 1.6/3
    q = tb.quarters("2026-Q1", 4)
    rows = [
        tb.evm_row("A", q[i], pv, ev, ev)
        for i, (pv, ev) in enumerate([(25, 10), (50, 20), (75, 40), (100, 0)])
    ]
    tables = tb.tables(
        projects=tb.projects({"project_id": "A", "budget_at_completion": 100.0}),
        evm=tb.evm(*rows),
    )
    pm = project_metrics(tables, params, "2026-Q3").iloc[0]
    assert pm["at"] == 3
    assert pm["es"] == pytest.approx(1.6)
    assert pm["spi_t"] == pytest.approx(1.6 / 3)


def test_ahead_of_schedule_uses_planned_values_of_later_periods(tb, params) -> None:
    # PV 25, 50, 75, 100; status 2026-Q2 (AT = 2) with EV = 60:
    # C = 2 (PV 50 <= 60 < 75): ES = 2 + 10/25 = 2.4 > AT; SPI(t) = 1.2
    q = tb.quarters("2026-Q1", 4)
    rows = [
        tb.evm_row("A", q[i], pv, ev, ev)
        for i, (pv, ev) in enumerate([(25, 30), (50, 60), (75, 0), (100, 0)])
    ]
    tables = tb.tables(
        projects=tb.projects({"project_id": "A", "budget_at_completion": 100.0}),
        evm=tb.evm(*rows),
    )
    pm = project_metrics(tables, params, "2026-Q2").iloc[0]
    assert pm["es"] == pytest.approx(2.4)
    assert pm["spi_t"] == pytest.approx(1.2)


def test_es_before_first_period_interpolates_from_zero() -> None:
    # EV 5 below PV_1 = 10: C = 0 (baseline starts at PV_0 = 0): ES = 0 + 5/10 = 0.5
    assert SCH.earned_schedule(arr(1, 2), arr(10, 20), 5.0, 20.0).es == pytest.approx(0.5)
    # EV 0: ES = 0 (not blank: nothing earned is a real measurement)
    assert SCH.earned_schedule(arr(1, 2), arr(10, 20), 0.0, 20.0).es == 0.0


def test_es_capped_at_planned_duration_even_when_ev_exceeds_bac() -> None:
    # PD = 3 (PV reaches BAC 30 at t = 3); EV 35 > BAC: ES = PD = 3, never 3.x
    res = SCH.earned_schedule(arr(1, 2, 3, 4), arr(10, 20, 30, 30), 35.0, 30.0)
    assert res.planned_duration == 3
    assert res.es == 3


def test_es_bridges_gaps_in_reported_periods() -> None:
    # Points t = 1 (PV 10) and t = 3 (PV 30), t = 2 not reported. EV 20:
    # ES = 1 + (20 - 10)/(30 - 10) * (3 - 1) = 2.0
    assert SCH.earned_schedule(arr(1, 3), arr(10, 30), 20.0, 30.0).es == pytest.approx(2.0)


def test_ev_beyond_an_incomplete_baseline_is_blank_with_reason() -> None:
    # PV only known to t = 2 (40 of BAC 100) and EV 50 > 40: ES cannot be interpolated
    res = SCH.earned_schedule(arr(1, 2), arr(20, 40), 50.0, 100.0)
    assert math.isnan(res.es)
    assert math.isnan(res.planned_duration)
    assert "beyond the PV baseline" in res.note


def test_planned_duration_first_period_reaching_bac() -> None:
    assert SCH.planned_duration(arr(1, 2, 3, 4), arr(40, 80, 100, 100), 100.0) == 3
    assert math.isnan(SCH.planned_duration(arr(1, 2), arr(40, 80), 100.0))
    assert math.isnan(SCH.planned_duration(arr(1, 2), arr(40, 80), math.nan))


def test_actual_time_counts_both_ends() -> None:
    assert SCH.actual_time("2025-Q3", "2026-Q2") == 4  # Q3, Q4, Q1, Q2
    assert SCH.actual_time("2026-Q1", "2026-Q1") == 1


def test_spi_t_median_leaves_out_cancelled_projects(tb, params, row) -> None:
    # A: on plan (PV = EV at t = 1 -> ES 1, SPI(t) 1); B: EV 5 of PV 10 -> ES 0.5, SPI(t) 0.5;
    # C cancelled with EV 0 -> would be 0. Median over A and B = 0.75
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "budget_at_completion": 20.0},
            {"project_id": "B", "budget_at_completion": 20.0},
            {"project_id": "C", "budget_at_completion": 20.0, "status": "cancelled"},
        ),
        evm=tb.evm(
            tb.evm_row("A", "2026-Q1", 10, 10, 10),
            tb.evm_row("B", "2026-Q1", 10, 5, 5),
            tb.evm_row("C", "2026-Q1", 10, 0, 5),
        ),
    )
    assert row(compute_metrics(tables, params, "2026-Q1"), "spi_t_median")["value"] == (
        pytest.approx(0.75)
    )


def test_baseline_closed_at_baseline_finish_when_pv_rows_stop(tb, params) -> None:
    # Exports stop at the status period: PV 25 (2026-Q1), 50 (2026-Q2); BAC 100; baseline
    # finish 2026-12-15 is in 2026-Q4 (t = 4), so the baseline is closed with (4, 100).
    # EV 60 at 2026-Q2 (AT = 2): C = 2 (PV 50 <= 60), next point (4, 100):
    # ES = 2 + (60 - 50)/(100 - 50) * (4 - 2) = 2.4; SPI(t) = 2.4/2 = 1.2; PD = 4
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "budget_at_completion": 100.0, "baseline_finish": "2026-12-15"}
        ),
        evm=tb.evm(tb.evm_row("A", "2026-Q1", 25, 30, 30), tb.evm_row("A", "2026-Q2", 50, 60, 60)),
    )
    pm = project_metrics(tables, params, "2026-Q2").iloc[0]
    assert pm["planned_duration"] == 4
    assert pm["es"] == pytest.approx(2.4)
    assert pm["spi_t"] == pytest.approx(1.2)
    assert "interpolated towards BAC at the baseline finish" in pm["note"]


def test_no_bridge_note_when_es_falls_in_reported_rows(tb, params) -> None:
    # Same plan, EV 40 (behind): ES = 1 + (40 - 25)/(50 - 25) = 1.6 from reported rows only
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "budget_at_completion": 100.0, "baseline_finish": "2026-12-15"}
        ),
        evm=tb.evm(tb.evm_row("A", "2026-Q1", 25, 20, 20), tb.evm_row("A", "2026-Q2", 50, 40, 40)),
    )
    pm = project_metrics(tables, params, "2026-Q2").iloc[0]
    assert pm["es"] == pytest.approx(1.6)
    assert pm["note"] == ""


@pytest.mark.parametrize("finish", [None, "2026-03-01"])
def test_no_bridge_without_a_later_baseline_finish(tb, params, finish) -> None:
    # baseline finish unknown, or not after the last PV row: EV 60 > PV 50 cannot be placed
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "A", "budget_at_completion": 100.0, "baseline_finish": finish}
        ),
        evm=tb.evm(tb.evm_row("A", "2026-Q1", 25, 30, 30), tb.evm_row("A", "2026-Q2", 50, 60, 60)),
    )
    pm = project_metrics(tables, params, "2026-Q2").iloc[0]
    assert math.isnan(pm["es"]) and math.isnan(pm["spi_t"])
    assert "beyond the PV baseline" in pm["note"]


def test_bridge_pure_function_and_cap() -> None:
    # PV (1: 20, 2: 40), BAC 100, finish at t = 5: bridge (2, 40) -> (5, 100).
    # EV 70: ES = 2 + (70 - 40)/(100 - 40) * 3 = 3.5; EV 150 > BAC: ES = PD = 5
    assert SCH.earned_schedule(arr(1, 2), arr(20, 40), 70.0, 100.0, 5.0).es == pytest.approx(3.5)
    capped = SCH.earned_schedule(arr(1, 2), arr(20, 40), 150.0, 100.0, 5.0)
    assert (capped.es, capped.planned_duration) == (5.0, 5.0)
    # PV already reaches BAC in the rows: the baseline finish is not used (PD from the rows)
    assert SCH.earned_schedule(arr(1, 2), arr(50, 100), 100.0, 100.0, 9.0).planned_duration == 2


def test_date_period_index_matches_period_index() -> None:
    days = pd.Series(pd.to_datetime(["2026-01-01", "2026-03-31", "2026-04-01", "2026-12-31", None]))
    got = SCH.date_period_index(days)
    assert got[:4].tolist() == [2026 * 4, 2026 * 4, 2026 * 4 + 1, 2026 * 4 + 3]
    assert math.isnan(got[4])
