"""Shared fixtures: the repository paths and one real build of the sample site per session."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from pmovalue.build import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"

# The board pack keeps Chromium's compiled plotly.js in a cache folder: the tests' own, never the
# user's (every test and every command a test runs sees this one).
_CACHE = tempfile.mkdtemp(prefix="pmovalue-test-cache-")
os.environ["PMOVALUE_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


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


def sample_cache(sample_build: BuildResult) -> Path:
    """The job cache of the sample build: other builds of the sample only assemble."""
    return sample_build.path.parents[1] / "state"


# ---- Quarto -----------------------------------------------------------------------------------

QUARTO_MISSING = (
    "Quarto is not on PATH: install Quarto 1.11 or later (https://quarto.org/docs/get-started/) "
    "or build it from its source as docs/quarto.md describes, then put its bin/ folder on PATH"
)
THEMES = ("cosmo", "flatly", "darkly")  # Bootswatch themes that import Google Fonts

# A page of Quarto Markdown using what only Quarto renders: a callout, a cross-reference to a
# table, two tabsets of one group (choosing a tab in one chooses it in the other).
FEATURES_QMD = """---
title: Report features
---

::: {.callout-note}
## How to read this page
A callout, as Quarto shows it.
:::

The value levels are in @tbl-levels.

| Level | Measures |
|---|---|
| Delivery | CPI, SPI |
| Outcomes | benefits, NPV |

: Value levels {#tbl-levels}

::: {.panel-tabset group="view"}
## Chart
First tabset, chart view.

## Table
First tabset, table view.
:::

::: {.panel-tabset group="view"}
## Chart
Second tabset, chart view.

## Table
Second tabset, table view.
:::
"""


def quarto_or_skip() -> str:
    quarto = shutil.which("quarto")
    if quarto is None:
        pytest.skip(QUARTO_MISSING)
    return quarto


def quarto_project(root: Path, theme: str | None = None) -> Path:
    """A reporting project for the quarto engine: the repository's _quarto.yml (with `theme`),
    pages/ and commentary/, plus a page of Quarto Markdown (pages/features.qmd)."""
    project = root / "project"
    project.mkdir(parents=True)
    config = yaml.safe_load((REPO / "_quarto.yml").read_text(encoding="utf-8"))
    if theme:
        config["format"]["html"]["theme"] = theme
    (project / "_quarto.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.copytree(REPO / "pages", project / "pages")
    shutil.copytree(REPO / "commentary", project / "commentary")
    (project / "pages" / "features.qmd").write_text(FEATURES_QMD, encoding="utf-8")
    return project


@pytest.fixture(scope="session")
def quarto_build(
    sample_build: BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    """The sample built by `--engine auto` with Quarto on PATH (skipped without Quarto)."""
    quarto_or_skip()
    tmp = tmp_path_factory.mktemp("quarto-sample")
    opts = options(
        tmp, engine="auto", project_dir=quarto_project(tmp), state_dir=sample_cache(sample_build)
    )
    return build(opts, log=lambda _msg: None)


@pytest.fixture(scope="session", params=THEMES)
def quarto_theme_build(
    request: pytest.FixtureRequest,
    sample_build: BuildResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> BuildResult:
    """One unit of the sample built with Quarto in a Bootswatch theme (skipped without Quarto)."""
    quarto_or_skip()
    tmp = tmp_path_factory.mktemp(f"quarto-{request.param}")
    opts = options(
        tmp,
        engine="quarto",
        project_dir=quarto_project(tmp, theme=request.param),
        state_dir=sample_cache(sample_build),
        units=["Risk & Compliance"],
    )
    return build(opts, log=lambda _msg: None)


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
