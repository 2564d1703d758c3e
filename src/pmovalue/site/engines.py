"""Engines turn executed notebooks into the pages of one version folder.

Both engines produce the same page paths (the site layout in README.md); `builtin` needs
nothing beyond PyPI, `quarto` drives a real Quarto install. `resolve_engine` implements
`--engine auto|builtin|quarto`.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pmovalue.errors import AssemblyError, EngineUnavailable, UsageError
from pmovalue.site.model import MAIN_NAV, Page, SiteContext

if TYPE_CHECKING:
    import jinja2
    from nbconvert import HTMLExporter

ASSETS = "_assets"


class Engine(Protocol):
    name: str

    def prepare(self, stage: Path) -> None:
        """The work that needs no page, done while the last notebooks run (optional: assemble
        does it too if it was not done)."""

    def assemble(self, pages: list[Page], site: SiteContext, stage: Path) -> None: ...


def templates() -> jinja2.Environment:
    import jinja2  # here: the build imports this module long before it renders a page

    return jinja2.Environment(
        loader=jinja2.PackageLoader("pmovalue", "site/templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def write_assets(stage: Path) -> None:
    """plotly.js once per version, plus our stylesheet and script: nothing from a CDN."""
    assets = stage / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    # The file plotly.offline.get_plotlyjs() reads, copied as bytes: not decoded and encoded
    # again (4.6 MB).
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"
    (assets / "plotly.min.js").write_bytes(plotly_js.read_bytes())
    static = resources.files("pmovalue") / "site" / "static"
    for name in ("pmovalue.css", "pmovalue.js"):
        (assets / name).write_bytes((static / name).read_bytes())


def notebook_body(notebook: Path, exporter: HTMLExporter) -> str:
    """The outputs and prose of an executed notebook as an HTML fragment (code hidden)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # Warnings on stderr are for the analyst's log, not for the reader.
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    body, _ = exporter.from_notebook_node(nb)
    return body


def body_exporter() -> HTMLExporter:
    """The page-body exporter (see `pmovalue.site.body`)."""
    # Imported here: nbconvert takes ~0.4 s to import, and a build needs it only once the
    # first notebook has run (or not at all when every page comes from the cache).
    from pmovalue.site.body import body_exporter as exporter

    return exporter()


class BuiltinEngine:
    name = "builtin"

    def __init__(self) -> None:
        self._exporter: HTMLExporter | None = None
        self._page_template: jinja2.Template | None = None
        self._prepared: Path | None = None

    @property
    def exporter(self) -> HTMLExporter:
        if self._exporter is None:
            self._exporter = body_exporter()
        return self._exporter

    def prepare(self, stage: Path) -> None:
        """The assets, and the page template compiled (jinja2 and ~50 ms of compiling)."""
        if self._page_template is None:
            self._page_template = templates().get_template("page.html.j2")
        if self._prepared != stage:
            write_assets(stage)
            self._prepared = stage

    def assemble(self, pages: list[Page], site: SiteContext, stage: Path) -> None:
        self.prepare(stage)
        page_template = self._page_template
        assert page_template is not None
        for page in pages:
            try:
                if page.body_html is not None:  # pre-rendered by the job's worker
                    body = page.body_html
                elif page.notebook is not None:
                    body = notebook_body(page.notebook, self.exporter)
                else:
                    body = ""
            except Exception as exc:  # nbconvert failure: name the page
                raise AssemblyError(f"could not render {page.path}: {exc}") from exc
            out = stage / page.path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                page_template.render(
                    page=page, site=site, root=page.root, body=body, main_nav=MAIN_NAV
                ),
                encoding="utf-8",
            )


def quarto_path() -> str | None:
    return shutil.which("quarto")


def resolve_engine(name: str, project_dir: Path = Path(".")) -> Engine:
    if name == "builtin":
        return BuiltinEngine()
    if name in ("quarto", "auto"):
        if quarto_path() is None:
            if name == "auto":
                return BuiltinEngine()
            raise EngineUnavailable(
                "--engine quarto needs Quarto, and `quarto` is not on PATH. Install it from "
                "https://quarto.org/docs/get-started/ (a system package, not pip), or use "
                "--engine builtin, which needs nothing more."
            )
        from pmovalue.site.quarto import QuartoEngine

        return QuartoEngine(quarto_path() or "quarto", project_dir=project_dir)
    raise UsageError(f"unknown engine {name!r}; use auto, builtin or quarto")
