"""RAG status: index thresholds, targets by direction, boundaries."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pmovalue.config import read_yaml
from pmovalue.metrics import rag_status
from pmovalue.metrics.catalog import METRICS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.20, "green"),
        (0.95, "green"),  # = index_green_min
        (19 / 20, "green"),  # 0.95 from a division lands on the boundary too
        (0.9499, "amber"),
        (0.90, "amber"),  # = index_amber_min
        (0.8999, "red"),
        (0.0, "red"),
    ],
)
def test_index_metrics_use_index_thresholds(params, value, expected) -> None:
    for mid in ("cpi", "spi", "spi_t_median"):
        assert rag_status(mid, value, params) == expected


def test_index_thresholds_follow_params(tb) -> None:
    p = tb.params(thresholds={"index_green_min": 1.0, "index_amber_min": 0.8})
    assert rag_status("cpi", 0.95, p) == "amber"
    assert rag_status("cpi", 0.79, p) == "red"


@pytest.mark.parametrize(
    ("metric_id", "target", "value", "expected"),
    [
        # higher, target 80, band 10 % of 80 = 8
        ("on_budget_pct", 80, 80.0, "green"),
        ("on_budget_pct", 80, 95.0, "green"),
        ("on_budget_pct", 80, 72.0, "amber"),  # short by exactly 8
        ("on_budget_pct", 80, 71.99, "red"),
        # lower, target 30, band 3
        ("rating_red_amber_pct", 30, 30.0, "green"),
        ("rating_red_amber_pct", 30, 10.0, "green"),
        ("rating_red_amber_pct", 30, 33.0, "amber"),
        ("rating_red_amber_pct", 30, 33.01, "red"),
        # zero, target 5 (on |value|), band 0.5
        ("period_variance_pct", 5, -5.0, "green"),
        ("period_variance_pct", 5, 0.0, "green"),
        ("period_variance_pct", 5, 5.5, "amber"),
        ("period_variance_pct", 5, -5.5, "amber"),
        ("period_variance_pct", 5, -5.51, "red"),
        # target 0, higher: the band is 0
        ("npv_total", 0, 0.0, "green"),
        ("npv_total", 0, -0.01, "red"),
        # negative target, higher: band is 10 % of |-20| = 2
        ("nps", -20, -22.0, "amber"),
        ("nps", -20, -22.5, "red"),
    ],
)
def test_target_directions_and_boundaries(tb, metric_id, target, value, expected) -> None:
    p = tb.params(targets={metric_id: target})
    assert rag_status(metric_id, value, p) == expected


def test_blank_status_cases(tb, params) -> None:
    assert rag_status("cpi", math.nan, params) == ""  # no value
    assert rag_status("on_budget_pct", 50.0, params) == ""  # no target
    # bac_total has no direction: never coloured even with a target
    assert rag_status("bac_total", 1.0, tb.params(targets={"bac_total": 5})) == ""
    assert rag_status("not_a_metric", 1.0, params) == ""


def test_amber_band_follows_params(tb) -> None:
    p = tb.params(targets={"nps": 20}, thresholds={"target_amber_pct": 50})
    assert rag_status("nps", 10.0, p) == "amber"  # short by 10 <= 50 % of 20
    assert rag_status("nps", 9.0, p) == "red"


def test_every_default_target_can_be_coloured() -> None:
    defaults = Path(__file__).resolve().parents[3] / "params" / "defaults.yml"
    if not defaults.is_file():
        pytest.skip("no params/defaults.yml")
    targets = read_yaml(defaults).get("targets", {})
    for mid in targets:
        info = METRICS[mid]
        assert info.direction is not None and not info.index, mid
