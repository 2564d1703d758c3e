"""Shared fixtures: the repository paths and one real build of the sample site per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmovalue.build import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


def options(tmp: Path, **kw: object) -> BuildOptions:
    """Build options reading the repository's inputs and writing only under `tmp`."""
    base: dict[str, object] = {
        "data_dir": SAMPLE,
        "params_dir": REPO / "params",
        "notebooks_dir": REPO / "notebooks",
        "project_dir": REPO,
        "out": tmp / "site",
        "state_dir": tmp / "state",
        "jobs": 2,
        "engine": "builtin",
    }
    base.update(kw)
    return BuildOptions(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The sample organisation built once; tests must not modify its site."""
    tmp = tmp_path_factory.mktemp("sample")
    return build(options(tmp), log=lambda _msg: None)


@pytest.fixture(scope="session")
def sample_site(sample_build: BuildResult) -> Path:
    return sample_build.path.parent


def run_cli(
    *args: str, cwd: Path = REPO, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m pmovalue ...` as a user would (with `env` added to the environment),
    capturing its output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pmovalue", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
