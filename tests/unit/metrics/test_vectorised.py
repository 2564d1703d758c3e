"""The fast paths give exactly what the straightforward definitions give.

- metric_history (tables prepared once for all periods) = compute_metrics per period;
- the delivery roll-ups of each period (taken from arrays) = their definition on the
  per-project table; sums, medians and shares of arrays = pandas' own, to the last bit;
- the per-project benefit sums = grouping the rows to date by the project id text;
- earned schedule for many projects at once = `earned_schedule` project by project;
- text cleaning by distinct value = cleaning cell by cell;
- maturity coverage counted per assessment = `coverage` of the latest assessment rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmovalue.config import load_params
from pmovalue.data.loading import Dataset, load_dataset
from pmovalue.metrics import all_metrics, compute_metrics, metric_history, project_metrics
from pmovalue.metrics import benefits as BN
from pmovalue.metrics import evm as E
from pmovalue.metrics import maturity as MT
from pmovalue.metrics import schedule as SCH
from pmovalue.metrics._common import Result, _clean, period_index, period_indices, text_col
from pmovalue.metrics.catalog import MATURITY_DIMENSIONS, METRIC_IDS

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load_dataset(REPO / "data" / "sample")


@pytest.fixture(scope="module")
def sample_params():
    return load_params(REPO / "params")


def scopes(ds: Dataset) -> list[tuple[str, dict[str, pd.DataFrame]]]:
    return [("portfolio", ds.tables), *((u, ds.for_unit(u)) for u in ds.units)]


def test_metric_history_equals_compute_metrics_per_period_on_the_sample(
    sample, sample_params
) -> None:
    periods = ["2024-Q3", *sample.periods]  # one quarter before the data too
    for name, tables in scopes(sample):
        history = metric_history(tables, sample_params, periods)
        assert history["period"].tolist() == [p for p in periods for _ in METRIC_IDS]
        for p in periods:
            got = history[history["period"] == p].drop(columns="period").reset_index(drop=True)
            expected = compute_metrics(tables, sample_params, p)
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=f"{name} {p}")


def test_metric_history_keeps_the_order_of_the_periods_given(sample, sample_params) -> None:
    tables = sample.for_unit(next(iter(sample.units)))
    periods = ["2026-Q3", "2025-Q1", "2026-Q3"]
    history = metric_history(tables, sample_params, periods)
    n = len(METRIC_IDS)
    for i, p in enumerate(periods):
        part = history.iloc[i * n : (i + 1) * n]
        assert set(part["period"]) == {p}
        expected = compute_metrics(tables, sample_params, p)
        pd.testing.assert_frame_equal(
            part.drop(columns="period").reset_index(drop=True), expected, check_exact=True
        )


def test_all_metrics_equals_the_three_functions_on_the_sample(sample, sample_params) -> None:
    # A report page takes all three from one pass; they must be exactly the separate results.
    for period, periods in (("2026-Q3", sample.periods), ("2026-Q3", ["2025-Q1"]), ("2024-Q3", [])):
        for name, tables in scopes(sample):
            got = all_metrics(tables, sample_params, period, periods)
            what = f"{name} at {period} over {periods}"
            pd.testing.assert_frame_equal(
                got.metrics, compute_metrics(tables, sample_params, period), obj=what
            )
            pd.testing.assert_frame_equal(
                got.projects, project_metrics(tables, sample_params, period), obj=what
            )
            pd.testing.assert_frame_equal(
                got.history, metric_history(tables, sample_params, periods), obj=what
            )


def test_project_benefit_sums_are_those_of_grouping_by_the_id_text(sample, sample_params) -> None:
    # pandas sums groups with different algorithms depending on the rows as a whole (sorted or
    # not, with NaN or not): the per-project sums must be those of the plain definition.
    bt = sample.tables["benefits"]
    for p in sample.periods:
        rows = BN.benefits_to_date(bt, p)
        rows["project_id"] = text_col(bt["project_id"], lower=False).reindex(rows.index)
        g = rows.groupby("project_id")
        pm = project_metrics(sample.tables, sample_params, p).set_index("project_id")
        for col, src in (("benefits_baseline", "baseline"), ("benefits_realized", "realized")):
            expected = g[src].sum(min_count=1).reindex(pm.index)
            np.testing.assert_array_equal(pm[col].to_numpy(), expected.to_numpy())


def test_project_metrics_at_each_period_match_the_latest_evm_row(sample, sample_params) -> None:
    evm = sample.tables["evm"]
    for p in sample.periods:
        latest = E.latest_evm(evm, p)
        pm = project_metrics(sample.tables, sample_params, p).set_index("project_id")
        has = pm.index.isin(latest.index)
        mine = latest.loc[pm.index[has]]
        assert pm.loc[has, "evm_period"].tolist() == mine["evm_period"].tolist()
        assert (pm.loc[has, "ev"] == mine["ev"]).all()
        assert pm.loc[~has, "evm_period"].isna().all()


def _rollups_from_project_table(pm: pd.DataFrame, params) -> dict[str, float]:
    """The period's delivery roll-ups, straight from their definitions (pandas, no shortcut)."""
    money = pm["status"] != "proposed"
    delivering = ~pm["status"].isin(["proposed", "cancelled"])
    open_ = pm["status"].isin(["active", "on_hold"])
    has_row = money & pm["evm_period"].notna()
    complete = has_row & pm[["pv", "ev", "ac"]].notna().all(axis=1)
    pv, ev, ac = (pm.loc[complete, c].sum() for c in ("pv", "ev", "ac"))
    tc = has_row & open_ & pm[["bac", "ev", "ac"]].notna().all(axis=1)
    bac_t, ev_t, ac_t = (pm.loc[tc, c].sum() for c in ("bac", "ev", "ac"))
    known = pm.loc[delivering, "on_budget"].dropna()
    return {
        "eac_total": pm.loc[money, "eac"].dropna().sum()
        if pm.loc[money, "eac"].notna().any()
        else math.nan,
        "cv_total": ev - ac if complete.any() else math.nan,
        "sv_total": ev - pv if complete.any() else math.nan,
        "cpi": ev / ac if complete.any() and ac else math.nan,
        "spi": ev / pv if complete.any() and pv else math.nan,
        "tcpi": (bac_t - ev_t) / (bac_t - ac_t) if tc.any() and bac_t - ac_t > 0 else math.nan,
        "spi_t_median": pm.loc[has_row & delivering, "spi_t"].dropna().median(),
        "on_budget_pct": 100.0 * known.astype(bool).sum() / len(known) if len(known) else math.nan,
    }


def test_period_rollups_are_their_definition_on_the_project_table(sample, sample_params) -> None:
    # Every period of a history rolls up from arrays, not from the per-project table: the
    # figures must be those of the table a reader can download, exactly.
    for name, tables in scopes(sample):
        history = metric_history(tables, sample_params, sample.periods)
        for p in sample.periods:
            pm = project_metrics(tables, sample_params, p)
            got = history[history["period"] == p].set_index("metric")["value"]
            for metric, expected in _rollups_from_project_table(pm, sample_params).items():
                value = got[metric]
                assert value == expected or (math.isnan(value) and math.isnan(expected)), (
                    f"{name} {p} {metric}: {value} != {expected}"
                )


floats_or_blank = st.lists(
    st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.just(math.nan)), max_size=300
)


@settings(max_examples=300, deadline=None)
@given(values=floats_or_blank)
def test_sums_and_medians_of_arrays_are_pandas_own_to_the_last_bit(values) -> None:
    from pmovalue.metrics._common import median, total

    arr = np.array(values, dtype="float64")
    series = pd.Series(arr)
    assert total(arr, "x") == total(series, "x")
    kept = series.dropna()
    if len(kept):
        assert total(arr, "x").value == float(kept.sum())  # bit for bit (== on floats)
        assert median(arr, "x").value == float(kept.median())
    else:
        assert total(arr, "x").is_blank and median(arr, "x").is_blank


@given(flags=st.lists(st.sampled_from([True, False, None]), max_size=50))
def test_share_of_known_flags_from_arrays_and_from_a_nullable_column(flags) -> None:
    from pmovalue.metrics._common import share_pct, share_pct_of

    column = pd.Series(flags, dtype="boolean")
    known = np.array([f is not None for f in flags], dtype=bool)
    flag = np.array([bool(f) for f in flags], dtype=bool)
    assert share_pct(column, "x") == share_pct_of(flag, known, "x")
    n = int(known.sum())
    if n:
        assert share_pct(column, "x").value == 100.0 * sum(f is True for f in flags) / n
    else:
        assert share_pct(column, "x").is_blank


# ----------------------------------------------------------------------------- earned schedule


@st.composite
def baselines(draw: st.DrawFn) -> list[dict]:
    """1..5 projects: PV rows by period (gaps, repeats, blanks), BAC, baseline finish, EV."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        n = draw(st.integers(0, 6))
        t = sorted(draw(st.lists(st.integers(1, 8), min_size=n, max_size=n)))
        steps = draw(st.lists(st.sampled_from([0.0, 5.0, 10.0, 25.0]), min_size=n, max_size=n))
        blank = draw(st.lists(st.sampled_from([False, False, False, True]), min_size=n, max_size=n))
        pv = [math.nan if b else v for v, b in zip(np.cumsum(steps), blank, strict=True)]
        out.append(
            {
                "t": np.array(t, dtype=float),
                "pv": np.array(pv, dtype=float),
                "bac": draw(st.sampled_from([math.nan, 0.0, 20.0, 50.0, 100.0])),
                "finish_t": draw(st.sampled_from([math.nan, 2.0, 6.0, 9.0, 12.0])),
                "ev": draw(st.sampled_from([math.nan, -1.0, 0.0, 5.0, 12.5, 20.0, 50.0, 120.0])),
            }
        )
    return out


@settings(max_examples=300, deadline=None)
@given(projects=baselines())
def test_earned_schedule_of_many_projects_at_once_is_that_of_each(projects) -> None:
    b = SCH.Baselines.build(
        np.repeat(np.arange(len(projects)), [len(p["t"]) for p in projects]),
        np.concatenate([p["t"] for p in projects]),
        np.concatenate([p["pv"] for p in projects]),
        np.array([p["bac"] for p in projects]),
        np.array([p["finish_t"] for p in projects]),
    )
    es, notes = b.earned_schedule(np.array([p["ev"] for p in projects]))
    for i, p in enumerate(projects):
        one = SCH.earned_schedule(p["t"], p["pv"], p["ev"], p["bac"], p["finish_t"])
        assert es[i] == one.es or (math.isnan(es[i]) and math.isnan(one.es)), (i, es[i], one)
        pd_ = b.planned_duration[i]
        assert pd_ == one.planned_duration or (math.isnan(pd_) and math.isnan(one.planned_duration))
        assert notes[i] == one.note


def test_schedule_table_of_the_sample_matches_earned_schedule(sample, sample_params) -> None:
    evm, projects = sample.tables["evm"], sample.tables["projects"].set_index("project_id")
    latest = E.latest_evm(evm, "2026-Q1")
    table = SCH.schedule_table(
        evm, latest, projects["budget_at_completion"], projects["baseline_finish"]
    )
    finish = SCH.date_period_index(projects["baseline_finish"])
    for pid in latest.index:
        rows = evm[evm["project_id"] == pid]
        ix = period_indices(rows["period"]).to_numpy()
        t = ix - ix.min() + 1
        one = SCH.earned_schedule(
            t,
            rows["planned_value"].to_numpy(dtype=float),
            float(latest.at[pid, "ev"]),
            float(projects.at[pid, "budget_at_completion"]),
            float(finish[pid]) - ix.min() + 1,
        )
        got = table.loc[pid]
        assert got["es"] == one.es or (math.isnan(got["es"]) and math.isnan(one.es))
        assert got["es_note"] == one.note
        at = SCH.actual_time(latest.at[pid, "first_period"], latest.at[pid, "evm_period"])
        assert got["at"] == at


# ----------------------------------------------------------------------------- text, periods, EVM


@pytest.mark.parametrize("dtype", ["string", "str", "object"])
def test_text_col_cleans_like_cell_by_cell(dtype) -> None:
    values = ["  A b ", "a b", None, "", "   ", "X", "x", "A b", "Ünï ", "\tP1\n"]
    series = pd.Series(values, dtype=dtype, index=range(10, 20))
    for lower in (True, False):
        got = text_col(series, lower=lower)
        assert got.dtype == object and list(got.index) == list(series.index)
        assert got.tolist() == [_clean(v, lower) for v in series.tolist()]


def test_text_col_of_mixed_objects_and_numbers() -> None:
    series = pd.Series([1, 1.0, True, None, math.nan, pd.NA, " a ", 2.5], dtype="object")
    assert text_col(series).tolist() == ["1", "1.0", "true", None, None, None, "a", "2.5"]
    assert text_col(pd.Series([3, 4])).tolist() == ["3", "4"]
    assert text_col(pd.Series([], dtype="object")).tolist() == []


def test_period_indices_of_distinct_values() -> None:
    series = pd.Series(["2026-Q3", " 2026-Q3", None, "2026Q3", "2026-Q5", "1999-Q1", "2026-Q3"])
    got = period_indices(series)
    expected = [period_index("2026-Q3")] * 2 + [math.nan] * 3 + [period_index("1999-Q1")]
    np.testing.assert_array_equal(got.to_numpy(), [*expected, period_index("2026-Q3")])
    assert period_indices(pd.Series([], dtype="string")).empty


def test_latest_evm_last_row_of_a_repeated_period_wins_and_bad_rows_are_ignored(tb) -> None:
    evm = tb.evm(
        tb.evm_row("P2", "2026-Q2", 10, 9, 8),
        tb.evm_row("P1", "2026-Q2", 20, 18, 16),
        tb.evm_row("P1", "2026-Q1", 10, 9, 8),
        tb.evm_row("P1", "2026-Q2", 21, 19, 17),  # same period again: the later row counts
        tb.evm_row(" P2 ", "2026-Q3", 30, 27, 24),  # id and period are stripped
        {"project_id": "P3", "period": "bad", "planned_value": 1.0},
        {"project_id": None, "period": "2026-Q1", "planned_value": 1.0},
    )
    latest = E.latest_evm(evm, "2026-Q3")
    assert list(latest.index) == ["P1", "P2"]
    assert latest.loc["P1", "ev"] == 19 and latest.loc["P1", "first_period"] == "2026-Q1"
    assert latest.loc["P2", "evm_period"] == "2026-Q3" and latest.loc["P2", "ev"] == 27
    assert E.latest_evm(evm, "2025-Q4").empty


# ----------------------------------------------------------------------------- maturity


def same(a: Result, b: Result) -> bool:
    return (a.value == b.value or (a.is_blank and b.is_blank)) and a.note == b.note


def reference_maturity(
    mt: pd.DataFrame, period: str, targets: dict[str, int], min_coverage: float = 0.8
) -> dict:
    """maturity_metrics as defined: dimension_score of each unit's latest assessment rows."""
    rows = MT.latest_assessment(mt, period)
    if rows.empty:
        return MT._no_assessment(period)
    scores = {d: MT.dimension_score(rows, d, min_coverage) for d in MATURITY_DIMENSIONS}
    return MT._metrics(rows, scores, period, targets)


def test_maturity_coverage_per_assessment_matches_coverage_of_latest_rows(sample, tb) -> None:
    mt = sample.tables["maturity"]
    unit = mt["unit_id"].iloc[0]
    # some dirt: a unit without respondent ids, an unlisted item, missing answers
    extra = tb.maturity(
        *(
            {"unit_id": "no-ids", "period": "2025-Q2", "dimension": d, "item_id": f"{d}-{i}",
             "score": None if i == 2 else 3.0}
            for d in MATURITY_DIMENSIONS
            for i in range(4)
        ),
        {"unit_id": unit, "period": "2026-Q3", "dimension": "people",
         "item_id": None, "score": 2.0, "respondent_id": "x"},
    )  # fmt: skip
    mt = pd.concat([mt, extra[mt.columns]], ignore_index=True)
    table = MT.Assessments.from_table(mt)
    for p in ["2024-Q3", "2025-Q2", "2025-Q3", "2026-Q3"]:
        rows = MT.latest_assessment(mt, p)
        chosen = table.latest_blocks(p)
        for d in MATURITY_DIMENSIONS:
            answered, slots = MT.coverage(rows, d) if not rows.empty else (0.0, 0.0)
            assert (table.answered[d][chosen].sum(), table.slots[d][chosen].sum()) == (
                answered,
                slots,
            ), (p, d)
        got = table.metrics(p, {"people": 3}, 0.8)
        expected = reference_maturity(mt, p, {"people": 3})
        assert list(got) == list(expected)
        assert all(same(got[m], expected[m]) for m in got), p


def test_maturity_of_every_period_of_a_history_from_one_table(sample) -> None:
    """A page asks one table for every period, some twice: each answer is the definition's,
    whatever was asked before (per coverage threshold, too)."""
    mt = sample.tables["maturity"]
    table = MT.Assessments.from_table(mt)
    targets = {"people": 3, "process": 4}
    for min_coverage in (0.8, 0.999, 0.8):
        for p in [*sample.periods, "2020-Q1", *reversed(sample.periods)]:
            got = table.metrics(p, targets, min_coverage)
            expected = reference_maturity(mt, p, targets, min_coverage)
            assert list(got) == list(expected)
            assert all(same(got[m], expected[m]) for m in got), (p, min_coverage)


# ----------------------------------------------------------------------------- survey


def test_survey_metrics_from_arrays_match_the_frame_definition(sample, tb) -> None:
    from pmovalue.metrics import satisfaction as SAT

    sv = sample.tables["survey"]
    nan = float("nan")
    dirt = pd.DataFrame(
        {
            "unit_id": [sv["unit_id"].iloc[0]] * 5,
            "unit_name": [sv["unit_name"].iloc[0]] * 5,
            "period": ["2026-Q3", "2026-Q3", "2026-Q3", None, "2026-Q2"],
            "instrument": ["NPS", "csat", "other", "nps", "nps"],
            "score": [9.0, nan, 3.0, 10.0, 0.0],
            "respondent_id": [None, "x", None, "y", None],
        }
    )
    survey = pd.concat([sv, dirt[sv.columns]], ignore_index=True)
    answers = SAT.Answers.of(survey)
    for p in [*sample.periods, "2020-Q1"]:
        got = answers.metrics(p)
        expected = SAT.survey_metrics(SAT.survey_in_period(survey, p), p)
        assert list(got) == list(expected)
        assert all(same(got[m], expected[m]) for m in got), p
