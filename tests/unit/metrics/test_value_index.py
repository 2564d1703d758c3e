"""Composite value index: normalisation, weights, renormalisation, formula text."""

from __future__ import annotations

import math

import pytest

from pmovalue.metrics import value_index as VI
from pmovalue.metrics import value_index_formula
from pmovalue.metrics._common import Result

W = {"financial": 0.4, "strategic": 0.35, "stakeholder": 0.25}


def results(**values: float) -> dict[str, Result]:
    return {k: Result(v) for k, v in values.items()}


def test_value_index_hand_computed() -> None:
    r = results(
        cpi=0.9, benefits_realization_pct=120.0, aligned_spend_pct=60.0, nps=20.0, csat_pct=80.0
    )
    vi = VI.value_index(r, W)
    # financial = mean(100*min(0.9, 1) = 90, min(120, 100) = 100) = 95
    # strategic = 60; stakeholder = mean((20 + 100)/2 = 60, 80) = 70
    assert vi.subscores == pytest.approx(
        {"financial": 95.0, "strategic": 60.0, "stakeholder": 70.0}
    )
    # 0.4*95 + 0.35*60 + 0.25*70 = 38 + 21 + 17.5 = 76.5
    assert vi.result.value == pytest.approx(76.5)
    assert vi.result.note == ""


def test_missing_subscore_renormalises_and_says_so() -> None:
    r = {
        **results(cpi=0.9, benefits_realization_pct=120.0, nps=20.0, csat_pct=80.0),
        "aligned_spend_pct": Result.blank("no alignment data"),
    }
    vi = VI.value_index(r, W)
    # (0.4*95 + 0.25*70)/(0.4 + 0.25) = 55.5/0.65
    assert vi.result.value == pytest.approx(55.5 / 0.65)
    assert "no strategic sub-score" in vi.result.note
    assert "financial, stakeholder" in vi.result.note


def test_partial_components_and_clipping() -> None:
    # CPI 1.3 -> 100 (capped); NPS -100 -> 0; only those two inputs
    r = results(cpi=1.3, nps=-100.0)
    vi = VI.value_index(r, {"financial": 0.5, "strategic": 0.0, "stakeholder": 0.5})
    assert vi.subscores["financial"] == 100.0
    assert vi.subscores["stakeholder"] == 0.0
    assert vi.result.value == pytest.approx(50.0)  # 0.5*100 + 0.5*0
    assert vi.result.note == ""  # strategic has weight 0: nothing is missing


def test_all_missing_is_blank() -> None:
    vi = VI.value_index({"cpi": Result.blank("no EVM data")}, W)
    assert math.isnan(vi.result.value)
    assert vi.result.note.startswith("no sub-score available")


def test_formula_text_shows_weights(tb) -> None:
    text = value_index_formula(
        tb.params(value_index={"weights": {"financial": 0.5, "strategic": 0.3, "stakeholder": 0.2}})
    )
    assert "0.5 × financial + 0.3 × strategic + 0.2 × stakeholder" in text
    assert "min(CPI, 1)" in text and "(NPS + 100) / 2" in text
