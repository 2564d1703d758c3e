"""The PMO-effect method against organisations whose truth is known (synthetic_pmo).

- With a real effect, large enough and on enough projects, the 95% interval contains the true
  effect and excludes zero (CPI, SPI and the cost avoided).
- With no effect at all, but help targeted at the worst projects, which drift back towards
  the mean anyway, the interval still contains zero in at least 90% of 50 seeded runs; the
  naive before/after change of the served projects does not: it credits the PMO with the drift.
"""

from __future__ import annotations

import numpy as np
import pytest

from pmovalue.metrics import pmo
from pmovalue.metrics.pmo import Settings, naive_before_after, prepare_evidence
from tests.unit.metrics.synthetic_pmo import Organisation, organisation

RUNS = 50
SETTINGS = Settings()  # the defaults: bands 0.05 wide, 1,000 draws, at least 5 per group


def estimate(org: Organisation, index: str = "cpi") -> dict:
    evidence = prepare_evidence(org.tables, SETTINGS)
    assert evidence is not None
    return evidence.group_row(pmo.ALL, org.last, index)


def true_cost_avoided(org: Organisation, effect: float) -> float:
    """Σ over the engagements of BAC / (CPI after - effect) - BAC / CPI after."""
    served = org.served
    fresh = served[:, 1:-2] & ~served[:, :-3]  # service in t, none in t - 1
    p, t = np.nonzero(fresh)
    after = org.cpi[p, t + 1 + 2]
    bac = org.tables["projects"]["budget_at_completion"].to_numpy()[p]
    return float(np.sum(bac / (after - effect) - bac / after))


@pytest.mark.parametrize("seed", range(5))
def test_a_real_effect_is_found_and_its_interval_holds_the_truth(seed: int) -> None:
    org = organisation(seed, effect_cpi=0.04, effect_spi=0.03)
    for index, truth in (("cpi", 0.04), ("spi", 0.03)):
        r = estimate(org, index)
        assert r["effect_low"] <= truth <= r["effect_high"], (index, r)
        assert r["effect_low"] > 0, (index, r)
        assert r["served_projects"] > 100 and r["comparison_projects"] > 100
    r = estimate(org, "cpi")
    # the truth over the matched engagements: each is about as large as the others
    matched = r["engagements"] / (r["engagements"] + r["unmatched"])
    truth = true_cost_avoided(org, 0.04) * matched
    assert r["avoided_low"] <= truth <= r["avoided_high"]
    assert r["avoided_low"] > 0


def test_a_small_effect_on_few_projects_is_not_claimed() -> None:
    # 2 units of 30 projects: the interval is wide and says so by containing zero
    org = organisation(3, units=2, per_unit=30, effect_cpi=0.01)
    r = estimate(org)
    assert r["effect_low"] < 0 < r["effect_high"]


@pytest.fixture(scope="module")
def null_runs() -> list[tuple[dict, float, tuple[float, float]]]:
    """50 organisations with no effect and help aimed at each unit's worst fifth: our
    estimate, and the naive estimate with its own 95% interval."""
    out = []
    for seed in range(RUNS):
        org = organisation(seed)
        change = _served_changes(org)
        half = 1.96 * change.std(ddof=1) / np.sqrt(len(change))
        naive = naive_before_after(org.cpi, org.served)
        assert naive == pytest.approx(change.mean(), rel=1e-12)
        out.append((estimate(org), naive, (naive - half, naive + half)))
    return out


def _served_changes(org: Organisation) -> np.ndarray:
    fresh = org.served[:, 1:-2] & ~org.served[:, :-3]
    p, t = np.nonzero(fresh)
    return org.cpi[p, t + 3] - org.cpi[p, t]


def test_no_effect_with_help_for_the_worst_interval_contains_zero(null_runs) -> None:
    covered = sum(r["effect_low"] <= 0 <= r["effect_high"] for r, _, _ in null_runs)
    assert covered >= 0.9 * RUNS, covered
    estimates = np.array([r["effect"] for r, _, _ in null_runs])
    assert abs(estimates.mean()) < 0.005  # what bias is left is small next to the drift


def test_the_naive_before_after_estimate_credits_the_pmo_with_the_drift(null_runs) -> None:
    naive = np.array([n for _, n, _ in null_runs])
    ours = np.array([r["effect"] for r, _, _ in null_runs])
    assert (naive > 0.01).all()  # served projects "improve" by regression to the mean alone
    assert naive.mean() > 5 * abs(ours.mean())
    naive_covered = sum(low <= 0 <= high for _, _, (low, high) in null_runs)
    assert naive_covered < 0.9 * RUNS  # it fails the test ours passes
