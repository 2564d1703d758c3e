"""Earned schedule (Lipke; PMI Practice Standard for EVM): schedule performance in time units.

Time is counted in periods (quarters). t = 1 is the end of the project's first EVM period;
the baseline starts at (t = 0, PV = 0).

- PV baseline: the project's cumulative PV by period, taken from its EVM rows (all of them:
  the time-phased PV is a plan fixed in advance, so rows after the status period, if the data
  has them, extend the baseline; EV and AC are only read at the status period).
  Gaps between reported periods are bridged linearly.
- When the PV rows stop before PV reaches BAC (exports usually end at the status period) and
  the project's baseline_finish falls in a later quarter t_f, the baseline is closed with the
  point (t_f, BAC): the planned finish, bridged linearly from the last PV row. Without it every
  project ahead of plan (EV above the last known PV) would have no ES.
- Planned duration PD = the first t where PV reaches BAC. The baseline is cut at PD, so ES never
  exceeds PD and a late project shows SPI(t) < 1 even when SPI = 1.
- ES = C + (EV - PV_C) / (PV_{C+1} - PV_C), where C is the last baseline period with
  PV_C ≤ EV (with gaps the fraction is scaled by the gap's length). When EV ≥ PV at PD,
  ES = PD.
- AT = number of periods from the project's first EVM period to the status period (the period
  of its latest EVM row at or before the report period), both included.
- SPI(t) = ES / AT;  SV(t) = ES - AT (periods; negative = late).

Blank ES (with a reason) when EV is missing, or EV lies beyond a PV baseline that never reaches
BAC and cannot be closed from baseline_finish (the plan for later periods is unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmovalue.metrics._common import period_index
from pmovalue.metrics.evm import EvmHistory

_TOL = 1e-9

_BEYOND_BASELINE = (
    "EV is beyond the PV baseline in the data (PV never reaches BAC and there is no "
    "later baseline finish): earned schedule needs the planned values of later periods"
)
_BRIDGED = "ES interpolated towards BAC at the baseline finish (no planned values after the data)"


@dataclass(frozen=True)
class EarnedSchedule:
    es: float
    planned_duration: float
    note: str = ""


def planned_duration(t: np.ndarray, pv: np.ndarray, bac: float) -> float:
    """PD = the first t where cumulative PV reaches BAC (NaN when BAC is missing or never reached).

    `t` must be sorted ascending.
    """
    if bac is None or math.isnan(bac):
        return math.nan
    reached = np.nonzero(pv >= bac - _TOL * abs(bac))[0]
    return float(t[reached[0]]) if reached.size else math.nan


def earned_schedule(
    t: np.ndarray, pv: np.ndarray, ev: float, bac: float, finish_t: float = math.nan
) -> EarnedSchedule:
    """ES from a cumulative PV baseline `pv` at periods `t` (1, 2, … ascending) and EV.

    ES = C + (EV - PV_C)/(PV_{C+1} - PV_C) · (t_{C+1} - t_C), C = last baseline point with
    PV_C ≤ EV; the baseline is (0, 0) followed by the points up to the planned duration.
    `finish_t` is the period of the baseline finish: when PV never reaches BAC in `pv` and
    finish_t is after the last point, (finish_t, BAC) closes the baseline.
    """
    t = np.asarray(t, dtype="float64")
    pv = np.asarray(pv, dtype="float64")
    keep = ~np.isnan(pv)
    t, pv = t[keep], pv[keep]
    order = np.argsort(t, kind="stable")
    t, pv = t[order], pv[order]
    pd_ = planned_duration(t, pv, bac)
    bridged_from = math.nan
    if (
        math.isnan(pd_)
        and not math.isnan(bac)
        and not math.isnan(finish_t)
        and (t.size == 0 or finish_t > t[-1])
    ):
        bridged_from = float(t[-1]) if t.size else 0.0
        t, pv = np.append(t, finish_t), np.append(pv, bac)
        pd_ = float(finish_t)
    if ev is None or math.isnan(ev):
        return EarnedSchedule(math.nan, pd_, "no earned value")
    if ev < 0:
        return EarnedSchedule(math.nan, pd_, "negative earned value")
    if not math.isnan(pd_):
        cut = t <= pd_
        t, pv = t[cut], pv[cut]
    bt = np.concatenate([[0.0], t])
    bpv = np.concatenate([[0.0], pv])
    at_or_below = np.nonzero(bpv <= ev)[0]
    c = int(at_or_below[-1])
    if c == len(bt) - 1:
        if not math.isnan(pd_) or bpv[c] == ev:
            return EarnedSchedule(float(bt[c]), pd_)
        return EarnedSchedule(math.nan, pd_, _BEYOND_BASELINE)
    frac = (ev - bpv[c]) / (bpv[c + 1] - bpv[c])
    note = ""
    if not math.isnan(bridged_from) and bt[c] >= bridged_from:
        note = _BRIDGED
    return EarnedSchedule(float(bt[c] + frac * (bt[c + 1] - bt[c])), pd_, note)


def actual_time(first_period: str, status_period: str) -> int:
    """AT = periods from the first EVM period to the status period, both included."""
    return period_index(status_period) - period_index(first_period) + 1


def spi_t(es: float, at: float) -> float:
    """SPI(t) = ES / AT."""
    if math.isnan(es) or not at or math.isnan(at):
        return math.nan
    return es / at


def sv_t(es: float, at: float) -> float:
    """SV(t) = ES - AT, in periods."""
    return es - at


def date_period_index(day: pd.Series) -> pd.Series:
    """The `period_index` of the quarter containing each date (NaN for NaT)."""
    day = pd.to_datetime(day)
    return (day.dt.year * 4 + (day.dt.month - 1) // 3).astype("float64")


@dataclass(frozen=True)
class Baselines:
    """The PV baselines of many projects, flattened; `earned_schedule` for all of them at once.

    Project j's baseline points are `t[off[j]:off[j + 1]]`, `pv[...]`: (0, 0), its PV rows by
    period (t = 1 at its first EVM period, blank PV dropped) up to PD, then (finish_t, BAC) when
    the baseline was closed from the baseline finish. `planned_duration` (PD) and `bridged_from`
    (t of the last PV row when closed that way, else NaN) are per project.
    """

    t: np.ndarray
    pv: np.ndarray
    off: np.ndarray
    planned_duration: np.ndarray
    bridged_from: np.ndarray

    @classmethod
    def build(
        cls,
        project: np.ndarray,
        t: np.ndarray,
        pv: np.ndarray,
        bac: np.ndarray,
        finish_t: np.ndarray,
    ) -> Baselines:
        """Baselines of `len(bac)` projects from PV rows sorted by (project, t), stably.

        `project` (0..n-1), `t` and `pv` are per row; `bac` and `finish_t` (the baseline
        finish's period on the same t scale, NaN when unknown) per project. Same rules as
        `earned_schedule`: PD = first t with PV ≥ BAC; else (finish_t, BAC) closes the baseline
        when finish_t is after the last PV row.
        """
        n = len(bac)
        keep = ~np.isnan(pv)
        project, t, pv = project[keep], t[keep], pv[keep]
        row_bac = bac[project]
        hit = pv >= row_bac - _TOL * np.abs(row_bac)
        first_hit = np.full(n, np.inf)
        np.minimum.at(first_hit, project[hit], t[hit])
        pd_ = np.where(np.isinf(first_hit), np.nan, first_hit)
        counts = np.bincount(project, minlength=n)
        has_rows = counts > 0
        last_t = np.full(n, np.nan)
        last_t[has_rows] = t[np.cumsum(counts)[has_rows] - 1]
        with np.errstate(invalid="ignore"):
            bridge = (
                np.isnan(pd_)
                & ~np.isnan(bac)
                & ~np.isnan(finish_t)
                & (~has_rows | (finish_t > last_t))
            )
        bridged_from = np.where(bridge, np.where(has_rows, last_t, 0.0), np.nan)
        pd_ = np.where(bridge, finish_t, pd_)
        with np.errstate(invalid="ignore"):
            cut = np.isnan(pd_[project]) | (t <= pd_[project])
        project, t, pv = project[cut], t[cut], pv[cut]
        # (0, 0) first, the PV rows in their order, the closing point last
        every = np.arange(n)
        closed = np.flatnonzero(bridge)
        all_project = np.concatenate([every, project, closed])
        part = np.concatenate([np.zeros(n), np.ones(len(project)), np.full(len(closed), 2.0)])
        order = np.lexsort((part, all_project))
        points = np.bincount(all_project, minlength=n)
        return cls(
            t=np.concatenate([np.zeros(n), t, finish_t[closed]])[order],
            pv=np.concatenate([np.zeros(n), pv, bac[closed]])[order],
            off=np.concatenate([[0], np.cumsum(points)]).astype("intp"),
            planned_duration=pd_,
            bridged_from=bridged_from,
        )

    def earned_schedule(self, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ES, note) per project for its EV (see `earned_schedule`; NaN EV gives NaN ES).

        C = last baseline point with PV_C ≤ EV; ES = t_C + (EV - PV_C)/(PV_{C+1} - PV_C) ·
        (t_{C+1} - t_C), or t_C when C is the last point (PD reached, or EV = PV_C).
        """
        n = len(ev)
        es = np.full(n, np.nan)
        note = np.full(n, "", dtype="object")
        note[np.isnan(ev)] = "no earned value"
        with np.errstate(invalid="ignore"):
            note[ev < 0] = "negative earned value"
            ok = ev >= 0
        if n == 0:
            return es, note
        first = self.off[:-1]
        size = np.diff(self.off)
        point_project = np.repeat(np.arange(n), size)
        local = np.arange(len(self.t)) - first[point_project]
        with np.errstate(invalid="ignore"):
            below = self.pv <= ev[point_project]
        c = np.maximum.reduceat(np.where(below, local, -1), first)
        g = first + np.maximum(c, 0)
        nxt = np.minimum(g + 1, self.off[1:] - 1)
        at_end = c == size - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (ev - self.pv[g]) / (self.pv[nxt] - self.pv[g])
            inside = self.t[g] + frac * (self.t[nxt] - self.t[g])
            reached = ~np.isnan(self.planned_duration) | (self.pv[g] == ev)
            bridged = self.t[g] >= self.bridged_from
        es[ok] = np.where(at_end, np.where(reached, self.t[g], np.nan), inside)[ok]
        note[ok & at_end & ~reached] = _BEYOND_BASELINE
        note[ok & ~at_end & bridged] = _BRIDGED
        return es, note


def schedule_columns(baselines: Baselines, ev: np.ndarray, at: np.ndarray) -> dict[str, np.ndarray]:
    """es, at, planned_duration, spi_t = ES / AT, sv_t = ES - AT and es_note per project."""
    es, note = baselines.earned_schedule(ev)
    with np.errstate(invalid="ignore", divide="ignore"):
        spi = np.where(~np.isnan(es) & (at != 0) & ~np.isnan(at), es / at, np.nan)
    return {
        "es": es,
        "at": at.astype("float64"),
        "planned_duration": baselines.planned_duration,
        "spi_t": spi,
        "sv_t": es - at,
        "es_note": note,
    }


def schedule_table(
    evm: pd.DataFrame,
    latest: pd.DataFrame,
    bac: pd.Series,
    baseline_finish: pd.Series | None = None,
) -> pd.DataFrame:
    """ES, AT, PD, SPI(t), SV(t) and a note for each project of `latest` (see evm.latest_evm).

    `bac` and `baseline_finish` (dates) are indexed by project_id. Index of the result:
    project_id.
    """
    cols = ["es", "at", "planned_duration", "spi_t", "sv_t", "es_note"]
    if latest.empty:
        return pd.DataFrame(columns=cols, index=latest.index)
    history = EvmHistory.from_table(evm)
    pos = pd.Index(history.project_ids).get_indexer(latest.index)  # ascending: both sorted
    rows, project = history.rows_of(pos)
    first_ix = history.period_ix[history.start[pos]]
    finish_ix = (
        date_period_index(baseline_finish)
        if baseline_finish is not None
        else pd.Series(dtype="float64")
    )
    baselines = Baselines.build(
        project,
        history.period_ix[rows] - first_ix[project] + 1,
        history.pv[rows],
        bac.reindex(latest.index).to_numpy(dtype="float64"),
        finish_ix.reindex(latest.index).to_numpy(dtype="float64") - first_ix + 1,
    )
    periods = zip(latest["first_period"], latest["evm_period"], strict=True)
    at = np.array([actual_time(str(f), str(s)) for f, s in periods], dtype="float64")
    out = schedule_columns(baselines, latest["ev"].to_numpy(dtype="float64"), at)
    return pd.DataFrame(out, index=latest.index, columns=cols).astype(
        {c: "float64" for c in cols[:-1]}
    )
