"""`pmovalue init` and `pmovalue serve`, run as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.mark.slow
def test_init_creates_a_project_that_builds(tmp_path: Path) -> None:
    project = tmp_path / "pmo-reports"
    res = run_cli("init", str(project))
    assert res.returncode == 0, res.stderr
    for item in (
        "notebooks/unit_report.ipynb",
        "params/defaults.yml",
        "_quarto.yml",
        "pages/about.md",  # an example of the project's own pages
        "data/sample/projects.csv",
        "commentary/2026-Q3/_portfolio.md",
        "README.md",
        ".gitignore",
    ):
        assert (project / item).is_file(), item
    assert not any(p.is_symlink() for p in project.rglob("*"))  # real copies
    built = run_cli("build", "--engine", "builtin", "--units", "Risk & Compliance", cwd=project)
    assert built.returncode == 0, built.stderr
    assert (project / "site" / "2026-Q3" / "units" / "risk-compliance.html").is_file()
    about = (project / "site" / "2026-Q3" / "pages" / "about.html").read_text(encoding="utf-8")
    assert "<h1>About this report" in about and "<table>" in about
    assert 'class="commentary"' in (project / "site" / "2026-Q3" / "index.html").read_text()
    again = run_cli("build", "--engine", "builtin", "--units", "Risk & Compliance", cwd=project)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_the_command_ends_cleanly(tmp_path: Path) -> None:
    """The command skips the interpreter's teardown at exit (see `cli.entry`), yet its output
    is all there, its exit code kept, and its exit handlers run: the kernel zygote's socket
    folder is removed."""
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "PYTHONWARNINGS": "ignore"}
    (tmp_path / "tmp").mkdir()
    args = ["--engine", "builtin", "--units", "Risk & Compliance", "--out"]
    for i, command in enumerate((["pmovalue"], [sys.executable, "-m", "pmovalue"])):
        res = subprocess.run(
            [*command, "build", *args, str(tmp_path / f"site{i}")],
            cwd=Path(__file__).resolve().parents[2],
            env={**env, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith("published 2026-Q3: "), res.stdout
        assert (res.stdout + res.stderr).count("published") == 1  # said once
        assert list((tmp_path / "tmp").glob("pmovalue-kernels-*")) == []
    bad = run_cli("build", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "no such data folder" in bad.stderr


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    res = run_cli("init", str(tmp_path))
    assert res.returncode == 2
    assert "not empty" in res.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_serve_on_loopback_with_mime_types(sample_site: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmovalue", "serve", "--out", str(sample_site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line + (proc.stderr.read() if proc.stderr else "")
        base = match.group(0)
        types = {
            "versions.json": "application/json",
            "versions.js": "text/javascript",
            "2026-Q3/index.html": "text/html",
            "2026-Q3/_assets/pmovalue.css": "text/css",
            "2026-Q3/pagefind/pagefind.js": "text/javascript",
            "2026-Q3/data/metrics.csv": "text/csv",
        }
        for path, kind in types.items():
            with urllib.request.urlopen(base + path, timeout=30) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].split(";")[0] == kind, path
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_without_a_site_is_a_usage_error(tmp_path: Path) -> None:
    res = run_cli("serve", "--out", str(tmp_path / "nothing"), "--port", "0")
    assert res.returncode == 2
    assert "pmovalue build" in res.stderr
