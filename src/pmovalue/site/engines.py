"""Engines turn executed notebooks into the pages of one version folder: what an engine does,
and `--engine auto|builtin|quarto`.

Both engines produce the same page paths (the site layout in README.md); `builtin`
(`pmovalue.site.builtin`) needs nothing beyond PyPI, `quarto` (`pmovalue.site.quarto`) drives
a real Quarto install. Light to import: the no-op check resolves the engine's name.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Protocol

from pmovalue.errors import EngineUnavailable, UsageError
from pmovalue.site.model import Page, SiteContext

ENGINES = ("auto", "builtin", "quarto")


class Engine(Protocol):
    name: str
    own_page_suffixes: tuple[str, ...]  # the files of pages/ it renders
    uses_page_bodies: bool  # it shows the page bodies the job workers render with nbconvert
    pagefind: bool  # its pages are searched with a Pagefind index of the version

    def versions(self) -> dict[str, str]:
        """Versions of the programs it runs, for the manifest."""
        ...

    def prepare(self, stage: Path) -> None:
        """The work that needs no page, done while the last notebooks run (optional: assemble
        does it too if it was not done)."""

    def assemble(self, pages: list[Page], site: SiteContext, stage: Path) -> None: ...


def quarto_path() -> str | None:
    return shutil.which("quarto")


def engine_name(name: str) -> str:
    """The engine `--engine name` means here: `auto` is Quarto when `quarto` is on PATH."""
    if name == "auto":
        return "quarto" if quarto_path() is not None else "builtin"
    if name not in ENGINES:
        raise UsageError(f"unknown engine {name!r}; use auto, builtin or quarto")
    return name


def resolve_engine(name: str, project_dir: Path = Path(".")) -> Engine:
    resolved = engine_name(name)
    if resolved == "builtin":
        from pmovalue.site.builtin import BuiltinEngine

        return BuiltinEngine()
    quarto = quarto_path()
    if quarto is None:
        raise EngineUnavailable(
            "--engine quarto needs Quarto, and `quarto` is not on PATH. Install it "
            "(https://quarto.org/docs/get-started/, a system package, not pip; docs/quarto.md "
            "says how to build it from source), or use --engine builtin, which needs nothing "
            "more."
        )
    from pmovalue.site.quarto import QuartoEngine

    return QuartoEngine(quarto, project_dir=project_dir)
