"""The tables of one unit (or of the organisation) normalised once, for any report period.

`prepare` cleans text, parses periods, sorts EVM rows by project and period, builds the
earned-schedule baselines and scores cash flows and alignment; `Prepared` holds the result,
and with it the project columns that do not depend on the period (`base`). Every report
period of a page then only selects rows by period (`pmovalue.metrics.projects`,
`pmovalue.metrics.compute`). The per-project table's columns are defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmovalue.metrics import (
    alignment,
    benefits,
    delivery,
    finance,
    maturity,
    pmo,
    satisfaction,
    schedule,
)
from pmovalue.metrics._common import (
    NOT_DELIVERING,
    OPEN_STATUSES,
    Tables,
    dates,
    num,
    statuses,
    text,
)
from pmovalue.metrics.evm import EvmHistory
from pmovalue.metrics.schedule import Baselines

if TYPE_CHECKING:
    from pmovalue.config import Params

PROJECT_COLUMNS = [
    "project_id",
    "project_name",
    "unit_id",
    "unit_name",
    "status",
    "category",
    "rating",
    "evm_period",
    "bac",
    "pv",
    "ev",
    "ac",
    "cv",
    "sv",
    "cpi",
    "spi",
    "eac",
    "eac_source",
    "etc",
    "vac",
    "tcpi",
    "es",
    "at",
    "planned_duration",
    "spi_t",
    "sv_t",
    "baseline_finish",
    "finish",
    "slip_days",
    "on_budget",
    "on_time",
    "alignment_score",
    "npv",
    "bcr",
    "roi_pct",
    "benefits_baseline",
    "benefits_realized",
    "note",
]

FLOAT_COLUMNS = [
    "bac", "pv", "ev", "ac", "cv", "sv", "cpi", "spi", "eac", "etc", "vac", "tcpi", "es", "at",
    "planned_duration", "spi_t", "sv_t", "slip_days", "alignment_score", "npv", "bcr", "roi_pct",
    "benefits_baseline", "benefits_realized",
]  # fmt: skip


def empty_projects() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in PROJECT_COLUMNS})
    for c in FLOAT_COLUMNS:
        frame[c] = frame[c].astype("float64")
    for c in ("on_budget", "on_time"):
        frame[c] = frame[c].astype("boolean")
    for c in ("baseline_finish", "finish"):
        frame[c] = frame[c].astype("datetime64[ns]")
    return frame


def project_ids(frame: pd.DataFrame, allowed: pd.Index | None) -> pd.Series:
    """Mask of the rows of `frame` whose project_id is in `allowed` (all rows when None)."""
    pid = text(frame, "project_id", lower=False)
    if allowed is None:
        return pid.notna()
    return pid.isin(list(allowed))


def take(values: np.ndarray, index: np.ndarray, fill: Any) -> np.ndarray:
    """values[index], with `fill` where index is -1."""
    out = np.full(len(index), fill, dtype=values.dtype)
    has = index >= 0
    out[has] = values[index[has]]
    return out


# ----------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class Prepared:
    """The tables of one unit (or the organisation) normalised once, for any report period.

    `base`: the project columns that do not depend on the period, one row per project of the
    projects table (first row of a duplicated id; rows without an id dropped), indexed by
    project id; None without a projects table. `evm_project`: per base row, its position in
    `evm.project_ids` (-1 without EVM rows); `scheduled`: the EVM projects of `base`, whose
    earned-schedule `baselines` are built, and `base_scheduled` per base row its position in
    them. `benefits`: normalised rows with `money` (the row counts in the outcome totals) and
    `key`, the rank of its project id among the sorted ids of the table (NaN when blank):
    grouping by it gives the same groups, in the same order, as grouping by the id text (and
    so the same sums to the last bit: pandas picks its summation by the order of the groups);
    `base_benefit_key` is that key for each base row. `cashflows` and `alignment` are the
    cash-flow summary and alignment scores of all the rows of their tables. `rollup_base`: the
    columns of `base` every period's roll-up reads, as arrays (see `rollup`).
    """

    tables: Tables
    base: pd.DataFrame | None
    rollup_base: dict[str, np.ndarray]
    forecast: pd.Series
    actual_cost: pd.Series
    money_ids: pd.Index | None
    evm: EvmHistory
    evm_project: np.ndarray
    scheduled: np.ndarray
    base_scheduled: np.ndarray
    baselines: Baselines
    benefits: pd.DataFrame | None
    base_benefit_key: np.ndarray
    cashflows: pd.DataFrame | None
    alignment: alignment.ProjectScores | None
    survey: satisfaction.Answers | None
    maturity: maturity.Assessments | None
    pmo: pmo.Evidence | None


def prepare(tables: Tables, params: Params, evidence: pmo.Evidence | None = None) -> Prepared:
    """Normalise the tables (see `Prepared`). `evidence`: the PMO evidence of these tables,
    when already prepared (used if its settings are the parameters')."""
    cf = tables.get("cashflows")
    cash = finance.cashflow_summary(cf, params.finance.discount_rate) if cf is not None else None
    al = tables.get("alignment")
    scores = (
        alignment.project_scores(al, dict(params.alignment.criteria)) if al is not None else None
    )
    projects = tables.get("projects")
    base = forecast = actual_cost = None
    if projects is not None and not projects.empty:
        base, forecast, actual_cost = _project_base(projects, params, cash, scores)
    elif projects is not None:
        base = empty_projects().set_index("project_id", drop=False)
        base.index.name = None
    money_ids = None if base is None else base.index[(base["status"] != "proposed").astype(bool)]
    empty = pd.Series(dtype="float64")
    base_index = base.index if base is not None else pd.Index([], dtype="object")

    evm_table = tables.get("evm")
    history = EvmHistory.from_table(evm_table)
    evm_project = pd.Index(history.project_ids).get_indexer(base_index)
    scheduled, first_row = np.unique(evm_project[evm_project >= 0], return_index=True)
    sched_of = np.full(len(history.project_ids), -1, dtype="intp")
    sched_of[scheduled] = np.arange(len(scheduled))
    base_scheduled = take(sched_of, evm_project, -1)
    baselines = _baselines(history, scheduled, np.flatnonzero(evm_project >= 0)[first_row], base)

    bt = tables.get("benefits")
    benefits_rows = None
    base_benefit_key = np.full(len(base_index), np.nan)
    if bt is not None:
        benefits_rows = benefits.benefit_rows(bt)
        pid = text(bt, "project_id", lower=False)
        sorted_ids = pd.Index(np.unique(pid.dropna().to_numpy(dtype="object")), dtype="object")
        benefits_rows["key"] = _rank(sorted_ids, pid)
        benefits_rows["money"] = project_ids(bt, money_ids).to_numpy(dtype=bool)
        base_benefit_key = _rank(sorted_ids, base_index)

    sv = tables.get("survey")
    mt = tables.get("maturity")
    return Prepared(
        tables=tables,
        base=base,
        rollup_base=_rollup_base(base) if base is not None else {},
        forecast=forecast if forecast is not None else empty,
        actual_cost=actual_cost if actual_cost is not None else empty,
        money_ids=money_ids,
        evm=history,
        evm_project=evm_project,
        scheduled=scheduled,
        base_scheduled=base_scheduled,
        baselines=baselines,
        benefits=benefits_rows,
        base_benefit_key=base_benefit_key,
        cashflows=cash,
        alignment=scores,
        survey=satisfaction.Answers.of(sv) if sv is not None else None,
        maturity=maturity.Assessments.from_table(mt) if mt is not None else None,
        pmo=pmo.evidence_of(tables, pmo.evidence_settings(params), evidence),
    )


def _rank(sorted_ids: pd.Index, ids: pd.Series | pd.Index) -> np.ndarray:
    """Position of each id in `sorted_ids` as float, NaN when absent or blank."""
    pos = sorted_ids.get_indexer(ids).astype("float64")
    pos[pos < 0] = np.nan
    return pos


def _baselines(
    history: EvmHistory, scheduled: np.ndarray, base_rows: np.ndarray, base: pd.DataFrame | None
) -> Baselines:
    """Earned-schedule baselines of the EVM projects `scheduled` (their base rows: `base_rows`).

    t = period - the project's first EVM period + 1; the baseline finish on the same scale.
    """
    rows, project = history.rows_of(scheduled)
    first_ix = history.period_ix[history.start[scheduled]]
    if base is not None and len(base_rows):
        bac = base["bac"].to_numpy(dtype="float64")[base_rows]
        finish = schedule.date_period_index(base["baseline_finish"]).to_numpy()[base_rows]
    else:
        bac = finish = np.array([], dtype="float64")
    return Baselines.build(
        project,
        history.period_ix[rows] - first_ix[project] + 1,
        history.pv[rows],
        bac,
        finish - first_ix + 1,
    )


def _project_base(
    projects: pd.DataFrame,
    params: Params,
    cashflows: pd.DataFrame | None,
    scores: alignment.ProjectScores | None,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The snapshot columns of project_metrics, with forecast_at_completion and actual_cost.

    `cashflows` and `scores`: cash-flow summary and alignment scores (None without the table).
    """
    projects = projects.drop_duplicates("project_id")
    pid = text(projects, "project_id", lower=False)
    out = pd.DataFrame(
        {
            "project_id": pid,
            "project_name": text(projects, "project_name", lower=False),
            "unit_id": text(projects, "unit_id", lower=False),
            "unit_name": text(projects, "unit_name", lower=False),
            "status": statuses(projects),
            "category": text(projects, "category", lower=False),
            "rating": text(projects, "rating"),
            "bac": num(projects, "budget_at_completion"),
        }
    )
    out = out[out["project_id"].notna()].set_index("project_id", drop=False)
    out.index.name = None
    projects = projects.loc[pid.notna()]
    projects.index = out.index

    out["baseline_finish"] = dates(projects, "baseline_finish")
    out["finish"] = delivery.finish_date(
        dates(projects, "actual_finish"), dates(projects, "forecast_finish")
    )
    out["slip_days"] = delivery.slip_days(out["finish"], out["baseline_finish"])
    out["on_time"] = delivery.on_time(out["slip_days"], params.tolerances.schedule_days)

    out["alignment_score"] = np.nan
    if scores is not None:
        out["alignment_score"] = scores.score.reindex(out.index).astype("float64")

    for col in ("npv", "bcr", "roi_pct"):
        out[col] = np.nan
    if cashflows is not None:
        summary = cashflows.reindex(out.index)
        out["npv"] = summary["npv"].astype("float64")
        out["bcr"] = finance.project_bcr(summary["pv_benefit"], summary["pv_cost"])
        out["roi_pct"] = finance.project_roi_pct(summary["benefit"], summary["cost"])
    return out, num(projects, "forecast_at_completion"), num(projects, "actual_cost")


def _rollup_base(base: pd.DataFrame) -> dict[str, np.ndarray]:
    status = base["status"]
    return {
        "project_id": base["project_id"].to_numpy(dtype="object"),
        "bac": base["bac"].to_numpy(dtype="float64"),
        "money": (status != "proposed").to_numpy(dtype=bool),
        "delivering": (~status.isin(NOT_DELIVERING)).to_numpy(dtype=bool),
        "open": status.isin(OPEN_STATUSES).to_numpy(dtype=bool),
    }
