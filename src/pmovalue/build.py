"""One build: validate -> plan -> execute -> assemble -> publish one version.

Everything that can be wrong with the inputs is checked before any notebook starts; nothing is
published unless every job succeeded (or --allow-partial); publication is one atomic rename.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pmovalue import handoff
from pmovalue.assembly import AssemblyAhead, assemble
from pmovalue.data.units import UNIT_METRICS_FILE
from pmovalue.errors import JobFailure, NotebookFailed
from pmovalue.execute.cache import JobCache, job_key
from pmovalue.execute.executors import Executor, make_executor
from pmovalue.execute.plan import (
    PMO,
    PORTFOLIO,
    UNIT,
    Job,
    largest_first,
    plan_jobs,
    stage_organisation_inputs,
    stage_unit_evidence,
    stage_unit_inputs,
)
from pmovalue.execute.processes import can_fork, run_in_child
from pmovalue.execute.runner import JobResult, JobRun
from pmovalue.inputs import Inputs, Log, prepare
from pmovalue.metrics import compute_metrics
from pmovalue.options import BuildOptions
from pmovalue.progress import Progress
from pmovalue.publish import Site, VersionEntry, now_iso, pause_point
from pmovalue.quick import up_to_date
from pmovalue.results import ResultFiles
from pmovalue.site.engines import resolve_engine


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class BuildResult:
    version: str
    status: str  # published | up-to-date
    path: Path
    seconds: float
    results: list[JobResult] = field(default_factory=list)
    failures: list[JobFailure] = field(default_factory=list)
    archived: Path | None = None


def build(opts: BuildOptions, log: Log = _stderr) -> BuildResult:
    started = time.perf_counter()
    started_at = now_iso()
    version = up_to_date(opts)
    if version is not None:  # (the caller says so, as it says "published")
        return BuildResult(version, "up-to-date", opts.out / version, time.perf_counter() - started)
    executor = make_executor(opts.executor, opts.jobs, opts.scheduler)
    try:
        executor.start()  # workers and their zygotes boot while the data is validated
        return _build(opts, log, executor, started, started_at)
    finally:
        executor.close()


def _build(
    opts: BuildOptions, log: Log, executor: Executor, started: float, started_at: str
) -> BuildResult:
    engine = resolve_engine(opts.engine, opts.project_dir)
    inputs = prepare(opts, log, engine.name)
    site = Site(opts.out)
    if site.is_up_to_date(inputs.version, inputs.inputs_hash, opts.replace, inputs.hashes):
        return BuildResult(
            inputs.version, "up-to-date", opts.out / inputs.version, time.perf_counter() - started
        )
    board_pack = None
    if opts.pdf:
        from pmovalue.pack import BoardPack

        board_pack = BoardPack()  # finds Chromium now: none stops the build before any job
    with site.lock():
        work = site.work_dir(inputs.version)
        files = ResultFiles(work)
        stage = work / "stage"
        ahead = AssemblyAhead(inputs, files, engine, stage, board_pack)
        try:
            results, failures, jobs = _execute(
                opts, inputs, work, log, executor, files, ahead.start, engine.uses_page_bodies
            )
            if failures and not opts.allow_partial:
                saved = _keep_failed(opts, inputs.version, jobs, work, failures)
                raise NotebookFailed(saved)
            assemble(
                opts,
                inputs,
                engine.name,
                jobs,
                failures,
                work,
                stage,
                started_at,
                site,
                engine,
                ahead,
                files,
            )
            entry = VersionEntry(
                version=inputs.version,
                title=inputs.portfolio_params.report.title,
                period=inputs.period,
                scenario=opts.scenario,
                kind="scenario" if opts.scenario else "official",
                published_at=now_iso(),
            )
            pause_point("assembled")
            archived = site.publish(stage, entry, opts.replace)
        finally:
            ahead.join()  # not writing into the folder while it is removed
            if board_pack is not None:
                board_pack.close()
            shutil.rmtree(work, ignore_errors=True)
    # (The caller says "published": the command prints it once, with where and how long.)
    seconds = time.perf_counter() - started
    return BuildResult(
        inputs.version, "published", opts.out / inputs.version, seconds, results, failures, archived
    )


def _execute(
    opts: BuildOptions,
    inputs: Inputs,
    work: Path,
    log: Log,
    executor: Executor,
    files: ResultFiles,
    lane_free_in_stage_2: Callable[[list[Job]], None] = lambda units: None,
    render_bodies: bool = True,
) -> tuple[list[JobResult], list[JobFailure], list[Job]]:
    jobs = plan_jobs(
        opts.notebooks_dir.resolve(),
        inputs.units,
        inputs.period,
        inputs.unit_params,
        inputs.portfolio_params,
        inputs.official_params,
        inputs.commentary,
    )
    cache = JobCache(opts.state_dir / "cache", enabled=not opts.no_cache)
    progress = Progress(len(jobs), opts.jobs, live=opts.live_progress)
    results: list[JobResult] = []
    keys: dict[str, tuple[Job, str]] = {}
    jobs_by_id = {j.id: j for j in jobs}
    sizes = inputs.dataset.unit_sizes()

    def units_ok() -> list[Job]:
        failed = {r.job_id for r in results if not r.ok}
        return [j for j in jobs if j.kind == UNIT and j.id not in failed]

    def done(result: JobResult) -> None:
        progress.done(result)
        if jobs_by_id[result.job_id].stage == 2:
            lane_free_in_stage_2(units_ok())

    def runs_of(stage: int) -> Iterator[JobRun]:
        """Stage each job's inputs just before submitting it: workers start on the first
        job while later ones are still being staged. Cache hits are never submitted.
        The largest units go first, so that the lanes end the stage close together."""
        for job in largest_first([j for j in jobs if j.stage == stage], sizes):
            job_dir = (work / "jobs" / job.id).resolve()
            if job.kind == UNIT:
                unit_tables = stage_unit_inputs(
                    job_dir, inputs.dataset, job.unit_id or "", peers.get()
                )
            else:
                unit_metrics = files.collect(units_ok(), "metrics")
                # (the portfolio and PMO jobs' copies of the dataset are already there)
                handoff.write_tables(job_dir / "input", {UNIT_METRICS_FILE: unit_metrics})
            key = job_key(job.notebook, job.parameters, job_dir / "input")
            if cache.restore(key, job_dir, job.output_name):
                result = JobResult(job.id, True, 0.0, cached=True)
                done(result)
                results.append(result)
                continue
            if job.kind == UNIT:
                stage_unit_evidence(job_dir, unit_tables, inputs.params_of(job.unit_id or ""))
            keys[job.id] = (job, key)
            progress.submitted([job.id])
            yield JobRun(
                job.id,
                job.unit_id,
                str(job.notebook),
                str(job_dir),
                str(job_dir / job.output_name),
                job.parameters,
                with_body=render_bodies,
            )
        if stage == 1:
            # Asked for once every unit job is submitted, so written while the units run.
            stage_organisation_inputs(
                {
                    j.kind: (work / "jobs" / j.id).resolve()
                    for j in jobs
                    if j.kind in (PORTFOLIO, PMO)
                },
                inputs.dataset,
                inputs.portfolio_params,
            )

    peers = PeersAhead(inputs, work)  # while the executor below imports papermill
    try:
        for stage in (1, 2):
            if stage == 2 and not opts.allow_partial and any(not r.ok for r in results):
                break  # nothing will be published: don't spend time on the portfolio pages
            if stage == 2 and sum(j.stage == 2 for j in jobs) < opts.jobs:
                lane_free_in_stage_2(units_ok())  # more lanes than portfolio-level jobs
            for result in executor.run(runs_of(stage), done):
                results.append(result)
                job, key = keys[result.job_id]
                if result.ok:
                    cache.store(key, work / "jobs" / job.id, job.output_name)
    finally:
        peers.close()
    log(progress.summary())
    failures = [r.failure for r in results if r.failure is not None]
    return results, failures, jobs


def _peer_metrics(inputs: Inputs) -> pd.DataFrame:
    """Every unit measured with the portfolio's parameters: one yardstick for comparing units.

    Independent of unit parameter files, so changing one unit's parameters re-runs only it.
    The peers table shows no PMO-value figure: without the pmo_services table, the bootstrap
    of the PMO's effect is not run for it a second time."""
    frames = []
    for uid, name in inputs.dataset.units.items():
        tables = inputs.dataset.for_unit(uid)
        tables.pop("pmo_services", None)
        m = compute_metrics(tables, inputs.portfolio_params, inputs.period)
        frames.append(m.assign(unit_id=uid, unit_name=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class PeersAhead:
    """`_peer_metrics`, computed in a child process forked at once, while this process goes on
    to import papermill and plan the jobs (~0.2 s of a sample build's start, before its first
    job, that were waiting for the peers). Only when `can_fork()`; else, and if the child
    fails, computed here when first asked for."""

    def __init__(self, inputs: Inputs, work: Path) -> None:
        self.inputs = inputs
        self.path = handoff.table_path(work, "peers")
        self.pid: int | None = None
        self.peers: pd.DataFrame | None = None
        if can_fork():
            work.mkdir(parents=True, exist_ok=True)
            self.pid = run_in_child(
                lambda: handoff.write_table(_peer_metrics(inputs), self.path), "peers"
            )

    def get(self) -> pd.DataFrame:
        if self.peers is None:
            if self.pid is not None:
                _, status = os.waitpid(self.pid, 0)
                self.pid = None
                if os.waitstatus_to_exitcode(status) == 0:
                    self.peers = handoff.read_table(self.path)
            if self.peers is None:  # no fork, or the child failed: its error is met again here
                self.peers = _peer_metrics(self.inputs)
        return self.peers

    def close(self) -> None:
        """The child is not left running (or unreaped) when the build stops before the peers
        are needed."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None


def _keep_failed(
    opts: BuildOptions, version: str, jobs: list[Job], work: Path, failures: list[JobFailure]
) -> list[JobFailure]:
    """Save each failed notebook (with its outputs) where the analyst can open it."""
    folder = opts.state_dir / "failed" / version
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for f in failures:
        src = work / "jobs" / f.job / f"{f.job}.ipynb"
        dest = folder / f"{f.job}.ipynb"
        if src.is_file():
            shutil.copy2(src, dest)
            saved.append(JobFailure(f.job, f.unit_id, f.cell, f.error, str(dest)))
        else:
            saved.append(JobFailure(f.job, f.unit_id, f.cell, f.error, None))
    return saved
