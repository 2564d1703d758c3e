# ruff: noqa: E501 - QUARTO_PAGE reproduces lines of Quarto's HTML output as Quarto writes them
"""Making Quarto's output work offline and from file://, on pages shaped like Quarto's output
(the same functions run on real Quarto output in test_quarto_real.py)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from pmovalue.errors import AssemblyError
from pmovalue.site.model import Page
from pmovalue.site.offline import (
    classic_script_tags,
    external_references,
    find_esbuild,
    finish_site,
    module_scripts,
    postprocess_page,
    relativize_root_paths,
    strip_cdn_scripts,
    strip_css_imports,
    strip_external_styles,
)

# --------------------------------------------------------------------------------------------
# Post-processing pages shaped like Quarto's output
# --------------------------------------------------------------------------------------------

# The head of a unit page in a Quarto website, as Quarto writes it (quarto-cli
# src/resources/formats/html/pandoc/template.html; site_libs lines as Quarto websites have
# them), with what src/core/jupyter/widgets.ts adds for pages with text/html outputs: require.js
# and jQuery from cdn.jsdelivr.net (data-relocate-top puts jQuery first), the define('jquery')
# shim; the older cdnjs.cloudflare.com variant; a Bootswatch theme's Google Fonts; MathJax;
# and our include-in-header given with a root-absolute path.
QUARTO_PAGE = """<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"><head>
<script src="https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js" integrity="sha384-ZvpUoO/+PpLXR1lu4jmpXWu80pZlYUAfxl5NsBMWOEPSjUn/6Z/hRTt8+pR6L4N2" crossorigin="anonymous" data-relocate-top="true"></script>
<meta charset="utf-8">
<meta name="generator" content="quarto-1.11.0">
<meta name="viewport" content="width=device-width, initial-scale=1.0, user-scalable=yes">
<title>Retail Banking – PMO value report</title>
<style>
code{white-space: pre-wrap;}
span.smallcaps{font-variant: small-caps;}
</style>
<script src="../site_libs/quarto-nav/quarto-nav.js"></script>
<script src="../site_libs/quarto-nav/headroom.min.js"></script>
<script src="../site_libs/clipboard/clipboard.min.js"></script>
<script src="../site_libs/quarto-search/autocomplete.umd.js"></script>
<script src="../site_libs/quarto-search/fuse.min.js"></script>
<script src="../site_libs/quarto-search/quarto-search.js"></script>
<meta name="quarto:offset" content="../">
<script src="../site_libs/quarto-html/quarto.js" type="module"></script>
<script src="../site_libs/quarto-html/tabsets/tabsets.js" type="module"></script>
<script src="../site_libs/quarto-html/popper.min.js"></script>
<script src="../site_libs/quarto-html/tippy.umd.min.js"></script>
<script src="../site_libs/quarto-html/anchor.min.js"></script>
<link href="../site_libs/quarto-html/tippy.css" rel="stylesheet">
<script src="../site_libs/bootstrap/bootstrap.min.js"></script>
<link href="../site_libs/bootstrap/bootstrap-icons.css" rel="stylesheet">
<link href="../site_libs/bootstrap/bootstrap-1596dba0f6ebd5d6ff9514dff97656d4.min.css" rel="stylesheet" append-hash="true" id="quarto-bootstrap" data-mode="light">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link href="https://fonts.googleapis.com/css2?family=Source+Sans+Pro:wght@300;400;700&amp;display=swap" rel="stylesheet">
<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" integrity="sha384-c9c+LnTbwQ3aujuU7ULEPVvgLs+Fn6fJUvIGTsuu1ZcCf11fiEubah0ttpca4ntM sha384-6V1/AdqZRWk1KAlWbKBlGhN7VG4iE/yAZcO6NZPMF8od0vukrvr0tg4qY6NSrItx" crossorigin="anonymous"></script>
<script type="application/javascript">define('jquery', [],function() {return window.jQuery;})</script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js" integrity="sha512-c3Nl8+7g4LMSTdrm621y7kf9v3SDPnhxLNhcjFJbKECVnmZHTdo+IRO05sNLTH/D3vA6u1X32ehoLC7WFVdheg==" crossorigin="anonymous"></script>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js" type="text/javascript"></script>
<style>@import url(https://fonts.googleapis.com/css2?family=Noto+Serif&display=swap);
.gt_table { color: #333; }</style>
<link rel="stylesheet" href="/_assets/pmovalue-quarto.css">
<script src="/_assets/plotly.min.js"></script>
<script src="../../versions.js"></script>
<script src="../_assets/pmovalue.js" defer></script>
</head>
<body class="nav-fixed fullcontent">
<div id="quarto-search-results"></div>
<header id="quarto-header" class="headroom fixed-top">
<nav class="navbar navbar-expand-lg " data-bs-theme="dark">
<div class="navbar-container container-fluid">
<a href="../index.html" class="navbar-brand navbar-brand-logo"><span class="navbar-title">PMO value report</span></a>
<ul class="navbar-nav navbar-nav-scroll me-auto">
<li class="nav-item"><a class="nav-link" href="../index.html"> <span class="menu-text">Portfolio</span></a></li>
</ul>
</div>
</nav>
</header>
<div id="quarto-content" class="quarto-container page-columns page-rows-contents page-layout-article page-navbar">
<main class="content" id="quarto-document-content">
<header id="title-block-header" class="quarto-title-block default">
<div class="quarto-title"><h1 class="title">Retail Banking</h1><p class="subtitle lead">2026-Q3</p></div>
</header>
<div id="cell-3" class="cell" data-execution_count="3">
<div class="cell-output cell-output-display">
<figure class="chart" aria-label="EVM"><div>                        <script type="text/javascript">                window.PLOTLYENV=window.PLOTLYENV || {};                                if (document.getElementById("chart-1")) {                    Plotly.newPlot(                        "chart-1",                        [],                        {},                        {"displaylogo": false, "responsive": true}                    )                };            </script>        </div></figure>
</div>
</div>
<p>See <a href="https://quarto.org">Quarto</a> and <a href="/units/other.html">another unit</a>.</p>
</main>
</div>
<footer class="footer"><div class="nav-footer"><div class="nav-footer-center">Internal report</div></div></footer>
</body>
</html>
"""


def test_strip_cdn_scripts_removes_requirejs_jquery_and_the_shim() -> None:
    out = strip_cdn_scripts(QUARTO_PAGE)
    for gone in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "define('jquery'", "mathjax"):
        assert gone not in out
    # Quarto's own local scripts, the module one included, and the charts stay.
    assert '<script src="../site_libs/quarto-html/quarto.js" type="module"></script>' in out
    assert '<script src="../site_libs/bootstrap/bootstrap.min.js"></script>' in out
    assert "Plotly.newPlot(" in out and "window.PLOTLYENV" in out
    assert '<script src="../_assets/pmovalue.js" defer></script>' in out


def test_the_jquery_shim_stays_when_a_local_requirejs_remains() -> None:
    page = (
        '<head><script src="../site_libs/require/require.min.js"></script>\n'
        "<script type=\"application/javascript\">define('jquery', [],function() "
        "{return window.jQuery;})</script></head>"
    )
    assert strip_cdn_scripts(page) == page


def test_strip_external_styles_removes_google_fonts() -> None:
    out = strip_external_styles(QUARTO_PAGE)
    assert "fonts.googleapis.com" not in out and "fonts.gstatic.com" not in out
    assert ".gt_table { color: #333; }" in out
    assert 'id="quarto-bootstrap"' in out and "bootstrap-icons.css" in out
    assert '<a href="https://quarto.org">Quarto</a>' in out  # links are not requests


def test_strip_css_imports_in_quarto_bootswatch_css() -> None:
    # dart-sass output of a Bootswatch theme compiled by Quarto: the web font first, in both
    # the url() and the quoted forms, its URL holding semicolons.
    css = (
        "@import url(https://fonts.googleapis.com/css2?family=Source+Sans+Pro:wght@300;400;700"
        "&display=swap);:root,[data-bs-theme=light]{--bs-blue: #2780e3;}\n"
        '@import"https://fonts.googleapis.com/css2?family=Lato:ital,wght@0,400;0,700&display=swap";'
        "\n@import url('//fonts.googleapis.com/css?family=Roboto') screen;\n"
        '@import url("local-theme.css");\n.navbar{color:#fff}'
    )
    out = strip_css_imports(css)
    assert "googleapis" not in out
    assert ":root,[data-bs-theme=light]{--bs-blue: #2780e3;}" in out
    assert '@import url("local-theme.css");' in out and ".navbar{color:#fff}" in out
    assert external_references(out, css=True) == []


def test_relativize_root_paths() -> None:
    page = '<script src="/_assets/plotly.min.js"></script><a href="//host/x">x</a><a href="/">h</a>'
    assert relativize_root_paths(page, "../") == (
        '<script src="../_assets/plotly.min.js"></script><a href="//host/x">x</a>'
        '<a href="../">h</a>'
    )
    assert relativize_root_paths(page, "").startswith('<script src="./_assets/plotly.min.js">')


def test_postprocess_page_leaves_nothing_to_fetch_from_another_host() -> None:
    assert external_references(QUARTO_PAGE)  # the input does fetch from CDNs
    out = postprocess_page(QUARTO_PAGE, "../")
    assert external_references(out) == []
    assert '<script src="../_assets/plotly.min.js"></script>' in out
    assert '<link rel="stylesheet" href="../_assets/pmovalue-quarto.css">' in out
    assert '<a href="../units/other.html">' in out
    assert 'xmlns="http://www.w3.org/1999/xhtml"' in out  # a namespace, not a request
    # plotly.js comes before the charts' inline scripts that call window.Plotly.
    assert out.index("_assets/plotly.min.js") < out.index("Plotly.newPlot(")
    assert "require" not in out.split("</head>")[0]
    assert postprocess_page(out, "../") == out  # idempotent


def test_finish_site_checks_pages_and_leftovers(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    (stage / "units").mkdir(parents=True)
    pages = [
        Page("index.html", "Portfolio overview", "portfolio", body_html=""),
        Page("units/a.html", "A", "unit", body_html=""),
    ]
    (stage / "index.html").write_text(QUARTO_PAGE, encoding="utf-8")
    with pytest.raises(AssemblyError, match=r"did not produce: units/a\.html"):
        finish_site(pages, stage, None)
    (stage / "units" / "a.html").write_text(QUARTO_PAGE, encoding="utf-8")
    # Quarto's module scripts can only be made classic with esbuild.
    with pytest.raises(AssemblyError, match="module scripts to bundle but no esbuild"):
        finish_site(pages, stage, None)
    without_modules = re.sub(r'<script src="[^"]+" type="module"></script>\n', "", QUARTO_PAGE)
    assert module_scripts(without_modules, "index.html") == []
    for page in pages:
        (stage / page.path).write_text(without_modules, encoding="utf-8")
    (stage / "site_libs" / "bootstrap").mkdir(parents=True)
    (stage / "site_libs" / "bootstrap" / "b.min.css").write_text(
        "@import url(https://fonts.googleapis.com/css2?family=X:wght@3;4&display=swap);a{b:c}",
        encoding="utf-8",
    )
    finish_site(pages, stage, None)
    assert (stage / "site_libs" / "bootstrap" / "b.min.css").read_text() == "a{b:c}"
    unit = (stage / "units" / "a.html").read_text(encoding="utf-8")
    assert external_references(unit) == [] and 'src="../_assets/plotly.min.js"' in unit
    index = (stage / "index.html").read_text(encoding="utf-8")
    assert 'src="./_assets/plotly.min.js"' in index

    # A user's page showing an image from another host: the build says so and fails.
    (stage / "about.html").write_text('<img src="https://example.org/logo.png">', encoding="utf-8")
    with pytest.raises(AssemblyError, match=re.escape("about.html: https://example.org/logo.png")):
        finish_site(pages, stage, None)


# --------------------------------------------------------------------------------------------
# Module scripts -> classic scripts
# --------------------------------------------------------------------------------------------

QUARTO_JS = "site_libs/quarto-html/quarto.js"
TABSETS_JS = "site_libs/quarto-html/tabsets/tabsets.js"


def test_module_scripts_are_found_relative_to_the_page() -> None:
    assert module_scripts(QUARTO_PAGE, "units/a.html") == [QUARTO_JS, TABSETS_JS]
    page = (
        '<script type="module" src="./lib/m.js?v=1"></script>'
        '<script src="https://cdn.example/m.js" type="module"></script>'
        '<script src="../../outside.js" type="module"></script>'
        '<script src="lib/classic.js"></script><script type="module">inline()</script>'
    )
    assert module_scripts(page, "pages/p.html") == ["pages/lib/m.js"]


def test_classic_script_tags_defer_each_bundle_and_drop_what_another_holds() -> None:
    bundled = {QUARTO_JS: {TABSETS_JS}, TABSETS_JS: set()}
    out = classic_script_tags(QUARTO_PAGE, "units/a.html", bundled)
    assert '<script src="../site_libs/quarto-html/quarto.js" defer></script>\n' in out
    assert "tabsets.js" not in out  # inside quarto.js's bundle: it would run twice
    assert 'type="module"' not in out
    # Everything else is untouched.
    assert out.replace(
        '<script src="../site_libs/quarto-html/quarto.js" defer></script>\n', ""
    ) == (
        QUARTO_PAGE.replace(
            '<script src="../site_libs/quarto-html/quarto.js" type="module"></script>\n', ""
        ).replace(
            '<script src="../site_libs/quarto-html/tabsets/tabsets.js" type="module"></script>\n',
            "",
        )
    )
    # A module on its own (tabsets.js without quarto.js) keeps its classic tag.
    alone = '<script type="module" src="site_libs/quarto-html/tabsets/tabsets.js"></script>\n'
    assert classic_script_tags(alone, "index.html", bundled) == (
        '<script src="site_libs/quarto-html/tabsets/tabsets.js" defer></script>\n'
    )


def test_find_esbuild_where_quarto_ships_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUARTO_ESBUILD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    bin_dir = tmp_path / "quarto" / "bin"
    bin_dir.mkdir(parents=True)
    quarto = bin_dir / "quarto"
    quarto.write_text("not run: not executable\n", encoding="utf-8")
    with pytest.raises(AssemblyError, match="esbuild, which Quarto ships") as err:
        find_esbuild(str(quarto))
    assert err.value.exit_code == 1 and "QUARTO_ESBUILD" in str(err.value)
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower())
    tools = bin_dir / "tools" / (arch or platform.machine().lower())
    tools.mkdir(parents=True)
    (tools / "esbuild").write_bytes(b"")
    assert find_esbuild(str(quarto)) == str(tools / "esbuild")
    own = tmp_path / "my-esbuild"
    own.write_bytes(b"")
    monkeypatch.setenv("QUARTO_ESBUILD", str(own))
    assert find_esbuild(str(quarto)) == str(own)
