"""The page-body exporter skips nbconvert's BeautifulSoup pass only where it changes nothing,
and its copy of nbconvert's code is of the nbconvert installed."""

from __future__ import annotations

import hashlib
import inspect
from importlib import metadata

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pmovalue.site.body import OPTIONS, UPSTREAM, body_exporter

PNG = (  # a 1x1 image
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


def nbconvert_exporter() -> HTMLExporter:
    """nbconvert's own exporter, configured as ours."""
    return HTMLExporter(**OPTIONS)


def page(*outputs: dict) -> nbformat.NotebookNode:
    cell = new_code_cell("x")
    cell.outputs = list(outputs)
    return new_notebook(cells=[new_markdown_cell("# Title\n\nSome *prose* & `code`."), cell])


def test_a_page_without_images_is_nbconverts_html_unparsed() -> None:
    chart = '<figure class="chart"><div id="c1"></div><script>var a = 1 < 2 && 3 > 2;</script>'
    nb = page(
        new_output("display_data", {"text/html": chart + "</figure>", "text/plain": "chart"}),
        new_output("display_data", {"text/html": "<table><tr><td>1</td></tr></table>"}),
    )
    ours, _ = body_exporter().from_notebook_node(nb)
    theirs, _ = nbconvert_exporter().from_notebook_node(nb)
    assert ours != theirs  # the soup pass was skipped (it re-serialises every tag)...
    # ...and it is all that differs: run over ours, it gives nbconvert's page exactly.
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert "Some <em>prose</em>" in ours and 'id="c1"' in ours


def test_a_page_with_an_image_gets_nbconverts_alt_text() -> None:
    nb = page(new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"}))
    ours, _ = body_exporter().from_notebook_node(nb)
    theirs, _ = nbconvert_exporter().from_notebook_node(nb)
    assert ours == theirs
    assert 'alt="No description has been provided for this image"' in ours


def test_the_copied_nbconvert_code_follows_the_installed_nbconvert() -> None:
    """`BodyExporter` restates the start of `HTMLExporter.from_notebook_node`: an nbconvert
    whose function differs must be read before the copy is trusted again."""
    name, version, digest = UPSTREAM
    source = inspect.getsource(HTMLExporter.from_notebook_node)
    installed = metadata.version(name)
    assert hashlib.sha256(source.encode()).hexdigest() == digest, (
        f"nbconvert's HTMLExporter.from_notebook_node is not the one of {name} {version} that "
        f"pmovalue.site.body copies (installed: {name} {installed}). Re-check "
        "BodyExporter.from_notebook_node against it: the copy must equal everything before its "
        "BeautifulSoup pass, and SOUP_TARGETS must name everything that pass acts on; then set "
        "UPSTREAM to the installed version and the new source's SHA-256."
    )
