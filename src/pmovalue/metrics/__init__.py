"""Metrics of the PMO value report (docs/metrics.md): pure functions on the canonical tables.

Entry points:

- `compute_metrics(tables, params, period)`: one row per catalog metric (metric, value, status,
  note) for one unit or the portfolio.
- `project_metrics(tables, params, period)`: one row per project.
- `metric_history(tables, params, periods)`: `compute_metrics` per period, long format.
- `all_metrics(tables, params, period, periods)`: the three above in one pass (a report page).
- `rag_status(metric_id, value, params)`: green / amber / red / "".
- `value_index_formula(params)`: the value index formula as shown on the page.

One module per family (evm, schedule, delivery, kpi, benefits, finance, alignment,
satisfaction, maturity, pmo, value_index, rag); each function's docstring gives its formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmovalue.metrics._common import Result, Tables
from pmovalue.metrics.catalog import METRIC_IDS, METRICS
from pmovalue.metrics.compute import (
    PROJECT_COLUMNS,
    MetricSet,
    all_metrics,
    compute_metrics,
    metric_history,
    metric_results,
    project_metrics,
)
from pmovalue.metrics.rag import rag_status
from pmovalue.metrics.value_index import formula_text

if TYPE_CHECKING:
    from pmovalue.config import Params


def value_index_formula(params: Params) -> str:
    """The value index formula with the weights in force, for the report page."""
    return formula_text(dict(params.value_index.weights))


__all__ = [
    "METRICS",
    "METRIC_IDS",
    "PROJECT_COLUMNS",
    "MetricSet",
    "Result",
    "Tables",
    "all_metrics",
    "compute_metrics",
    "metric_history",
    "metric_results",
    "project_metrics",
    "rag_status",
    "value_index_formula",
]
