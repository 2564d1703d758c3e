"""The project's own pages: `pages/<name>.md` (both engines) and `pages/<name>.qmd` (the quarto
engine) become `pages/<name>.html` in every version, listed in the navbar.

A page is a file directly in `pages/` whose name does not start with `_`; its title is the
`title` of its YAML front matter (else its name); pages are listed in the order of their
names. Every other file there (images, a `_metadata.yml` for Quarto, ...) is copied with the
pages. All of them are inputs of the version. Light to import: the no-op check hashes these
files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from pmovalue.data.units import slugify
from pmovalue.errors import ParamsError, UsageError
from pmovalue.hashing import file_sha256
from pmovalue.site.model import Page

PAGES_DIR = "pages"
MARKDOWN = ".md"
QUARTO_MARKDOWN = ".qmd"
# What each engine renders: Quarto Markdown (callouts, tabsets, code cells) needs Quarto.
ENGINE_SUFFIXES = {"builtin": (MARKDOWN,), "quarto": (MARKDOWN, QUARTO_MARKDOWN)}

# Pandoc's YAML metadata block: `---` on the first line, closed by `---` or `...`.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def _files(project_dir: Path) -> list[Path]:
    """Every file under pages/, hidden ones (.DS_Store, .ipynb_checkpoints/) left out."""
    folder = project_dir / PAGES_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _is_page(path: Path, folder: Path) -> bool:
    return (
        path.parent == folder
        and path.suffix in (MARKDOWN, QUARTO_MARKDOWN)
        and not path.name.startswith("_")
    )


def page_hashes(project_dir: Path, engine: str) -> dict[str, str]:
    """Content hash of every file of pages/ that a version built by `engine` uses."""
    folder = project_dir / PAGES_DIR
    suffixes = ENGINE_SUFFIXES[engine]
    return {
        p.relative_to(folder).as_posix(): file_sha256(p)
        for p in _files(project_dir)
        if not _is_page(p, folder) or p.suffix in suffixes
    }


def resource_files(project_dir: Path) -> list[Path]:
    """The files of pages/ that are neither pages nor meant for Quarto alone (`_*`): copied
    into the version's pages/ folder as they are (images, downloads)."""
    folder = project_dir / PAGES_DIR
    return [
        p
        for p in _files(project_dir)
        if not _is_page(p, folder)
        and not any(part.startswith("_") for part in p.relative_to(folder).parts)
    ]


def copy_page_resources(project_dir: Path, stage: Path) -> None:
    """`resource_files` into the version's pages/ folder, at the same relative paths."""
    folder = project_dir / PAGES_DIR
    for path in resource_files(project_dir):
        target = stage / PAGES_DIR / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def own_pages(project_dir: Path, engine: str) -> tuple[list[Page], list[Path]]:
    """The pages `engine` publishes, and the page files it leaves out (.qmd without Quarto).

    Raises for two files that would make the same page and for a front matter that is not
    YAML, naming the files."""
    folder = project_dir / PAGES_DIR
    pages: list[Page] = []
    skipped: list[Path] = []
    by_path: dict[str, Path] = {}
    for source in (p for p in _files(project_dir) if _is_page(p, folder)):
        if source.suffix not in ENGINE_SUFFIXES[engine]:
            skipped.append(source)
            continue
        path = f"{PAGES_DIR}/{slugify(source.stem)}.html"
        if path in by_path:
            raise UsageError(
                f"{by_path[path]} and {source} would both be the page {path}; "
                "rename or remove one of them"
            )
        by_path[path] = source
        meta, _ = front_matter(read_page(source), source)
        title = meta.get("title")
        if not isinstance(title, str) or not title.strip():
            title = source.stem.replace("-", " ").replace("_", " ").strip().capitalize()
        pages.append(Page(path, title.strip(), "page", source=source))
    return sorted(pages, key=lambda p: p.path), skipped


def read_page(source: Path) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text; save the page as UTF-8") from None


def front_matter(text: str, source: Path) -> tuple[dict[str, Any], str]:
    """The page's YAML front matter (empty when it has none) and the text after it."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(
            f"the front matter is not valid YAML: {exc}", source=str(source)
        ) from None
    if not isinstance(meta, dict):
        raise ParamsError("the front matter must be a mapping (key: value)", source=str(source))
    return meta, text[match.end() :]


def markdown_body(source: Path) -> str:
    """A Markdown page's body as HTML, front matter left out (raw HTML escaped)."""
    from pmovalue.markdown import render_markdown

    _, body = front_matter(read_page(source), source)
    return render_markdown(body)
