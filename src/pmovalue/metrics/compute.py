"""The entry points: `compute_metrics` (one row per catalog metric), `metric_history` (the
same per period), `all_metrics` (both and `project_metrics` in one pass), and the roll-ups of
the projects into a unit's (or the portfolio's) metrics.

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

How it is computed: the tables are normalised once (`prepared.prepare`), the metrics that
only depend on the snapshot are computed once (`_snapshot_results`), and each report period
then only selects rows by period (`projects.rollup`, `_period_results`). `metric_history`
shares that preparation across its periods, so it gives exactly what `compute_metrics` gives
for each period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmovalue.metrics import alignment, benefits, delivery, evm, finance, kpi, pmo, value_index
from pmovalue.metrics._common import (
    NOT_DELIVERING,
    Result,
    Tables,
    check_period,
    join_notes,
    median,
    num,
    share_pct,
    share_pct_of,
    statuses,
    total,
)
from pmovalue.metrics.catalog import METRIC_IDS
from pmovalue.metrics.prepared import (
    PROJECT_COLUMNS,
    Prepared,
    empty_projects,
    prepare,
    project_ids,
)
from pmovalue.metrics.projects import project_frame, project_metrics, rollup
from pmovalue.metrics.rag import rag_status

if TYPE_CHECKING:
    from pmovalue.config import Params

__all__ = ["MetricSet", "all_metrics", "compute_metrics", "metric_history", "project_metrics"]


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

    `pm`: the period's roll-up columns (see `rollup`)."""
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


def _outcomes_snapshot(prep: Prepared, params: Params) -> dict[str, Result]:
    """Cash-flow and alignment metrics (their tables are not period-stamped)."""
    r: dict[str, Result] = {}
    money_ids = prep.money_ids
    f_ids = ("npv_total", "roi_pct", "bcr")
    cf = prep.tables.get("cashflows")
    if cf is None:
        r.update(_blank_all(f_ids, "no cashflows data"))
    else:
        keep = project_ids(cf, money_ids)
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
        keep = project_ids(al, money_ids)
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


def _outcomes_period(prep: Prepared, params: Params, period: str) -> dict[str, Result]:
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


def _snapshot_results(prep: Prepared, params: Params) -> dict[str, Result]:
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
    prep: Prepared, params: Params, snapshot: dict[str, Result], period: str
) -> dict[str, Result]:
    """Every catalog metric at `period`, given the snapshot metrics."""
    r = dict(snapshot)
    if prep.base is not None:
        r.update(_delivery_period(rollup(prep, params, period), prep.tables, period))
    r.update(_outcomes_period(prep, params, period))
    if prep.pmo is not None:
        r.update(prep.pmo.metrics(period))
    elif "pmo_services" not in prep.tables:
        r.update(pmo.blank_metrics("no pmo_services data"))
    r["value_index"] = value_index.value_index(r, dict(params.value_index.weights)).result
    return {m: r[m] for m in METRIC_IDS}


def metric_results(
    tables: Tables, params: Params, period: str, evidence: pmo.Evidence | None = None
) -> dict[str, Result]:
    """Every catalog metric as a Result (value + note), before RAG status. `evidence`: the
    PMO evidence of the tables, if already prepared (see `prepare`)."""
    period = check_period(period)
    prep = prepare(tables, params, evidence)
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


def compute_metrics(
    tables: Tables, params: Params, period: str, evidence: pmo.Evidence | None = None
) -> pd.DataFrame:
    """One row per catalog metric id, in catalog order: metric, value, status, note."""
    cols = _metrics_frame(metric_results(tables, params, period, evidence), params)
    return pd.DataFrame({**cols, "value": pd.Series(cols["value"], dtype="float64")})


@dataclass(frozen=True)
class MetricSet:
    """What a report page needs, from one preparation of the tables (see `all_metrics`)."""

    metrics: pd.DataFrame  # compute_metrics at the period
    projects: pd.DataFrame  # project_metrics at the period
    history: pd.DataFrame  # metric_history over the periods


def all_metrics(
    tables: Tables,
    params: Params,
    period: str,
    periods: Sequence[str],
    evidence: pmo.Evidence | None = None,
) -> MetricSet:
    """compute_metrics, project_metrics and metric_history at once, equal to calling each.

    The tables are prepared and the snapshot computed once, and the period's metrics are
    computed once even when the period is also in the history: a unit page needs all three,
    and preparing three times was most of its cost. `evidence` as for `metric_results`."""
    period = check_period(period)
    periods = [check_period(p) for p in periods]
    prep = prepare(tables, params, evidence)
    snapshot = _snapshot_results(prep, params)
    by_period = {
        p: _period_results(prep, params, snapshot, p) for p in dict.fromkeys([*periods, period])
    }
    metrics = _metrics_frame(by_period[period], params)
    projects_table = tables.get("projects")
    if projects_table is None or projects_table.empty:
        projects = empty_projects()
    else:
        projects = project_frame(prep, params, period)[PROJECT_COLUMNS].reset_index(drop=True)
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
    prep = prepare(tables, params)
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
