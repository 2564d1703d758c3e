"""What every engine is given: the pages of a version and the facts its pages show."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Every plotly chart is a div of this class, whoever made it (plotly.io writes it).
PLOTLY_DIV = "plotly-graph-div"


def draws_charts(page_html: str) -> bool:
    """Whether a page body holds a plotly chart, so the page must load plotly.js: 3.5 MB whose
    parsing is ~90% of the time a page takes to open, wasted on a page without charts."""
    return PLOTLY_DIV in page_html


@dataclass(frozen=True)
class NavLink:
    text: str
    href: str  # relative to the version root (ours) or absolute URL (the user's own links)


@dataclass(frozen=True)
class Page:
    path: str  # inside the version, e.g. units/retail-banking.html
    title: str
    # portfolio | unit | maturity | pmo | changes | data-quality | methodology | page
    kind: str
    notebook: Path | None = None  # the executed notebook (None: body_html or source is given)
    body_html: str | None = None
    source: Path | None = None  # a page of the project's own: its pages/*.md or *.qmd file
    failed: bool = False  # --allow-partial: the page says the unit failed

    @property
    def root(self) -> str:
        """Relative path from this page to the version root ('' or '../')."""
        return "../" * self.path.count("/")


@dataclass
class SiteContext:
    """Facts shown on every page of a version (header, switcher, provenance footer)."""

    version: str
    period: str
    kind: str  # official | scenario
    scenario: str | None
    site_title: str
    organisation: str
    generated_at: str
    params_hash: str
    data_hash: str
    pmovalue_version: str
    engine: str
    units: list[NavLink] = field(default_factory=list)
    pages: list[NavLink] = field(default_factory=list)  # the project's own pages
    extra_links: list[NavLink] = field(default_factory=list)
    footer: str = ""
    colours: dict[str, str] = field(default_factory=dict)
    # A scenario's parameters that differ from the official ones: label (in words) -> values.
    scenario_changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    failed_units: list[str] = field(default_factory=list)
    board_pack: bool = False  # the version has board-pack.pdf (build --pdf): pages link to it


MAIN_NAV = [
    NavLink("Portfolio", "index.html"),
    NavLink("Maturity", "maturity.html"),
    NavLink("PMO value", "pmo-value.html"),
    NavLink("Changes", "changes.html"),
    NavLink("Data quality", "data-quality.html"),
    NavLink("Methodology", "methodology.html"),
]
