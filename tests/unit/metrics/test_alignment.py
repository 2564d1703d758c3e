"""Strategic alignment: weighted scores, aligned spend share, BAC-weighted mean."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pmovalue.metrics import alignment as AL
from pmovalue.metrics import compute_metrics, project_metrics

P = "2026-Q3"
CRIT = {"fit": 0.5, "value": 0.3, "risk": 0.2}


def scores(pid: str, **by_criterion: float) -> list[dict]:
    return [{"project_id": pid, "criterion": c, "score": s} for c, s in by_criterion.items()]


def test_weighted_score(tb) -> None:
    al = tb.alignment(*scores("A", fit=4.0, value=2.0, risk=5.0))
    got = AL.project_scores(al, CRIT)
    # 0.5*4 + 0.3*2 + 0.2*5 = 2 + 0.6 + 1 = 3.6
    assert got.score["A"] == pytest.approx(3.6)
    assert got.notes == ()


def test_unknown_criterion_ignored_with_note_and_partial_renormalised(tb) -> None:
    al = tb.alignment(*scores("A", fit=4.0, value=2.0, legacy=1.0))
    got = AL.project_scores(al, CRIT)
    # risk missing: (0.5*4 + 0.3*2)/(0.5 + 0.3) = 2.6/0.8 = 3.25; "legacy" ignored
    assert got.score["A"] == pytest.approx(3.25)
    assert any("legacy not in alignment.criteria" in n for n in got.notes)
    assert any("A scored on only some criteria" in n for n in got.notes)


def test_several_raters_averaged_per_criterion(tb) -> None:
    al = tb.alignment(*scores("A", fit=2.0), *scores("A", fit=4.0))
    assert AL.project_scores(al, {"fit": 1.0}).score["A"] == pytest.approx(3.0)


def test_aligned_spend_and_bac_weighted_mean(tb, params, row) -> None:
    p = tb.params(alignment={"criteria": CRIT, "aligned_threshold": 3.0})
    projects = tb.projects(
        {"project_id": "A", "budget_at_completion": 300.0},
        {"project_id": "B", "budget_at_completion": 100.0},
        {"project_id": "C", "budget_at_completion": 600.0},  # no score: not counted
        {"project_id": "N", "status": "proposed", "budget_at_completion": 900.0},
    )
    al = tb.alignment(
        *scores("A", fit=3.0, value=3.0, risk=3.0),  # 3.0: exactly the threshold -> aligned
        *scores("B", fit=1.0, value=2.0, risk=2.0),  # 0.5 + 0.6 + 0.4 = 1.5
        *scores("N", fit=5.0, value=5.0, risk=5.0),  # proposed: not spend
    )
    m = compute_metrics(tb.tables(projects=projects, alignment=al), p, P)
    # 100 * 300 / (300 + 100) = 75
    assert row(m, "aligned_spend_pct")["value"] == pytest.approx(75.0)
    # (300*3.0 + 100*1.5)/400 = 1050/400 = 2.625 (unweighted mean would be 2.25)
    assert row(m, "alignment_score_mean")["value"] == pytest.approx(2.625)
    pm = project_metrics(tb.tables(projects=projects, alignment=al), p, P).set_index("project_id")
    assert pm.loc["N", "alignment_score"] == 5.0  # still shown per project
    assert math.isnan(pm.loc["C", "alignment_score"])


def test_override_to_one_criterion(tb, row) -> None:
    # -p 'alignment.criteria={fit: 1.0}': only fit counts; others are ignored with a note
    p = tb.params(alignment={"criteria": {"fit": 1.0}})
    projects = tb.projects({"project_id": "A", "budget_at_completion": 10.0})
    al = tb.alignment(*scores("A", fit=2.0, value=5.0))
    r = row(
        compute_metrics(tb.tables(projects=projects, alignment=al), p, P), "alignment_score_mean"
    )
    assert r["value"] == 2.0
    assert "value not in alignment.criteria: ignored" in r["note"]


def test_blank_without_scores_or_bac(tb, params, row) -> None:
    projects = tb.projects({"project_id": "A"})
    m = compute_metrics(tb.tables(projects=projects, alignment=tb.empty("alignment")), params, P)
    assert math.isnan(row(m, "aligned_spend_pct")["value"])
    assert row(m, "aligned_spend_pct")["note"] == "no project has an alignment score"
    al = tb.alignment(*scores("A", strategy_fit=4.0))
    m = compute_metrics(tb.tables(projects=projects, alignment=al), params, P)
    assert math.isnan(row(m, "alignment_score_mean")["value"])
    assert "no BAC" in row(m, "alignment_score_mean")["note"]
    m = compute_metrics(tb.tables(projects=projects), params, P)
    assert row(m, "aligned_spend_pct")["note"] == "no alignment data"


def test_pure_spend_functions() -> None:
    score = pd.Series({"A": 3.5, "B": 2.0, "C": 4.0})
    bac = pd.Series({"A": 10.0, "B": 30.0, "C": math.nan})
    # C has no BAC: left out; aligned: A -> 10/40 = 25 %
    r = AL.aligned_spend_pct(score, bac, 3.0)
    assert r.value == pytest.approx(25.0)
    assert "1 scored project(s) without BAC left out" in r.note
    # (10*3.5 + 30*2)/40 = 95/40
    assert AL.alignment_score_mean(score, bac).value == pytest.approx(95 / 40)
