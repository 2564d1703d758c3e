"""--allow-partial, the Dask executor and the job cache, with real builds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pmovalue.build import build
from tests.conftest import options, run_cli

pytestmark = pytest.mark.slow
VERSION = "2026-Q3"


def failing_notebooks(tmp: Path, repo: Path, unit: str) -> Path:
    """The real notebooks, with one extra cell that fails for one unit only."""
    notebooks = tmp / "notebooks"
    shutil.copytree(repo / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "unit_report.ipynb", as_version=4)
    nb.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            f'if unit_id == "{unit}":\n    raise RuntimeError("ledger offline")'
        ),
    )
    nbformat.write(nb, notebooks / "unit_report.ipynb")
    return notebooks


def test_allow_partial_publishes_the_rest_and_marks_the_failure(tmp_path: Path, repo: Path) -> None:
    notebooks = failing_notebooks(tmp_path, repo, "wealth-management")
    units = ["Retail Banking", "Wealth Management"]
    res = run_cli(
        "build",
        "--notebooks",
        str(notebooks),
        "--units",
        ",".join(units),
        "--out",
        str(tmp_path / "site"),
        "--engine",
        "builtin",
        "--allow-partial",
        "--jobs",
        "2",
    )
    assert res.returncode == 1, res.stderr
    assert "unit wealth-management, cell 4: RuntimeError: ledger offline" in res.stderr
    assert "published" in res.stderr  # says the rest was published
    v = tmp_path / "site" / VERSION
    assert "RuntimeError" not in (v / "units" / "retail-banking.html").read_text()
    failed = (v / "units" / "wealth-management.html").read_text()
    assert "could not be produced" in failed
    for page in ("index.html", "units/retail-banking.html", "maturity.html"):
        assert "Partial report" in (v / page).read_text()
        assert "Wealth Management" in (v / page).read_text()
    m = pd.read_csv(v / "data" / "metrics.csv")
    assert set(m["unit_id"]) == {"retail-banking", "_portfolio"}
    import json

    assert json.loads((v / "manifest.json").read_text())["units"] == {
        "retail-banking": "ok",
        "wealth-management": "failed",
    }


def test_without_allow_partial_one_failure_publishes_nothing(tmp_path: Path, repo: Path) -> None:
    notebooks = failing_notebooks(tmp_path, repo, "wealth-management")
    res = run_cli(
        "build",
        "--notebooks",
        str(notebooks),
        "--units",
        "Retail Banking,Wealth Management",
        "--out",
        str(tmp_path / "site"),
        "--engine",
        "builtin",
    )
    assert res.returncode == 1
    assert "nothing was published" in res.stderr
    assert "unit wealth-management, cell 4" in res.stderr
    assert not (tmp_path / "site" / VERSION).exists()


def test_cache_reruns_only_the_changed_unit_and_portfolio_jobs(tmp_path: Path, repo: Path) -> None:
    params = tmp_path / "params"
    shutil.copytree(repo / "params", params)
    units = ["Retail Banking", "Digital Channels", "Risk & Compliance"]
    logs: list[str] = []
    build(options(tmp_path, params_dir=params, units=units), log=logs.append)
    (params / "units").mkdir(exist_ok=True)
    (params / "units" / "digital-channels.yml").write_text("targets:\n  nps: -90\n")
    logs.clear()
    result = build(options(tmp_path, params_dir=params, units=units, replace=True), log=logs.append)
    cached = sorted(r.job_id for r in result.results if r.cached)
    rerun = sorted(r.job_id for r in result.results if not r.cached)
    assert cached == ["unit-retail-banking", "unit-risk-compliance"]
    # the portfolio-level jobs read the units' recorded metrics, which changed
    assert rerun == ["maturity", "pmo-value", "portfolio", "unit-digital-channels"]
    m = pd.read_csv(result.path / "data" / "metrics.csv")
    nps = m[(m["unit_id"] == "digital-channels") & (m["metric"] == "nps")]
    assert nps["status"].iloc[0] == "green"  # its new, lower target applies
    assert (tmp_path / "site" / "_archive").is_dir()  # the replaced copy was archived
    summary = "\n".join(logs)
    assert "cached" in summary and "unit-digital-channels" in summary


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real scheduler and two single-threaded workers on 127.0.0.1."""
    pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    bindir = Path(sys.executable).parent
    procs = [
        subprocess.Popen(
            [
                str(bindir / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(sched_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
        )
    ]
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    for i in range(2):
        procs.append(
            subprocess.Popen(
                [
                    str(bindir / "dask"),
                    "worker",
                    "--scheduler-file",
                    str(sched_file),
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--dashboard-address",
                    ":0",
                    "--name",
                    f"w{i}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=tmp,
            )
        )
    import json

    from distributed import Client

    address = json.loads(sched_file.read_text())["address"]
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)
    yield address
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def test_dask_build_equals_local_build(
    dask_cluster: str, tmp_path: Path, sample_site: Path
) -> None:
    result = build(options(tmp_path, executor="dask", scheduler=dask_cluster), log=lambda _m: None)
    assert result.status == "published"
    assert not any(r.cached for r in result.results)
    local = sample_site / VERSION
    dask = result.path
    assert (dask / "data" / "metrics.csv").read_bytes() == (
        local / "data" / "metrics.csv"
    ).read_bytes()
    assert (dask / "data" / "projects.csv").read_bytes() == (
        local / "data" / "projects.csv"
    ).read_bytes()
    pages = sorted(str(p.relative_to(local)) for p in local.rglob("*.html"))
    assert pages == sorted(str(p.relative_to(dask)) for p in dask.rglob("*.html"))


def test_dask_without_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    res = run_cli("build", "--executor", "dask", "--out", str(tmp_path / "site"))
    assert res.returncode == 2
    assert "--scheduler" in res.stderr
