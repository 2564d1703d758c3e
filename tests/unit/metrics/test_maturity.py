"""Maturity: dimension scores with coverage, profile, weakest-link level, gaps."""

from __future__ import annotations

import math

import pytest

from pmovalue.metrics import compute_metrics
from pmovalue.metrics import maturity as MT
from pmovalue.metrics.catalog import MATURITY_DIMENSIONS

P = "2026-Q3"


def items(
    dim: str,
    scores: list[float | None],
    rid: str | None = None,
    period: str = P,
    unit: str = "unit-a",
) -> list[dict]:
    return [
        {
            "unit_id": unit,
            "period": period,
            "dimension": dim,
            "item_id": f"{dim}-{i}",
            "score": s,
            "respondent_id": rid,
        }
        for i, s in enumerate(scores)
    ]


def full(
    people=(3.0, 3.0), process=(2.0, 3.0), technology=(4.0, 4.0), governance=(3.0, 4.0), **kw
) -> list[dict]:
    return [
        *items("people", list(people), **kw),
        *items("process", list(process), **kw),
        *items("technology", list(technology), **kw),
        *items("governance", list(governance), **kw),
    ]


def compute(tb, params, rows, period=P):
    tables = tb.tables(projects=tb.projects({"project_id": "A"}), maturity=tb.maturity(*rows))
    return compute_metrics(tables, params, period)


def test_dimensions_profile_level_gaps(tb, params, row) -> None:
    m = compute(tb, params, full())
    # means: people 3.0, process 2.5, technology 4.0, governance 3.5
    assert row(m, "maturity_people")["value"] == 3.0
    assert row(m, "maturity_process")["value"] == 2.5
    assert row(m, "maturity_technology")["value"] == 4.0
    assert row(m, "maturity_governance")["value"] == 3.5
    # profile (3 + 2.5 + 4 + 3.5)/4 = 3.25
    assert row(m, "maturity_profile")["value"] == pytest.approx(3.25)
    # level: min(floor(3), floor(2.5), floor(4), floor(3.5)) = 2 (evolving), not round(3.25)
    assert row(m, "maturity_level")["value"] == 2
    assert "evolving" in row(m, "maturity_level")["note"]
    # gaps to target 3: people 0, process 0.5, technology 0 (4 above 3: clipped), gov. 0
    assert row(m, "maturity_gap_people")["value"] == 0.0
    assert row(m, "maturity_gap_process")["value"] == 0.5
    assert row(m, "maturity_gap_technology")["value"] == 0.0
    assert row(m, "maturity_gap_governance")["value"] == 0.0


def test_coverage_under_threshold_is_blank_and_names_coverage(tb, params, row) -> None:
    # technology: 3 of 5 items answered = 60 % < 80 %
    rows = full(technology=(4.0, 4.0, 1.0, None, None))
    m = compute(tb, params, rows)
    r = row(m, "maturity_technology")
    assert math.isnan(r["value"])
    assert r["note"].startswith("too few answers: 60%") and "80% are needed" in r["note"]
    # the level needs every dimension; the profile is the mean of the other three
    assert math.isnan(row(m, "maturity_level")["value"])
    assert "none for technology" in row(m, "maturity_level")["note"]
    # (3 + 2.5 + 3.5)/3 = 3.0
    assert row(m, "maturity_profile")["value"] == pytest.approx(3.0)
    assert "without technology" in row(m, "maturity_profile")["note"]
    assert math.isnan(row(m, "maturity_gap_technology")["value"])


def test_coverage_exactly_at_threshold_counts(tb, params, row) -> None:
    # 4 of 5 answered = 80 % = min_coverage: scored, mean (1 + 2 + 3 + 4)/4 = 2.5
    m = compute(tb, params, full(people=(1.0, 2.0, 3.0, 4.0, None)))
    assert row(m, "maturity_people")["value"] == pytest.approx(2.5)


def test_respondent_grid_counts_missing_rows_as_unanswered(tb) -> None:
    # Two respondents; r1 answered both process items, r2 only one (the other row is absent):
    # slots 2 items x 2 respondents = 4, answered 3 -> coverage 75 % < 80 %
    rows = tb.maturity(*items("process", [3.0, 3.0], rid="r1"), *items("process", [2.0], rid="r2"))
    scoped = MT.latest_assessment(rows, P)
    assert MT.coverage(scoped, "process") == (3.0, 4.0)
    r = MT.dimension_score(scoped, "process", 0.8)
    assert math.isnan(r.value) and r.note.startswith("too few answers: 75%")
    assert MT.dimension_score(scoped, "process", 0.75).value == pytest.approx(8 / 3)


def test_latest_assessment_per_unit_and_note(tb, params, row) -> None:
    rows = [
        *full(period="2026-Q1"),
        *full(people=(1.0, 1.0), period="2025-Q3"),
        *full(people=(4.0, 4.0), period="2026-Q4"),
    ]  # after the period: not used
    m = compute(tb, params, rows)
    assert row(m, "maturity_people")["value"] == 3.0  # the 2026-Q1 assessment
    assert row(m, "maturity_people")["note"] == "assessment of 2026-Q1"
    m = compute(tb, params, rows, period="2025-Q2")
    assert row(m, "maturity_profile")["note"] == "no maturity assessment up to 2025-Q2"


def test_gap_without_target(tb, row) -> None:
    p = tb.params(maturity={"targets": {"people": 4}})
    m = compute(tb, p, full())
    assert row(m, "maturity_gap_people")["value"] == 1.0  # 4 - 3
    assert math.isnan(row(m, "maturity_gap_process")["value"])
    assert row(m, "maturity_gap_process")["note"] == "no maturity target for process"


def test_every_dimension_is_reported(tb, params, row) -> None:
    m = compute(tb, params, items("people", [2.0]))
    assert row(m, "maturity_people")["value"] == 2.0
    for d in MATURITY_DIMENSIONS[1:]:
        assert row(m, f"maturity_{d}")["note"] == f"no {d} items assessed"


def test_a_target_between_levels(tb, row) -> None:
    """3.5 is a common target: gaps, status and labels take it as it is, never rounded."""
    from pmovalue.markup import target_text

    p = tb.params(maturity={"targets": {"people": 3.5}}, targets={"maturity_level": 2.5})
    assert p.maturity.targets["people"] == 3.5
    m = compute(tb, p, full())  # people 3.0; the weakest, process, 2.5: level 2
    assert row(m, "maturity_gap_people")["value"] == 0.5
    assert row(m, "maturity_level")["value"] == 2.0
    # Short of 2.5 by more than the amber band (10% of 2.5): red, where a target rounded to
    # 2 would have been met.
    assert row(m, "maturity_level")["status"] == "red"
    assert target_text("maturity_people", p) == "≥\u00a03.5"
    assert target_text("maturity_level", p) == "≥\u00a02.5"
