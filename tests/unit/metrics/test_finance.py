"""NPV, BCR, ROI from cash flows (Green Book: year 0 undiscounted)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics, project_metrics
from pmovalue.metrics import finance as FIN

P = "2026-Q3"


def cf(pid: str, year: int, kind: str, amount: float) -> dict:
    return {"project_id": pid, "year": year, "kind": kind, "amount": amount}


def test_discount_factor_year_zero_is_one() -> None:
    df = FIN.discount_factor(pd.Series([0, 1, 2], dtype="Int64"), 0.10)
    assert df.tolist() == pytest.approx([1.0, 1 / 1.1, 1 / 1.21])


def test_negative_npv(tb, params, row) -> None:
    # cost 1000 in year 0; benefit 500 in years 1 and 2 at 10%:
    # NPV = -1000 + 500/1.1 + 500/1.21 = -1000 + 454.545 + 413.223 = -132.231
    # BCR = 867.769/1000 = 0.86777; ROI = 100 * (1000 - 1000)/1000 = 0
    cashflows = tb.cashflows(
        cf("A", 0, "cost", 1000.0), cf("A", 1, "benefit", 500.0), cf("A", 2, "benefit", 500.0)
    )
    p = tb.params(finance={"discount_rate": 0.10}, targets={"npv_total": 0})
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), cashflows=cashflows), p, P
    )
    assert row(m, "npv_total")["value"] == pytest.approx(-132.231, abs=1e-3)
    assert row(m, "npv_total")["status"] == "red"  # target 0, higher is better
    assert row(m, "bcr")["value"] == pytest.approx(0.86777, abs=1e-5)
    assert row(m, "roi_pct")["value"] == pytest.approx(0.0)


def test_portfolio_sums_projects_and_uses_summed_pvs(tb, params, row) -> None:
    # rate 0 keeps the arithmetic plain: A: cost 100, benefit 150; B: cost 300, benefit 250
    cashflows = tb.cashflows(
        cf("A", 0, "cost", 100.0),
        cf("A", 1, "benefit", 150.0),
        cf("B", 0, "cost", 300.0),
        cf("B", 2, "benefit", 250.0),
    )
    p = tb.params(finance={"discount_rate": 0.0})
    tables = tb.tables(
        projects=tb.projects({"project_id": "A"}, {"project_id": "B"}), cashflows=cashflows
    )
    m = compute_metrics(tables, p, P)
    assert row(m, "npv_total")["value"] == pytest.approx(0.0)  # 50 + (-50)
    assert row(m, "bcr")["value"] == pytest.approx(1.0)  # 400/400, not mean(1.5, 0.833)
    assert row(m, "roi_pct")["value"] == pytest.approx(0.0)  # 100 * (400 - 400)/400
    pm = project_metrics(tables, p, P).set_index("project_id")
    assert pm.loc["A", "npv"] == 50.0 and pm.loc["B", "npv"] == -50.0
    assert pm.loc["A", "bcr"] == pytest.approx(1.5) and pm.loc["A", "roi_pct"] == 50.0


def test_no_costs_gives_blank_bcr_and_roi(tb, params, row) -> None:
    cashflows = tb.cashflows(cf("A", 1, "benefit", 100.0))
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), cashflows=cashflows), params, P
    )
    assert row(m, "npv_total")["value"] == pytest.approx(100 / 1.035)
    for mid in ("bcr", "roi_pct"):
        assert math.isnan(row(m, mid)["value"]) and "no costs" in row(m, mid)["note"]


def test_no_cashflow_rows_or_table(tb, params, row) -> None:
    projects = tb.projects({"project_id": "A"})
    other = tb.cashflows(cf("Z", 0, "cost", 1.0))  # not one of this unit's projects
    m = compute_metrics(tb.tables(projects=projects, cashflows=other), params, P)
    assert math.isnan(row(m, "npv_total")["value"])
    assert row(m, "npv_total")["note"] == "no cash flows for these projects"
    m = compute_metrics(tb.tables(projects=projects), params, P)
    assert row(m, "npv_total")["note"] == "no cashflows data"
