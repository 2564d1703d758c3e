"""NPS, CSAT and survey responses, for the report period only."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pmovalue.metrics import compute_metrics
from pmovalue.metrics import satisfaction as SAT

P = "2026-Q3"


def ans(instrument: str, score: float, rid: str | None = None, period: str = P) -> dict:
    return {"period": period, "instrument": instrument, "score": score, "respondent_id": rid}


def test_nps_category_boundaries() -> None:
    # 6 is a detractor, 7 and 8 passives, 9 a promoter: (1 - 1)/4 = 0; then 9, 10 vs 6: 1/3
    assert SAT.net_promoter_score(pd.Series([6.0, 7.0, 8.0, 9.0])).value == 0.0
    assert SAT.net_promoter_score(pd.Series([9.0, 10.0, 6.0])).value == pytest.approx(100 / 3)
    assert SAT.net_promoter_score(pd.Series([0.0, 0.0])).value == -100.0


def test_csat_share_of_4_and_5() -> None:
    # 3 is not satisfied; 4 and 5 are: 2 of 4 = 50 %
    assert SAT.csat_pct(pd.Series([3.0, 4.0, 5.0, 1.0])).value == pytest.approx(50.0)


def test_unit_metrics_respondents_and_other_periods(tb, params, row) -> None:
    survey = tb.survey(
        ans("nps", 10.0, "r1"),
        ans("csat", 5.0, "r1"),  # r1 answered both: one respondent
        ans("nps", 3.0, "r2"),
        ans("csat", 2.0, "r2"),
        ans("nps", 8.0),  # no respondent id: counts as one
        ans("nps", 0.0, "r9", period="2026-Q2"),  # another quarter: ignored
    )
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), survey=survey), params, P
    )
    # NPS: promoters {10}, detractors {3}, passive {8}: 100*(1 - 1)/3 = 0
    assert row(m, "nps")["value"] == pytest.approx(0.0)
    assert row(m, "csat_pct")["value"] == pytest.approx(50.0)  # 5 yes, 2 no
    r = row(m, "survey_responses")
    assert r["value"] == 3  # r1, r2, and one anonymous row
    assert r["note"] == "few responses (n = 3)"
    assert "few responses (n = 3)" in row(m, "nps")["note"]


def test_ten_responses_no_caveat(tb, params, row) -> None:
    survey = tb.survey(*(ans("csat", 5.0, f"r{i}") for i in range(10)))
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), survey=survey), params, P
    )
    assert row(m, "survey_responses")["value"] == 10
    assert row(m, "survey_responses")["note"] == ""
    assert row(m, "csat_pct")["note"] == ""


def test_period_without_answers_is_blank_with_reason(tb, params, row) -> None:
    survey = tb.survey(ans("nps", 9.0, "r1", period="2026-Q2"), ans("csat", 4.0, "r1"))
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), survey=survey), params, P
    )
    assert math.isnan(row(m, "nps")["value"])
    assert row(m, "nps")["note"] == "no NPS answers in 2026-Q3"
    m = compute_metrics(
        tb.tables(projects=tb.projects({"project_id": "A"}), survey=survey), params, "2026-Q1"
    )
    for mid in ("nps", "csat_pct", "survey_responses"):
        assert math.isnan(row(m, mid)["value"]), mid
    assert row(m, "survey_responses")["note"] == "no survey answers in 2026-Q1"
