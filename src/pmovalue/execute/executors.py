"""Executors run a batch of independent jobs and report each result as it arrives.

`local`: a process pool (papermill changes the working directory, so threads won't do).
`dask`: the same jobs on a dask.distributed cluster; workers must see the same filesystem.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Protocol

from pmovalue.errors import UsageError
from pmovalue.execute.kernels import warm_up
from pmovalue.execute.runner import JobResult, JobRun, run_job

OnDone = Callable[[JobResult], None]


class Executor(Protocol):
    name: str

    def start(self) -> None: ...

    def run(self, runs: Iterable[JobRun], on_done: OnDone) -> list[JobResult]: ...

    def close(self) -> None: ...


class LocalExecutor:
    name = "local"

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a clean interpreter per worker, no inherited threads or kernels.
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=ctx, initializer=warm_up
            )
        return self._pool

    def start(self) -> None:
        """Start the workers (and their zygotes) now, while the main process loads the data."""
        pool = self._get_pool()
        for _ in range(self.jobs):
            pool.submit(warm_up)

    def run(self, runs: Iterable[JobRun], on_done: OnDone) -> list[JobResult]:
        pool = self._get_pool()
        futures = {pool.submit(run_job, r): r for r in runs}
        results = []
        for fut in as_completed(futures):
            result = fut.result()
            on_done(result)
            results.append(result)
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    name = "dask"

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "--executor dask needs dask.distributed: pip install 'pmovalue[dask]'"
            ) from None
        try:
            self.client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise UsageError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; start one with "
                "`dask scheduler` or check --scheduler"
            ) from None

    def start(self) -> None:
        """Dask workers are already running."""

    def run(self, runs: Iterable[JobRun], on_done: OnDone) -> list[JobResult]:
        from distributed import as_completed as dask_completed

        # pure=False: a job is an action (it writes files), never deduplicated by Dask.
        futures = [
            self.client.submit(run_job, r, key=f"pmovalue-{r.job_id}-{id(r)}", pure=False)
            for r in runs
        ]
        results = []
        for fut in dask_completed(futures):
            result = fut.result()
            on_done(result)
            results.append(result)
        return results

    def close(self) -> None:
        self.client.close()


def make_executor(kind: str, jobs: int, scheduler: str | None) -> Executor:
    if kind == "local":
        return LocalExecutor(jobs)
    if kind == "dask":
        if not scheduler:
            raise UsageError(
                "--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)"
            )
        return DaskExecutor(scheduler)
    raise UsageError(f"unknown executor {kind!r}; use local or dask")
