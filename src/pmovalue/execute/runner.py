"""Execute one notebook job with papermill, in the job's own working folder.

Runs in a thread of the build (local) or of a Dask worker, so it takes and returns plain
picklable dataclasses and never raises for a notebook error: the failure comes back as data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmovalue.errors import JobFailure
from pmovalue.execute.pages import render_body

KERNEL = "python3"


@dataclass(frozen=True)
class JobRun:
    job_id: str
    unit_id: str | None
    notebook: str  # the source notebook
    job_dir: str  # working folder: input/ is read, results/ and the executed notebook written
    output: str  # where the executed notebook is saved (inside job_dir)
    parameters: dict[str, Any] = field(default_factory=dict)
    kernel: str = KERNEL
    timeout: int = 900
    with_body: bool = True  # render the page body too (the builtin engine shows it)


@dataclass(frozen=True)
class JobResult:
    job_id: str
    ok: bool
    seconds: float
    failure: JobFailure | None = None
    cached: bool = False


def run_job(run: JobRun) -> JobResult:
    """Execute the notebook; on error the executed notebook is still saved with its outputs."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from pmovalue.execute.kernels import zygote

    started = time.perf_counter()
    factory = zygote()
    km = None
    try:
        if factory is not None:
            # A fresh kernel forked from the preloaded zygote, already in the job's folder.
            km = factory.kernel(run.job_dir, str(Path(run.job_dir) / "kernel.log"))
        papermill.execute_notebook(
            run.notebook,
            run.output,
            parameters=run.parameters,
            kernel_name=run.kernel,
            # Never papermill's cwd: it changes the whole process's working directory, and
            # jobs run as threads. A plain kernel is started in job_dir through nbclient's
            # resources path instead; a forked one is already there.
            resources={"metadata": {"path": run.job_dir}},
            progress_bar=False,
            log_output=False,
            # papermill otherwise rewrites (and re-validates) the whole notebook before and
            # after every cell: ~40 writes of a growing file per job. It is saved once at the
            # end, with its outputs, whether the notebook failed or not.
            request_save_on_cell_execute=False,
            execution_timeout=run.timeout,
            km=km,
        )
    except PapermillExecutionError as exc:
        cell = _source_cell(run.output, exc.cell_index)
        failure = JobFailure(
            run.job_id, run.unit_id, cell, f"{exc.ename}: {exc.evalue}", notebook=run.output
        )
        return JobResult(run.job_id, False, time.perf_counter() - started, failure)
    except Exception as exc:  # kernel died, timeout, bad notebook: still one job's failure
        failure = JobFailure(run.job_id, run.unit_id, None, f"{type(exc).__name__}: {exc}")
        return JobResult(run.job_id, False, time.perf_counter() - started, failure)
    finally:
        if km is not None:
            km.kill()  # no graceful shutdown wait: the kernel is never reused
    if not run.with_body:
        return JobResult(run.job_id, True, time.perf_counter() - started)
    try:
        if factory is not None:
            factory.render(run.output)  # in a child of the zygote: in parallel, warmed up
        else:
            render_body(run.output)
    except Exception as exc:  # the page can't be rendered: this job's failure, not the build's
        failure = JobFailure(run.job_id, run.unit_id, None, f"rendering failed: {exc}")
        return JobResult(run.job_id, False, time.perf_counter() - started, failure)
    return JobResult(run.job_id, True, time.perf_counter() - started)


def _source_cell(executed: str, index: int) -> int:
    """Number the failing cell as in the source notebook (1-based, injected cell not counted)."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:
        return index + 1
    injected = sum(
        1
        for c in nb.cells[:index]
        if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    )
    return index - injected + 1
