"""Builders of small canonical tables with the column types `pmovalue.data` hands over.

Text columns are pandas "string" (pd.NA), dates datetime64[ns], money/scores float64,
cashflows.year Int64, objectives_met "boolean"; every canonical column is present.
Use through the session fixture `tb` (works with hypothesis too):

    tb.projects({"project_id": "P1", "budget_at_completion": 100.0}, ...)
    tb.tables(projects=..., evm=...)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pmovalue.config import Params

S, F, D, B, INT = "string", "float64", "datetime64[ns]", "boolean", "Int64"

COLUMNS: dict[str, dict[str, str]] = {
    "projects": {
        "project_id": S, "project_name": S, "unit_id": S, "unit_name": S, "status": S,
        "category": S, "start_date": D, "baseline_finish": D, "forecast_finish": D,
        "actual_finish": D, "budget_at_completion": F, "forecast_at_completion": F,
        "actual_cost": F, "period_budget": F, "period_forecast": F, "rating": S,
        "objectives_met": B,
    },
    "evm": {"project_id": S, "period": S, "planned_value": F, "earned_value": F,
            "actual_cost": F},
    "benefits": {"project_id": S, "benefit_id": S, "category": S, "period": S,
                 "baseline_forecast": F, "realized": F},
    "cashflows": {"project_id": S, "year": INT, "kind": S, "amount": F},
    "alignment": {"project_id": S, "criterion": S, "score": F},
    "survey": {"unit_id": S, "unit_name": S, "period": S, "instrument": S, "score": F,
               "respondent_id": S},
    "maturity": {"unit_id": S, "unit_name": S, "period": S, "dimension": S, "item_id": S,
                 "score": F, "respondent_id": S},
}  # fmt: skip

DEFAULTS: dict[str, dict[str, Any]] = {
    "projects": {"unit_id": "unit-a", "unit_name": "Unit A", "status": "active"},
    "survey": {"unit_id": "unit-a", "unit_name": "Unit A"},
    "maturity": {"unit_id": "unit-a", "unit_name": "Unit A"},
}


def _blank(dtype: str) -> Any:
    return {S: pd.NA, F: math.nan, D: pd.NaT, B: pd.NA, INT: pd.NA}[dtype]


def make(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One canonical table; columns not given are blank (projects get a name and a unit)."""
    cols = COLUMNS[name]
    unknown = {k for r in rows for k in r} - set(cols)
    assert not unknown, f"not a {name} column: {unknown}"
    data: dict[str, pd.Series] = {}
    for col, dtype in cols.items():
        values = []
        for r in rows:
            default = DEFAULTS.get(name, {}).get(col, _blank(dtype))
            if name == "projects" and col == "project_name":
                default = f"Project {r.get('project_id')}"
            v = r.get(col, default)
            values.append(_blank(dtype) if v is None else v)
        if dtype == D:
            data[col] = pd.Series(pd.to_datetime(values), dtype=D)
        else:
            data[col] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


class Builders:
    """Table builders; every method takes row dicts."""

    @staticmethod
    def projects(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("projects", list(rows))

    @staticmethod
    def evm(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("evm", list(rows))

    @staticmethod
    def evm_row(pid: str, period: str, pv: float, ev: float, ac: float) -> dict[str, Any]:
        return {
            "project_id": pid,
            "period": period,
            "planned_value": pv,
            "earned_value": ev,
            "actual_cost": ac,
        }

    @staticmethod
    def benefits(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("benefits", list(rows))

    @staticmethod
    def cashflows(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("cashflows", list(rows))

    @staticmethod
    def alignment(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("alignment", list(rows))

    @staticmethod
    def survey(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("survey", list(rows))

    @staticmethod
    def maturity(*rows: dict[str, Any]) -> pd.DataFrame:
        return make("maturity", list(rows))

    @staticmethod
    def empty(name: str) -> pd.DataFrame:
        return make(name, [])

    @staticmethod
    def tables(**frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return dict(frames)

    @staticmethod
    def params(**overrides: Any) -> Params:
        return Params.model_validate(overrides)

    @staticmethod
    def quarters(start: str, n: int) -> list[str]:
        year, q = int(start[:4]), int(start[-1])
        out = []
        for _ in range(n):
            out.append(f"{year}-Q{q}")
            q += 1
            if q == 5:
                year, q = year + 1, 1
        return out


@pytest.fixture(scope="session")
def tb() -> type[Builders]:
    return Builders


@pytest.fixture(scope="session")
def params() -> Params:
    return Params()


def metric(frame: pd.DataFrame, metric_id: str) -> pd.Series:
    """The row of one metric in a compute_metrics frame."""
    rows = frame[frame["metric"] == metric_id]
    assert len(rows) == 1, metric_id
    return rows.iloc[0]


@pytest.fixture(scope="session")
def row() -> Any:
    return metric


def is_blank(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))
