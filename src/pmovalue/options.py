"""Build options: a plain dataclass, importable without the heavy dependencies."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildOptions:
    data_dir: Path = Path("data/sample")
    params_dir: Path = Path("params")
    notebooks_dir: Path = Path("notebooks")
    project_dir: Path = Path(".")
    period: str | None = None
    units: list[str] | None = None
    overrides: list[str] = field(default_factory=list)
    scenario: str | None = None
    out: Path = Path("site")
    engine: str = "auto"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 2)
    executor: str = "local"
    scheduler: str | None = None
    replace: bool = False
    allow_partial: bool = False
    no_cache: bool = False
    pdf: bool = False  # add the board pack (board-pack.pdf) to the version
    state_dir: Path = Path(".pmovalue")
    live_progress: bool | None = None  # None: a live line when stderr is a terminal
