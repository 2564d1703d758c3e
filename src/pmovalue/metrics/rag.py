"""RAG status (docs/metrics.md): green / amber / red, or "" when there is nothing to judge against.

- Index metrics (catalog `index=True`: CPI, SPI, median SPI(t)): green when
  value ≥ thresholds.index_green_min, amber when ≥ thresholds.index_amber_min, else red.
- Other metrics, against `targets[metric_id]` when set (a maturity dimension's score, when
  not set there, against its `maturity.targets`), by the catalog `direction`, with
  band = thresholds.target_amber_pct / 100 · |target|:
  - "higher": green when value ≥ target; amber when target - value ≤ band; else red.
  - "lower": green when value ≤ target; amber when value - target ≤ band; else red.
  - "zero": as "lower" on |value| against |target| (e.g. a ±5 % variance target).
- "" when the value is blank, the metric has no direction, or no target is set.

Comparisons allow a relative tolerance of 1e-9 so a value on a boundary (e.g. CPI 0.95 from
95/100) lands on the better side despite float rounding.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pmovalue.metrics.catalog import METRICS

if TYPE_CHECKING:
    from pmovalue.config import Params

_EPS = 1e-9


def _ge(a: float, b: float) -> bool:
    """a ≥ b, allowing a relative float tolerance."""
    return a >= b - _EPS * max(1.0, abs(a), abs(b))


def _vs_target(value: float, target: float, band: float, higher: bool) -> str:
    if higher:
        good, near = _ge(value, target), _ge(value, target - band)
    else:
        good, near = _ge(target, value), _ge(target + band, value)
    return "green" if good else "amber" if near else "red"


def rag_status(metric_id: str, value: float, params: Params) -> str:
    """ "green", "amber", "red" or "" (see module docstring)."""
    info = METRICS.get(metric_id)
    if info is None or value is None or math.isnan(value):
        return ""
    th = params.thresholds
    if info.index:
        if _ge(value, th.index_green_min):
            return "green"
        if _ge(value, th.index_amber_min):
            return "amber"
        return "red"
    target = params.targets.get(metric_id)
    dimension = metric_id.removeprefix("maturity_")
    if target is None and dimension in params.maturity.targets:
        target = float(params.maturity.targets[dimension])
    if target is None or info.direction is None:
        return ""
    band = th.target_amber_pct / 100.0 * abs(target)
    if info.direction == "higher":
        return _vs_target(value, target, band, higher=True)
    if info.direction == "lower":
        return _vs_target(value, target, band, higher=False)
    if info.direction == "zero":
        return _vs_target(abs(value), abs(target), band, higher=False)
    return ""
