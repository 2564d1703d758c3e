"""The PMO's commentary: Markdown files shown at the top of a page as "PMO commentary".

    commentary/<version>/_portfolio.md     the portfolio page
    commentary/<version>/<unit_id>.md      a unit's page

`<version>` is the version's name: `2026-Q3`, or `2026-Q3--high-rate` for a scenario. A file
may start with YAML front matter giving `author` and `date`. A file for a unit that is not in
the data is an error naming the file, found before any notebook runs. The page's notebook
renders the text (`pmovalue.report.commentary`, with `pmovalue.markdown`: raw HTML escaped),
in a kernel that has the Markdown library preloaded. The files are inputs of the version:
their hashes are part of its input hash and of the no-op check (`files`, which imports
nothing heavy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pmovalue.data.units import PORTFOLIO_ID
from pmovalue.errors import UsageError
from pmovalue.hashing import file_sha256

FOLDER = "commentary"
PORTFOLIO_FILE = "_portfolio.md"
FIELDS = ("author", "date")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Commentary:
    source: str  # e.g. commentary/2026-Q3/_portfolio.md
    markdown: str  # the text after the front matter
    author: str = ""
    date: str = ""

    def as_parameter(self) -> dict[str, str]:
        """What the page's notebook is given (a papermill parameter: plain strings)."""
        return {
            "source": self.source,
            "markdown": self.markdown,
            "author": self.author,
            "date": self.date,
        }


def folder(project_dir: Path, version: str) -> Path:
    return project_dir / FOLDER / version


def files(project_dir: Path, version: str) -> dict[str, str]:
    """The version's commentary files and their SHA-256, by name (empty when none)."""
    where = folder(project_dir, version)
    if not where.is_dir():
        return {}
    return {
        p.name: file_sha256(p)
        for p in sorted(where.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def load(project_dir: Path, version: str, units: dict[str, str]) -> dict[str, Commentary]:
    """Every commentary of the version by unit id (`_portfolio` for the portfolio page);
    `units`: the units of the data (id -> name)."""
    where = folder(project_dir, version)
    out: dict[str, Commentary] = {}
    for name in files(project_dir, version):
        path = where / name
        shown = f"{FOLDER}/{version}/{name}"
        key = PORTFOLIO_ID if name == PORTFOLIO_FILE else path.stem
        if path.suffix != ".md" or (key != PORTFOLIO_ID and key not in units):
            raise UsageError(
                f"{path}: not a commentary file of this version; name it {PORTFOLIO_FILE} "
                f"or <unit id>.md with a unit of the data ({', '.join(units)})"
            )
        out[key] = parse(path, shown)
    return out


def parse(path: Path, shown: str) -> Commentary:
    """One commentary file: its front matter (optional) checked, and its Markdown text."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    meta: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"{path}: the front matter is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"{path}: the front matter must be `key: value` lines")
        unknown = sorted(str(k) for k in loaded if k not in FIELDS)
        if unknown:
            raise UsageError(
                f"{path}: unknown front matter key(s) {', '.join(unknown)}; "
                f"use {' and '.join(FIELDS)}"
            )
        meta = loaded
        text = text[match.end() :]
    return Commentary(
        source=shown,
        markdown=text,
        author=str(meta.get("author") or ""),
        date=str(meta.get("date") or ""),
    )
