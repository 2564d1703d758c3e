"""PMO maturity over people, process, technology and governance (stages 1 ad hoc .. 4 optimizing).

Which answers count: for each unit, its latest assessment at or before the report period
(maturity surveys are often not run every quarter; the note names the assessment period when it
is older than the report period). The portfolio pools the answers of every unit's latest
assessment.

- Item slots of a dimension: every row is one item for one respondent. When respondent_id is
  given, the slots are the full grid (items of the dimension in the unit × respondents of the
  unit's assessment), so items missing from the file count as unanswered too. A blank score is
  an unanswered slot.
- coverage = answered slots / item slots.
- maturity_<dim> = mean of the answered item scores, when coverage ≥ maturity.min_coverage;
  otherwise blank with a note naming the coverage.
- maturity_profile = mean of the dimension scores that are not blank (the note names the
  dimensions left out).
- maturity_level = min over the four dimensions of floor(score) — the weakest link —; blank when
  any dimension is blank (the weakest link could be the one not measured).
- maturity_gap_<dim> = max(0, target - score): the shortfall against maturity.targets; a
  dimension at or above its target has gap 0. Blank when the score is blank or no target is set.
"""

from __future__ import annotations

import math

import pandas as pd

from pmovalue.metrics._common import (
    Result,
    join_notes,
    num,
    period_index,
    period_indices,
    text,
)
from pmovalue.metrics.catalog import MATURITY_DIMENSIONS, MATURITY_STAGES


def latest_assessment(maturity: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows of each unit's latest assessment period ≤ `period`.

    Columns: unit_id, period, period_ix, dimension, item_id, score (float64), respondent_id.
    """
    frame = pd.DataFrame(
        {
            "unit_id": text(maturity, "unit_id", lower=False),
            "period": text(maturity, "period", lower=False),
            "period_ix": period_indices(maturity["period"]),
            "dimension": text(maturity, "dimension"),
            "item_id": text(maturity, "item_id", lower=False),
            "score": num(maturity, "score"),
            "respondent_id": text(maturity, "respondent_id", lower=False),
        }
    )
    frame["unit_id"] = ["" if v is None else v for v in frame["unit_id"].tolist()]
    frame = frame[frame["period_ix"].notna() & (frame["period_ix"] <= period_index(period))]
    if frame.empty:
        return frame
    latest = frame.groupby("unit_id")["period_ix"].transform("max")
    return frame[frame["period_ix"] == latest]


def coverage(rows: pd.DataFrame, dimension: str) -> tuple[float, float]:
    """(answered slots, item slots) of one dimension (see module docstring)."""
    dim = rows[rows["dimension"] == dimension]
    answered = 0.0
    slots = 0.0
    no_id = dim[dim["respondent_id"].isna()]
    slots += len(no_id)
    answered += float(no_id["score"].notna().sum())
    with_id = rows[rows["respondent_id"].notna()]
    for _unit, unit_rows in with_id.groupby("unit_id"):
        respondents = unit_rows["respondent_id"].nunique()
        d = unit_rows[unit_rows["dimension"] == dimension]
        slots += float(d["item_id"].nunique() * respondents)
        answered += float(
            d[d["score"].notna()].drop_duplicates(["respondent_id", "item_id"]).shape[0]
        )
    return answered, slots


def dimension_score(rows: pd.DataFrame, dimension: str, min_coverage: float) -> Result:
    """Mean of answered items when coverage ≥ min_coverage, else blank naming the coverage."""
    dim = rows[rows["dimension"] == dimension]
    if dim.empty:
        return Result.blank(f"no {dimension} items assessed")
    answered, slots = coverage(rows, dimension)
    share = answered / slots if slots else 0.0
    if answered == 0:
        return Result.blank(f"no {dimension} item answered")
    if share < min_coverage - 1e-12:
        return Result.blank(
            f"coverage {share:.0%} of {dimension} items is below maturity.min_coverage "
            f"{min_coverage:.0%}"
        )
    return Result(float(dim["score"].dropna().mean()))


def profile(scores: dict[str, Result]) -> Result:
    """Mean of the non-blank dimension scores."""
    present = {d: r.value for d, r in scores.items() if not r.is_blank}
    if not present:
        return Result.blank("no dimension score")
    missing = [d for d in scores if d not in present]
    note = f"mean of {len(present)} of {len(scores)} dimensions (without {', '.join(missing)})"
    return Result(sum(present.values()) / len(present), note if missing else "")


def level(scores: dict[str, Result]) -> Result:
    """min over dimensions of floor(score): the weakest link; blank if any dimension is blank."""
    missing = [d for d, r in scores.items() if r.is_blank]
    if missing:
        return Result.blank(f"needs every dimension; {', '.join(missing)} blank")
    value = float(min(math.floor(r.value + 1e-9) for r in scores.values()))
    return Result(value, MATURITY_STAGES.get(int(value), ""))


def gap(score: Result, target: float | None, dimension: str) -> Result:
    """max(0, target - score)."""
    if target is None:
        return Result.blank(f"no maturity target for {dimension}")
    if score.is_blank:
        return Result.blank(f"{dimension} score blank")
    return Result(max(0.0, float(target) - score.value))


def maturity_metrics(
    maturity: pd.DataFrame, period: str, targets: dict[str, int], min_coverage: float
) -> dict[str, Result]:
    """Every maturity_* metric of the catalog."""
    rows = latest_assessment(maturity, period)
    if rows.empty:
        reason = f"no maturity assessment up to {period}"
        out = {f"maturity_{d}": Result.blank(reason) for d in MATURITY_DIMENSIONS}
        out["maturity_profile"] = Result.blank(reason)
        out["maturity_level"] = Result.blank(reason)
        out.update({f"maturity_gap_{d}": Result.blank(reason) for d in MATURITY_DIMENSIONS})
        return out
    assessed = sorted(set(rows["period"]))
    when = ""
    if assessed != [period]:
        when = (
            f"assessment of {assessed[0]}"
            if len(assessed) == 1
            else f"latest assessment per unit ({assessed[0]} to {assessed[-1]})"
        )
    scores = {d: dimension_score(rows, d, min_coverage) for d in MATURITY_DIMENSIONS}
    out: dict[str, Result] = {}
    for d, r in scores.items():
        out[f"maturity_{d}"] = r if r.is_blank else r.with_note(when)
    out["maturity_profile"] = profile(scores).with_note(when)
    lvl = level(scores)
    out["maturity_level"] = lvl if lvl.is_blank else Result(lvl.value, join_notes(lvl.note, when))
    for d in MATURITY_DIMENSIONS:
        out[f"maturity_gap_{d}"] = gap(scores[d], targets.get(d), d)
    return out
