"""nbconvert's HTML exporter for page bodies, minus a pass that has nothing to do on our pages.

Imported only when a page is rendered: nbconvert takes ~0.4 s to import.

`HTMLExporter.from_notebook_node` ends by parsing the whole rendered HTML with BeautifulSoup
to give images without alt text a placeholder and to make the lab template's cells
focusable, then serialising it again. Our pages have no images and use the `basic` template,
so that pass changed nothing but cost 60% of every render (~60 ms for a unit page). It is
skipped when the HTML holds nothing it could change, and run exactly as nbconvert does
otherwise (a notebook that shows a matplotlib image still gets its alt text).

Copied code: `BodyExporter.from_notebook_node` restates the first part of nbconvert's
`HTMLExporter.from_notebook_node` (everything before its BeautifulSoup pass), as of the
version in `UPSTREAM`. tests/unit/test_body.py fails when the installed nbconvert's function
is no longer that one, and says what to re-check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode

# What the BeautifulSoup pass acts on: <img> without alt, and the lab template's wrappers.
SOUP_TARGETS = ("<img", "jp-Cell-inputWrapper", "jp-OutputArea-output")

# The upstream function the copy follows: nbconvert's version, and the SHA-256 of the source
# of `HTMLExporter.from_notebook_node` in it (`inspect.getsource`).
UPSTREAM = (
    "nbconvert",
    "7.17.2",
    "3dccafff45cc4e749766089c7de2f5385ac071e03f4f5a15bfb3b025f54893b9",
)


class BodyExporter(HTMLExporter):
    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        given = resources
        # As HTMLExporter.from_notebook_node (see UPSTREAM), up to its BeautifulSoup pass.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if any(target in html for target in SOUP_TARGETS):
            return super().from_notebook_node(nb, given, **kw)
        return html, resources


# nbconvert's `basic` template: the cells' HTML only, code hidden, no CDN references; the
# notebook validated once after the preprocessors, not after each of them.
OPTIONS = {
    "template_name": "basic",
    "exclude_input": True,
    "exclude_input_prompt": True,
    "exclude_output_prompt": True,
    "optimistic_validation": True,
}


def body_exporter() -> BodyExporter:
    return BodyExporter(**OPTIONS)


def notebook_body(notebook: Path, exporter: HTMLExporter) -> str:
    """The outputs and prose of an executed notebook as an HTML fragment (code hidden)."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # Warnings on stderr are for the analyst's log, not for the reader.
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    body, _ = exporter.from_notebook_node(nb)
    return body
