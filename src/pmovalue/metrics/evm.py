"""Earned value management (PMBOK): variances, indices, estimates, and their roll-ups.

Inputs are cumulative values at the status period: PV (planned value), EV (earned value),
AC (actual cost), plus BAC (budget at completion) from the projects table.

Project level (element-wise on Series, NaN when it cannot be computed):

- CV = EV - AC;  SV = EV - PV
- CPI = EV / AC (blank when AC = 0: no actuals yet);  SPI = EV / PV (blank when PV = 0)
- EAC = forecast_at_completion where reported, else BAC / CPI, else blank (docs/metrics.md)
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
    distinct_text,
    divide,
    floats,
    ids,
    join_notes,
    num,
    parse_periods,
    period_index,
    present,
    ratio,
    safe_divide,
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
    """Project EAC (docs/metrics.md): `forecast_at_completion` where reported, else BAC / CPI.

    Returns (eac, source) where source is "reported", "BAC/CPI" or "" (blank EAC).
    """
    bac, cpi = bac.reindex(forecast.index), cpi.reindex(forecast.index)
    eac, source = eac_values(
        floats(forecast).to_numpy(), floats(bac).to_numpy(), floats(cpi).to_numpy()
    )
    return (
        pd.Series(eac, index=forecast.index, dtype="float64"),
        pd.Series(source, index=forecast.index, dtype="object"),
    )


def eac_values(
    forecast: np.ndarray, bac: np.ndarray, cpi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`estimate_at_completion` of float arrays."""
    derived = divide(bac, cpi)
    reported = ~np.isnan(forecast)
    eac = np.where(reported, forecast, derived)
    source = np.where(reported, "reported", np.where(~np.isnan(derived), "BAC/CPI", ""))
    return eac, source.astype("object")


def eac_atypical(ac: pd.Series, bac: pd.Series, ev: pd.Series) -> pd.Series:
    """EAC = AC + (BAC - EV): past variances are atypical, the rest goes to plan.

    A PMBOK alternative shown for context; the reported EAC is the one above.
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


@dataclass(frozen=True)
class EvmHistory:
    """The usable EVM rows of a table (a project id and a well-formed period), normalised once.

    Rows are sorted by project id, then period, stably: among rows of one project and period the
    last one of the table comes last. The rows of project `project_ids[j]` (ids sorted) are
    `start[j]:start[j + 1]`; per row: `project` (position in project_ids), `period` (text),
    `period_ix` (see `period_index`), `pv`, `ev`, `ac` (float64, NaN = blank).
    """

    project_ids: np.ndarray
    start: np.ndarray
    project: np.ndarray
    period: np.ndarray
    period_ix: np.ndarray
    pv: np.ndarray
    ev: np.ndarray
    ac: np.ndarray

    @classmethod
    def from_table(cls, evm: pd.DataFrame | None) -> EvmHistory:
        """Normalise an EVM table (None or empty: no rows)."""
        if evm is None or evm.empty:
            evm = pd.DataFrame({"project_id": [], "period": []}, dtype="object")
        pid = evm["project_id"] if "project_id" in evm.columns else pd.Series(index=evm.index)
        pid_codes, pid_text = distinct_text(pid, lower=False)
        named = pd.notna(pid_text)
        project_ids, inverse = np.unique(pid_text[named], return_inverse=True)
        project_of_code = np.full(len(pid_text), -1, dtype="intp")
        project_of_code[named] = inverse
        project = project_of_code[pid_codes]
        per_codes, per_text = distinct_text(evm["period"], lower=False)
        period_ix = parse_periods(per_text)[per_codes]
        usable = np.flatnonzero((project >= 0) & ~np.isnan(period_ix))
        order = usable[np.lexsort((period_ix[usable], project[usable]))]
        project = project[order]
        counts = np.bincount(project, minlength=len(project_ids))
        return cls(
            project_ids=project_ids.astype("object"),
            start=np.concatenate([[0], np.cumsum(counts)]).astype("intp"),
            project=project,
            period=per_text[per_codes[order]],
            period_ix=period_ix[order],
            pv=num(evm, "planned_value").to_numpy()[order],
            ev=num(evm, "earned_value").to_numpy()[order],
            ac=num(evm, "actual_cost").to_numpy()[order],
        )

    def rows_of(self, projects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of `projects` (ascending positions in project_ids), in order, and for each
        row the index in `projects` of its project."""
        which = np.full(len(self.project_ids), -1, dtype="intp")
        which[projects] = np.arange(len(projects))
        rows = np.flatnonzero(which[self.project] >= 0)
        return rows, which[self.project[rows]]

    def latest_rows(self, period: str) -> np.ndarray:
        """Per project: its latest row with period ≤ `period` (-1 when it has none)."""
        known = self.period_ix <= period_index(period)
        nxt = np.append(known[1:], False)
        block_end = np.append(self.project[1:] != self.project[:-1], True)
        # rows of a project are sorted by period: the known ones are a prefix of its block
        last = np.flatnonzero(known & (block_end | ~nxt))
        rows = np.full(len(self.project_ids), -1, dtype="intp")
        rows[self.project[last]] = last
        return rows

    def latest(self, period: str) -> pd.DataFrame:
        """`latest_evm` of the table."""
        cols = ["evm_period", "pv", "ev", "ac", "first_period"]
        rows = self.latest_rows(period)
        has = np.flatnonzero(rows >= 0)
        if has.size == 0:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="project_id"))
        r = rows[has]
        return pd.DataFrame(
            {
                "evm_period": pd.Series(self.period[r], dtype="object"),
                "pv": self.pv[r],
                "ev": self.ev[r],
                "ac": self.ac[r],
                "first_period": pd.Series(self.period[self.start[has]], dtype="str"),
            }
        ).set_axis(pd.Index(self.project_ids[has], dtype="object", name="project_id"))


def latest_evm(evm: pd.DataFrame, period: str) -> pd.DataFrame:
    """The latest EVM row of each project with period ≤ `period`.

    Returns one row per project_id (index, sorted) with columns evm_period, pv, ev, ac and
    first_period (the project's first EVM period in the whole table). Rows with a blank or
    malformed period are ignored.
    """
    return EvmHistory.from_table(evm).latest(period)


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


def evm_sums(
    pv: pd.Series | np.ndarray, ev: pd.Series | np.ndarray, ac: pd.Series | np.ndarray
) -> EvmSums:
    """ΣPV, ΣEV, ΣAC over the projects whose PV, EV and AC are all present."""
    complete = present(pv, ev, ac)
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


def rollup_tcpi(
    bac: pd.Series | np.ndarray,
    ev: pd.Series | np.ndarray,
    ac: pd.Series | np.ndarray,
    empty_reason: str,
) -> Result:
    """TCPI = (ΣBAC - ΣEV) / (ΣBAC - ΣAC) over projects with BAC, EV and AC present.

    Blank when no such project, or when ΣBAC - ΣAC ≤ 0 (the budget is used up: TCPI to BAC
    has no meaning; the reader should look at EAC instead).
    """
    complete = present(bac, ev, ac)
    if not complete.any():
        return Result.blank(empty_reason)
    b, e, a = float(bac[complete].sum()), float(ev[complete].sum()), float(ac[complete].sum())
    if b - a <= 0:
        return Result.blank("budget used up (ΣBAC - ΣAC ≤ 0): TCPI to BAC undefined")
    return ratio(b - e, b - a, "budget used up (ΣBAC - ΣAC ≤ 0): TCPI to BAC undefined")


def ev_over_bac_note(project_ids: np.ndarray, ev: np.ndarray, bac: np.ndarray) -> str:
    """The data-error caveat for projects whose EV exceeds BAC (reported, not clamped)."""
    with np.errstate(invalid="ignore"):
        over = ev > bac * (1 + 1e-9)  # False where either is blank
    if not over.any():
        return ""
    return f"data error: EV exceeds BAC for {ids(project_ids[over])}"


def incomplete_note(pv: np.ndarray, ev: np.ndarray, ac: np.ndarray, has_row: np.ndarray) -> str:
    incomplete = has_row & ~present(pv, ev, ac)
    n = int(incomplete.sum())
    return join_notes(f"{n} project(s) with an incomplete EVM row left out" if n else "")
