"""Level 3 financial value from the cash-flow table: NPV, BCR, ROI (Green Book convention).

Each project's years count from its own year 0 (the decision year). With discount rate r:

- discount factor DF_y = 1 / (1 + r)^y; year 0 is NOT discounted (DF_0 = 1). The spreadsheet
  NPV() function discounts the first flow too, which is wrong here.
- NPV = Σ_y (benefit_y - cost_y) · DF_y
- BCR = PV(benefits) / PV(costs) = Σ benefit_y·DF_y / Σ cost_y·DF_y; blank when PV(costs) = 0
- ROI % = 100 · (Σ benefit - Σ cost) / Σ cost, undiscounted; blank when Σ cost = 0

Portfolio: npv_total = Σ project NPVs (each discounted to its own year 0, not to a common
date), BCR and ROI from the summed PVs and sums (never a mean of project ratios).
Which projects count: all but `proposed` (when the projects table is given). The table is
not period-stamped, so these values do not change with the report period.
"""

from __future__ import annotations

import pandas as pd

from pmovalue.metrics._common import Result, num, ratio, safe_divide, text


def discount_factor(year: pd.Series, rate: float) -> pd.Series:
    """DF = 1 / (1 + rate)^year; year 0 → 1."""
    return (1.0 / (1.0 + rate) ** year.astype("float64")).astype("float64")


def cashflow_summary(cashflows: pd.DataFrame, rate: float) -> pd.DataFrame:
    """Per project: benefit, cost (undiscounted sums), pv_benefit, pv_cost, npv.

    Rows with a blank amount or year, or a kind other than cost/benefit, are ignored.
    Index: project_id.
    """
    cols = ["benefit", "cost", "pv_benefit", "pv_cost", "npv"]
    kind = text(cashflows, "kind")
    frame = pd.DataFrame(
        {
            "project_id": text(cashflows, "project_id", lower=False),
            "year": num(cashflows, "year"),
            "amount": num(cashflows, "amount"),
            "benefit": kind.eq("benefit").astype(bool),
            "cost": kind.eq("cost").astype(bool),
        }
    )
    frame = frame[
        frame["project_id"].notna()
        & frame["year"].notna()
        & frame["amount"].notna()
        & (frame["benefit"] | frame["cost"])
    ]
    if frame.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="project_id"), dtype="float64")
    df = discount_factor(frame["year"], rate)
    parts = pd.DataFrame(
        {
            "project_id": frame["project_id"],
            "benefit": frame["amount"].where(frame["benefit"], 0.0),
            "cost": frame["amount"].where(frame["cost"], 0.0),
        }
    )
    parts["pv_benefit"] = parts["benefit"] * df
    parts["pv_cost"] = parts["cost"] * df
    out = parts.groupby("project_id").sum()
    out["npv"] = out["pv_benefit"] - out["pv_cost"]
    return out[cols].astype("float64")


def npv(pv_benefit: float, pv_cost: float) -> float:
    """NPV = PV(benefits) - PV(costs)."""
    return pv_benefit - pv_cost


def bcr(pv_benefit: float, pv_cost: float) -> Result:
    """BCR = PV(benefits) / PV(costs); blank when PV(costs) = 0."""
    return ratio(pv_benefit, pv_cost, "no costs in the cash flows: BCR undefined")


def project_bcr(pv_benefit: pd.Series, pv_cost: pd.Series) -> pd.Series:
    """`bcr` of each project: PV(benefits) / PV(costs); NaN when PV(costs) is 0 or missing."""
    return safe_divide(pv_benefit, pv_cost)


def project_roi_pct(benefit: pd.Series, cost: pd.Series) -> pd.Series:
    """`roi_pct` of each project: 100 · (Σbenefit - Σcost) / Σcost; NaN when Σcost is 0 or
    missing."""
    return safe_divide(100.0 * (benefit - cost), cost)


def roi_pct(benefit: float, cost: float) -> Result:
    """ROI % = 100 · (Σbenefit - Σcost) / Σcost, undiscounted; blank when Σcost = 0."""
    if cost == 0:
        return Result.blank("no costs in the cash flows: ROI undefined")
    return ratio(100.0 * (benefit - cost), cost, "no costs in the cash flows: ROI undefined")
