"""Level 3 strategic alignment: weighted project scores, aligned spend, BAC-weighted mean.

- Project weighted score = Σ_c w_c · s_c / Σ_c w_c over the criteria of
  `alignment.criteria` that the project has a score for (weights sum to 1, so with every
  criterion scored this is Σ w_c · s_c). A project missing some criteria is scored on the
  others, weights renormalised, and the note says so; a project with none of them has no score.
  Several rows for one (project, criterion) are averaged first.
  Scores for a criterion that is not in `alignment.criteria` are ignored, with a note.
- aligned_spend_pct = 100 · Σ BAC(scored projects with score ≥ aligned_threshold)
  / Σ BAC(scored projects) (docs/metrics.md). Projects without BAC are left out.
- alignment_score_mean = Σ BAC·score / Σ BAC over the same projects (BAC-weighted mean).
  Both blank when no scored project has a BAC, or Σ BAC = 0.

Which projects count: all but `proposed` (when the projects table is given): aligned SPEND is
about approved budgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pmovalue.metrics._common import Result, ids, num, ratio, text


@dataclass(frozen=True)
class ProjectScores:
    score: pd.Series  # weighted score by project_id (float64)
    criteria_used: pd.Series  # number of params criteria scored, by project_id
    notes: tuple[str, ...]  # caveats: ignored criteria, partially scored projects


def project_scores(alignment: pd.DataFrame, criteria: dict[str, float]) -> ProjectScores:
    """Weighted alignment score of each project (see module docstring)."""
    frame = pd.DataFrame(
        {
            "project_id": text(alignment, "project_id", lower=False),
            "criterion": text(alignment, "criterion", lower=False),
            "score": num(alignment, "score"),
        }
    )
    frame = frame[frame["project_id"].notna() & frame["criterion"].notna()]
    frame = frame[frame["score"].notna()]
    notes: list[str] = []
    unknown = sorted(set(frame["criterion"]) - set(criteria))
    if unknown:
        notes.append(f"criterion {', '.join(unknown)} not in alignment.criteria: ignored")
    frame = frame[frame["criterion"].isin(list(criteria))]
    if frame.empty:
        empty = pd.Series(dtype="float64", index=pd.Index([], name="project_id"))
        return ProjectScores(empty, empty, tuple(notes))
    per = frame.groupby(["project_id", "criterion"], as_index=False)["score"].mean()
    per["w"] = per["criterion"].map(criteria).astype("float64")
    per["ws"] = per["w"] * per["score"]
    g = per.groupby("project_id")
    weight = g["w"].sum()
    score = (g["ws"].sum() / weight.where(weight > 0)).astype("float64")
    used = g["criterion"].count().astype("float64")
    partial = used[used < len(criteria)].index
    if len(partial):
        notes.append(
            f"{ids(partial)} scored on only some criteria: weights renormalised over those"
        )
    return ProjectScores(score, used, tuple(notes))


def _scored(score: pd.Series, bac: pd.Series) -> tuple[pd.Series, pd.Series] | Result:
    scored = score.dropna()
    if scored.empty:
        return Result.blank("no project has an alignment score")
    b = bac.reindex(scored.index)
    has_bac = b.notna()
    if not has_bac.any() or float(b[has_bac].sum()) == 0:
        return Result.blank("scored projects have no BAC: spend share undefined")
    return scored[has_bac], b[has_bac]


def aligned_spend_pct(score: pd.Series, bac: pd.Series, threshold: float) -> Result:
    """100 · ΣBAC(score ≥ threshold) / ΣBAC(scored), projects with a score and a BAC."""
    got = _scored(score, bac)
    if isinstance(got, Result):
        return got
    s, b = got
    aligned = 100.0 * float(b[s >= threshold].sum())
    share = ratio(aligned, float(b.sum()), "scored projects have no BAC")
    return share.with_note(_left_out(score, bac))


def alignment_score_mean(score: pd.Series, bac: pd.Series) -> Result:
    """Σ BAC·score / Σ BAC over projects with a score and a BAC."""
    got = _scored(score, bac)
    if isinstance(got, Result):
        return got
    s, b = got
    mean = ratio(float((s * b).sum()), float(b.sum()), "scored projects have no BAC")
    return mean.with_note(_left_out(score, bac))


def _left_out(score: pd.Series, bac: pd.Series) -> str:
    scored = score.dropna()
    n = int(bac.reindex(scored.index).isna().sum())
    return f"{n} scored project(s) without BAC left out" if n else ""
