"""The builtin engine: nbconvert page bodies in our Jinja2 page template; needs nothing beyond
PyPI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pmovalue.errors import AssemblyError
from pmovalue.site.assets import templates, write_assets
from pmovalue.site.model import MAIN_NAV, Page, SiteContext, draws_charts
from pmovalue.site.pages import ENGINE_SUFFIXES, markdown_body

if TYPE_CHECKING:
    import jinja2
    from nbconvert import HTMLExporter


class BuiltinEngine:
    name = "builtin"
    own_page_suffixes = ENGINE_SUFFIXES[name]
    uses_page_bodies = True  # the bodies the job workers render with nbconvert
    pagefind = True  # our pages carry Pagefind's markers; search uses its index

    def __init__(self) -> None:
        self._exporter: HTMLExporter | None = None
        self._page_template: jinja2.Template | None = None
        self._prepared: Path | None = None

    @property
    def exporter(self) -> HTMLExporter:
        if self._exporter is None:
            # Imported here: nbconvert takes ~0.4 s to import, and a build needs it only when
            # a page body was not rendered by its job (or not at all).
            from pmovalue.site.body import body_exporter

            self._exporter = body_exporter()
        return self._exporter

    def versions(self) -> dict[str, str]:
        return {}

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
                body = self._body(page)
            except Exception as exc:  # nbconvert or Markdown failure: name the page
                raise AssemblyError(f"could not render {page.path}: {exc}") from exc
            out = stage / page.path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                page_template.render(
                    page=page,
                    site=site,
                    root=page.root,
                    body=body,
                    main_nav=MAIN_NAV,
                    charts=draws_charts(body),
                ),
                encoding="utf-8",
            )

    def _body(self, page: Page) -> str:
        if page.body_html is not None:  # pre-rendered by the job's worker, or generated
            return page.body_html
        if page.notebook is not None:
            from pmovalue.site.body import notebook_body

            return notebook_body(page.notebook, self.exporter)
        if page.source is not None:
            return f'<div class="page-text">\n{markdown_body(page.source)}</div>\n'
        return ""
