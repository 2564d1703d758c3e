"""Assembly: the version's folder from the executed notebooks and the jobs' results (the
site's layout: README.md and docs/guide.md).

Pages (the engine's), generated pages, data files (metrics.csv/.xlsx, projects.csv), the
executed notebooks, the search index and the manifest, all written into the stage that
`pmovalue.publish` then renames into place. `AssemblyAhead` does the part that needs no
portfolio-level result while the last jobs still run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pmovalue import __version__
from pmovalue.config import Params, diff_params, param_label
from pmovalue.data.loading import SourceFile
from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.diff import published_trend
from pmovalue.errors import AssemblyError, JobFailure
from pmovalue.execute.pages import body_name
from pmovalue.execute.plan import UNIT, Job
from pmovalue.inputs import Inputs
from pmovalue.metrics.catalog import METRICS
from pmovalue.options import BuildOptions
from pmovalue.outputs import METRICS_COLUMNS, read_metrics, write_metrics
from pmovalue.publish import MANIFEST, Site, now_iso
from pmovalue.quick import data_fingerprint, fingerprint
from pmovalue.results import ResultFiles
from pmovalue.site.engines import Engine
from pmovalue.site.model import NavLink, Page, SiteContext
from pmovalue.site.pages import copy_page_resources
from pmovalue.site.project import read_project

if TYPE_CHECKING:
    from pmovalue.pack import BoardPack, VersionFacts


def assemble(
    opts: BuildOptions,
    inputs: Inputs,
    engine_name: str,
    jobs: list[Job],
    failures: list[JobFailure],
    work: Path,
    stage: Path,
    started_at: str,
    site: Site,
    engine: Engine,
    ahead: AssemblyAhead,
    files: ResultFiles,
) -> None:
    # Imported here: the page generators bring in pmovalue.markup (and plotly), which the
    # build needs only now (AssemblyAhead has usually imported them already).
    from pmovalue.site.changes import changes_html, previous_period
    from pmovalue.site.generated import left_out_html
    from pmovalue.site.methodology import methodology_html

    failed = {f.job for f in failures}
    ok = [j for j in jobs if j.id not in failed]
    metrics = files.collect(ok, "metrics")
    if not metrics.empty:
        metrics = metrics.assign(version=inputs.version)
        metrics["status"] = metrics["status"].fillna("")
        metrics["note"] = metrics["note"].fillna("")
        metrics = metrics[METRICS_COLUMNS]
    else:
        metrics = pd.DataFrame(columns=METRICS_COLUMNS)
    projects = files.collect([j for j in ok if j.kind == UNIT], "projects")

    history = files.collect(ok, "history")
    official = files.collect(ok, "official") if opts.scenario else None
    currency = inputs.portfolio_params.report.currency
    published = {
        e.version: read_metrics(opts.out / e.version / "data" / "metrics.csv")
        for e in site.versions()
        if e.kind == "official"
        and e.period < inputs.period
        and (opts.out / e.version / "data" / "metrics.csv").is_file()
    }
    trend = published_trend({**published, inputs.version: metrics})

    pages: list[Page] = []
    for job in jobs:
        executed = work / "jobs" / job.id / job.output_name
        if job.id in failed or not executed.is_file():
            body = (
                "<p>This page could not be produced: its notebook failed. See the build "
                "log and the saved notebook.</p>"
            )
            pages.append(Page(job.page, job.title, job.kind, body_html=body, failed=True))
        else:
            body = executed.with_name(body_name(executed.name))
            pages.append(
                Page(
                    job.page,
                    job.title,
                    job.kind,
                    notebook=executed,
                    body_html=body.read_text(encoding="utf-8") if body.is_file() else None,
                )
            )
    pages.append(
        Page(
            "changes.html",
            "What changed",
            "changes",
            body_html=changes_html(
                metrics,
                history,
                inputs.period,
                inputs.params_of,
                currency,
                list(inputs.units),
                trend,
                official,
            ),
        )
    )
    pages.append(
        Page(
            "data-quality.html",
            "Data quality",
            "data-quality",
            # What the metrics had to leave out first: a page that opens with "no
            # warning" while a maturity dimension was dropped would mislead.
            body_html=left_out_html(metrics) + "\n" + ahead.data_quality_html(),
        )
    )
    pages.append(
        Page(
            "methodology.html",
            "Methodology",
            "methodology",
            body_html=methodology_html(
                list(dict.fromkeys(metrics["metric"])),
                inputs.portfolio_params,
                inputs.units,
                inputs.unit_params,
            ),
        )
    )
    pages += inputs.pages

    project = read_project(opts.project_dir)
    scenario_changes = {}
    if opts.scenario:
        changed = diff_params(inputs.official_params[PORTFOLIO_ID], inputs.portfolio_params)
        scenario_changes = {param_label(k): pair for k, pair in changed.items()}
    ctx = SiteContext(
        version=inputs.version,
        period=inputs.period,
        kind="scenario" if opts.scenario else "official",
        scenario=opts.scenario,
        site_title=project.title or inputs.portfolio_params.report.title,
        organisation=inputs.portfolio_params.report.organisation,
        generated_at=started_at,
        params_hash=hashlib.sha256(
            json.dumps(inputs.hashes["params"], sort_keys=True).encode()
        ).hexdigest(),
        data_hash=inputs.dataset.digest(),
        pmovalue_version=__version__,
        engine=engine_name,
        units=[NavLink(name, f"units/{uid}.html") for uid, name in inputs.units.items()],
        pages=[NavLink(p.title, p.path) for p in inputs.pages],
        extra_links=project.links,
        footer=project.footer,
        colours=project.colours,
        scenario_changes=scenario_changes,
        failed_units=[j.unit_name or j.id for j in jobs if j.id in failed],
        board_pack=ahead.board_pack is not None,
    )
    ahead.join()  # it may still be writing the engine's assets into the stage
    copy_page_resources(opts.project_dir, stage)
    engine.assemble(pages, ctx, stage)
    if ahead.board_pack is not None:  # printed from the pages while the data files are written
        ahead.board_pack.begin(stage, _facts(ctx, inputs))
    # Pagefind indexes the pages while the data files are written.
    with SearchIndex(stage) if engine.pagefind else contextlib.nullcontext():
        write_metrics(
            stage / "data", metrics, projects, describe_metrics(metrics, inputs.params_of)
        )

        nb_dir = stage / "notebooks"
        nb_dir.mkdir(parents=True, exist_ok=True)
        for job in jobs:
            executed = work / "jobs" / job.id / job.output_name
            if executed.is_file():
                shutil.copy2(executed, nb_dir / job.output_name)

        manifest = {
            "version": inputs.version,
            "period": inputs.period,
            "scenario": opts.scenario,
            "kind": ctx.kind,
            "inputs_hash": inputs.inputs_hash,
            "params_hash": ctx.params_hash,
            "data_hash": ctx.data_hash,
            "hashes": inputs.hashes,
            "params": json.loads(inputs.portfolio_params.model_dump_json()),
            "data_files": {t: _source_entry(s) for t, s in inputs.dataset.sources.items()},
            "engine": engine_name,
            "executor": opts.executor,
            "versions": ahead.versions(),
            "started_at": started_at,
            "finished_at": now_iso(),
            "units": {
                j.unit_id: ("failed" if j.id in failed else "ok") for j in jobs if j.kind == UNIT
            },
            "compared_with_period": previous_period(history, inputs.period),
            "quick": _quick(opts, inputs),
            "title": ctx.site_title,
        }
        if ahead.board_pack is not None:
            manifest["board_pack"] = ahead.board_pack.manifest_entry()
        (stage / MANIFEST).write_text(
            json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8"
        )
        if ahead.board_pack is not None:
            ahead.board_pack.finish(stage)


def describe_metrics(metrics: pd.DataFrame, params_of: Callable[[str], Params]) -> pd.DataFrame:
    """The metrics with the workbook's extra columns: the catalogue label, the unit of the
    value (`GBP`, `%`, `index`) and the target of the unit's parameters (`≥ 80.0%`)."""
    from pmovalue.markup import target_text, value_unit  # the page helpers, imported by now

    def unit_of(metric_id: str, currency: str) -> str:
        info = METRICS.get(metric_id)
        return "" if info is None else value_unit(metric_id, currency) or info.unit

    params = {u: params_of(u) for u in dict.fromkeys(metrics["unit_id"])}
    cur = {u: p.report.currency for u, p in params.items()}
    pairs = list(zip(metrics["unit_id"], metrics["metric"], strict=True))
    return metrics.assign(
        label=[METRICS[m].label if m in METRICS else m for _, m in pairs],
        unit=[unit_of(m, cur[u]) for u, m in pairs],
        target=[_plain_target(target_text(m, params[u], cur[u])) for u, m in pairs],
    )


def _plain_target(text: str) -> str:
    """A target as the page writes it, for a cell: normal spaces, empty when there is none."""
    return "" if text == "–" else text.replace("\u00a0", " ")


class AssemblyAhead:
    """The assembly's work that needs no portfolio-level result, done while the portfolio page
    runs.

    The portfolio-level jobs leave a core idle once the shorter one ends; the assembly after
    them is on the build's critical path. So a thread started then (not earlier: it would slow
    down the portfolio page) imports the page generators and XlsxWriter, writes the data
    quality page, reads the units' results, has the engine do its page-independent work
    (the builtin engine: assets and compiled templates) and, with --pdf, launches Chromium for
    the board pack. If that thread failed, the assembly does the work itself and meets the
    error there."""

    def __init__(
        self,
        inputs: Inputs,
        files: ResultFiles,
        engine: Engine,
        stage: Path,
        board_pack: BoardPack | None = None,
    ) -> None:
        self.inputs = inputs
        self.files = files
        self.engine = engine
        self.stage = stage
        self.board_pack = board_pack
        self._thread: threading.Thread | None = None
        self._data_quality: str | None = None
        self._versions: dict[str, str] | None = None

    def start(self, units: list[Job]) -> None:
        """Start the thread (once: later calls do nothing); `units`: the unit jobs that ran."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, args=(units,), name="assembly-ahead", daemon=True
            )
            self._thread.start()

    def _run(self, units: list[Job]) -> None:
        with contextlib.suppress(Exception):  # met again, and reported, by the assembly
            import pandas.io.excel._xlsxwriter  # noqa: F401 - for metrics.xlsx
            import xlsxwriter  # noqa: F401

            import pmovalue.site.changes
            import pmovalue.site.methodology  # noqa: F401 - and mistune with it
            from pmovalue.site.generated import data_quality_html

            self._data_quality = data_quality_html(self.inputs.dataset)
            self._versions = {**_versions(), **self.engine.versions()}
            for what in ("metrics", "projects", "history"):
                self.files.collect(units, what)
            self.engine.prepare(self.stage)
            if self.board_pack is not None:  # Chromium opens the stage, its plotly.js there
                self.board_pack.start(self.stage)

    def join(self) -> None:
        """Wait for the thread, if it was started."""
        if self._thread is not None:
            self._thread.join()

    def versions(self) -> dict[str, str]:
        """The library versions for the manifest."""
        self.join()
        if self._versions is None:
            self._versions = {**_versions(), **self.engine.versions()}
        return self._versions

    def data_quality_html(self) -> str:
        self.join()
        if self._data_quality is None:
            from pmovalue.site.generated import data_quality_html

            self._data_quality = data_quality_html(self.inputs.dataset)
        return self._data_quality


class SearchIndex:
    """Pagefind's search index for the version (pages mark their text with data-pagefind-body),
    built by its own process from the moment the pages are written; `wait` checks it.

    The `pagefind` PyPI package ships the binary: nothing to install by hand."""

    def __init__(self, stage: Path) -> None:
        import subprocess
        import tempfile

        self.stage = stage
        # A file, not a pipe: a full pipe would stall pagefind. Closed in wait/__exit__.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*_pagefind_command(), "--site", str(stage)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:  # the build failed meanwhile: the index is of no use
            self.proc.kill()
            self.proc.wait()
            self.log.close()
            return
        self.wait()

    def wait(self) -> None:
        code = self.proc.wait()
        self.log.seek(0)
        output = self.log.read().decode("utf-8", "replace")
        self.log.close()
        if code != 0 or not (self.stage / "pagefind" / "pagefind.js").is_file():
            raise AssemblyError(f"the search index could not be built (pagefind): {output[-800:]}")


def _pagefind_command() -> list[str]:
    """Pagefind's binary itself: `python -m pagefind` would start an interpreter and import
    asyncio only to find and exec it (~0.1 s, while the build waits for the index)."""
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except Exception:  # another packaging of the binary: let pagefind's own module find it
        return [sys.executable, "-m", "pagefind"]


def _source_entry(source: SourceFile) -> dict[str, object]:
    """A table's provenance in the manifest: its file, or its database (no credentials)."""
    if source.sql is None:
        return {"file": source.path.name, "sha256": source.sha256, "rows": source.rows}
    return {
        "source": source.sql.url,
        "query_sha256": source.sql.query_sha256,
        "sha256": source.sha256,  # of the result
        "rows": source.rows,
        "read_seconds": source.sql.seconds,
    }


def _facts(ctx: SiteContext, inputs: Inputs) -> VersionFacts:
    """What the board pack says about the version being built."""
    from pmovalue.pack import VersionFacts

    return VersionFacts(
        version=ctx.version,
        period=ctx.period,
        kind=ctx.kind,
        scenario=ctx.scenario,
        title=ctx.site_title,
        organisation=ctx.organisation,
        published_at=now_iso(),
        generated_at=ctx.generated_at,
        params_hash=ctx.params_hash,
        data_hash=ctx.data_hash,
        pmovalue_version=ctx.pmovalue_version,
        engine=ctx.engine,
        units=dict(inputs.units),
    )


def _quick(opts: BuildOptions, inputs: Inputs) -> dict[str, str | None]:
    """What the no-op check of a later rebuild compares (see pmovalue.quick); a database
    source counts with the result this build read, not with a new read."""
    results = {t: s.sha256 for t, s in inputs.dataset.sources.items() if s.sql is not None}
    data_fp = data_fingerprint(opts.data_dir, results)
    return {
        "fingerprint": fingerprint(opts, inputs.period, data_fp) if data_fp else None,
        "data": data_fp,
        "data_latest_period": inputs.dataset.latest_period(),
    }


def _versions() -> dict[str, str]:
    from importlib import metadata  # ~25 ms to import: by AssemblyAhead, off the start

    out = {"python": platform.python_version(), "pmovalue": __version__}
    for dist in (
        "pandas",
        "plotly",
        "papermill",
        "nbconvert",
        "nbclient",
        "pandera",
        "pydantic",
        "jinja2",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    return out
