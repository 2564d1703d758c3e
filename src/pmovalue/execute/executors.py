"""Executors run a batch of independent jobs and report each result as it arrives.

`local`: threads of the build's own process, each driving one fresh kernel. The kernels, not
the threads, do the notebooks' work, and no job changes the process's working directory (each
kernel starts in its job's folder), so threads are safe and cost no start-up at all.
`dask`: the same jobs on a dask.distributed cluster; workers must see the same filesystem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Protocol

from pmovalue.errors import UsageError
from pmovalue.execute.kernels import zygote
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
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Boot the kernel zygote now, while this process loads and validates the data."""
        zygote()

    def run(self, runs: Iterable[JobRun], on_done: OnDone) -> list[JobResult]:
        # Imported here, in this thread, not by the first jobs at once: module imports that
        # adjust the warning filters (requests does) race with `catch_warnings` elsewhere.
        import papermill  # noqa: F401

        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="pmovalue-job")
        futures = {self._pool.submit(run_job, r): r for r in runs}
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
