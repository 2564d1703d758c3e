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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    statuses,
    text,
    total,
)
from pmovalue.metrics.catalog import METRIC_IDS
from pmovalue.metrics.rag import rag_status

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
    notes: dict[str, list[str]] = {p: [] for p in out.index}

    # EVM at the status period
    evm_table = tables.get("evm")
    latest = (
        evm.latest_evm(evm_table, period)
        if evm_table is not None
        else evm.latest_evm(pd.DataFrame(), period)
    )
    latest = latest[latest.index.isin(list(out.index))]
    for col in ("evm_period", "pv", "ev", "ac"):
        out[col] = latest[col].reindex(out.index)
    for col in ("pv", "ev", "ac"):
        out[col] = out[col].astype("float64")
    out["evm_period"] = out["evm_period"].astype("object").where(out["evm_period"].notna(), None)
    out["cv"] = evm.cost_variance(out["ev"], out["ac"])
    out["sv"] = evm.schedule_variance(out["ev"], out["pv"])
    out["cpi"] = evm.cost_performance_index(out["ev"], out["ac"])
    out["spi"] = evm.schedule_performance_index(out["ev"], out["pv"])
    out["eac"], out["eac_source"] = evm.estimate_at_completion(
        num(projects, "forecast_at_completion"), out["bac"], out["cpi"]
    )
    ac_for_etc = out["ac"].where(out["ac"].notna(), num(projects, "actual_cost"))
    out["etc"] = evm.estimate_to_complete(out["eac"], ac_for_etc)
    out["vac"] = evm.variance_at_completion(out["bac"], out["eac"])
    out["tcpi"] = evm.to_complete_performance_index(out["bac"], out["ev"], out["ac"])

    baseline_finish = dates(projects, "baseline_finish")
    sched = (
        schedule.schedule_table(evm_table, latest, out["bac"], baseline_finish)
        if evm_table is not None and not latest.empty
        else schedule.schedule_table(pd.DataFrame(), latest.iloc[0:0], out["bac"])
    )
    for col in ("es", "at", "planned_duration", "spi_t", "sv_t"):
        out[col] = sched[col].reindex(out.index).astype("float64")
    for p, note in sched["es_note"].items():
        if note:
            notes[p].append(f"earned schedule: {note}")
    for p in out.index[out["evm_period"].isna()]:
        notes[p].append("no EVM data" if evm_table is None else f"no EVM row up to {period}")
    stale = (
        out["evm_period"].notna()
        & (out["evm_period"] != period)
        & out["status"].isin(OPEN_STATUSES)
    )
    for p in out.index[stale.astype(bool)]:
        notes[p].append(f"latest EVM row is from {out.at[p, 'evm_period']}")
    over = (out["ev"] > out["bac"] * (1 + 1e-9)).fillna(False).astype(bool)
    for p in out.index[over]:
        notes[p].append("data error: EV exceeds BAC")
    for p in out.index[(out["ac"] == 0).fillna(False).astype(bool)]:
        notes[p].append("no actual cost yet: CPI blank")
    for p in out.index[(out["pv"] == 0).fillna(False).astype(bool)]:
        notes[p].append("nothing planned yet: SPI blank")

    # delivery judgements
    out["baseline_finish"] = baseline_finish
    out["finish"] = delivery.finish_date(
        dates(projects, "actual_finish"), dates(projects, "forecast_finish")
    )
    out["slip_days"] = delivery.slip_days(out["finish"], out["baseline_finish"])
    out["on_budget"] = delivery.on_budget(out["eac"], out["bac"], params.tolerances.budget_pct)
    out["on_time"] = delivery.on_time(out["slip_days"], params.tolerances.schedule_days)

    # alignment
    out["alignment_score"] = np.nan
    al = tables.get("alignment")
    if al is not None:
        scores = alignment.project_scores(al, dict(params.alignment.criteria))
        out["alignment_score"] = scores.score.reindex(out.index).astype("float64")

    # cash flows
    for col in ("npv", "bcr", "roi_pct"):
        out[col] = np.nan
    cf = tables.get("cashflows")
    if cf is not None:
        summary = finance.cashflow_summary(cf, params.finance.discount_rate)
        summary = summary.reindex(out.index)
        out["npv"] = summary["npv"].astype("float64")
        pv_pairs = zip(summary["pv_benefit"], summary["pv_cost"], strict=True)
        out["bcr"] = [finance.bcr(b, c).value for b, c in pv_pairs]
        pairs = zip(summary["benefit"], summary["cost"], strict=True)
        out["roi_pct"] = [finance.roi_pct(b, c).value for b, c in pairs]

    # benefits to date
    out["benefits_baseline"] = np.nan
    out["benefits_realized"] = np.nan
    bt = tables.get("benefits")
    if bt is not None and not bt.empty:
        rows = benefits.benefits_to_date(bt, period)
        rows["project_id"] = text(bt, "project_id", lower=False).reindex(rows.index)
        g = rows.groupby("project_id")
        out["benefits_baseline"] = g["baseline"].sum(min_count=1).reindex(out.index)
        out["benefits_realized"] = g["realized"].sum(min_count=1).reindex(out.index)

    out["note"] = [join_notes(*notes[p]) for p in out.index]
    for c in _FLOAT_COLUMNS:
        out[c] = out[c].astype("float64")
    return out[PROJECT_COLUMNS].reset_index(drop=True)


# ----------------------------------------------------------------------------- unit metrics


def _blank_all(ids_: Sequence[str], reason: str) -> dict[str, Result]:
    return {m: Result.blank(reason) for m in ids_}


def _delivery(pm: pd.DataFrame, tables: Tables, period: str) -> dict[str, Result]:
    r: dict[str, Result] = {}
    status = pm["status"]
    money = (status != "proposed").astype(bool)
    delivering = (~status.isin(NOT_DELIVERING)).astype(bool)
    open_ = status.isin(OPEN_STATUSES).astype(bool)

    r["project_count"] = Result(float(len(pm)))
    r["active_project_count"] = Result(float((status == "active").sum()))
    r["bac_total"] = total(pm.loc[money, "bac"], "BAC")
    r["eac_total"] = total(pm.loc[money, "eac"], "EAC")

    evm_ids = ("cv_total", "sv_total", "cpi", "spi", "tcpi", "spi_t_median")
    if "evm" not in tables:
        r.update(_blank_all(evm_ids, "no EVM data"))
    else:
        has_row = money & pm["evm_period"].notna()
        empty = f"no EVM data up to {period}"
        sums = evm.evm_sums(pm.loc[has_row, "pv"], pm.loc[has_row, "ev"], pm.loc[has_row, "ac"])
        caveat = join_notes(
            evm.ev_over_bac_note(
                pm.loc[has_row, "project_id"], pm.loc[has_row, "ev"], pm.loc[has_row, "bac"]
            ),
            evm.incomplete_note(pm["pv"], pm["ev"], pm["ac"], has_row),
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
            pm.loc[sel, "bac"],
            pm.loc[sel, "ev"],
            pm.loc[sel, "ac"],
            empty if not has_row.any() else "no open project with EVM data and BAC",
        )
        sel = has_row & delivering
        spi_t = median(pm.loc[sel, "spi_t"], "project with an earned schedule")
        r["spi_t_median"] = spi_t if has_row.any() else Result.blank(empty)

    r["on_budget_pct"] = share_pct(pm.loc[delivering, "on_budget"], "project with EAC and BAC")
    r["on_time_pct"] = share_pct(
        pm.loc[delivering, "on_time"],
        "project with a baseline finish and a forecast or actual finish",
    )
    r["schedule_slip_days_median"] = median(
        pm.loc[delivering, "slip_days"],
        "project with a baseline finish and a forecast or actual finish",
    )
    counts = delivery.rating_counts(pm["rating"])
    r["rating_red_count"] = counts["red"]
    r["rating_amber_count"] = counts["amber"]
    r["rating_green_count"] = counts["green"]
    r["rating_red_amber_pct"] = delivery.rating_red_amber_pct(pm["rating"])
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


def _outcomes(
    tables: Tables, params: Params, period: str, money_ids: pd.Index | None, bac: pd.Series
) -> dict[str, Result]:
    r: dict[str, Result] = {}

    bt = tables.get("benefits")
    b_ids = ("benefits_baseline_total", "benefits_realized_total", "benefits_realization_pct")
    if bt is None:
        r.update(_blank_all(b_ids, "no benefits data"))
    else:
        rows = benefits.benefits_to_date(bt[_project_ids(bt, money_ids)], period)
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

    cf = tables.get("cashflows")
    f_ids = ("npv_total", "roi_pct", "bcr")
    if cf is None:
        r.update(_blank_all(f_ids, "no cashflows data"))
    else:
        summary = finance.cashflow_summary(
            cf[_project_ids(cf, money_ids)], params.finance.discount_rate
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

    al = tables.get("alignment")
    a_ids = ("aligned_spend_pct", "alignment_score_mean")
    if al is None:
        r.update(_blank_all(a_ids, "no alignment data"))
    else:
        scores = alignment.project_scores(
            al[_project_ids(al, money_ids)], dict(params.alignment.criteria)
        )
        caveat = join_notes(*scores.notes)
        spend = alignment.aligned_spend_pct(scores.score, bac, params.alignment.aligned_threshold)
        mean = alignment.alignment_score_mean(scores.score, bac)
        r["aligned_spend_pct"] = spend.with_note(caveat)
        r["alignment_score_mean"] = mean.with_note(caveat)

    sv = tables.get("survey")
    s_ids = ("nps", "csat_pct", "survey_responses")
    if sv is None:
        r.update(_blank_all(s_ids, "no survey data"))
    else:
        answers = satisfaction.survey_in_period(sv, period)
        r["nps"] = satisfaction.net_promoter_score(
            answers.loc[answers["instrument"] == "nps", "score"], period
        )
        r["csat_pct"] = satisfaction.csat_pct(
            answers.loc[answers["instrument"] == "csat", "score"], period
        )
        r["survey_responses"] = satisfaction.respondent_count(answers, period)

    mt = tables.get("maturity")
    if mt is None:
        reason = "no maturity data"
        r.update({m: Result.blank(reason) for m in METRIC_IDS if m.startswith("maturity_")})
    else:
        r.update(
            maturity.maturity_metrics(
                mt, period, dict(params.maturity.targets), params.maturity.min_coverage
            )
        )
    return r


def metric_results(tables: Tables, params: Params, period: str) -> dict[str, Result]:
    """Every catalog metric as a Result (value + note), before RAG status."""
    period = check_period(period)
    projects = tables.get("projects")
    r: dict[str, Result] = {}
    if projects is None:
        money_ids: pd.Index | None = None
        bac = pd.Series(dtype="float64")
        reason = "no projects data"
        level12 = [m for m in METRIC_IDS if m not in _OUTCOME_IDS and m != "value_index"]
        r.update(_blank_all(level12, reason))
    else:
        pm = project_metrics(tables, params, period).set_index("project_id", drop=False)
        pm.index.name = None
        r.update(_delivery(pm, tables, period))
        r.update(_kpi(projects))
        money = pm["status"] != "proposed"
        money_ids = pm.index[money.astype(bool)]
        bac = pm.loc[money.astype(bool), "bac"]
    r.update(_outcomes(tables, params, period, money_ids, bac))
    r["value_index"] = value_index.value_index(r, dict(params.value_index.weights)).result
    return {m: r[m] for m in METRIC_IDS}


_OUTCOME_IDS = {
    "benefits_baseline_total", "benefits_realized_total", "benefits_realization_pct",
    "npv_total", "roi_pct", "bcr", "aligned_spend_pct", "alignment_score_mean",
    "nps", "csat_pct", "survey_responses",
    *(m for m in METRIC_IDS if m.startswith("maturity_")),
}  # fmt: skip


def compute_metrics(tables: Tables, params: Params, period: str) -> pd.DataFrame:
    """One row per catalog metric id, in catalog order: metric, value, status, note."""
    results = metric_results(tables, params, period)
    return pd.DataFrame(
        {
            "metric": list(results),
            "value": pd.Series([r.value for r in results.values()], dtype="float64"),
            "status": [rag_status(m, r.value, params) for m, r in results.items()],
            "note": [r.note for r in results.values()],
        }
    )


def metric_history(tables: Tables, params: Params, periods: Sequence[str]) -> pd.DataFrame:
    """compute_metrics for each period, stacked: period, metric, value, status, note."""
    frames = []
    for p in periods:
        frame = compute_metrics(tables, params, p)
        frame.insert(0, "period", p)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype="object"),
                "metric": pd.Series(dtype="object"),
                "value": pd.Series(dtype="float64"),
                "status": pd.Series(dtype="object"),
                "note": pd.Series(dtype="object"),
            }
        )
    return pd.concat(frames, ignore_index=True)
