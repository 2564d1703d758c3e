"""The three entry points the notebooks call: project_metrics, compute_metrics, metric_history.

`tables` are the canonical tables of one unit (or of the whole organisation for the
portfolio), already loaded and validated by `pmovalue.data`. A table the user did not give is
absent; the metrics that need it are blank with the note "no <table> data".

Which projects count (by status; blank status = active):

- all projects: project_count, rating counts, the per-project table;
- "money" = all but proposed: BAC/EAC totals, EVM roll-ups (CV, SV, CPI, SPI), period KPIs,
  benefits, cash flows, alignment (proposed budgets are not approved spend);
- "delivering" = all but proposed and cancelled: on_budget_pct, on_time_pct, slip median,
  SPI(t) median (cancelled projects will not deliver);
- "open" = active and on_hold: TCPI (only they have work left to finance);
  active_project_count counts `active` only.

Closed and cancelled projects keep their cumulative EVM. Rows of the benefits, cash-flow and
alignment tables belong to projects through project_id; rows of projects outside the projects
table (or proposed ones) are not counted.
The projects table is a snapshot: status, rating, BAC, forecasts, dates and period budget do
not change with the report period; EVM, benefits, survey and maturity are period-stamped.

How it is computed: the tables are normalised once (`_prepare`: text cleaned, periods parsed,
EVM rows sorted by project and period, earned-schedule baselines built, cash flows and
alignment scored), the metrics that only depend on the snapshot are computed once
(`_snapshot_results`), and each report period then only selects rows by period
(`_rollup`, `_period_results`). `metric_history` shares that preparation across its
periods, so it gives exactly what `compute_metrics` gives for each period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmovalue.metrics import (
    alignment,
    benefits,
    delivery,
    evm,
    finance,
    kpi,
    maturity,
    satisfaction,
    schedule,
    value_index,
)
from pmovalue.metrics._common import (
    NOT_DELIVERING,
    OPEN_STATUSES,
    Result,
    Tables,
    check_period,
    dates,
    join_notes,
    median,
    num,
    share_pct,
    share_pct_of,
    statuses,
    text,
    total,
)
from pmovalue.metrics.catalog import METRIC_IDS
from pmovalue.metrics.evm import EvmHistory
from pmovalue.metrics.rag import rag_status
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

_FLOAT_COLUMNS = [
    "bac", "pv", "ev", "ac", "cv", "sv", "cpi", "spi", "eac", "etc", "vac", "tcpi", "es", "at",
    "planned_duration", "spi_t", "sv_t", "slip_days", "alignment_score", "npv", "bcr", "roi_pct",
    "benefits_baseline", "benefits_realized",
]  # fmt: skip


def _empty_projects() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in PROJECT_COLUMNS})
    for c in _FLOAT_COLUMNS:
        frame[c] = frame[c].astype("float64")
    for c in ("on_budget", "on_time"):
        frame[c] = frame[c].astype("boolean")
    for c in ("baseline_finish", "finish"):
        frame[c] = frame[c].astype("datetime64[ns]")
    return frame


def _project_ids(frame: pd.DataFrame, allowed: pd.Index | None) -> pd.Series:
    """Mask of the rows of `frame` whose project_id is in `allowed` (all rows when None)."""
    pid = text(frame, "project_id", lower=False)
    if allowed is None:
        return pid.notna()
    return pid.isin(list(allowed))


def _take(values: np.ndarray, index: np.ndarray, fill: Any) -> np.ndarray:
    """values[index], with `fill` where index is -1."""
    out = np.full(len(index), fill, dtype=values.dtype)
    has = index >= 0
    out[has] = values[index[has]]
    return out


# ----------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Prepared:
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
    columns of `base` every period's roll-up reads, as arrays (see `_rollup`).
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


def _prepare(tables: Tables, params: Params) -> _Prepared:
    """Normalise the tables (see `_Prepared`)."""
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
        base = _empty_projects().set_index("project_id", drop=False)
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
    base_scheduled = _take(sched_of, evm_project, -1)
    baselines = _baselines(history, scheduled, np.flatnonzero(evm_project >= 0)[first_row], base)

    bt = tables.get("benefits")
    benefits_rows = None
    base_benefit_key = np.full(len(base_index), np.nan)
    if bt is not None:
        benefits_rows = benefits.benefit_rows(bt)
        pid = text(bt, "project_id", lower=False)
        sorted_ids = pd.Index(np.unique(pid.dropna().to_numpy(dtype="object")), dtype="object")
        benefits_rows["key"] = _rank(sorted_ids, pid)
        benefits_rows["money"] = _project_ids(bt, money_ids).to_numpy(dtype=bool)
        base_benefit_key = _rank(sorted_ids, base_index)

    sv = tables.get("survey")
    mt = tables.get("maturity")
    return _Prepared(
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


# ----------------------------------------------------------------------------- per project


def project_metrics(tables: Tables, params: Params, period: str) -> pd.DataFrame:
    """One row per project of the projects table with its delivery and value measures.

    EVM values come from the project's latest EVM row with period ≤ `period` (`evm_period`);
    EAC, ETC, VAC, TCPI, earned schedule, on budget/on time as in the family modules;
    `etc` uses the EVM AC, or the projects table's actual_cost when there is no EVM row;
    `alignment_score` is the weighted score, `npv`/`bcr`/`roi_pct` from the project's cash
    flows, `benefits_*` cumulative to `period`. `note` gathers per-project caveats.
    """
    period = check_period(period)
    projects = tables.get("projects")
    if projects is None or projects.empty:
        return _empty_projects()
    frame = _project_frame(_prepare(tables, params), params, period)
    return frame[PROJECT_COLUMNS].reset_index(drop=True)


def _project_frame(prep: _Prepared, params: Params, period: str) -> pd.DataFrame:
    """project_metrics at `period`, indexed by project id."""
    base = prep.base
    assert base is not None
    if prep.tables.get("projects") is None or prep.tables["projects"].empty:
        return base
    cols, es_note = _period_columns(prep, params, period, full=True)
    # one block of floats, then the three columns of other types
    others = ("evm_period", "eac_source", "on_budget")
    numbers = {c: np.asarray(v) for c, v in cols.items() if c not in others}
    out = pd.concat(
        [
            base,
            pd.DataFrame(numbers, index=base.index),
            pd.DataFrame({c: cols[c] for c in others}, index=base.index),
        ],
        axis=1,
    )
    out["note"] = _project_notes(prep, out, es_note, period)
    dtypes = out.dtypes
    for c in _FLOAT_COLUMNS:
        if dtypes[c] != "float64":
            out[c] = out[c].astype("float64")
    return out


def _rollup_base(base: pd.DataFrame) -> dict[str, np.ndarray]:
    status = base["status"]
    return {
        "project_id": base["project_id"].to_numpy(dtype="object"),
        "bac": base["bac"].to_numpy(dtype="float64"),
        "money": (status != "proposed").to_numpy(dtype=bool),
        "delivering": (~status.isin(NOT_DELIVERING)).to_numpy(dtype=bool),
        "open": status.isin(OPEN_STATUSES).to_numpy(dtype=bool),
    }


def _rollup(prep: _Prepared, params: Params, period: str) -> dict[str, np.ndarray]:
    """What `_delivery_period` reads of `_project_frame`, computed the same way, as arrays:
    every period of the history needs it, and the other columns, the notes and pandas' cost
    per operation were most of its cost."""
    cols, _ = _period_columns(prep, params, period, full=False)
    return prep.rollup_base | cols


def _period_columns(
    prep: _Prepared, params: Params, period: str, full: bool
) -> tuple[dict[str, Any], np.ndarray]:
    """The period's project columns (rows of `prep.base`) and earned-schedule notes. With
    `full` False only those `_rollup` keeps, as arrays (on budget as `on_budget` flags where
    `on_budget_known`); with `full` every column of `_project_frame` that depends on it."""
    base = prep.base
    assert base is not None
    hist = prep.evm
    latest = hist.latest_rows(period)
    row = _take(latest, prep.evm_project, -1)
    pv, ev, ac = (_take(v, row, np.nan) for v in (hist.pv, hist.ev, hist.ac))
    bac = prep.rollup_base["bac"]
    cpi = evm.cost_performance_index(ev, ac)
    eac, eac_source = evm.eac_values(prep.forecast.to_numpy(dtype="float64"), bac, cpi)
    budget_pct = params.tolerances.budget_pct
    cols: dict[str, Any] = {
        "evm_period": _take(hist.period, row, None),
        "pv": pv,
        "ev": ev,
        "ac": ac,
        "eac": eac,
    }
    if full:

        def series(values: np.ndarray) -> pd.Series:
            return pd.Series(values, index=base.index, dtype=values.dtype)

        pv_, ev_, ac_, eac_ = series(pv), series(ev), series(ac), series(eac)
        ac_for_etc = ac_.where(ac_.notna(), prep.actual_cost)
        cols |= {
            # (object text columns, as pandas would otherwise infer its own string dtype)
            "evm_period": series(cols["evm_period"]),
            "on_budget": delivery.on_budget(eac_, base["bac"], budget_pct),
            "cv": evm.cost_variance(ev_, ac_),
            "sv": evm.schedule_variance(ev_, pv_),
            "cpi": cpi,
            "spi": evm.schedule_performance_index(ev_, pv_),
            "eac_source": series(eac_source),
            "etc": evm.estimate_to_complete(eac_, ac_for_etc),
            "vac": evm.variance_at_completion(base["bac"], eac_),
            "tcpi": evm.to_complete_performance_index(base["bac"], ev_, ac_),
        }
    else:
        flag, known = delivery.on_budget_flags(eac, bac, budget_pct)
        cols |= {"on_budget": flag, "on_budget_known": known}

    # earned schedule of the projects with an EVM row up to the period
    sched_row = latest[prep.scheduled]
    has = sched_row >= 0
    first_ix = hist.period_ix[hist.start[prep.scheduled]]
    at = _take(hist.period_ix, sched_row, np.nan) - first_ix + 1
    sched = schedule.schedule_columns(prep.baselines, _take(hist.ev, sched_row, np.nan), at)
    for col in ("es", "at", "planned_duration", "spi_t", "sv_t") if full else ("spi_t",):
        cols[col] = _take(np.where(has, sched[col], np.nan), prep.base_scheduled, np.nan)
    es_note = _take(np.where(has, sched["es_note"], ""), prep.base_scheduled, "")
    if not full:
        return cols, es_note

    # benefits to date, summed per project
    for col in ("benefits_baseline", "benefits_realized"):
        cols[col] = np.full(len(base), np.nan)
    bt = prep.benefits
    if bt is not None and not bt.empty:
        g = bt[benefits.to_date_mask(bt["period_ix"], period)].groupby("key")
        for col, src in (("benefits_baseline", "baseline"), ("benefits_realized", "realized")):
            sums = g[src].sum(min_count=1).reindex(prep.base_benefit_key)
            cols[col] = sums.to_numpy(dtype="float64")
    return cols, es_note


def _project_notes(
    prep: _Prepared, out: pd.DataFrame, es_note: np.ndarray, period: str
) -> list[str]:
    """The per-project caveats, in a fixed order of kinds."""
    notes: dict[str, list[str]] = {p: [] for p in out.index}
    for p, note in zip(out.index[es_note != ""], es_note[es_note != ""], strict=True):
        notes[p].append(f"earned schedule: {note}")
    no_evm = "no EVM data" if prep.tables.get("evm") is None else f"no EVM row up to {period}"
    for p in out.index[out["evm_period"].isna()]:
        notes[p].append(no_evm)
    stale = (
        out["evm_period"].notna()
        & (out["evm_period"] != period)
        & out["status"].isin(OPEN_STATUSES)
    )
    stale = stale.astype(bool)
    for p, evm_period in zip(out.index[stale], out["evm_period"][stale], strict=True):
        notes[p].append(f"latest EVM row is from {evm_period}")
    over = (out["ev"] > out["bac"] * (1 + 1e-9)).fillna(False).astype(bool)
    for p in out.index[over]:
        notes[p].append("data error: EV exceeds BAC")
    for p in out.index[(out["ac"] == 0).fillna(False).astype(bool)]:
        notes[p].append("no actual cost yet: CPI blank")
    for p in out.index[(out["pv"] == 0).fillna(False).astype(bool)]:
        notes[p].append("nothing planned yet: SPI blank")
    return [join_notes(*notes[p]) for p in out.index]


# ----------------------------------------------------------------------------- unit metrics


def _blank_all(ids_: Sequence[str], reason: str) -> dict[str, Result]:
    return {m: Result.blank(reason) for m in ids_}


def _delivery_snapshot(pm: pd.DataFrame) -> dict[str, Result]:
    """The delivery metrics of the projects table alone (not EVM): counts, BAC, dates, ratings."""
    r: dict[str, Result] = {}
    status = pm["status"]
    money = (status != "proposed").astype(bool)
    delivering = (~status.isin(NOT_DELIVERING)).astype(bool)
    r["project_count"] = Result(float(len(pm)))
    r["active_project_count"] = Result(float((status == "active").sum()))
    r["bac_total"] = total(pm["bac"][money], "BAC")
    r["on_time_pct"] = share_pct(
        pm["on_time"][delivering],
        "project with a baseline finish and a forecast or actual finish",
    )
    r["schedule_slip_days_median"] = median(
        pm["slip_days"][delivering],
        "project with a baseline finish and a forecast or actual finish",
    )
    counts = delivery.rating_counts(pm["rating"])
    r["rating_red_count"] = counts["red"]
    r["rating_amber_count"] = counts["amber"]
    r["rating_green_count"] = counts["green"]
    r["rating_red_amber_pct"] = delivery.rating_red_amber_pct(pm["rating"])
    return r


def _delivery_period(pm: dict[str, np.ndarray], tables: Tables, period: str) -> dict[str, Result]:
    """The delivery metrics that depend on EVM at the period: EAC, CV, SV, indices, on budget.

    `pm`: the period's roll-up columns (see `_rollup`)."""
    r: dict[str, Result] = {}
    money, delivering, open_ = pm["money"], pm["delivering"], pm["open"]
    pv, ev, ac, bac = pm["pv"], pm["ev"], pm["ac"], pm["bac"]

    r["eac_total"] = total(pm["eac"][money], "EAC")

    evm_ids = ("cv_total", "sv_total", "cpi", "spi", "tcpi", "spi_t_median")
    if "evm" not in tables:
        r.update(_blank_all(evm_ids, "no EVM data"))
    else:
        has_row = money & pd.notna(pm["evm_period"])
        empty = f"no EVM data up to {period}"
        sums = evm.evm_sums(pv[has_row], ev[has_row], ac[has_row])
        caveat = join_notes(
            evm.ev_over_bac_note(pm["project_id"][has_row], ev[has_row], bac[has_row]),
            evm.incomplete_note(pv, ev, ac, has_row),
        )
        for mid, res in (
            ("cv_total", evm.rollup_cv(sums, empty)),
            ("sv_total", evm.rollup_sv(sums, empty)),
            ("cpi", evm.rollup_cpi(sums, empty)),
            ("spi", evm.rollup_spi(sums, empty)),
        ):
            r[mid] = res.with_note(caveat) if sums.n else res
        sel = has_row & open_
        r["tcpi"] = evm.rollup_tcpi(
            bac[sel],
            ev[sel],
            ac[sel],
            empty if not has_row.any() else "no open project with EVM data and BAC",
        )
        sel = has_row & delivering
        spi_t = median(pm["spi_t"][sel], "project with an earned schedule")
        r["spi_t_median"] = spi_t if has_row.any() else Result.blank(empty)

    r["on_budget_pct"] = share_pct_of(
        pm["on_budget"][delivering], pm["on_budget_known"][delivering], "project with EAC and BAC"
    )
    return r


def _kpi(projects: pd.DataFrame) -> dict[str, Result]:
    money = (statuses(projects) != "proposed").astype(bool)
    budget = num(projects, "period_budget")[money]
    forecast = num(projects, "period_forecast")[money]
    return {
        "period_budget_total": kpi.period_total(budget, "period budget"),
        "period_forecast_total": kpi.period_total(forecast, "period forecast"),
        "period_variance_pct": kpi.period_variance_pct(budget, forecast),
    }


def _outcomes_snapshot(prep: _Prepared, params: Params) -> dict[str, Result]:
    """Cash-flow and alignment metrics (their tables are not period-stamped)."""
    r: dict[str, Result] = {}
    money_ids = prep.money_ids
    f_ids = ("npv_total", "roi_pct", "bcr")
    cf = prep.tables.get("cashflows")
    if cf is None:
        r.update(_blank_all(f_ids, "no cashflows data"))
    else:
        keep = _project_ids(cf, money_ids)
        summary = (
            prep.cashflows
            if prep.cashflows is not None and keep.all()
            else finance.cashflow_summary(cf[keep], params.finance.discount_rate)
        )
        if summary.empty:
            r.update(_blank_all(f_ids, "no cash flows for these projects"))
        else:
            r["npv_total"] = Result(float(summary["npv"].sum()))
            r["roi_pct"] = finance.roi_pct(
                float(summary["benefit"].sum()), float(summary["cost"].sum())
            )
            r["bcr"] = finance.bcr(
                float(summary["pv_benefit"].sum()), float(summary["pv_cost"].sum())
            )

    al = prep.tables.get("alignment")
    a_ids = ("aligned_spend_pct", "alignment_score_mean")
    if al is None:
        r.update(_blank_all(a_ids, "no alignment data"))
    else:
        keep = _project_ids(al, money_ids)
        scores = (
            prep.alignment
            if prep.alignment is not None and keep.all()
            else alignment.project_scores(al[keep], dict(params.alignment.criteria))
        )
        base = prep.base
        bac = (
            pd.Series(dtype="float64")
            if base is None
            else base.loc[(base["status"] != "proposed").astype(bool), "bac"]
        )
        caveat = join_notes(*scores.notes)
        spend = alignment.aligned_spend_pct(scores.score, bac, params.alignment.aligned_threshold)
        mean = alignment.alignment_score_mean(scores.score, bac)
        r["aligned_spend_pct"] = spend.with_note(caveat)
        r["alignment_score_mean"] = mean.with_note(caveat)
    return r


def _outcomes_period(prep: _Prepared, params: Params, period: str) -> dict[str, Result]:
    """Benefits to date, the period's survey answers and the latest maturity assessments."""
    r: dict[str, Result] = {}
    b_ids = ("benefits_baseline_total", "benefits_realized_total", "benefits_realization_pct")
    bt = prep.benefits
    if bt is None:
        r.update(_blank_all(b_ids, "no benefits data"))
    else:
        rows = bt[bt["money"] & benefits.to_date_mask(bt["period_ix"], period)]
        if rows.empty:
            r.update(_blank_all(b_ids, f"no benefits up to {period}"))
        else:
            r["benefits_baseline_total"] = total(rows["baseline"], "baseline forecast")
            realized = rows["realized"]
            r["benefits_realized_total"] = (
                Result(float(realized.sum()))
                if realized.notna().any()
                else Result.blank("no realized benefits reported yet")
            )
            r["benefits_realization_pct"] = benefits.realization_pct(rows["baseline"], realized)

    if prep.survey is None:
        r.update(_blank_all(("nps", "csat_pct", "survey_responses"), "no survey data"))
    else:
        r.update(prep.survey.metrics(period))

    if prep.maturity is None:
        reason = "no maturity data"
        r.update({m: Result.blank(reason) for m in METRIC_IDS if m.startswith("maturity_")})
    else:
        r.update(
            prep.maturity.metrics(
                period, dict(params.maturity.targets), params.maturity.min_coverage
            )
        )
    return r


def _snapshot_results(prep: _Prepared, params: Params) -> dict[str, Result]:
    """The metrics that do not depend on the report period."""
    r: dict[str, Result] = {}
    projects = prep.tables.get("projects")
    if projects is None or prep.base is None:
        level12 = [m for m in METRIC_IDS if m not in _OUTCOME_IDS and m != "value_index"]
        r.update(_blank_all(level12, "no projects data"))
    else:
        r.update(_delivery_snapshot(prep.base))
        r.update(_kpi(projects))
    r.update(_outcomes_snapshot(prep, params))
    return r


def _period_results(
    prep: _Prepared, params: Params, snapshot: dict[str, Result], period: str
) -> dict[str, Result]:
    """Every catalog metric at `period`, given the snapshot metrics."""
    r = dict(snapshot)
    if prep.base is not None:
        r.update(_delivery_period(_rollup(prep, params, period), prep.tables, period))
    r.update(_outcomes_period(prep, params, period))
    r["value_index"] = value_index.value_index(r, dict(params.value_index.weights)).result
    return {m: r[m] for m in METRIC_IDS}


def metric_results(tables: Tables, params: Params, period: str) -> dict[str, Result]:
    """Every catalog metric as a Result (value + note), before RAG status."""
    period = check_period(period)
    prep = _prepare(tables, params)
    return _period_results(prep, params, _snapshot_results(prep, params), period)


_OUTCOME_IDS = {
    "benefits_baseline_total", "benefits_realized_total", "benefits_realization_pct",
    "npv_total", "roi_pct", "bcr", "aligned_spend_pct", "alignment_score_mean",
    "nps", "csat_pct", "survey_responses",
    *(m for m in METRIC_IDS if m.startswith("maturity_")),
}  # fmt: skip


def _metrics_frame(results: dict[str, Result], params: Params) -> dict[str, list[Any]]:
    return {
        "metric": list(results),
        "value": [r.value for r in results.values()],
        "status": [rag_status(m, r.value, params) for m, r in results.items()],
        "note": [r.note for r in results.values()],
    }


def compute_metrics(tables: Tables, params: Params, period: str) -> pd.DataFrame:
    """One row per catalog metric id, in catalog order: metric, value, status, note."""
    cols = _metrics_frame(metric_results(tables, params, period), params)
    return pd.DataFrame({**cols, "value": pd.Series(cols["value"], dtype="float64")})


@dataclass(frozen=True)
class MetricSet:
    """What a report page needs, from one preparation of the tables (see `all_metrics`)."""

    metrics: pd.DataFrame  # compute_metrics at the period
    projects: pd.DataFrame  # project_metrics at the period
    history: pd.DataFrame  # metric_history over the periods


def all_metrics(tables: Tables, params: Params, period: str, periods: Sequence[str]) -> MetricSet:
    """compute_metrics, project_metrics and metric_history at once, equal to calling each.

    The tables are prepared and the snapshot computed once, and the period's metrics are
    computed once even when the period is also in the history: a unit page needs all three,
    and preparing three times was most of its cost."""
    period = check_period(period)
    periods = [check_period(p) for p in periods]
    prep = _prepare(tables, params)
    snapshot = _snapshot_results(prep, params)
    by_period = {
        p: _period_results(prep, params, snapshot, p) for p in dict.fromkeys([*periods, period])
    }
    metrics = _metrics_frame(by_period[period], params)
    projects_table = tables.get("projects")
    if projects_table is None or projects_table.empty:
        projects = _empty_projects()
    else:
        projects = _project_frame(prep, params, period)[PROJECT_COLUMNS].reset_index(drop=True)
    return MetricSet(
        metrics=pd.DataFrame({**metrics, "value": pd.Series(metrics["value"], dtype="float64")}),
        projects=projects,
        history=_history_frame([(p, by_period[p]) for p in periods], params),
    )


def metric_history(tables: Tables, params: Params, periods: Sequence[str]) -> pd.DataFrame:
    """compute_metrics for each period, stacked: period, metric, value, status, note.

    The tables are prepared and the snapshot metrics computed once for all the periods.
    """
    periods = [check_period(p) for p in periods]
    if not periods:
        return _history_frame([], params)
    prep = _prepare(tables, params)
    snapshot = _snapshot_results(prep, params)
    by_period = {p: _period_results(prep, params, snapshot, p) for p in dict.fromkeys(periods)}
    return _history_frame([(p, by_period[p]) for p in periods], params)


def _history_frame(blocks: Sequence[tuple[str, dict[str, Result]]], params: Params) -> pd.DataFrame:
    """One block of catalog rows per (period, results), in the order given."""
    cols: dict[str, list[Any]] = {"period": [], "metric": [], "value": [], "status": [], "note": []}
    for p, results in blocks:
        frame = _metrics_frame(results, params)
        cols["period"].extend([p] * len(frame["metric"]))
        for name, values in frame.items():
            cols[name].extend(values)
    if not blocks:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype="object"),
                "metric": pd.Series(dtype="object"),
                "value": pd.Series(dtype="float64"),
                "status": pd.Series(dtype="object"),
                "note": pd.Series(dtype="object"),
            }
        )
    return pd.DataFrame({**cols, "value": pd.Series(cols["value"], dtype="float64")})
