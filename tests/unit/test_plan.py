"""The jobs' parameters and the notebooks that take them."""

from __future__ import annotations

import nbformat
from papermill.translators import PythonTranslator

from pmovalue.commentary import Commentary
from pmovalue.config import Params
from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.execute.plan import plan_jobs
from tests.conftest import REPO


def test_every_parameter_a_job_passes_is_declared_by_its_notebook() -> None:
    """As papermill reads the parameters cell (it warns about, and a reader of the notebook
    misses, a parameter it cannot see there): a scenario with commentary passes them all."""
    units = {"retail-banking": "Retail Banking"}
    note = Commentary(source="commentary/2026-Q3/_portfolio.md", markdown="x", author="", date="")
    jobs = plan_jobs(
        REPO / "notebooks",
        units,
        "2026-Q3",
        {"retail-banking": Params()},
        Params(),
        official_params={"retail-banking": Params(), PORTFOLIO_ID: Params()},
        commentary={"retail-banking": note, PORTFOLIO_ID: note},
    )
    for job in jobs:
        nb = nbformat.read(job.notebook, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        declared = {p.name for p in PythonTranslator.inspect(cell)}
        assert set(job.parameters) <= declared, (job.id, set(job.parameters) - declared)
