"""The composite value index (0..100): financial, strategic and stakeholder value.

Sub-scores, each normalised to 0..100 (higher is better):

- financial   = mean of the available of  100 · min(CPI, 1)  and  min(benefits_realization_pct, 100)
  (cost efficiency on delivery, and benefits realized against their baseline)
- strategic   = aligned_spend_pct
- stakeholder = mean of the available of  (NPS + 100) / 2  and  csat_pct

Every component is clipped to 0..100 first (over-performance earns no more than 100).
value_index = Σ_k w_k · S_k / Σ_k w_k over the sub-scores S_k that can be computed, with w_k
from `value_index.weights` (sum 1). When a sub-score is blank the weights are renormalised
over the others and the note says so; blank when no sub-score (with a weight > 0) is available.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pmovalue.metrics._common import Result

SUBSCORES = ("financial", "strategic", "stakeholder")

_COMPONENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "financial": (
        ("cpi", "100 × min(CPI, 1)"),
        ("benefits_realization_pct", "benefits realization %"),
    ),
    "strategic": (("aligned_spend_pct", "aligned spend %"),),
    "stakeholder": (("nps", "(NPS + 100) / 2"), ("csat_pct", "CSAT %")),
}


def _clip(x: float) -> float:
    return min(100.0, max(0.0, x))


def normalise(metric_id: str, value: float) -> float:
    """One input metric on the 0..100 scale (NaN stays NaN)."""
    if math.isnan(value):
        return math.nan
    if metric_id == "cpi":
        return _clip(100.0 * value)
    if metric_id == "nps":
        return _clip((value + 100.0) / 2.0)
    return _clip(value)


@dataclass(frozen=True)
class ValueIndex:
    result: Result
    subscores: dict[str, float] = field(default_factory=dict)  # NaN when blank


def subscore(name: str, metrics: Mapping[str, Result]) -> float:
    """Mean of the available normalised components of one sub-score (NaN when none)."""
    parts = [
        normalise(mid, metrics[mid].value)
        for mid, _ in _COMPONENTS[name]
        if mid in metrics and not metrics[mid].is_blank
    ]
    return sum(parts) / len(parts) if parts else math.nan


def value_index(metrics: Mapping[str, Result], weights: Mapping[str, float]) -> ValueIndex:
    """Σ w_k S_k / Σ w_k over the available sub-scores."""
    subs = {k: subscore(k, metrics) for k in SUBSCORES}
    available = [k for k in SUBSCORES if not math.isnan(subs[k]) and weights.get(k, 0.0) > 0]
    if not available:
        return ValueIndex(
            Result.blank(
                "no sub-score available (needs CPI or benefits, alignment, or survey data)"
            ),
            subs,
        )
    w = sum(weights[k] for k in available)
    value = sum(weights[k] * subs[k] for k in available) / w
    missing = [k for k in SUBSCORES if k not in available and weights.get(k, 0.0) > 0]
    note = (
        f"no {', '.join(missing)} sub-score: weights renormalised over {', '.join(available)}"
        if missing
        else ""
    )
    return ValueIndex(Result(value, note), subs)


def formula_text(weights: Mapping[str, float]) -> str:
    """The formula as shown on the report page, with the weights in force."""
    lines = [
        "Value index (0-100) = "
        + " + ".join(f"{weights.get(k, 0.0):g} × {k}" for k in SUBSCORES)
        + " (the weights are parameters of the report; when a sub-score is missing the "
        "weights are rescaled over the others).",
    ]
    for k in SUBSCORES:
        comps = " and ".join(label for _, label in _COMPONENTS[k])
        mean = "mean of " if len(_COMPONENTS[k]) > 1 else ""
        lines.append(f"{k.capitalize()} = {mean}{comps}, each capped to 0-100.")
    return "\n".join(lines)
