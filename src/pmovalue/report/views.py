"""What a page is computed from: a job's input tables, its metrics (computed once through
`pmovalue.metrics`) and, for the build, the results recorded as data.

`UnitView` is one unit's page; `PortfolioView` serves the portfolio and the maturity pages,
which also read every unit's recorded metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pmovalue import handoff
from pmovalue.config import Params
from pmovalue.data.units import PORTFOLIO_ID, UNIT_METRICS_FILE
from pmovalue.metrics import all_metrics, compute_metrics
from pmovalue.metrics.pmo import Evidence


def load_tables(input_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The canonical tables a job was given (one file per table, see `pmovalue.handoff`)."""
    return handoff.read_tables(input_dir)


def metric_value(metrics: pd.DataFrame, metric_id: str) -> float:
    if metrics.empty:
        return float("nan")
    row = metrics.loc[metrics["metric"] == metric_id, "value"]
    return float(row.iloc[0]) if len(row) and pd.notna(row.iloc[0]) else float("nan")


def metric_status(metrics: pd.DataFrame, metric_id: str) -> str:
    if metrics.empty:
        return ""
    row = metrics.loc[metrics["metric"] == metric_id, "status"]
    return str(row.iloc[0]) if len(row) and pd.notna(row.iloc[0]) else ""


@dataclass
class UnitView:
    """Everything a unit page shows, computed once from the job's inputs."""

    unit_id: str
    unit_name: str
    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    projects: pd.DataFrame
    history: pd.DataFrame
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The official version's metrics of this unit (a scenario build only: the same data with
    # the parameters of the official version), and the commentary shown on the page.
    official: pd.DataFrame | None = None
    official_params: Params | None = None
    commentary: dict[str, str] = field(default_factory=dict)

    root = "../"  # from units/<unit_id>.html to the version's root

    def value(self, metric_id: str) -> float:
        return metric_value(self.metrics, metric_id)

    def status(self, metric_id: str) -> str:
        return metric_status(self.metrics, metric_id)


@dataclass
class PortfolioView:
    """The portfolio and maturity pages: the organisation's metrics and every unit's."""

    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    unit_metrics: pd.DataFrame  # rows of every unit job's metrics (with unit_id, unit_name)
    metrics: pd.DataFrame  # the _portfolio metrics
    history: pd.DataFrame
    projects: pd.DataFrame = field(default_factory=pd.DataFrame)  # per-project metrics
    official: pd.DataFrame | None = None  # as in UnitView
    official_params: Params | None = None
    commentary: dict[str, str] = field(default_factory=dict)

    root = ""  # index.html and maturity.html are at the version's root

    def value(self, metric_id: str) -> float:
        return metric_value(self.metrics, metric_id)

    def status(self, metric_id: str) -> str:
        return metric_status(self.metrics, metric_id)


def _periods_to(tables: dict[str, pd.DataFrame], period: str) -> list[str]:
    """The history's periods: every EVM period up to `period` (just `period` without EVM)."""
    periods = sorted(set(tables["evm"]["period"])) if "evm" in tables else [period]
    return [x for x in periods if x <= period] or [period]


def unit_view(
    input_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
    official_params: dict[str, Any] | None = None,
    commentary: dict[str, str] | None = None,
) -> UnitView:
    """Compute a unit's metrics, per-project metrics and history; record them in results_dir.

    `official_params` (a scenario build): the unit's parameters of the official version, with
    which its metrics are computed again from the same data, for the scenario to say what it
    changes. `commentary`: the PMO's commentary for the page (`pmovalue.commentary`)."""
    tables = load_tables(input_dir)
    peers = tables.pop("peers", pd.DataFrame())
    evidence = handoff.read_evidence(input_dir)
    p = Params.model_validate(params)
    computed = all_metrics(tables, p, period, _periods_to(tables, period), evidence)
    official, official_p = _official(tables, period, official_params, evidence)
    view = UnitView(
        unit_id=unit_id,
        unit_name=unit_name,
        period=period,
        params=p,
        tables=tables,
        metrics=computed.metrics,
        projects=computed.projects,
        history=computed.history,
        peers=peers,
        official=official,
        official_params=official_p,
        commentary=dict(commentary or {}),
    )
    if results_dir is not None:
        record(
            results_dir,
            unit_id,
            unit_name,
            period,
            view.metrics,
            view.projects,
            view.history,
            official,
        )
    return view


def _official(
    tables: dict[str, pd.DataFrame],
    period: str,
    params: dict[str, Any] | None,
    evidence: Evidence | None,
) -> tuple[pd.DataFrame | None, Params | None]:
    """The metrics at `period` with the official parameters (None when not a scenario)."""
    if params is None:
        return None, None
    official = Params.model_validate(params)
    return compute_metrics(tables, official, period, evidence), official


def portfolio_view(
    input_dir: str | Path,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
    compute: bool = True,
    official_params: dict[str, Any] | None = None,
    commentary: dict[str, str] | None = None,
) -> PortfolioView:
    """Portfolio metrics from the whole organisation's data, plus every unit's recorded metrics.

    `compute=False` (the maturity page) reads the units' metrics only. `official_params` and
    `commentary` as for `unit_view`."""
    tables = load_tables(input_dir)
    units = tables.pop(UNIT_METRICS_FILE, pd.DataFrame())
    tables.pop("peers", None)
    p = Params.model_validate(params)
    metrics = history = projects = pd.DataFrame()
    official, official_p = None, None
    if compute:
        evidence = handoff.read_evidence(input_dir)
        computed = all_metrics(tables, p, period, _periods_to(tables, period), evidence)
        metrics, projects, history = computed.metrics, computed.projects, computed.history
        official, official_p = _official(tables, period, official_params, evidence)
    if results_dir is not None and compute:
        record(
            results_dir,
            PORTFOLIO_ID,
            "Portfolio",
            period,
            metrics,
            projects,
            history,
            official,
        )
    return PortfolioView(
        period,
        p,
        tables,
        units,
        metrics,
        history,
        projects,
        official=official,
        official_params=official_p,
        commentary=dict(commentary or {}),
    )


def record(
    results_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    metrics: pd.DataFrame,
    projects: pd.DataFrame,
    history: pd.DataFrame,
    official: pd.DataFrame | None = None,
) -> None:
    """Save a job's metrics as data: the site's metrics.csv is assembled from these files, its
    changes page from the histories (and, for a scenario, the official metrics)."""
    stamp = {"unit_id": unit_id, "unit_name": unit_name}
    tables = {
        "metrics": metrics.assign(period=period, **stamp),
        "projects": projects,
        "history": history.assign(**stamp),
    }
    if official is not None:
        tables["official"] = official.assign(period=period, **stamp)
    handoff.write_tables(Path(results_dir), tables)
