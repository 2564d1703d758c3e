"""Earned value management (PMBOK): variances, indices, estimates, and their roll-ups.

Inputs are cumulative values at the status period: PV (planned value), EV (earned value),
AC (actual cost), plus BAC (budget at completion) from the projects table.

Project level (element-wise on Series, NaN when it cannot be computed):

- CV = EV - AC;  SV = EV - PV
- CPI = EV / AC (blank when AC = 0: no actuals yet);  SPI = EV / PV (blank when PV = 0)
- EAC = forecast_at_completion where reported, else BAC / CPI, else blank (DESIGN §7)
- ETC = EAC - AC;  VAC = BAC - EAC
- TCPI (to BAC) = (BAC - EV) / (BAC - AC), blank when BAC - AC ≤ 0 (budget used up)

Roll-ups (unit or portfolio) are ratios of SUMS, never means of ratios:
CPI = ΣEV / ΣAC, SPI = ΣEV / ΣPV, TCPI = (ΣBAC - ΣEV) / (ΣBAC - ΣAC), CV = ΣEV - ΣAC,
SV = ΣEV - ΣPV.

Which projects count: every project except `proposed` whose latest EVM row at or before the
report period has PV, EV and AC all present. Closed and cancelled projects keep their cumulative
EVM (the money was spent). TCPI only counts open projects (active, on_hold): the others have no
work left to finance. EV above BAC is a data error: it is reported in the note, never clamped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmovalue.metrics._common import (
    Result,
    ids,
    join_notes,
    num,
    period_index,
    period_indices,
    ratio,
    safe_divide,
    text,
)

# ----------------------------------------------------------------------------- project level


def cost_variance(ev: pd.Series, ac: pd.Series) -> pd.Series:
    """CV = EV - AC (negative: over cost)."""
    return (ev - ac).astype("float64")


def schedule_variance(ev: pd.Series, pv: pd.Series) -> pd.Series:
    """SV = EV - PV (negative: behind plan), in money."""
    return (ev - pv).astype("float64")


def cost_performance_index(ev: pd.Series, ac: pd.Series) -> pd.Series:
    """CPI = EV / AC; NaN when AC is 0 (no actuals yet) or missing."""
    return safe_divide(ev, ac)


def schedule_performance_index(ev: pd.Series, pv: pd.Series) -> pd.Series:
    """SPI = EV / PV; NaN when PV is 0 (nothing planned yet) or missing."""
    return safe_divide(ev, pv)


def estimate_at_completion(
    forecast: pd.Series, bac: pd.Series, cpi: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Project EAC (DESIGN §7): `forecast_at_completion` where reported, else BAC / CPI.

    Returns (eac, source) where source is "reported", "BAC/CPI" or "" (blank EAC).
    """
    derived = safe_divide(bac, cpi)
    eac = forecast.where(forecast.notna(), derived).astype("float64")
    source = pd.Series(
        np.where(forecast.notna(), "reported", np.where(derived.notna(), "BAC/CPI", "")),
        index=forecast.index,
        dtype="object",
    )
    return eac, source


def eac_atypical(ac: pd.Series, bac: pd.Series, ev: pd.Series) -> pd.Series:
    """EAC = AC + (BAC - EV): past variances are atypical, the rest goes to plan.

    A PMBOK alternative shown for context; the reported EAC follows DESIGN (see above).
    """
    return (ac + (bac - ev)).astype("float64")


def eac_composite(
    ac: pd.Series, bac: pd.Series, ev: pd.Series, cpi: pd.Series, spi: pd.Series
) -> pd.Series:
    """EAC = AC + (BAC - EV) / (CPI · SPI): both cost and schedule performance persist.

    A PMBOK alternative shown for context; NaN when CPI · SPI is 0 or missing.
    """
    return (ac + safe_divide(bac - ev, cpi * spi)).astype("float64")


def estimate_to_complete(eac: pd.Series, ac: pd.Series) -> pd.Series:
    """ETC = EAC - AC."""
    return (eac - ac).astype("float64")


def variance_at_completion(bac: pd.Series, eac: pd.Series) -> pd.Series:
    """VAC = BAC - EAC (negative: expected overrun)."""
    return (bac - eac).astype("float64")


def to_complete_performance_index(bac: pd.Series, ev: pd.Series, ac: pd.Series) -> pd.Series:
    """TCPI to BAC = (BAC - EV) / (BAC - AC); NaN when BAC - AC ≤ 0 (budget already used up)."""
    remaining_budget = (bac - ac).astype("float64")
    return safe_divide(bac - ev, remaining_budget.where(remaining_budget > 0))


def latest_evm(evm: pd.DataFrame, period: str) -> pd.DataFrame:
    """The latest EVM row of each project with period ≤ `period`.

    Returns one row per project_id (index) with columns evm_period, pv, ev, ac and
    first_period (the project's first EVM period in the whole table). Rows with a blank or
    malformed period are ignored.
    """
    cols = ["evm_period", "pv", "ev", "ac", "first_period"]
    if evm is None or evm.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="project_id"))
    frame = pd.DataFrame(
        {
            "project_id": text(evm, "project_id", lower=False),
            "period_ix": period_indices(evm["period"]),
            "evm_period": text(evm, "period", lower=False),
            "pv": num(evm, "planned_value"),
            "ev": num(evm, "earned_value"),
            "ac": num(evm, "actual_cost"),
        }
    )
    frame = frame[frame["project_id"].notna() & frame["period_ix"].notna()]
    first = frame.groupby("project_id")["evm_period"].min()
    known = frame[frame["period_ix"] <= period_index(period)]
    if known.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="project_id"))
    latest = known.sort_values(["project_id", "period_ix"]).groupby("project_id").tail(1)
    latest = latest.set_index("project_id")
    latest["first_period"] = first.reindex(latest.index)
    return latest[cols]


# ----------------------------------------------------------------------------- roll-ups


@dataclass(frozen=True)
class EvmSums:
    """Additive EVM totals of a set of projects: the only thing roll-ups are computed from."""

    pv: float = 0.0
    ev: float = 0.0
    ac: float = 0.0
    n: int = 0

    def __add__(self, other: EvmSums) -> EvmSums:
        return EvmSums(self.pv + other.pv, self.ev + other.ev, self.ac + other.ac, self.n + other.n)


def evm_sums(pv: pd.Series, ev: pd.Series, ac: pd.Series) -> EvmSums:
    """ΣPV, ΣEV, ΣAC over the projects whose PV, EV and AC are all present."""
    complete = pv.notna() & ev.notna() & ac.notna()
    return EvmSums(
        float(pv[complete].sum()),
        float(ev[complete].sum()),
        float(ac[complete].sum()),
        int(complete.sum()),
    )


def rollup_cpi(sums: EvmSums, empty_reason: str = "no EVM data") -> Result:
    """CPI = ΣEV / ΣAC; blank when no project has EVM or ΣAC = 0."""
    if sums.n == 0:
        return Result.blank(empty_reason)
    return ratio(sums.ev, sums.ac, "no actual cost yet (ΣAC = 0): CPI undefined")


def rollup_spi(sums: EvmSums, empty_reason: str = "no EVM data") -> Result:
    """SPI = ΣEV / ΣPV; blank when no project has EVM or ΣPV = 0."""
    if sums.n == 0:
        return Result.blank(empty_reason)
    return ratio(sums.ev, sums.pv, "nothing planned yet (ΣPV = 0): SPI undefined")


def rollup_cv(sums: EvmSums, empty_reason: str = "no EVM data") -> Result:
    """CV = ΣEV - ΣAC."""
    if sums.n == 0:
        return Result.blank(empty_reason)
    return Result(sums.ev - sums.ac)


def rollup_sv(sums: EvmSums, empty_reason: str = "no EVM data") -> Result:
    """SV = ΣEV - ΣPV."""
    if sums.n == 0:
        return Result.blank(empty_reason)
    return Result(sums.ev - sums.pv)


def rollup_tcpi(bac: pd.Series, ev: pd.Series, ac: pd.Series, empty_reason: str) -> Result:
    """TCPI = (ΣBAC - ΣEV) / (ΣBAC - ΣAC) over projects with BAC, EV and AC present.

    Blank when no such project, or when ΣBAC - ΣAC ≤ 0 (the budget is used up: TCPI to BAC
    has no meaning; the reader should look at EAC instead).
    """
    complete = bac.notna() & ev.notna() & ac.notna()
    if not complete.any():
        return Result.blank(empty_reason)
    b, e, a = float(bac[complete].sum()), float(ev[complete].sum()), float(ac[complete].sum())
    if b - a <= 0:
        return Result.blank("budget used up (ΣBAC - ΣAC ≤ 0): TCPI to BAC undefined")
    return ratio(b - e, b - a, "budget used up (ΣBAC - ΣAC ≤ 0): TCPI to BAC undefined")


def ev_over_bac_note(project_ids: pd.Series, ev: pd.Series, bac: pd.Series) -> str:
    """The data-error caveat for projects whose EV exceeds BAC (reported, not clamped)."""
    over = (ev > bac * (1 + 1e-9)).fillna(False).astype(bool)
    if not over.any():
        return ""
    return f"data error: EV exceeds BAC for {ids(project_ids[over])}"


def incomplete_note(pv: pd.Series, ev: pd.Series, ac: pd.Series, has_row: pd.Series) -> str:
    incomplete = has_row & ~(pv.notna() & ev.notna() & ac.notna())
    n = int(incomplete.sum())
    return join_notes(f"{n} project(s) with an incomplete EVM row left out" if n else "")
