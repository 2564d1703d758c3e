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

from pmovalue.metrics._common import num, period_index, period_indices, text

_TOL = 1e-9


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
        return EarnedSchedule(
            math.nan,
            pd_,
            "EV is beyond the PV baseline in the data (PV never reaches BAC and there is no "
            "later baseline finish): earned schedule needs the planned values of later periods",
        )
    frac = (ev - bpv[c]) / (bpv[c + 1] - bpv[c])
    note = ""
    if not math.isnan(bridged_from) and bt[c] >= bridged_from:
        note = (
            "ES interpolated towards BAC at the baseline finish (no planned values after the data)"
        )
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
    frame = pd.DataFrame(
        {
            "project_id": text(evm, "project_id", lower=False),
            "period_ix": period_indices(evm["period"]),
            "pv": num(evm, "planned_value"),
        }
    )
    frame = frame[frame["project_id"].isin(list(latest.index)) & frame["period_ix"].notna()]
    positions = frame.groupby("project_id").indices
    period_ix = frame["period_ix"].to_numpy(dtype="float64")
    pv_all = frame["pv"].to_numpy(dtype="float64")
    finish_ix = (
        date_period_index(baseline_finish)
        if baseline_finish is not None
        else pd.Series(dtype="float64")
    )
    rows = []
    for pid, first, status, ev in zip(
        latest.index, latest["first_period"], latest["evm_period"], latest["ev"], strict=True
    ):
        where = positions[pid]
        first_ix = period_ix[where].min()
        t = period_ix[where] - first_ix + 1
        at = float(actual_time(str(first), str(status)))
        b = float(bac.get(pid, math.nan))
        finish_t = float(finish_ix.get(pid, math.nan)) - first_ix + 1
        res = earned_schedule(t, pv_all[where], float(ev), b, finish_t)
        rows.append(
            {
                "es": res.es,
                "at": at,
                "planned_duration": res.planned_duration,
                "spi_t": spi_t(res.es, at),
                "sv_t": sv_t(res.es, at),
                "es_note": res.note,
            }
        )
    return pd.DataFrame(rows, index=latest.index, columns=cols).astype(
        {c: "float64" for c in cols[:-1]}
    )
