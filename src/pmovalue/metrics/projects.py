"""The per-project table at a report period (`project_metrics`), and the part of it that every
period's roll-up reads (`rollup`), computed the same way as arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmovalue.metrics import benefits, delivery, evm, schedule
from pmovalue.metrics._common import OPEN_STATUSES, Tables, check_period, join_notes
from pmovalue.metrics.prepared import (
    FLOAT_COLUMNS,
    PROJECT_COLUMNS,
    Prepared,
    empty_projects,
    prepare,
    take,
)

if TYPE_CHECKING:
    from pmovalue.config import Params


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
        return empty_projects()
    frame = project_frame(prepare(tables, params), params, period)
    return frame[PROJECT_COLUMNS].reset_index(drop=True)


def project_frame(prep: Prepared, params: Params, period: str) -> pd.DataFrame:
    """project_metrics at `period`, indexed by project id."""
    base = prep.base
    assert base is not None
    if prep.tables.get("projects") is None or prep.tables["projects"].empty:
        return base
    cols, es_note = period_columns(prep, params, period, full=True)
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
    for c in FLOAT_COLUMNS:
        if dtypes[c] != "float64":
            out[c] = out[c].astype("float64")
    return out


def rollup(prep: Prepared, params: Params, period: str) -> dict[str, np.ndarray]:
    """What `compute._delivery_period` reads of `project_frame`, computed the same way, as arrays:
    every period of the history needs it, and the other columns, the notes and pandas' cost
    per operation were most of its cost."""
    cols, _ = period_columns(prep, params, period, full=False)
    return prep.rollup_base | cols


def period_columns(
    prep: Prepared, params: Params, period: str, full: bool
) -> tuple[dict[str, Any], np.ndarray]:
    """The period's project columns (rows of `prep.base`) and earned-schedule notes. With
    `full` False only those `rollup` keeps, as arrays (on budget as `on_budget` flags where
    `on_budget_known`); with `full` every column of `project_frame` that depends on it."""
    base = prep.base
    assert base is not None
    hist = prep.evm
    latest = hist.latest_rows(period)
    row = take(latest, prep.evm_project, -1)
    pv, ev, ac = (take(v, row, np.nan) for v in (hist.pv, hist.ev, hist.ac))
    bac = prep.rollup_base["bac"]
    cpi = evm.cost_performance_index(ev, ac)
    eac, eac_source = evm.eac_values(prep.forecast.to_numpy(dtype="float64"), bac, cpi)
    budget_pct = params.tolerances.budget_pct
    cols: dict[str, Any] = {
        "evm_period": take(hist.period, row, None),
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
    at = take(hist.period_ix, sched_row, np.nan) - first_ix + 1
    sched = schedule.schedule_columns(prep.baselines, take(hist.ev, sched_row, np.nan), at)
    for col in ("es", "at", "planned_duration", "spi_t", "sv_t") if full else ("spi_t",):
        cols[col] = take(np.where(has, sched[col], np.nan), prep.base_scheduled, np.nan)
    es_note = take(np.where(has, sched["es_note"], ""), prep.base_scheduled, "")
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
    prep: Prepared, out: pd.DataFrame, es_note: np.ndarray, period: str
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
