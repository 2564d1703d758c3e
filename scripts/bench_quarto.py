"""The quarto engine's own work against Quarto's render time, on the sample; prints JSON.

Needs `quarto` on PATH. What is measured (progress on stderr, the JSON on stdout), wall time
and CPU time (user + system, the process's and its children's; less disturbed than wall time
by other work on the machine):

1. `pmovalue build --engine quarto --no-cache` of the sample as a user runs it, into a fresh
   site, and the same with `--engine builtin`.
2. The sample built in this process with the quarto engine, its steps timed one by one:
   the engine's own work (writing the Quarto project, the post-processing, the publication
   with its `latest/` copy) against `quarto render`. Goal: the engine's own work adds at most
   20% to the render's time. The project it wrote is kept; the job cache it fills holds no
   page body rendered by nbconvert (each page is rendered once, by Quarto).
3. ``--repeat`` times (default 3), in turn: `quarto render` alone of the kept project into a
   fresh folder, and the whole `pmovalue build --engine quarto` with the job cache warm (no
   notebook runs), into a new site; the medians, and what the whole build adds to the render
   alone (start-up, validation, the kernel zygote's start, the data files, the engine).

Usage (from the repository root)::

    PATH=/path/to/quarto/bin:$PATH .venv/bin/python scripts/bench_quarto.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GOAL_OWN_PCT = 20.0


def progress(msg: str) -> None:
    print(f"[bench-quarto {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu_now() -> float:
    """CPU seconds of this process and of the children it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def timer(into: dict[str, Any], name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), cpu_now()
    yield
    into[name] = {
        "wall": round(time.perf_counter() - wall, 3),
        "cpu": round(cpu_now() - cpu, 3),
    }


def make_project(root: Path) -> Path:
    """A reporting project holding the repository's _quarto.yml and pages/ (the command reads
    them, and keeps its job cache, in the folder it runs in)."""
    project = root / "project"
    project.mkdir()
    shutil.copy2(REPO / "_quarto.yml", project / "_quarto.yml")
    shutil.copytree(REPO / "pages", project / "pages")
    return project


def run_timed(argv: list[str], cwd: Path) -> dict[str, float]:
    """Wall and CPU seconds of a command."""
    out: dict[str, Any] = {}
    with timer(out, "run"):
        res = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
        )
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} failed:\n{res.stderr}")
    return out["run"]


def cli_build(project: Path, site: Path, engine: str, *extra: str) -> dict[str, float]:
    """`python -m pmovalue build` as a user runs it, in `project`."""
    argv = [
        sys.executable, "-m", "pmovalue", "build", "--engine", engine, "--out", str(site),
        "--data", str(REPO / "data" / "sample"), "--params", str(REPO / "params"),
        "--notebooks", str(REPO / "notebooks"), *extra,
    ]  # fmt: skip
    return run_timed(argv, project)


def timed_build(project_dir: Path, site: Path, keep: Path) -> dict[str, Any]:
    """The sample built in this process by the quarto engine, each step timed; the Quarto
    project it wrote copied to `keep`."""
    import pmovalue.build as build_module
    from pmovalue.options import BuildOptions
    from pmovalue.publish import Site
    from pmovalue.site.offline import finish_site
    from pmovalue.site.quarto import QuartoEngine, run_quarto, write_project

    steps: dict[str, Any] = {}

    class TimedEngine(QuartoEngine):
        def assemble(self, pages, site_ctx, stage):  # type: ignore[no-untyped-def]
            with timer(steps, "assets"):
                self.prepare(stage)
            with timer(steps, "write_project"):
                project = write_project(pages, site_ctx, stage, self.project_dir)
            with timer(steps, "quarto_render"):
                run_quarto(self.quarto, project)
            with timer(steps, "post_processing"):
                finish_site(pages, stage, self._esbuild)
            steps["pages"] = len(pages)
            shutil.copytree(project, keep)

    publish: Callable[..., Any] = Site.publish

    def timed_publish(self: Site, *args: Any, **kw: Any) -> Any:
        with timer(steps, "publication_with_latest_copy"):
            return publish(self, *args, **kw)

    quarto = shutil.which("quarto") or "quarto"
    build_module.resolve_engine = lambda name, project_dir: TimedEngine(quarto, project_dir)  # type: ignore[assignment]
    Site.publish = timed_publish  # type: ignore[method-assign]
    opts = BuildOptions(
        data_dir=REPO / "data" / "sample",
        params_dir=REPO / "params",
        notebooks_dir=REPO / "notebooks",
        project_dir=project_dir,
        out=site,
        state_dir=project_dir / ".pmovalue",
        engine="quarto",
    )
    with timer(steps, "whole_build"):
        build_module.build(opts, log=lambda _m: None)
    Site.publish = publish  # type: ignore[method-assign]
    own = ("assets", "write_project", "post_processing", "publication_with_latest_copy")
    render = steps["quarto_render"]
    for kind in ("wall", "cpu"):
        total = sum(steps[name][kind] for name in own)
        steps[f"engine_own_{kind}_s"] = round(total, 3)
        steps[f"engine_own_{kind}_pct_of_render"] = round(100 * total / render[kind], 1)
    return steps


def render_alone(project: Path, folder: Path) -> dict[str, float]:
    """`quarto render` of a copy of the kept project, as the engine runs it."""
    from pmovalue.site.quarto import render_command

    copy = folder / "quarto-project"
    shutil.copytree(project, copy)
    (folder / "stage").mkdir()  # the project's output-dir is ../stage
    return run_timed(render_command(shutil.which("quarto") or "quarto", copy), copy)


def medians(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "runs": runs,
        "median_wall": round(statistics.median(r["wall"] for r in runs), 2),
        "median_cpu": round(statistics.median(r["cpu"] for r in runs), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="renders alone and whole builds")
    args = ap.parse_args(argv)
    if shutil.which("quarto") is None:
        raise SystemExit("quarto is not on PATH (see docs/quarto.md)")
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-quarto-") as tmp:
        root = Path(tmp)
        project = make_project(root)
        progress("1. build --no-cache, quarto and builtin engines")
        out["no_cache_build"] = {
            "quarto": cli_build(project, root / "site-nc-quarto", "quarto", "--no-cache"),
            "builtin": cli_build(project, root / "site-nc-builtin", "builtin", "--no-cache"),
        }
        progress("2. the quarto engine's steps, timed in-process (fills the job cache)")
        out["steps"] = timed_build(project, root / "site-steps", root / "kept-project")
        # The job cache keeps what each job rendered: no page body when Quarto renders.
        out["nbconvert_bodies_for_quarto"] = len(list((project / ".pmovalue").rglob("*.body*")))
        builds, renders = [], []
        for i in range(args.repeat):
            progress(f"3. round {i + 1}/{args.repeat}: quarto render alone, whole build")
            renders.append(render_alone(root / "kept-project", root / f"render-{i}"))
            builds.append(cli_build(project, root / f"site-{i}", "quarto"))
        out["quarto_render_alone"] = medians(renders)
        out["whole_build_cache_warm"] = medians(builds)
        out["whole_build_minus_render"] = {
            kind: round(
                out["whole_build_cache_warm"][f"median_{kind}"]
                - out["quarto_render_alone"][f"median_{kind}"],
                2,
            )
            for kind in ("wall", "cpu")
        }
        own_pct = out["steps"]["engine_own_wall_pct_of_render"]
        out["goal"] = f"engine's own work <= {GOAL_OWN_PCT}% of quarto render (wall)"
        out["passed"] = own_pct <= GOAL_OWN_PCT
        out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    return 0 if out["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
