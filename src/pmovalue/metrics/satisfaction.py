"""Level 3 stakeholder satisfaction from the survey table, for the report period only.

- NPS (Bain) = % promoters (score 9-10) - % detractors (score 0-6) among the answers of the
  `nps` instrument; -100..+100. Passives (7-8, and any score strictly between 6 and 9) count in
  the denominator only.
- csat_pct = 100 · answers of 4 or 5 / answers, `csat` instrument on a 1..5 scale.
- survey_responses = distinct respondents in the period (respondent_id; a row with no
  respondent_id counts as one respondent), over both instruments.
Each is blank, with the reason, when the period has no answers for it; a caveat
"few responses (n = …)" is added below 10 answers (respondents for survey_responses).
The portfolio pools every unit's answers (respondent-weighted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmovalue.metrics._common import Result, num, text

FEW_RESPONSES = 10


def survey_answers(survey: pd.DataFrame) -> pd.DataFrame:
    """Every answer, normalised: period (text), instrument, score (float64), respondent_id."""
    return pd.DataFrame(
        {
            "period": text(survey, "period", lower=False),
            "instrument": text(survey, "instrument"),
            "score": num(survey, "score"),
            "respondent_id": text(survey, "respondent_id", lower=False),
        },
        index=survey.index,
    )


def answers_in_period(answers: pd.DataFrame, period: str) -> pd.DataFrame:
    """Of `survey_answers`: those of the period, columns instrument, score, respondent_id."""
    in_period = answers["period"].eq(period).astype(bool)
    return answers.loc[in_period, ["instrument", "score", "respondent_id"]]


def survey_in_period(survey: pd.DataFrame, period: str) -> pd.DataFrame:
    """Answers of the period: columns instrument, score (float64), respondent_id."""
    return answers_in_period(survey_answers(survey), period)


def survey_metrics(answers: pd.DataFrame, period: str) -> dict[str, Result]:
    """nps, csat_pct and survey_responses from the answers of the period."""
    return {
        "nps": net_promoter_score(answers.loc[answers["instrument"] == "nps", "score"], period),
        "csat_pct": csat_pct(answers.loc[answers["instrument"] == "csat", "score"], period),
        "survey_responses": respondent_count(answers, period),
    }


@dataclass(frozen=True)
class Answers:
    """`survey_answers` as plain arrays: a report page asks for the metrics of every period
    of its history, and selecting each period's rows of a frame cost more than the metrics."""

    period: np.ndarray  # object: text, None when blank
    instrument: np.ndarray  # object: lowercased text, None when blank
    score: np.ndarray  # float64, NaN when blank
    respondent_id: np.ndarray  # object: text, None when blank

    @classmethod
    def of(cls, survey: pd.DataFrame) -> Answers:
        answers = survey_answers(survey)
        return cls(
            *(answers[c].to_numpy(dtype=object) for c in ("period", "instrument")),
            answers["score"].to_numpy(dtype="float64"),
            answers["respondent_id"].to_numpy(dtype=object),
        )

    def metrics(self, period: str) -> dict[str, Result]:
        """`survey_metrics` of the period's answers."""
        mine = self.period == period
        instrument, score = self.instrument[mine], self.score[mine]
        return {
            "nps": net_promoter_score(score[instrument == "nps"], period),
            "csat_pct": csat_pct(score[instrument == "csat"], period),
            "survey_responses": _respondents(self.respondent_id[mine], period),
        }


def _answered(scores: pd.Series | np.ndarray) -> np.ndarray:
    values = np.asarray(scores, dtype="float64")
    return values[~np.isnan(values)]


def _few(n: int) -> str:
    return f"few responses (n = {n})" if n < FEW_RESPONSES else ""


def net_promoter_score(scores: pd.Series | np.ndarray, period: str = "") -> Result:
    """NPS = 100 · (promoters - detractors) / answers, promoters ≥ 9, detractors ≤ 6."""
    s = _answered(scores)
    if not s.size:
        return Result.blank(f"no NPS answers in {period}" if period else "no NPS answers")
    promoters = int((s >= 9).sum())
    detractors = int((s <= 6).sum())
    return Result(100.0 * (promoters - detractors) / len(s), _few(len(s)))


def csat_pct(scores: pd.Series | np.ndarray, period: str = "") -> Result:
    """CSAT % = 100 · answers of 4-5 / answers (1..5 scale)."""
    s = _answered(scores)
    if not s.size:
        return Result.blank(f"no CSAT answers in {period}" if period else "no CSAT answers")
    return Result(100.0 * float((s >= 4).sum()) / len(s), _few(len(s)))


def respondent_count(answers: pd.DataFrame, period: str = "") -> Result:
    """Distinct respondent_id plus rows without one; blank when the period has no answers."""
    ids = answers["respondent_id"] if len(answers) else pd.Series([], dtype=object)
    return _respondents(ids.to_numpy(dtype=object), period)


def _respondents(respondent_id: np.ndarray, period: str) -> Result:
    """`respondent_count` of the answers with these respondent ids (blank: none given)."""
    if not respondent_id.size:
        return Result.blank(f"no survey answers in {period}" if period else "no survey answers")
    blank = pd.isna(respondent_id)
    n = len(set(respondent_id[~blank])) + int(blank.sum())
    return Result(float(n), _few(n))
