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
from dataclasses import dataclass, field

import numpy as np
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


def assessment_rows(maturity: pd.DataFrame) -> pd.DataFrame:
    """Every assessment row, normalised: unit_id ("" when blank), period, period_ix, dimension,
    item_id, score (float64), respondent_id; rows with a malformed period are dropped."""
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
    return frame[frame["period_ix"].notna()]


def latest_rows(rows: pd.DataFrame, period: str) -> pd.DataFrame:
    """Of `assessment_rows`: those of each unit's latest assessment period ≤ `period`."""
    frame = rows[rows["period_ix"] <= period_index(period)]
    if frame.empty:
        return frame
    latest = frame.groupby("unit_id")["period_ix"].transform("max")
    return frame[frame["period_ix"] == latest]


def latest_assessment(maturity: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows of each unit's latest assessment period ≤ `period`.

    Columns: unit_id, period, period_ix, dimension, item_id, score (float64), respondent_id.
    """
    return latest_rows(assessment_rows(maturity), period)


def coverage(rows: pd.DataFrame, dimension: str) -> tuple[float, float]:
    """(answered slots, item slots) of one dimension (see module docstring).

    Rows without respondent_id: one slot each, answered when scored. Rows with one, per unit:
    slots = distinct items of the dimension × distinct respondents of the unit (any
    dimension); answered = distinct (respondent, item) pairs of the dimension with a score.
    """
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


# How a dimension's score left out for too few answers begins its note (the data-quality page
# looks for it).
TOO_FEW_ANSWERS = "too few answers"


def dimension_score(rows: pd.DataFrame, dimension: str, min_coverage: float) -> Result:
    """Mean of answered items when coverage ≥ min_coverage, else blank naming the coverage."""
    dim = rows[rows["dimension"] == dimension]
    if dim.empty:
        return Result.blank(f"no {dimension} items assessed")
    answered, slots = coverage(rows, dimension)
    return _score(dim["score"], answered, slots, dimension, min_coverage)


def _score(
    scores: pd.Series, answered: float, slots: float, dimension: str, min_coverage: float
) -> Result:
    """`dimension_score` from the dimension's item scores (NaN = unanswered) and coverage."""
    share = answered / slots if slots else 0.0
    if answered == 0:
        return Result.blank(f"no {dimension} item answered")
    if share < min_coverage - 1e-12:
        return Result.blank(
            f"{TOO_FEW_ANSWERS}: {share:.0%} of its {dimension} questions were answered, "
            f"{min_coverage:.0%} are needed"
        )
    return Result(float(scores.dropna().mean()))


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
        return Result.blank(f"needs a score in every dimension; none for {', '.join(missing)}")
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
    maturity: pd.DataFrame, period: str, targets: dict[str, float], min_coverage: float
) -> dict[str, Result]:
    """Every maturity_* metric of the catalog."""
    return Assessments.from_table(maturity).metrics(period, targets, min_coverage)


def _metrics(
    rows: pd.DataFrame, scores: dict[str, Result], period: str, targets: dict[str, float]
) -> dict[str, Result]:
    """The maturity_* metrics from the latest assessment rows and their dimension scores."""
    assessed = sorted(set(rows["period"]))
    when = ""
    if assessed != [period]:
        when = (
            f"assessment of {assessed[0]}"
            if len(assessed) == 1
            else f"latest assessment per unit ({assessed[0]} to {assessed[-1]})"
        )
    out: dict[str, Result] = {}
    for d, r in scores.items():
        out[f"maturity_{d}"] = r if r.is_blank else r.with_note(when)
    out["maturity_profile"] = profile(scores).with_note(when)
    lvl = level(scores)
    out["maturity_level"] = lvl if lvl.is_blank else Result(lvl.value, join_notes(lvl.note, when))
    for d in MATURITY_DIMENSIONS:
        out[f"maturity_gap_{d}"] = gap(scores[d], targets.get(d), d)
    return out


def _no_assessment(period: str) -> dict[str, Result]:
    reason = f"no maturity assessment up to {period}"
    out = {f"maturity_{d}": Result.blank(reason) for d in MATURITY_DIMENSIONS}
    out["maturity_profile"] = Result.blank(reason)
    out["maturity_level"] = Result.blank(reason)
    out.update({f"maturity_gap_{d}": Result.blank(reason) for d in MATURITY_DIMENSIONS})
    return out


def _distinct_per_block(block: np.ndarray, *codes: np.ndarray, blocks: int) -> np.ndarray:
    """Per block: the number of distinct combinations of `codes` (ints ≥ -1) among its rows."""
    if block.size == 0:
        return np.zeros(blocks, dtype="int64")
    keys = np.stack([block, *codes], axis=1)
    return np.bincount(np.unique(keys, axis=0)[:, 0], minlength=blocks)


@dataclass(frozen=True)
class Assessments:
    """The maturity table normalised once, for the metrics at any report period.

    A block is one unit's assessment (unit, period). Coverage is additive over units, so each
    block's answered and item slots per dimension (module docstring) are counted once here; a
    report period then selects each unit's latest block ≤ the period and sums them. Means are
    taken over the selected rows, as `dimension_score` does.
    """

    rows: pd.DataFrame  # assessment_rows
    block: np.ndarray  # per row: its block
    block_unit: np.ndarray  # per block, sorted by unit then period
    block_ix: np.ndarray
    answered: dict[str, np.ndarray]  # per dimension: answered slots per block
    slots: dict[str, np.ndarray]  # per dimension: item slots per block
    # (chosen blocks, min_coverage) -> (their rows, dimension scores): units are assessed once
    # or twice a year, so most periods of a history choose the blocks of the one before.
    _scored: dict[tuple[bytes, float], tuple[pd.DataFrame, dict[str, Result]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_table(cls, maturity: pd.DataFrame) -> Assessments:
        rows = assessment_rows(maturity)
        unit = pd.factorize(rows["unit_id"])[0]
        ix = rows["period_ix"].to_numpy(dtype="float64")
        span = int(ix.max() - ix.min()) + 1 if ix.size else 1
        offset = ix.min() if ix.size else 0.0
        keys, block = np.unique(unit * span + (ix - offset).astype("int64"), return_inverse=True)
        blocks = len(keys)
        respondent = pd.factorize(rows["respondent_id"])[0]
        item = pd.factorize(rows["item_id"])[0]
        has_id = respondent >= 0
        scored = rows["score"].notna().to_numpy()
        respondents = _distinct_per_block(block[has_id], respondent[has_id], blocks=blocks)
        answered: dict[str, np.ndarray] = {}
        slots: dict[str, np.ndarray] = {}
        for d in MATURITY_DIMENSIONS:
            in_d = (rows["dimension"] == d).to_numpy(dtype=bool)
            no_id = in_d & ~has_id
            with_id = in_d & has_id
            listed = with_id & (item >= 0)
            items = _distinct_per_block(block[listed], item[listed], blocks=blocks)
            pairs = with_id & scored
            slots[d] = np.bincount(block[no_id], minlength=blocks) + items * respondents
            answered[d] = np.bincount(block[no_id & scored], minlength=blocks) + (
                _distinct_per_block(block[pairs], respondent[pairs], item[pairs], blocks=blocks)
            )
        return cls(
            rows=rows,
            block=block,
            block_unit=keys // span,
            block_ix=keys % span + offset,
            answered=answered,
            slots=slots,
        )

    def latest_blocks(self, period: str) -> np.ndarray:
        """Mask of the blocks that are their unit's latest assessment ≤ `period`."""
        known = self.block_ix <= period_index(period)
        unit_end = np.append(self.block_unit[1:] != self.block_unit[:-1], True)
        # blocks of a unit are sorted by period: the known ones are a prefix of the unit's
        return known & (unit_end | ~np.append(known[1:], False))

    def metrics(
        self, period: str, targets: dict[str, float], min_coverage: float
    ) -> dict[str, Result]:
        """Every maturity_* metric at `period`."""
        chosen = self.latest_blocks(period)
        key = (chosen.tobytes(), min_coverage)
        if key not in self._scored:
            self._scored[key] = self._scores(chosen, min_coverage)
        rows, scores = self._scored[key]
        if rows.empty:
            return _no_assessment(period)
        return _metrics(rows, scores, period, targets)

    def _scores(
        self, chosen: np.ndarray, min_coverage: float
    ) -> tuple[pd.DataFrame, dict[str, Result]]:
        rows = self.rows[chosen[self.block]] if len(self.block) else self.rows
        scores: dict[str, Result] = {}
        if rows.empty:
            return rows, scores
        for d in MATURITY_DIMENSIONS:
            dim = rows["score"][rows["dimension"] == d]
            if dim.empty:
                scores[d] = Result.blank(f"no {d} items assessed")
                continue
            answered = float(self.answered[d][chosen].sum())
            slots = float(self.slots[d][chosen].sum())
            scores[d] = _score(dim, answered, slots, d, min_coverage)
        return rows, scores
