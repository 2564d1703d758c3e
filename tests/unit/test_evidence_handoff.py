"""The build prepares each job's PMO evidence once and hands it to the job (a kernel just
started prepared it at several times the cost). The evidence handed over is, byte for byte,
the evidence the job would prepare from the tables it reads; the job's pages use it, and only
when it was prepared with the job's own parameters."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pmovalue import handoff
from pmovalue.config import Params
from pmovalue.execute.cache import job_key
from pmovalue.execute.plan import (
    PMO,
    PORTFOLIO,
    stage_organisation_inputs,
    stage_unit_evidence,
    stage_unit_inputs,
)
from pmovalue.inputs import Inputs, prepare
from pmovalue.metrics import pmo
from pmovalue.metrics._common import period_index
from pmovalue.report import pmo_view, portfolio_view, unit_view
from tests.conftest import REPO, options


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return prepare(options(tmp_path_factory.mktemp("evidence")), lambda _: None)


def stage(inputs: Inputs, folder: Path) -> dict[str, Path]:
    """Every job's input folder as the build stages it, by unit id or job kind."""
    folders = {}
    for uid in inputs.units:
        tables = stage_unit_inputs(folder / uid, inputs.dataset, uid, pd.DataFrame())
        stage_unit_evidence(folder / uid, tables, inputs.params_of(uid))
        folders[uid] = folder / uid / "input"
    org = {PORTFOLIO: folder / "portfolio", PMO: folder / "pmo-value"}
    stage_organisation_inputs(org, inputs.dataset, inputs.portfolio_params)
    return folders | {kind: job_dir / "input" for kind, job_dir in org.items()}


def params_of(inputs: Inputs, job: str) -> dict[str, Any]:
    return json.loads(inputs.params_of(job).model_dump_json())


def test_the_evidence_handed_over_is_the_evidence_the_job_would_prepare(
    inputs: Inputs, tmp_path: Path
) -> None:
    folders = stage(inputs, tmp_path / "one")
    again = stage(inputs, tmp_path / "two")
    assert set(folders) == {*inputs.units, PORTFOLIO, PMO}
    for job, folder in folders.items():
        handed = (folder / handoff.EVIDENCE_FILE).read_bytes()
        tables = handoff.read_tables(folder)
        settings = pmo.evidence_settings(Params.model_validate(params_of(inputs, job)))
        own = pmo.prepare_evidence(tables, settings, by_service=job in (PORTFOLIO, PMO))
        assert own is not None and own.served.any(), job  # the sample's PMO served every unit
        assert handed == pickle.dumps(own, protocol=5), job
        assert (again[job] / handoff.EVIDENCE_FILE).read_bytes() == handed, job


def test_the_evidence_is_not_in_a_job_cache_key(inputs: Inputs, tmp_path: Path) -> None:
    """It follows from the other inputs: a job found in the cache needs none prepared."""
    folder = stage(inputs, tmp_path)[next(iter(inputs.units))]
    notebook = REPO / "notebooks" / "unit_report.ipynb"
    with_it = job_key(notebook, {"p": 1}, folder)
    (folder / handoff.EVIDENCE_FILE).unlink()
    assert job_key(notebook, {"p": 1}, folder) == with_it
    (folder / "projects.arrow").write_bytes(b"other data")
    assert job_key(notebook, {"p": 1}, folder) != with_it  # (the other inputs are)


def doubled_cost(folder: Path, period: str) -> float:
    """Hand the job evidence whose PMO cost is twice the data's; the cost it should show."""
    given = handoff.read_evidence(folder)
    assert given is not None
    cost = {q: 2 * c for q, c in given.cost_by_q.items()}
    handoff.write_evidence(folder, dataclasses.replace(given, cost_by_q=cost))
    assert cost[period_index(period)] > 0
    return cost[period_index(period)]


def test_each_page_uses_the_evidence_it_is_handed(inputs: Inputs, tmp_path: Path) -> None:
    folders = stage(inputs, tmp_path)
    period = inputs.period

    uid = next(iter(inputs.units))
    shown = doubled_cost(folders[uid], period)
    view = unit_view(folders[uid], uid, inputs.units[uid], period, params_of(inputs, uid))
    assert view.value("pmo_cost") == pytest.approx(shown)

    shown = doubled_cost(folders[PORTFOLIO], period)
    whole = portfolio_view(folders[PORTFOLIO], period, params_of(inputs, PORTFOLIO))
    assert whole.value("pmo_cost") == pytest.approx(shown)

    shown = doubled_cost(folders[PMO], period)
    page = pmo_view(folders[PMO], period, params_of(inputs, PMO))
    assert page.metrics.set_index("metric").loc["pmo_cost", "value"] == pytest.approx(shown)


def test_evidence_prepared_with_other_parameters_is_not_used(
    inputs: Inputs, tmp_path: Path
) -> None:
    folders = stage(inputs, tmp_path)
    uid = next(iter(inputs.units))
    truth = handoff.read_evidence(folders[uid])
    assert truth is not None
    shown = doubled_cost(folders[uid], inputs.period)
    params = params_of(inputs, uid)
    params["pmo"]["bootstrap_draws"] += 1  # a what-if run with its own settings
    view = unit_view(folders[uid], uid, inputs.units[uid], inputs.period, params)
    expected = truth.cost_by_q[period_index(inputs.period)]
    assert view.value("pmo_cost") == pytest.approx(expected) and expected != shown

    # nor evidence of the overall group only, where the service types are asked for
    tables = handoff.read_tables(folders[uid])
    settings = truth.settings
    assert pmo.evidence_of(tables, settings, truth) is truth
    by_service = pmo.evidence_of(tables, settings, truth, by_service=True)
    assert by_service is not None and by_service.by_service and len(by_service.groups) > 1
