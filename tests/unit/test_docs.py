"""The docs: every command and option has help text and is in the guide (sqlite-utils
habit); the metric and data references are complete and current; the project cites only its
own documents."""

import argparse
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from pmovalue.cli import _parser
from pmovalue.data.schemas import TABLES
from pmovalue.metrics.catalog import DIRECTIONS, LEVELS, METRICS, UNITS

REPO = Path(__file__).resolve().parents[2]


def _commands() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser], dict]:
    """The parser, its commands by name, and each command's one-line help."""
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, dict(sub.choices), {a.dest: a.help for a in sub._choices_actions}


def _arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
    ]


def test_every_command_and_option_has_help_text() -> None:
    parser, commands, one_line = _commands()
    for action in _arguments(parser):
        assert action.help, action.option_strings
    for name, command in commands.items():
        assert one_line.get(name), f"`pmovalue {name}` has no help in the command list"
        assert command.description, f"`pmovalue {name} --help` says nothing about the command"
        for action in _arguments(command):
            what = "/".join(action.option_strings) or action.dest
            assert action.help and action.help != argparse.SUPPRESS, (
                f"`pmovalue {name} {what}` has no help text"
            )
        command.format_help()  # every %(default)s and the like resolves


def test_every_command_and_option_is_in_the_guide() -> None:
    guide = (REPO / "docs" / "guide.md").read_text()
    _, commands, _ = _commands()
    for name, command in commands.items():
        assert f"pmovalue {name}" in guide, f"docs/guide.md never mentions `pmovalue {name}`"
        for action in _arguments(command):
            for flag in action.option_strings:
                assert f"`{flag}" in guide or f"{flag} " in guide or f"[{flag}" in guide, (
                    f"docs/guide.md never mentions `pmovalue {name} {flag}`"
                )


def test_readme_starts_with_the_two_commands() -> None:
    head = (REPO / "README.md").read_text().splitlines()[:8]
    assert any(line.startswith("make report") for line in head)
    assert any(line.startswith("make test") for line in head)


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"pmovalue_{name}", REPO / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_metric_reference_is_generated_from_the_catalogue() -> None:
    page = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert _script("metric_docs").updated(page) == page, (
        "docs/metrics.md is out of date with pmovalue.metrics.catalog: "
        "run `.venv/bin/python scripts/metric_docs.py`"
    )


def test_every_metric_explains_itself() -> None:
    for m in METRICS.values():
        for field in ("meaning", "formula", "scope", "edge_cases", "example"):
            assert getattr(m, field).strip(), f"{m.id}: no {field} in the catalogue"
        assert m.sources and set(m.sources) <= set(TABLES), (m.id, m.sources)
        assert m.level in LEVELS and m.unit in UNITS and m.direction in DIRECTIONS, m.id


def test_data_md_describes_every_table_and_column() -> None:
    page = (REPO / "docs" / "data.md").read_text(encoding="utf-8")
    sections = re.split(r"(?m)^### ", page)
    for table, spec in TABLES.items():
        section = next((s for s in sections if s.startswith(f"{table}\n")), None)
        assert section is not None, f"docs/data.md has no section '### {table}'"
        for column in spec.columns:
            mark = "*" if column.required else ""
            assert f"| `{column.name}`{mark} |" in section, (table, column.name)


def test_the_project_cites_only_its_own_documents() -> None:
    """Users have the repository only: no file points at the workspace's design notes."""
    banned = re.compile("DES" + "IGN|" + re.escape("shared" + "/"))
    roots = ["src", "tests", "docs", "notebooks", "scripts", "examples", "params", ".ci"]
    files = [p for r in roots for p in (REPO / r).rglob("*") if p.is_file()]
    files += [REPO / f for f in ("README.md", "_quarto.yml", "Makefile", "pyproject.toml")]
    for path in files:
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".parquet", ".xlsx"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            assert not banned.search(line), f"{path.relative_to(REPO)}:{n}: {line.strip()}"


def test_make_lists_its_targets_with_the_values_in_force() -> None:
    """A bare `make` lists every target with its description; variables are shown by value."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed (apt-get install make)")
    out = subprocess.run(
        ["make", "-s", "-C", str(REPO), "PORT=8123"], capture_output=True, text=True, check=True
    ).stdout
    makefile = (REPO / "Makefile").read_text()
    targets = re.findall(r"(?m)^([a-z-]+):.*## ", makefile)
    assert targets and all(f"make {t} " in out for t in targets), out
    assert "$(" not in out, out
    assert "http://127.0.0.1:8123/" in out
