"""PMO value metrics on small organisations computed by hand (pmovalue.metrics.pmo)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pmovalue.config import Params
from pmovalue.metrics import compute_metrics, metric_history, pmo
from pmovalue.metrics.pmo import Settings, bootstrap_weights, prepare_evidence, project_keys

Q = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
BAC = 1000.0

# Cell 1 (band 0.85-0.90): five served in 2026-Q2 and five comparisons. CPI at the end of
# 2026-Q1 (before) and 2026-Q4 (after, two quarters after the service).
SERVED = {"S1": (0.86, 0.91), "S2": (0.87, 0.91), "S3": (0.88, 0.94), "S4": (0.86, 0.89),
          "S5": (0.89, 0.91)}  # fmt: skip
COMPARED = {"C1": (0.85, 0.86), "C2": (0.86, 0.88), "C3": (0.87, 0.87), "C4": (0.88, 0.91),
            "C5": (0.89, 0.88)}  # fmt: skip
# Cell 2 (band 0.95-1.00): one served, two comparisons.
SERVED_2 = {"S6": (0.96, 0.98)}
COMPARED_2 = {"C6": (0.97, 0.97), "C7": (0.98, 0.99)}

# by hand: cell 1 served changes .05 .04 .06 .03 .02 (mean .04), comparisons .01 .02 0 .03
# -.01 (mean .01): d = .03; cell 2: .02 - mean(0, .01) = .015; weighted by served 5 and 1.
EFFECT = (5 * 0.03 + 1 * 0.015) / 6


def _evm_rows(pid: str, before: float, after: float) -> list[dict[str, object]]:
    """AC 10,000 / 15,000 / 17,500 / 20,000 cumulative; CPI `before` at Q1, `after` at Q4;
    SPI 1 throughout (PV = EV)."""
    acs = (10_000.0, 15_000.0, 17_500.0, 20_000.0)
    cpis = (before, before, before, after)
    return [
        {
            "project_id": pid,
            "period": q,
            "planned_value": c * a,
            "earned_value": c * a,
            "actual_cost": a,
        }
        for q, a, c in zip(Q, acs, cpis, strict=True)
    ]


def organisation(
    extra_services: list[tuple[str, str, str, float, float]] = (),  # type: ignore[assignment]
    extra_projects: dict[str, tuple[float, float]] | None = None,
) -> dict[str, pd.DataFrame]:
    everyone = {**SERVED, **COMPARED, **SERVED_2, **COMPARED_2, **(extra_projects or {})}
    projects = pd.DataFrame(
        {
            "project_id": list(everyone),
            "project_name": list(everyone),
            "unit_id": "unit-a",
            "status": "active",
            "budget_at_completion": BAC,
        }
    )
    evm = pd.DataFrame([r for p, (b, a) in everyone.items() for r in _evm_rows(p, b, a)])
    services = [(p, "2026-Q2", "Health check", 10.0, math.nan) for p in [*SERVED, *SERVED_2]]
    services.append(("S1", "2026-Q3", "Recovery", math.nan, 500.0))  # a follow-up
    services += list(extra_services)
    table = pd.DataFrame(services, columns=["project_id", "period", "service", "hours", "cost"])
    table["service"] = [pmo.service_slug(s) for s in table["service"]]
    return {"projects": projects, "evm": evm, "pmo_services": table}


SETTINGS = Settings(hourly_rate=100.0, bootstrap_draws=200)


def row(tables: dict[str, pd.DataFrame], period: str = "2026-Q4", **kw: object) -> dict:
    settings = Settings(**{**SETTINGS.__dict__, **kw})
    evidence = prepare_evidence(tables, settings)
    assert evidence is not None
    return evidence.group_row(pmo.ALL, period, "cpi")


def test_effect_is_the_served_weighted_difference_of_cell_means() -> None:
    r = row(organisation())
    assert r["effect"] == pytest.approx(EFFECT, abs=1e-12)
    assert (r["engagements"], r["served_projects"], r["comparison_projects"]) == (6, 6, 7)
    assert r["unmatched"] == 0
    assert r["effect_low"] < r["effect"] < r["effect_high"]
    assert r["caveat"] == "6 engagement(s) of 6 served projects against 7 comparison projects"


# SPI (PV = EV / SPI), end of 2026-Q1 and of 2026-Q4. Band 0.90-0.95: S1-S5 against C1-C5;
# band 1.00-1.05: S6 against C6 and C7.
SPI = {"S1": (0.91, 0.97), "S2": (0.92, 0.95), "S3": (0.93, 0.93), "S4": (0.94, 0.99),
       "S5": (0.90, 0.96), "C1": (0.91, 0.92), "C2": (0.92, 0.91), "C3": (0.93, 0.95),
       "C4": (0.94, 0.94), "C5": (0.90, 0.93), "S6": (1.02, 1.01), "C6": (1.01, 1.03),
       "C7": (1.03, 1.02)}  # fmt: skip
# by hand: band 0.90-0.95 served changes .06 .03 0 .05 .06 (mean .04), comparisons .01 -.01
# .02 0 .03 (mean .01): d = .03; band 1.00-1.05: -.01 - mean(.02, -.01) = -.015.
EFFECT_SPI = (5 * 0.03 + 1 * -0.015) / 6


def with_spi(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The organisation with SPI's before and after values of `SPI` (as CPI: the "before"
    value holds until 2026-Q3)."""
    evm = tables["evm"].copy()
    last = (evm["period"] == Q[-1]).astype(int)
    spi = [SPI[p][k] for p, k in zip(evm["project_id"], last, strict=True)]
    evm["planned_value"] = evm["earned_value"] / np.asarray(spi)
    return {**tables, "evm": evm}


def test_spi_effect_by_hand() -> None:
    tables = with_spi(organisation())
    evidence = prepare_evidence(tables, SETTINGS)
    assert evidence is not None
    r = evidence.group_row(pmo.ALL, "2026-Q4", "spi")
    assert r["effect"] == pytest.approx(EFFECT_SPI, abs=1e-12)
    assert (r["engagements"], r["served_projects"], r["comparison_projects"]) == (6, 6, 7)
    assert r["effect_low"] < r["effect"] < r["effect_high"]
    # SPI has no cost avoided; CPI is untouched by PV
    assert math.isnan(r["avoided"]) and math.isnan(r["return"])
    assert evidence.group_row(pmo.ALL, "2026-Q4", "cpi")["effect"] == pytest.approx(EFFECT)
    params = Params.model_validate({"pmo": {"hourly_rate": 100, "bootstrap_draws": 200}})
    m = compute_metrics(tables, params, "2026-Q4").set_index("metric")["value"]
    assert m["pmo_effect_spi"] == pytest.approx(EFFECT_SPI, abs=1e-12)
    assert (m["pmo_effect_spi_low"], m["pmo_effect_spi_high"]) == (
        r["effect_low"],
        r["effect_high"],
    )


def brute_force_bootstrap(tables: dict[str, pd.DataFrame], index: str, draws: int) -> dict:
    """The interval the way the method defines it, one draw at a time and one cell at a time:
    each project weighted by its Poisson weight of the draw; a cell's comparison mean is the
    weighted mean of its comparisons' changes; the effect is the weighted mean of the
    engagements' differences from it, the cost avoided their weighted sum of
    BAC / (before + comparison mean) - BAC / after. Engagements start in 2026-Q2 (one cell
    per band: every project is in unit-a)."""
    ratio = {"cpi": "actual_cost", "spi": "planned_value"}[index]
    evm = tables["evm"].assign(value=lambda e: e["earned_value"] / e[ratio])
    value = evm.pivot(index="project_id", columns="period", values="value")
    before, after = value[Q[0]], value[Q[-1]]
    served = set(tables["pmo_services"].query("period == '2026-Q2'")["project_id"])
    busy = set(tables["pmo_services"].query("period in ['2026-Q1', '2026-Q3']")["project_id"])
    band = np.floor((before - 0.90) / 0.05 + 1e-9)
    ids = value.index.to_numpy(dtype=object)
    keys = project_keys(ids)
    effects, avoided = [], []
    for b in range(1, draws + 1):
        w = pd.Series(bootstrap_weights(keys, b, 1)[0], index=value.index)
        num = den = saved = 0.0
        for cell in band.unique():
            mine = band.index[band == cell]
            ctrl = [p for p in mine if p not in served and p not in busy]
            treated = [p for p in mine if p in served]
            if not treated or w[ctrl].sum() == 0:
                continue
            change = after - before
            mean = (w[ctrl] * change[ctrl]).sum() / w[ctrl].sum()
            num += (w[treated] * (change[treated] - mean)).sum()
            den += w[treated].sum()
            saved += (w[treated] * (BAC / (before[treated] + mean) - BAC / after[treated])).sum()
        if den > 0:
            effects.append(num / den)
            avoided.append(saved)
    low, high = np.percentile(effects, [2.5, 97.5])
    a_low, a_high = np.percentile(avoided, [2.5, 97.5])
    return {"effect": (low, high), "avoided": (a_low, a_high), "kept": len(effects)}


@pytest.mark.parametrize("index", ["cpi", "spi"])
def test_bounds_are_the_percentiles_of_the_resampled_estimates(index: str) -> None:
    tables = with_spi(organisation())
    evidence = prepare_evidence(tables, SETTINGS)
    assert evidence is not None
    r = evidence.group_row(pmo.ALL, "2026-Q4", index)
    ref = brute_force_bootstrap(tables, index, SETTINGS.bootstrap_draws)
    assert SETTINGS.bootstrap_draws - r["draws_left_out"] == ref["kept"]
    # the method resamples in single precision
    assert (r["effect_low"], r["effect_high"]) == pytest.approx(ref["effect"], abs=1e-6)
    if index == "cpi":
        assert (r["avoided_low"], r["avoided_high"]) == pytest.approx(ref["avoided"], rel=1e-5)


def test_cost_avoided_and_return_by_hand() -> None:
    # each served project: BAC / (before + its cell's comparison mean change) - BAC / after
    expected = sum(BAC / (b + 0.01) - BAC / a for b, a in SERVED.values()) + sum(
        BAC / (b + 0.005) - BAC / a for b, a in SERVED_2.values()
    )
    r = row(organisation())
    assert r["avoided"] == pytest.approx(expected, rel=1e-12)
    # six health checks of 10 hours at 100, and S1's follow-up at a given cost of 500
    assert r["service_cost"] == 6 * 1000 + 500
    assert r["return"] == pytest.approx(expected / 6500, rel=1e-12)
    assert r["avoided_low"] < r["avoided"] < r["avoided_high"]


def test_cost_share_and_coverage_by_hand() -> None:
    tables = organisation(extra_services=[("S1", "2026-Q3", "Coaching", math.nan, math.nan)])
    tables["projects"].loc[tables["projects"]["project_id"] == "C7", "status"] = "on_hold"
    evidence = prepare_evidence(tables, SETTINGS)
    assert evidence is not None
    q2 = evidence.metrics("2026-Q2")
    assert q2["pmo_cost"].value == 6000.0
    # spend in Q2: 13 projects' AC grew from 10,000 to 15,000
    assert q2["pmo_cost_pct"].value == pytest.approx(100 * 6000 / (13 * 5000), rel=1e-12)
    q3 = evidence.metrics("2026-Q3")
    assert q3["pmo_cost"] == pmo.Result(500.0, "1 service row(s) without cost or hours left out")
    assert q3["pmo_cost_pct"].value == pytest.approx(100 * 500 / (13 * 2500), rel=1e-12)
    # served in Q1..Q4: S1-S6 of the 12 active projects (C7 is on hold)
    assert evidence.metrics("2026-Q4")["pmo_supported_pct"].value == pytest.approx(50.0)
    assert evidence.metrics("2026-Q4")["pmo_cost"] == pmo.Result(
        0.0, "no PMO service recorded in 2026-Q4"
    )


def test_metrics_blank_below_the_minimum_group_size_saying_how_many() -> None:
    r = row(organisation(), min_group_size=7)
    assert math.isnan(r["effect"]) and math.isnan(r["effect_low"]) and math.isnan(r["avoided"])
    assert r["note"] == (
        "too few projects to compare: 6 served and 7 comparison project(s) "
        "(at least 7 of each needed)"
    )
    params = Params.model_validate({"pmo": {"min_group_size": 7, "hourly_rate": 100}})
    m = compute_metrics(organisation(), params, "2026-Q4").set_index("metric")
    for mid in pmo.PMO_METRICS[3:]:
        assert math.isnan(m.at[mid, "value"]), mid
        assert m.at[mid, "note"] == r["note"], mid


def test_evidence_to_date_only() -> None:
    # at 2026-Q3 no service has its "after" quarter (t + 2) yet
    r = row(organisation(), period="2026-Q3")
    assert math.isnan(r["effect"])
    assert r["note"].startswith("no engagement measurable by 2026-Q3")


def test_a_comparison_served_in_the_quarter_after_the_service_is_left_out() -> None:
    # C8 (cell 1) is served in 2026-Q3, inside the window: not a comparison
    tables = organisation(
        extra_services=[("C8", "2026-Q3", "Coaching", 1.0, math.nan)],
        extra_projects={"C8": (0.87, 0.70)},
    )
    r = row(tables)
    assert r["comparison_projects"] == 7
    assert r["effect"] == pytest.approx(EFFECT, abs=1e-12)


def test_a_comparison_served_in_the_after_quarter_still_counts() -> None:
    # C8 is served in 2026-Q4 (t + 2): its service cannot show in the value at its end yet
    tables = organisation(
        extra_services=[("C8", "2026-Q4", "Coaching", 1.0, math.nan)],
        extra_projects={"C8": (0.87, 0.85)},
    )
    r = row(tables)
    assert r["comparison_projects"] == 8
    comparison_mean = (0.01 + 0.02 + 0.0 + 0.03 - 0.01 - 0.02) / 6
    expected = (5 * (0.04 - comparison_mean) + 1 * 0.015) / 6
    assert r["effect"] == pytest.approx(expected, abs=1e-12)


def test_help_already_under_way_is_not_a_new_engagement() -> None:
    # S7 was served in 2026-Q1 too: its 2026-Q2 service continues that engagement
    tables = organisation(
        extra_services=[
            ("S7", "2026-Q1", "Recovery", 1.0, math.nan),
            ("S7", "2026-Q2", "Recovery", 1.0, math.nan),
        ],
        extra_projects={"S7": (0.88, 0.99)},
    )
    r = row(tables)
    assert (r["engagements"], r["served_projects"]) == (6, 6)
    assert r["effect"] == pytest.approx(EFFECT, abs=1e-12)


def test_bands_meet_at_the_amber_threshold() -> None:
    # a served project at exactly 0.90 is in the 0.90-0.95 band: none of cell 1's comparisons
    # (0.85-0.89) can stand in for it, so it is left out as unmatched
    tables = organisation(
        extra_services=[("S8", "2026-Q2", "Recovery", 1.0, math.nan)],
        extra_projects={"S8": (0.90, 1.10)},
    )
    r = row(tables)
    assert r["unmatched"] == 1
    assert r["effect"] == pytest.approx(EFFECT, abs=1e-12)
    # with bands 0.10 wide (edges 0.80, 0.90, 1.00) S6 and its comparisons share the
    # 0.90-1.00 band with S8 instead
    wide = row(tables, band_width=0.10)
    assert wide["unmatched"] == 0 and wide["engagements"] == 7


def test_without_the_table_every_pmo_metric_says_what_to_provide() -> None:
    tables = organisation()
    del tables["pmo_services"]
    m = compute_metrics(tables, Params(), "2026-Q4").set_index("metric")
    for mid in pmo.PMO_METRICS:
        assert math.isnan(m.at[mid, "value"]) and m.at[mid, "note"] == "no pmo_services data"


def test_history_gives_what_each_period_gives() -> None:
    tables, params = organisation(), Params.model_validate({"pmo": {"bootstrap_draws": 200}})
    history = metric_history(tables, params, Q).set_index(["period", "metric"])
    for period in Q:
        once = compute_metrics(tables, params, period).set_index("metric")
        for mid in pmo.PMO_METRICS:
            got, want = history.at[(period, mid), "value"], once.at[mid, "value"]
            assert got == want or (math.isnan(got) and math.isnan(want)), (period, mid)


def test_results_do_not_depend_on_row_order() -> None:
    tables = organisation()
    shuffled = {
        name: frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
        for name, frame in tables.items()
    }
    a, b = row(tables), row(shuffled)
    for key in ("effect", "effect_low", "effect_high", "avoided", "avoided_low", "avoided_high"):
        assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-15), key


def test_bootstrap_weights_are_poisson_and_each_project_keeps_its_own() -> None:
    keys = project_keys(np.array([f"P{i}" for i in range(400)], dtype=object))
    w = bootstrap_weights(keys, 0, 500)
    assert w.shape == (500, 400)
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.var() == pytest.approx(1.0, abs=0.02)
    assert (w == 0).mean() == pytest.approx(math.exp(-1), abs=0.01)
    # any slice of draws, and any subset of projects, give the same weights
    np.testing.assert_array_equal(bootstrap_weights(keys, 5, 7), w[5:12])
    np.testing.assert_array_equal(bootstrap_weights(keys[10:20], 0, 500), w[:, 10:20])
    # draws are not copies of one another
    assert not (w[0] == w[1]).all() and not (w[1] == w[5]).all()


def test_service_slugs_and_labels() -> None:
    assert pmo.service_slug("  Health check ") == "health_check"
    assert pmo.service_slug("Cost-Review") == "cost_review"
    assert pmo.service_slug("Révision des coûts") == "revision_des_couts"
    assert pmo.service_slug("") is None and pmo.service_slug(None) is None
    assert pmo.service_slug(pd.NA) is None and pmo.service_slug(math.nan) is None
    assert pmo.service_slug(12) == "12"
    assert pmo.service_label("health_check") == "Health check"
    assert pmo.service_label(pmo.ALL) == "All services"


def test_the_catalogue_explains_the_pmo_metrics_with_the_cases_above() -> None:
    from pmovalue.metrics.catalog import METRICS

    assert list(pmo.PMO_METRICS) == [m for m in METRICS if METRICS[m].level == "pmo"]
    # the catalogue's examples are this file's cases
    assert f"= {EFFECT:+.4f}." in METRICS["pmo_effect_cpi"].example
    b, a = SERVED["S1"]
    avoided = BAC / (b + 0.01) - BAC / a
    assert f"= {avoided:,.2f}." in METRICS["pmo_cost_avoided"].example
    assert f"{avoided:.2f} by services that cost 20: {avoided / 20:.2f}." in (
        METRICS["pmo_return"].example
    )
    assert f"{100 * 6000 / (13 * 5000):.1f} %" in METRICS["pmo_cost_pct"].example
    assert "6,500" in METRICS["pmo_cost"].example  # test_cost_avoided_and_return_by_hand
