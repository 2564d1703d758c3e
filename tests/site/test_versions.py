"""Several versions in one site, built for real: periods, a scenario, kills and a race."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.build import build
from tests.conftest import REPO, options, run_cli
from tests.site.test_publish import snapshot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def multi_site(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site (2026-Q3) plus 2026-Q2 and the what-if 2026-Q3--high-rate."""
    tmp = tmp_path_factory.mktemp("multi")
    shutil.copytree(sample_site, tmp / "site")
    quiet = {"log": lambda _m: None}
    build(options(tmp, period="2026-Q2"), **quiet)
    build(options(tmp, scenario="high-rate", overrides=["finance.discount_rate=0.07"]), **quiet)
    return tmp / "site"


def metric(site: Path, version: str, unit: str, name: str) -> float:
    m = pd.read_csv(site / version / "data" / "metrics.csv")
    return float(m[(m["unit_id"] == unit) & (m["metric"] == name)]["value"].iloc[0])


def test_versions_listing_with_periods_and_scenario(multi_site: Path) -> None:
    listing = json.loads((multi_site / "versions.json").read_text())
    assert [(v["version"], v["kind"], v["aliases"]) for v in listing] == [
        ("2026-Q3", "official", ["latest"]),
        ("2026-Q3--high-rate", "scenario", []),
        ("2026-Q2", "official", []),
    ]
    assert listing[1]["scenario"] == "high-rate"
    assert (multi_site / "latest" / ".version").read_text().strip() == "2026-Q3"


def test_scenario_pages_say_so_and_list_changed_params(multi_site: Path) -> None:
    for page in (multi_site / "2026-Q3--high-rate").rglob("*.html"):
        text = page.read_text()
        assert "What-if scenario" in text, page
        assert "Finance: discount rate: 0.035 → 0.07" in text, page  # the parameter in words
    assert "What-if scenario" not in (multi_site / "2026-Q3" / "index.html").read_text()


def test_scenario_numbers_follow_its_parameters(multi_site: Path) -> None:
    official = metric(multi_site, "2026-Q3", "_portfolio", "npv_total")
    what_if = metric(multi_site, "2026-Q3--high-rate", "_portfolio", "npv_total")
    assert what_if < official  # a higher discount rate lowers the NPV of future benefits
    assert metric(multi_site, "2026-Q3", "_portfolio", "cpi") == metric(
        multi_site, "2026-Q3--high-rate", "_portfolio", "cpi"
    )


def test_changes_pages_compare_with_the_previous_quarter_whatever_the_order(
    multi_site: Path,
) -> None:
    """2026-Q2 was published after 2026-Q3: its page still compares with 2026-Q1, computed from
    the same data and parameters (and 2026-Q3's with 2026-Q2, as when it was published)."""
    for version, before in (("2026-Q2", "2026-Q1"), ("2026-Q3", "2026-Q2")):
        text = (multi_site / version / "changes.html").read_text()
        assert f"Compared with {before}, computed from the same data and parameters" in text
        assert "material change" in text and "first published version" not in text
    q2 = (multi_site / "2026-Q2" / "changes.html").read_text()
    assert "Value index: 2026-Q1 → 2026-Q2" in q2  # the units' chart
    scenario = (multi_site / "2026-Q3--high-rate" / "changes.html").read_text()
    lead = scenario.split("<h2>Since 2026-Q2</h2>")[0]
    assert "What the scenario changes against the official parameters" in lead
    assert "methodology.html#npv_total" in lead


def test_scenario_pages_lead_with_the_metrics_that_moved(multi_site: Path) -> None:
    for page in ("index.html", "units/digital-channels.html"):
        text = (multi_site / "2026-Q3--high-rate" / page).read_text()
        lead = text.split('<section class="exec-summary"')[0]
        assert '<section class="scenario-effect"' in lead, page
        assert "methodology.html#npv_total" in lead, page  # the NPV fall, first
        official = (multi_site / "2026-Q3" / page).read_text()
        assert "scenario-effect" not in official


def test_diff_command(multi_site: Path) -> None:
    res = run_cli("diff", "2026-Q3", "2026-Q3--high-rate", "--out", str(multi_site), "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    npv = [r for r in rows if r["unit_id"] == "_portfolio" and r["metric"] == "npv_total"]
    assert npv and npv[0]["direction"] == "down"
    assert not [r for r in rows if r["metric"] == "cpi"]


def cli_build(
    out: Path, state: Path, *extra: str, pause_at: str | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pause_at:
        env["PMOVALUE_PAUSE_AT"] = pause_at
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys; os.chdir(sys.argv[1]); "
            "from pmovalue.cli import main; sys.exit(main(sys.argv[2:]))",
            str(REPO),
            "build",
            "--out",
            str(out),
            "--engine",
            "builtin",
            "--jobs",
            "2",
            *extra,
        ],
        env={**env, "PYTHONPATH": str(REPO / "src")},
        stderr=subprocess.PIPE,
        text=True,
        cwd=state,
    )


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 300) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"never saw {needle!r}: {''.join(seen)[-2000:]}")


def descendants(root: int) -> list[int]:
    """Every live process below `root`, found through /proc parent links."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def processes_in(folder: Path) -> list[int]:
    """Processes (the zygote, kernels) whose working folder is inside `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("moment", ["executing", "assembled"])
def test_kill_9_mid_build_leaves_the_site_byte_identical(
    sample_site: Path, tmp_path: Path, moment: str
) -> None:
    out = tmp_path / "site"
    shutil.copytree(sample_site, out)
    before = snapshot(out)
    proc = cli_build(
        out,
        tmp_path,
        "--period",
        "2026-Q2",
        "--no-cache",
        pause_at="assembled" if moment == "assembled" else None,
    )
    wait_for_line(proc, "paused at assembled" if moment == "assembled" else "[1/")
    helpers = descendants(proc.pid)  # the kernel zygote (and any kernel)
    assert helpers
    proc.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 PID` would
    proc.wait()
    assert snapshot(out) == before
    work = tmp_path / ".site.work"
    deadline = time.monotonic() + 2  # every process forked dies with its parent at once
    while (processes_in(work) or alive(helpers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in(work) == []  # kernels died with their build
    assert alive(helpers) == []  # and so did the zygote


def test_two_concurrent_builds(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    shutil.copytree(sample_site, out)
    first = cli_build(out, tmp_path, "--period", "2026-Q2", pause_at="locked")
    try:
        wait_for_line(first, "paused at locked")
        second = run_cli("build", "--out", str(out), "--period", "2026-Q1", "--engine", "builtin")
        assert second.returncode == 2
        assert f"another build (process {first.pid})" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()


def test_trend_across_published_versions(multi_site: Path) -> None:
    text = (multi_site / "2026-Q3--high-rate" / "changes.html").read_text()
    assert "Across published versions" in text
    section = text[text.index("Across published versions") :]
    assert section.index("2026-Q2") < section.index("2026-Q3--high-rate")  # oldest first
    q2 = metric(multi_site, "2026-Q2", "_portfolio", "cpi")
    assert f">{q2:.2f}<" in section
