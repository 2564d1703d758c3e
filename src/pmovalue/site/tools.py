"""Running the external programs a version's assembly needs (Quarto, esbuild)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from pmovalue.errors import AssemblyError


def run_tool(
    cmd: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` in `cwd` and return what it printed and its exit code (the caller says what a
    failure means); a program that cannot be started at all is an AssemblyError naming it."""
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise AssemblyError(f"could not run {cmd[0]}: {exc}") from exc
