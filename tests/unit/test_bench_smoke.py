"""scripts/bench.py: its large-organisation generator makes valid data, its memory sampler works.

Fast (no build, no notebook); nothing here is timed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pmovalue.data.loading import load_dataset

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench.py"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("pmovalue_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_large_org_generator_makes_valid_data(bench: ModuleType, tmp_path: Path) -> None:
    rows = bench.make_large_org(tmp_path, units=3, projects=30)
    ds = load_dataset(tmp_path)

    assert list(ds.units) == ["unit-001", "unit-002", "unit-003"]
    assert list(ds.units.values()) == ["Unit 001", "Unit 002", "Unit 003"]
    projects = ds.tables["projects"]
    assert len(projects) == rows["projects"] == 30
    assert projects["project_id"].is_unique
    assert projects.groupby("unit_id").size().to_dict() == {
        "unit-001": 10,
        "unit-002": 10,
        "unit-003": 10,
    }
    # Project tables point at the new projects only, and stay unique on their keys.
    for name in ("evm", "benefits", "cashflows", "alignment"):
        assert len(ds.tables[name]) == rows[name] > 0
        assert set(ds.tables[name]["project_id"]) <= set(projects["project_id"])
    assert not ds.tables["evm"].duplicated(["project_id", "period"]).any()
    assert not ds.tables["benefits"].duplicated(["benefit_id", "period"]).any()
    # Every unit has its own survey and maturity rows, with its own respondents.
    for name in ("survey", "maturity"):
        frame = ds.tables[name]
        assert set(frame["unit_id"]) == set(ds.units)
        per_unit = frame.groupby("respondent_id")["unit_id"].nunique()
        assert (per_unit == 1).all()
    assert len(ds.periods) == 8


def test_tree_sampler_sees_a_running_child_and_its_descendants(bench: ModuleType) -> None:
    grandchild = "import time; time.sleep(120)"
    child = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', {grandchild!r}]); time.sleep(120)"
    )
    proc = subprocess.Popen([sys.executable, "-c", child])
    try:
        deadline = time.monotonic() + 20
        while len(bench.process_tree(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = bench.process_tree(proc.pid)
        assert proc.pid in tree and len(tree) == 2
        assert bench.tree_rss(proc.pid) > bench.rss_bytes(proc.pid) > 0

        sampler = bench.TreeSampler(proc.pid, interval=0.05).start()
        while sampler.samples < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        sampler.stop()
        report = sampler.report()
        assert sampler.peak_tree_rss > 0
        assert report["peak_processes"] == 2
        assert report["main_peak_rss_mib"] > 0
    finally:
        # End the grandchild we started (by its pid), then the child.
        for pid in bench.process_tree(proc.pid):
            if pid != proc.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def test_every_name_the_bench_imports_from_pmovalue_exists() -> None:
    # The bench imports pmovalue inside its functions (it times a fresh build first): a name
    # renamed in the package would only fail half-way through a benchmark run.
    import ast
    import importlib

    imports = [
        node
        for node in ast.walk(ast.parse(SCRIPT.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pmovalue")
    ]
    assert imports, "the bench should import pmovalue's own staging code"
    for node in imports:
        module = importlib.import_module(node.module or "")
        for alias in node.names:
            assert hasattr(module, alias.name), (
                f"{node.module}.{alias.name} (bench.py:{node.lineno})"
            )


def test_the_database_read_comparison_reads_the_same_rows(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL part of the bench on a tiny organisation (a real server)."""
    from tests.databases import pgserver

    monkeypatch.setenv("PMOVALUE_BENCH_PG", "")  # the bench sets it; undone after the test

    reason = pgserver.missing_reason()
    if reason:
        pytest.skip(reason)
    bench.make_large_org(tmp_path / "large", units=3, projects=30)
    with pgserver.running_server() as server:
        res = bench.read_large_from_postgres(server, tmp_path / "large", tmp_path, repeat=1)
    assert res["rows"]["csv"] == res["rows"]["postgres"] > 30
    assert res["read_seconds"]["postgres"] > 0 and res["load_seconds"]["csv"] > 0


def test_large_org_has_the_pmo_service_rows_asked_for(bench: ModuleType, tmp_path: Path) -> None:
    rows = bench.make_large_org(tmp_path, units=3, projects=30, services=40)
    ds = load_dataset(tmp_path)  # every service of a known project, in the data's quarters
    services = ds.tables["pmo_services"]
    assert len(services) == rows["pmo_services"] == 40
    assert set(services["project_id"]) <= set(ds.tables["projects"]["project_id"])
    res = bench.bench_large_pmo(tmp_path, tmp_path, jobs=1, full=None, skip_ab=True)
    assert res["service_rows"] == 40
    seconds = res["cpu_seconds"]
    assert set(seconds) == {"units", "organisation", "total"}
    assert seconds["total"] == pytest.approx(seconds["units"] + seconds["organisation"], abs=0.02)
