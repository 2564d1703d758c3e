"""Running assembly's external programs: the caller reads the exit code; a program that cannot
start at all is an AssemblyError that names it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pmovalue.errors import AssemblyError
from pmovalue.site.tools import run_tool


def test_output_and_exit_code_are_returned(tmp_path: Path) -> None:
    script = "import os, sys; print(os.getcwd()); print('oops', file=sys.stderr); sys.exit(3)"
    res = run_tool([sys.executable, "-c", script], tmp_path, {"PATH": "/usr/bin"})
    assert res.returncode == 3
    assert res.stdout.strip() == str(tmp_path) and res.stderr.strip() == "oops"


def test_a_program_that_cannot_start_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-quarto")
    with pytest.raises(AssemblyError, match=f"could not run {missing}: "):
        run_tool([missing, "render"], tmp_path)
