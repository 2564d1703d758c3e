"""The plan: one job per unit, then the portfolio-level jobs that read every unit's results.

Each job gets its own working folder with an `input/` of table files (`pmovalue.handoff`)
holding exactly the data it may read, so its cache key covers its inputs and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pmovalue.commentary import Commentary
from pmovalue.config import Params
from pmovalue.data.loading import Dataset
from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.handoff import write_evidence, write_tables
from pmovalue.metrics import pmo

UNIT, PORTFOLIO, MATURITY, PMO = "unit", "portfolio", "maturity", "pmo"
NOTEBOOKS = {
    UNIT: "unit_report.ipynb",
    PORTFOLIO: "portfolio.ipynb",
    MATURITY: "maturity.ipynb",
    PMO: "pmo_value.ipynb",
}
# The tables the PMO-value page reads (the organisation's, not one unit's).
PMO_TABLES = ("projects", "evm", "pmo_services")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    notebook: Path
    page: str  # path of the page in the version, e.g. units/retail-banking.html
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    unit_id: str | None = None
    unit_name: str | None = None

    @property
    def stage(self) -> int:
        """Units run first; portfolio-level jobs read the units' recorded metrics."""
        return 1 if self.kind == UNIT else 2

    @property
    def output_name(self) -> str:
        return f"{self.id}.ipynb"


def _params_json(params: Params) -> dict[str, Any]:
    return json.loads(params.model_dump_json())


def plan_jobs(
    notebooks_dir: Path,
    units: dict[str, str],
    period: str,
    unit_params: dict[str, Params],
    portfolio_params: Params,
    official_params: dict[str, Params] | None = None,
    commentary: dict[str, Commentary] | None = None,
) -> list[Job]:
    """`official_params` (a scenario): by unit id and `_portfolio`, the parameters of the
    official version, given to the unit and portfolio pages; `commentary` likewise."""
    official = official_params or {}
    notes = commentary or {}

    def extra(key: str) -> dict[str, Any]:
        """Only what there is: a job's parameters (and cache key) stay as they were without."""
        out: dict[str, Any] = {}
        if key in official:
            out["official_params"] = _params_json(official[key])
        if key in notes:
            out["commentary"] = notes[key].as_parameter()
        return out

    jobs = [
        Job(
            id=f"unit-{uid}",
            kind=UNIT,
            notebook=notebooks_dir / NOTEBOOKS[UNIT],
            page=f"units/{uid}.html",
            title=name,
            unit_id=uid,
            unit_name=name,
            parameters={
                "unit_id": uid,
                "unit_name": name,
                "period": period,
                "params": _params_json(unit_params[uid]),
                "input_dir": "input",
                "results_dir": "results",
                **extra(uid),
            },
        )
        for uid, name in units.items()
    ]
    common = {"period": period, "params": _params_json(portfolio_params), "input_dir": "input"}
    jobs.append(
        Job(
            "portfolio",
            PORTFOLIO,
            notebooks_dir / NOTEBOOKS[PORTFOLIO],
            "index.html",
            "Portfolio overview",
            {**common, "results_dir": "results", **extra(PORTFOLIO_ID)},
        )
    )
    jobs.append(
        Job(
            "maturity",
            MATURITY,
            notebooks_dir / NOTEBOOKS[MATURITY],
            "maturity.html",
            "PMO maturity",
            dict(common),
        )
    )
    jobs.append(
        Job(
            "pmo-value",
            PMO,
            notebooks_dir / NOTEBOOKS[PMO],
            "pmo-value.html",
            "PMO value",
            dict(common),
        )
    )
    return jobs


def largest_first(jobs: list[Job], sizes: dict[str, int]) -> list[Job]:
    """The jobs, the largest units first (stable otherwise): with the shortest jobs last, the
    lanes of the pool finish a stage close together (longest-processing-time-first)."""
    return sorted(jobs, key=lambda j: -sizes.get(j.unit_id or "", 0))


def stage_unit_inputs(
    job_dir: Path, dataset: Dataset, unit_id: str, peers: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The unit's tables and the peers; returns the unit's tables (for `stage_unit_evidence`)."""
    tables = dataset.for_unit(unit_id)
    write_tables(job_dir / "input", {**tables, "peers": peers} if not peers.empty else tables)
    return tables


def stage_unit_evidence(job_dir: Path, tables: dict[str, pd.DataFrame], params: Params) -> None:
    """The unit's PMO evidence, for a job that will run (prepared here, where it costs a fifth
    of what it costs in a kernel just started: see `pmo.evidence_of`)."""
    write_evidence(job_dir / "input", pmo.prepare_evidence(tables, pmo.evidence_settings(params)))


def stage_organisation_inputs(job_dirs: dict[str, Path], dataset: Dataset, params: Params) -> None:
    """The portfolio and PMO-value jobs' tables (by job kind), and their PMO evidence,
    prepared once for both (by service type, which the PMO-value page shows)."""
    tables = dataset.tables
    evidence = pmo.prepare_evidence(tables, pmo.evidence_settings(params), by_service=True)
    for kind, job_dir in job_dirs.items():
        given = tables if kind == PORTFOLIO else {n: tables[n] for n in PMO_TABLES if n in tables}
        write_tables(job_dir / "input", given)
        write_evidence(job_dir / "input", evidence)
