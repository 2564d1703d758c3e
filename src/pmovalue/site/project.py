"""The settings of `_quarto.yml` that the builtin engine understands, so a project can change
engine without editing its configuration: website title, extra navbar links, footer, colours."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmovalue.errors import ParamsError
from pmovalue.site.model import NavLink
from pmovalue.site.pages import PAGES_DIR

QUARTO_FILE = "_quarto.yml"


@dataclass
class ProjectSettings:
    title: str | None = None
    links: list[NavLink] = field(default_factory=list)
    footer: str = ""
    colours: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def read_project(project_dir: Path) -> ProjectSettings:
    path = project_dir / QUARTO_FILE
    if not path.is_file():
        return ProjectSettings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"not valid YAML: {exc}", source=str(path)) from None
    website = raw.get("website") or {}
    navbar = website.get("navbar") or {}
    links = []
    for side in ("left", "right"):
        for item in navbar.get(side) or []:
            if isinstance(item, dict) and item.get("href") and item.get("text"):
                href = str(item["href"])
                # Our own pages are generated, the project's own pages (pages/) listed by their
                # titles: only the user's extra links are kept.
                if (
                    href.endswith(".ipynb")
                    or href in {"index.html", "index.qmd"}
                    or (href.startswith(f"{PAGES_DIR}/") and href.endswith((".md", ".qmd")))
                ):
                    continue
                links.append(NavLink(str(item["text"]), href))
    footer = website.get("page-footer") or ""
    if isinstance(footer, dict):
        footer = " · ".join(str(footer[k]) for k in ("left", "center", "right") if footer.get(k))
    colours = {}
    for key in ("background", "foreground"):
        if isinstance(navbar.get(key), str):
            colours[f"navbar-{key}"] = navbar[key]
    return ProjectSettings(website.get("title"), links, str(footer), colours, raw)
