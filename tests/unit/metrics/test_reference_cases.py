"""The hand-computed cases of docs/metrics.md (the catalogue's examples), through the public
functions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics, project_metrics
from pmovalue.metrics import evm as E
from pmovalue.metrics import finance as FIN
from pmovalue.metrics import satisfaction as SAT
from pmovalue.metrics import schedule as SCH

P = "2026-Q3"


def _one(x: float) -> pd.Series:
    return pd.Series([x], dtype="float64")


# ---------------------------------------------------------------------- EVM at the status date
# BAC 100,000; PV 50,000; EV 40,000; AC 45,000


def test_evm_reference_case_pure_functions() -> None:
    bac, pv, ev, ac = _one(100_000), _one(50_000), _one(40_000), _one(45_000)
    assert E.cost_variance(ev, ac)[0] == -5_000  # 40,000 - 45,000
    assert E.schedule_variance(ev, pv)[0] == -10_000  # 40,000 - 50,000
    cpi = E.cost_performance_index(ev, ac)
    spi = E.schedule_performance_index(ev, pv)
    assert cpi[0] == pytest.approx(0.8889, abs=5e-5)  # 40/45
    assert spi[0] == pytest.approx(0.8000, abs=5e-5)  # 40/50
    eac, source = E.estimate_at_completion(_one(math.nan), bac, cpi)
    assert eac[0] == pytest.approx(112_500)  # 100,000 / (40/45)
    assert source[0] == "BAC/CPI"
    assert E.eac_atypical(ac, bac, ev)[0] == pytest.approx(105_000)  # 45k + 60k
    # 45,000 + 60,000 / (0.8889 * 0.8) = 45,000 + 84,375
    assert E.eac_composite(ac, bac, ev, cpi, spi)[0] == pytest.approx(129_375)
    assert E.estimate_to_complete(eac, ac)[0] == pytest.approx(67_500)  # 112,500 - 45,000
    assert E.variance_at_completion(bac, eac)[0] == pytest.approx(-12_500)  # 100k - 112.5k
    # (100,000 - 40,000) / (100,000 - 45,000) = 60/55
    assert E.to_complete_performance_index(bac, ev, ac)[0] == pytest.approx(1.0909, abs=5e-5)


def test_evm_reference_case_through_project_and_unit_metrics(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100_000.0}),
        evm=tb.evm(tb.evm_row("P1", P, 50_000, 40_000, 45_000)),
    )
    pm = project_metrics(tables, params, P).iloc[0]
    assert (pm["cv"], pm["sv"]) == (-5_000, -10_000)
    assert pm["cpi"] == pytest.approx(40 / 45)
    assert pm["spi"] == pytest.approx(0.8)
    assert pm["eac"] == pytest.approx(112_500)
    assert pm["etc"] == pytest.approx(67_500)
    assert pm["vac"] == pytest.approx(-12_500)
    assert pm["tcpi"] == pytest.approx(60 / 55)
    m = compute_metrics(tables, params, P)
    assert row(m, "cpi")["value"] == pytest.approx(40 / 45)
    assert row(m, "spi")["value"] == pytest.approx(0.8)
    assert row(m, "tcpi")["value"] == pytest.approx(60 / 55)
    assert row(m, "eac_total")["value"] == pytest.approx(112_500)
    assert row(m, "cv_total")["value"] == -5_000
    assert row(m, "sv_total")["value"] == -10_000


@pytest.mark.parametrize(
    ("pv", "ac", "blank_metric", "words"),
    [
        (50.0, 0.0, "cpi", "AC = 0"),  # no actuals yet
        (0.0, 10.0, "spi", "PV = 0"),  # nothing planned yet
    ],
)
def test_ac_or_pv_zero_is_blank_with_reason_never_zero_or_inf(
    tb, params, row, pv, ac, blank_metric, words
) -> None:
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100.0}),
        evm=tb.evm(tb.evm_row("P1", P, pv, 5.0, ac)),
    )
    r = row(compute_metrics(tables, params, P), blank_metric)
    assert math.isnan(r["value"])
    assert words in r["note"]
    assert r["status"] == ""
    pm = project_metrics(tables, params, P).iloc[0]
    assert math.isnan(pm[blank_metric])
    assert not np.isinf(pm[["cpi", "spi", "tcpi", "eac"]].astype(float)).any()


def test_ev_above_bac_is_reported_not_clamped(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100.0}),
        evm=tb.evm(tb.evm_row("P1", P, 100.0, 120.0, 100.0)),
    )
    pm = project_metrics(tables, params, P).iloc[0]
    assert pm["ev"] == 120.0  # not clamped to 100
    assert "EV exceeds BAC" in pm["note"]
    cpi = row(compute_metrics(tables, params, P), "cpi")
    assert cpi["value"] == pytest.approx(1.2)  # 120/100, as reported
    assert "EV exceeds BAC for P1" in cpi["note"]


# ---------------------------------------------------------------------- earned schedule
# Cumulative PV 1..6 = [10, 25, 45, 70, 90, 100]; EV = 50 at AT = 4; PD = 6


def test_earned_schedule_reference_case_pure() -> None:
    t = np.arange(1, 7, dtype=float)
    pv = np.array([10, 25, 45, 70, 90, 100], dtype=float)
    res = SCH.earned_schedule(t, pv, ev=50.0, bac=100.0)
    assert res.planned_duration == 6  # first period where PV reaches BAC = 100
    assert res.es == pytest.approx(3.20)  # C = 3: 3 + (50 - 45)/(70 - 45)
    assert SCH.spi_t(res.es, 4) == pytest.approx(0.80)  # 3.2 / 4
    assert SCH.sv_t(res.es, 4) == pytest.approx(-0.80)  # 3.2 - 4


def test_earned_schedule_reference_case_through_project_metrics(tb, params, row) -> None:
    # Six planned quarters from 2026-Q1; the status period is the 4th (2026-Q4): AT = 4.
    quarters = tb.quarters("2026-Q1", 6)
    pv = [10, 25, 45, 70, 90, 100]
    rows = [tb.evm_row("P1", q, v, 0.0, 0.0) for q, v in zip(quarters, pv, strict=True)]
    rows[3] = tb.evm_row("P1", quarters[3], 70, 50, 50)  # EV 50 at 2026-Q4
    tables = tb.tables(
        projects=tb.projects({"project_id": "P1", "budget_at_completion": 100.0}),
        evm=tb.evm(*rows),
    )
    pm = project_metrics(tables, params, "2026-Q4").iloc[0]
    assert pm["at"] == 4
    assert pm["planned_duration"] == 6
    assert pm["es"] == pytest.approx(3.2)
    assert pm["spi_t"] == pytest.approx(0.8)
    assert pm["sv_t"] == pytest.approx(-0.8)
    assert row(compute_metrics(tables, params, "2026-Q4"), "spi_t_median")["value"] == (
        pytest.approx(0.8)
    )


# ---------------------------------------------------------------------- roll-up
# X: EV 90, AC 100; Y: EV 10, AC 5 -> CPI (90 + 10)/(100 + 5) = 0.9524, not mean 1.45


def test_rollup_is_ratio_of_sums_not_mean_of_ratios(tb, params, row) -> None:
    tables = tb.tables(
        projects=tb.projects(
            {"project_id": "X", "budget_at_completion": 200.0},
            {"project_id": "Y", "budget_at_completion": 20.0},
        ),
        evm=tb.evm(tb.evm_row("X", P, 90, 90, 100), tb.evm_row("Y", P, 10, 10, 5)),
    )
    cpi = row(compute_metrics(tables, params, P), "cpi")
    assert cpi["value"] == pytest.approx(0.9524, abs=5e-5)  # 100/105
    assert cpi["value"] != pytest.approx(1.45)  # mean of 0.9 and 2.0
    assert cpi["status"] == "green"  # 0.9524 >= 0.95


# ---------------------------------------------------------------------- NPV, BCR, ROI
# year 0: -1,000 (cost); years 1-5: +250 (benefit); rate 3.5%


def test_npv_bcr_roi_reference_case(tb, params, row) -> None:
    cf = tb.cashflows(
        {"project_id": "P1", "year": 0, "kind": "cost", "amount": 1000.0},
        *({"project_id": "P1", "year": y, "kind": "benefit", "amount": 250.0} for y in range(1, 6)),
    )
    summary = FIN.cashflow_summary(cf, 0.035).loc["P1"]
    # PV benefits = 250 * (1 - 1.035**-5)/0.035 = 250 * 4.515052 = 1128.76; PV costs = 1000
    assert summary["npv"] == pytest.approx(128.76, abs=0.005)
    assert summary["npv"] != pytest.approx(124.41, abs=0.01)  # year 0 wrongly discounted
    assert FIN.bcr(summary["pv_benefit"], summary["pv_cost"]).value == pytest.approx(
        1.1288, abs=5e-5
    )
    assert FIN.roi_pct(summary["benefit"], summary["cost"]).value == pytest.approx(25.0)
    tables = tb.tables(projects=tb.projects({"project_id": "P1"}), cashflows=cf)
    m = compute_metrics(tables, params, P)
    assert row(m, "npv_total")["value"] == pytest.approx(128.76, abs=0.005)
    assert row(m, "bcr")["value"] == pytest.approx(1.1288, abs=5e-5)
    assert row(m, "roi_pct")["value"] == pytest.approx(25.0)  # (1250 - 1000)/1000


# ---------------------------------------------------------------------- NPS and benefits


def test_nps_reference_case(tb, params, row) -> None:
    # 50 promoters (9-10), 30 passives (7-8), 20 detractors (0-6): 50% - 20% = +30
    scores = [9.0] * 25 + [10.0] * 25 + [7.0] * 15 + [8.0] * 15 + [0.0] * 10 + [6.0] * 10
    assert SAT.net_promoter_score(pd.Series(scores)).value == pytest.approx(30.0)
    survey = tb.survey(*({"period": P, "instrument": "nps", "score": s} for s in scores))
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "P1"}), survey=survey), params, P
    )
    assert row(m, "nps")["value"] == pytest.approx(30.0)
    assert row(m, "survey_responses")["value"] == 100  # no respondent_id: one per row


def test_benefits_realization_reference_cases(tb, params, row) -> None:
    projects = tb.projects({"project_id": "P1"})
    ok = tb.benefits(
        {"project_id": "P1", "period": P, "baseline_forecast": 400.0, "realized": 300.0}
    )
    m = compute_metrics(tb.tables(projects=projects, benefits=ok), params, P)
    assert row(m, "benefits_realization_pct")["value"] == pytest.approx(75.0)  # 300/400
    zero = tb.benefits(
        {"project_id": "P1", "period": P, "baseline_forecast": 0.0, "realized": 300.0}
    )
    r = row(
        compute_metrics(tb.tables(projects=projects, benefits=zero), params, P),
        "benefits_realization_pct",
    )
    assert math.isnan(r["value"])
    assert "baseline forecast is 0" in r["note"]


# ---------------------------------------------------------------------- the catalogue's examples
# Each metric's `example` in pmovalue.metrics.catalog (and so in docs/metrics.md), worked out by
# hand there and recomputed here through compute_metrics. The cases above cover CV, SV, CPI,
# SPI, TCPI, SPI(t), the roll-up, NPV, BCR, ROI, NPS and benefits realization.


def _metrics(tb, params, **tables: pd.DataFrame) -> pd.DataFrame:
    return compute_metrics(tb.tables(**tables), params, P)


def test_counts_and_budget_examples(tb, params, row) -> None:
    projects = tb.projects(
        {"project_id": "P1", "status": "active", "budget_at_completion": 100.0},
        {"project_id": "P2", "status": "proposed", "budget_at_completion": 200.0},
        {"project_id": "P3", "status": "closed"},
        {"project_id": "P4", "status": None},  # blank status is active
    )
    m = _metrics(tb, params, projects=projects)
    assert row(m, "project_count")["value"] == 4
    assert row(m, "active_project_count")["value"] == 2
    bac = row(m, "bac_total")  # P2 is proposed: not counted; P3, P4 have no BAC
    assert bac["value"] == 100.0
    assert bac["note"] == "2 of 3 without BAC: left out"
    three = _metrics(tb, params, projects=projects.iloc[:3])  # the catalogue's three projects
    assert row(three, "project_count")["value"] == 3
    assert row(three, "bac_total")["note"] == "1 of 2 without BAC: left out"


def test_eac_total_example(tb, params, row) -> None:
    projects = tb.projects(
        {"project_id": "P1", "forecast_at_completion": 120.0},
        {"project_id": "P2", "budget_at_completion": 100.0},
    )
    evm = tb.evm(tb.evm_row("P2", P, 50.0, 40.0, 50.0))  # CPI 0.8: EAC 100 / 0.8 = 125
    assert row(_metrics(tb, params, projects=projects, evm=evm), "eac_total")["value"] == (
        pytest.approx(245.0)
    )


def test_on_budget_on_time_and_slip_examples(tb, row) -> None:
    params = tb.params(tolerances={"budget_pct": 5.0, "schedule_days": 30})
    base = pd.Timestamp("2026-03-31")
    projects = tb.projects(
        {"project_id": "A", "budget_at_completion": 100.0, "forecast_at_completion": 104.0,
         "baseline_finish": base, "forecast_finish": base + pd.Timedelta(days=20)},
        {"project_id": "B", "budget_at_completion": 100.0, "forecast_at_completion": 106.0,
         "baseline_finish": base, "actual_finish": base + pd.Timedelta(days=61)},
        {"project_id": "C", "baseline_finish": base,
         "forecast_finish": base - pd.Timedelta(days=10)},
    )  # fmt: skip
    m = _metrics(tb, params, projects=projects)
    on_budget = row(m, "on_budget_pct")
    assert on_budget["value"] == 50.0  # A on (104 <= 105), B off (106 > 105), C unknown
    assert on_budget["note"] == "1 of 3 project(s) undetermined: left out"
    two = _metrics(tb, params, projects=projects.iloc[:2])
    assert row(two, "on_time_pct")["value"] == 50.0  # 20 days on time, 61 days late
    assert row(m, "schedule_slip_days_median")["value"] == 20.0  # median of -10, 20, 61


def test_rating_examples(tb, params, row) -> None:
    ratings = ["red", "amber", "amber", "green", None]
    projects = tb.projects(*({"project_id": f"P{i}", "rating": r} for i, r in enumerate(ratings)))
    m = _metrics(tb, params, projects=projects)
    assert row(m, "rating_red_count")["value"] == 1
    assert row(m, "rating_amber_count")["value"] == 2
    assert row(m, "rating_green_count")["value"] == 1
    assert row(m, "rating_red_amber_pct")["value"] == 75.0  # 3 of the 4 rated


def test_period_kpi_examples(tb, params, row) -> None:
    projects = tb.projects(
        {"project_id": "P1", "period_budget": 100.0, "period_forecast": 110.0},
        {"project_id": "P2", "period_budget": 200.0, "period_forecast": 180.0},
    )
    m = _metrics(tb, params, projects=projects)
    assert row(m, "period_budget_total")["value"] == 300.0
    assert row(m, "period_forecast_total")["value"] == 290.0
    assert row(m, "period_variance_pct")["value"] == pytest.approx(-10 / 3)  # -3.3 %


def test_benefits_totals_examples(tb, params, row) -> None:
    benefits = tb.benefits(
        {"project_id": "P1", "period": "2026-Q2", "baseline_forecast": 150.0, "realized": 100.0},
        {"project_id": "P1", "period": P, "baseline_forecast": 250.0, "realized": 200.0},
        {"project_id": "P1", "period": "2026-Q4", "baseline_forecast": 999.0},  # later: not yet
    )
    m = _metrics(tb, params, projects=tb.projects({"project_id": "P1"}), benefits=benefits)
    assert row(m, "benefits_baseline_total")["value"] == 400.0
    assert row(m, "benefits_realized_total")["value"] == 300.0
    assert row(m, "benefits_realization_pct")["value"] == 75.0


def test_alignment_examples(tb, params, row) -> None:
    scores = {"strategy_fit": 5.0, "customer_value": 4.0, "risk_reduction": 3.0, "innovation": 1.0}
    alignment = tb.alignment(
        *({"project_id": "A", "criterion": c, "score": s} for c, s in scores.items()),
        *({"project_id": "B", "criterion": c, "score": 2.0} for c in scores),
    )
    projects = tb.projects(
        {"project_id": "A", "budget_at_completion": 300.0},
        {"project_id": "B", "budget_at_completion": 100.0},
    )
    m = _metrics(tb, params, projects=projects, alignment=alignment)
    assert row(m, "aligned_spend_pct")["value"] == pytest.approx(75.0)  # A: 3.9 >= 3.0
    assert row(m, "alignment_score_mean")["value"] == pytest.approx(3.425)


def test_csat_and_responses_examples(tb, params, row) -> None:
    csat = [5.0, 5.0, 4.0, 4.0, 4.0, 3.0, 2.0, 1.0]
    survey = tb.survey(*({"period": P, "instrument": "csat", "score": s} for s in csat))
    m = _metrics(tb, params, projects=tb.projects({"project_id": "P1"}), survey=survey)
    assert row(m, "csat_pct")["value"] == 62.5
    assert row(m, "csat_pct")["note"] == "few responses (n = 8)"
    answers = tb.survey(
        {"period": P, "instrument": "nps", "score": 9.0, "respondent_id": "r1"},
        {"period": P, "instrument": "csat", "score": 4.0, "respondent_id": "r1"},
        {"period": P, "instrument": "nps", "score": 7.0, "respondent_id": "r2"},
        {"period": P, "instrument": "nps", "score": 3.0},
        {"period": P, "instrument": "csat", "score": 5.0},
    )
    m = _metrics(tb, params, projects=tb.projects({"project_id": "P1"}), survey=answers)
    assert row(m, "survey_responses")["value"] == 4


def _assessment(tb, scores: dict[str, list[float | None]]) -> pd.DataFrame:
    return tb.maturity(
        *(
            {"period": P, "dimension": d, "item_id": f"{d}-{i}", "score": s}
            for d, values in scores.items()
            for i, s in enumerate(values)
        )
    )


def test_maturity_examples(tb, params, row) -> None:
    # 10 item slots, 9 answered summing to 27: coverage 90 %, score 3.00; 7 answered: blank.
    nine = [3.0] * 9 + [None]
    seven = [3.0] * 7 + [None] * 3
    m = _metrics(tb, params, projects=tb.projects({"project_id": "P1"}),
                 maturity=_assessment(tb, {"people": nine, "process": seven}))  # fmt: skip
    assert row(m, "maturity_people")["value"] == 3.0
    assert math.isnan(row(m, "maturity_process")["value"])
    assert row(m, "maturity_process")["note"].startswith("too few answers: 70%")

    # People 3.0, process 2.5, technology 3.5, governance blank: profile 3.0, level blank.
    m = _metrics(
        tb, params, projects=tb.projects({"project_id": "P1"}),
        maturity=_assessment(tb, {"people": [3.0], "process": [2.0, 3.0],
                                  "technology": [3.0, 4.0]}),
    )  # fmt: skip
    profile = row(m, "maturity_profile")
    assert profile["value"] == 3.0
    assert profile["note"] == "mean of 3 of 4 dimensions (without governance)"
    assert math.isnan(row(m, "maturity_level")["value"])
    assert row(m, "maturity_gap_process")["value"] == 0.5  # target 3
    assert row(m, "maturity_gap_technology")["value"] == 0.0

    # People 3.2, process 2.9, technology 3.8, governance 3.0: level 2 (evolving).
    m = _metrics(
        tb, params, projects=tb.projects({"project_id": "P1"}),
        maturity=_assessment(tb, {"people": [3.0, 3.4], "process": [2.8, 3.0],
                                  "technology": [3.8], "governance": [3.0]}),
    )  # fmt: skip
    level = row(m, "maturity_level")
    assert level["value"] == 2.0
    assert level["note"] == "evolving"


def test_value_index_example(tb, params, row) -> None:
    from pmovalue.metrics._common import Result
    from pmovalue.metrics.value_index import value_index

    weights = {"financial": 0.4, "strategic": 0.35, "stakeholder": 0.25}
    inputs = {
        "cpi": Result(0.90),
        "benefits_realization_pct": Result(75.0),
        "aligned_spend_pct": Result(75.0),
        "nps": Result(30.0),
        "csat_pct": Result(62.5),
    }
    assert value_index(inputs, weights).result.value == pytest.approx(75.1875)  # shown 75.2
    no_survey = {k: v for k, v in inputs.items() if k not in ("nps", "csat_pct")}
    assert value_index(no_survey, weights).result.value == pytest.approx(79.0)
