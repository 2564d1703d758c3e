"""The public interface: shapes, order, types, blanks with reasons, history, robustness."""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from pmovalue.errors import PmoValueError
from pmovalue.metrics import (
    PROJECT_COLUMNS,
    compute_metrics,
    metric_history,
    project_metrics,
)
from pmovalue.metrics.catalog import METRIC_IDS

P = "2026-Q3"


def full_unit(tb) -> dict[str, pd.DataFrame]:
    """A unit with every table, small enough to compute every number by hand (see below)."""
    return tb.tables(
        projects=tb.projects(
            {
                "project_id": "A",
                "budget_at_completion": 100.0,
                "rating": "green",
                "baseline_finish": "2026-12-31",
                "forecast_finish": "2026-12-31",
                "period_budget": 20.0,
                "period_forecast": 22.0,
            },
        ),
        evm=tb.evm(tb.evm_row("A", "2026-Q2", 50, 45, 50), tb.evm_row("A", P, 100, 90, 100)),
        benefits=tb.benefits(
            {"project_id": "A", "period": P, "baseline_forecast": 100.0, "realized": 80.0}
        ),
        cashflows=tb.cashflows(
            {"project_id": "A", "year": 0, "kind": "cost", "amount": 100.0},
            {"project_id": "A", "year": 1, "kind": "benefit", "amount": 207.0},
        ),
        alignment=tb.alignment(
            *(
                {"project_id": "A", "criterion": c, "score": 4.0}
                for c in ("strategy_fit", "customer_value", "risk_reduction", "innovation")
            )
        ),
        survey=tb.survey(
            *(
                {"period": P, "instrument": "nps", "score": s, "respondent_id": f"n{i}"}
                for i, s in enumerate([10.0, 10.0, 10.0, 0.0])
            ),
            *(
                {"period": P, "instrument": "csat", "score": s, "respondent_id": f"n{i}"}
                for i, s in enumerate([4.0, 5.0, 2.0, 1.0])
            ),
        ),
        maturity=tb.maturity(
            *(
                {"period": P, "dimension": d, "item_id": d, "score": 3.0}
                for d in ("people", "process", "technology", "governance")
            )
        ),
    )


def test_one_row_per_metric_in_catalog_order(tb, params) -> None:
    m = compute_metrics(full_unit(tb), params, P)
    assert list(m.columns) == ["metric", "value", "status", "note"]
    assert m["metric"].tolist() == list(METRIC_IDS)
    assert m["value"].dtype == np.float64
    assert set(m["status"]) <= {"green", "amber", "red", ""}
    assert all(isinstance(n, str) for n in m["note"])


def test_full_unit_hand_computed(tb, params, row) -> None:
    m = compute_metrics(full_unit(tb), params, P)
    v = dict(zip(m["metric"], m["value"], strict=True))
    assert v["cpi"] == pytest.approx(0.9)  # 90/100
    assert v["spi"] == pytest.approx(0.9)  # 90/100
    # ES: PV baseline (1: 50, 2: 100 = BAC, PD = 2); EV 90 -> 1 + 40/50 = 1.8; AT 2 -> 0.9
    assert v["spi_t_median"] == pytest.approx(0.9)
    assert v["eac_total"] == pytest.approx(100 / 0.9)  # BAC/CPI
    assert v["on_budget_pct"] == 0.0  # 111.1 > 105: a real 0, not a blank
    assert v["on_time_pct"] == 100.0
    assert v["period_variance_pct"] == pytest.approx(10.0)  # 100*(22 - 20)/20
    assert v["benefits_realization_pct"] == pytest.approx(80.0)
    assert v["npv_total"] == pytest.approx(100.0)  # -100 + 207/1.035 = -100 + 200
    assert v["roi_pct"] == pytest.approx(107.0)  # 100*(207 - 100)/100
    assert v["bcr"] == pytest.approx(2.0)  # 200/100
    assert v["aligned_spend_pct"] == 100.0  # score 4.0 >= 3.0
    assert v["alignment_score_mean"] == pytest.approx(4.0)
    assert v["nps"] == pytest.approx(50.0)  # (3 - 1)/4
    assert v["csat_pct"] == pytest.approx(50.0)
    assert v["survey_responses"] == 4
    assert v["maturity_level"] == 3
    # value index: financial mean(90, 80) = 85; strategic 100; stakeholder mean(75, 50) = 62.5
    # 0.4*85 + 0.35*100 + 0.25*62.5 = 34 + 35 + 15.625 = 84.625
    assert v["value_index"] == pytest.approx(84.625)
    assert row(m, "cpi")["status"] == "amber"  # 0.90 in [0.90, 0.95)


def test_blank_values_always_have_a_reason_and_nothing_is_infinite(tb, params) -> None:
    tables = {
        name: tb.empty(name)
        for name in ("evm", "benefits", "cashflows", "alignment", "survey", "maturity")
    }
    tables["projects"] = tb.projects({"project_id": "A", "budget_at_completion": 0.0})
    for frame in (compute_metrics(tables, params, P), compute_metrics(full_unit(tb), params, P)):
        assert not np.isinf(frame["value"]).any()
        blank = frame[frame["value"].isna()]
        assert (blank["note"] != "").all(), blank[blank["note"] == ""]["metric"].tolist()
        assert (blank["status"] == "").all()


def test_unit_with_no_projects_counts_zero_and_blanks_the_rest(tb, params, row) -> None:
    m = compute_metrics(tb.tables(projects=tb.empty("projects")), params, P)
    assert row(m, "project_count")["value"] == 0  # a count of nothing is 0
    assert math.isnan(row(m, "bac_total")["value"])  # a total of nothing is blank
    assert math.isnan(row(m, "rating_red_count")["value"])


def test_missing_tables_are_named(tb, params, row) -> None:
    m = compute_metrics(tb.tables(projects=tb.projects({"project_id": "A"})), params, P)
    expected = {
        "cpi": "no EVM data",
        "benefits_realized_total": "no benefits data",
        "npv_total": "no cashflows data",
        "aligned_spend_pct": "no alignment data",
        "nps": "no survey data",
        "maturity_profile": "no maturity data",
    }
    for mid, note in expected.items():
        assert row(m, mid)["note"] == note, mid


def test_project_metrics_columns_and_types(tb, params) -> None:
    pm = project_metrics(full_unit(tb), params, P)
    assert list(pm.columns) == PROJECT_COLUMNS
    assert len(pm) == 1
    assert pm["on_budget"].dtype == "boolean" and pm["on_time"].dtype == "boolean"
    for col in ("bac", "cpi", "spi_t", "npv", "alignment_score"):
        assert pm[col].dtype == np.float64, col
    a = pm.iloc[0]
    assert a["unit_id"] == "unit-a" and a["unit_name"] == "Unit A"
    assert a["npv"] == pytest.approx(100.0) and a["alignment_score"] == 4.0
    empty = project_metrics(tb.tables(projects=tb.empty("projects")), params, P)
    assert list(empty.columns) == PROJECT_COLUMNS and empty.empty
    assert list(project_metrics({}, params, P).columns) == PROJECT_COLUMNS


def test_metric_history_long_format(tb, params, row) -> None:
    periods = ["2026-Q2", P]
    h = metric_history(full_unit(tb), params, periods)
    assert list(h.columns) == ["period", "metric", "value", "status", "note"]
    assert len(h) == 2 * len(METRIC_IDS)
    assert h["period"].tolist() == [p for p in periods for _ in METRIC_IDS]
    cpi = h[h["metric"] == "cpi"].set_index("period")["value"]
    assert cpi["2026-Q2"] == pytest.approx(0.9)  # 45/50
    assert cpi[P] == pytest.approx(0.9)  # 90/100
    sv = h[h["metric"] == "sv_total"].set_index("period")["value"]
    assert sv["2026-Q2"] == -5 and sv[P] == -10  # 45 - 50 and 90 - 100
    nps = h[h["metric"] == "nps"].set_index("period")
    assert math.isnan(nps.loc["2026-Q2", "value"])  # no survey that quarter
    assert list(metric_history(full_unit(tb), params, []).columns) == list(h.columns)


def test_bad_period_is_a_pmovalue_error(tb, params) -> None:
    with pytest.raises(PmoValueError, match="2026-Q3"):
        compute_metrics(full_unit(tb), params, "2026Q3")


def test_text_dtypes_and_mapping_types_do_not_matter(tb, params) -> None:
    """`string`, the default `str` and object columns, in any Mapping, give the same result."""
    base = compute_metrics(full_unit(tb), params, P)
    for dtype in ("str", "object"):
        converted = {
            name: frame.astype({c: dtype for c in frame.columns if frame[c].dtype == "string"})
            for name, frame in full_unit(tb).items()
        }
        other = compute_metrics(MappingProxyType(converted), params, P)
        pd.testing.assert_frame_equal(base, other)


def test_inputs_are_not_modified(tb, params) -> None:
    tables = full_unit(tb)
    before = {k: v.copy() for k, v in tables.items()}
    compute_metrics(tables, params, P)
    project_metrics(tables, params, P)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])


def test_portfolio_pools_units(tb, params, row) -> None:
    # Two units' tables together (the portfolio): sums over both, survey pooled
    projects = tb.projects(
        {"project_id": "A", "unit_id": "u1", "unit_name": "U1"},
        {"project_id": "B", "unit_id": "u2", "unit_name": "U2"},
    )
    evm = tb.evm(tb.evm_row("A", P, 10, 10, 20), tb.evm_row("B", P, 30, 30, 20))
    survey = tb.survey(
        {"unit_id": "u1", "period": P, "instrument": "nps", "score": 10.0},
        {"unit_id": "u2", "period": P, "instrument": "nps", "score": 10.0},
        {"unit_id": "u2", "period": P, "instrument": "nps", "score": 5.0},
    )
    m = compute_metrics(tb.tables(projects=projects, evm=evm, survey=survey), params, P)
    assert row(m, "cpi")["value"] == pytest.approx(1.0)  # 40/40
    assert row(m, "nps")["value"] == pytest.approx(100 / 3)  # (2 - 1)/3 pooled
