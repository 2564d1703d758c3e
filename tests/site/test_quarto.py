# ruff: noqa: E501 - QUARTO_PAGE reproduces lines of Quarto's HTML output as Quarto writes them
"""The quarto engine without Quarto: the project it writes for a real executed sample, the
offline post-processing of pages shaped like Quarto's output, and `--engine quarto` when Quarto
is missing. With Quarto on PATH, the same engine also runs end to end (skipped otherwise)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from pmovalue.build import BuildResult
from pmovalue.errors import AssemblyError, EngineUnavailable, UsageError
from pmovalue.site import engines
from pmovalue.site.engines import BuiltinEngine, resolve_engine
from pmovalue.site.model import NavLink, Page, SiteContext
from pmovalue.site.quarto import (
    QuartoEngine,
    clean_notebook,
    component_rules,
    external_references,
    finish_site,
    markdown_text,
    nav_text,
    postprocess_page,
    raw_html_block,
    relativize_root_paths,
    render_command,
    run_quarto,
    source_name,
    strip_cdn_scripts,
    strip_css_imports,
    strip_external_styles,
    top_fragment,
    write_project,
)

REPO = Path(__file__).resolve().parents[2]
VERSION = "2026-Q3"
EXTERNAL = re.compile(r"https?://|//cdn|cdn\.|googleapis|jsdelivr|cdnjs|unpkg", re.I)


# --------------------------------------------------------------------------------------------
# The sample: pages and a SiteContext built like pmovalue.assembly.assemble does
# --------------------------------------------------------------------------------------------


def sample_pages(
    version_dir: Path, failed_unit: str | None = None
) -> tuple[list[Page], SiteContext]:
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    notebooks = version_dir / "notebooks"
    pages: list[Page] = []
    units: list[NavLink] = []
    failed: list[str] = []
    for uid in manifest["units"]:
        nb_path = notebooks / f"unit-{uid}.ipynb"
        name = nbformat.read(nb_path, as_version=4).metadata.papermill.parameters["unit_name"]
        units.append(NavLink(name, f"units/{uid}.html"))
        if uid == failed_unit:
            body = "<p>This page could not be produced: its notebook failed.</p>"
            pages.append(Page(f"units/{uid}.html", name, "unit", body_html=body, failed=True))
            failed.append(name)
        else:
            pages.append(Page(f"units/{uid}.html", name, "unit", notebook=nb_path))
    pages.append(
        Page(
            "index.html", "Portfolio overview", "portfolio", notebook=notebooks / "portfolio.ipynb"
        )
    )
    pages.append(
        Page("maturity.html", "PMO maturity", "maturity", notebook=notebooks / "maturity.ipynb")
    )
    pages.append(
        Page(
            "changes.html",
            "What changed",
            "changes",
            body_html="<p>First version: nothing to compare with. ```not a fence```</p>",
        )
    )
    pages.append(
        Page("data-quality.html", "Data quality", "data-quality", body_html="<h2>Sources</h2>")
    )
    site = SiteContext(
        version=manifest["version"],
        period=manifest["period"],
        kind=manifest["kind"],
        scenario=manifest["scenario"],
        site_title="PMO value report",
        organisation="Northwind Group",
        generated_at=manifest["started_at"],
        params_hash=manifest["params_hash"],
        data_hash=manifest["data_hash"],
        pmovalue_version="test",
        engine="quarto",
        units=units,
        failed_units=failed,
    )
    return pages, site


@pytest.fixture(scope="module")
def sample(sample_build: BuildResult) -> tuple[list[Page], SiteContext]:
    return sample_pages(sample_build.path)


@pytest.fixture(scope="module")
def project(
    sample: tuple[list[Page], SiteContext], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    pages, site = sample
    stage = tmp_path_factory.mktemp("quarto") / "stage"
    stage.mkdir()
    return write_project(pages, site, stage, REPO)


def config_of(project: Path) -> dict:
    return yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))


def front_matter_of(project: Path, source: str) -> dict:
    path = project / source
    if source.endswith(".ipynb"):
        text = nbformat.read(path, as_version=4).cells[0].source
    else:
        text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def nav_hrefs(items: list) -> list[str]:
    hrefs = []
    for item in items:
        if isinstance(item, str):
            hrefs.append(item)
        elif "menu" in item:
            hrefs += nav_hrefs(item["menu"])
        else:
            hrefs.append(item["href"])
    return hrefs


# --------------------------------------------------------------------------------------------
# The project
# --------------------------------------------------------------------------------------------


def test_project_yaml_structure(project: Path, sample: tuple[list[Page], SiteContext]) -> None:
    _, site = sample
    config = config_of(project)
    assert config["project"]["type"] == "website"
    out = (project / config["project"]["output-dir"]).resolve()
    assert out == (project.parent / "stage").resolve()
    assert not Path(config["project"]["output-dir"]).is_absolute()
    assert config["execute"]["enabled"] is False and config["execute"]["echo"] is False
    assert "eval" not in config["execute"]  # eval: false would clear the notebooks' outputs
    # The root _quarto.yml of the repository, merged: title, colours, footer, theme.
    assert config["website"]["title"] == site.site_title
    assert config["website"]["navbar"]["background"] == "#1f3b57"
    assert config["website"]["navbar"]["foreground"] == "#ffffff"
    assert "page-footer" in config["website"]
    assert config["format"]["html"]["theme"] == "default"
    assert set(config["project"]["resources"]) >= {
        "_assets/plotly.min.js",
        "_assets/pmovalue.js",
        "_assets/pmovalue-quarto.css",
    }
    for resource in config["project"]["resources"]:
        assert (project / resource).is_file()


def test_every_page_rendered_and_in_navigation(
    project: Path, sample: tuple[list[Page], SiteContext]
) -> None:
    pages, site = sample
    config = config_of(project)
    sources = [source_name(p) for p in pages]
    assert sorted(config["project"]["render"]) == sorted(sources)
    for source in sources:
        assert (project / source).is_file()
    left = config["website"]["navbar"]["left"]
    assert sorted(nav_hrefs(left)) == sorted(sources)
    assert [i["text"] for i in left] == [
        "Portfolio",
        "Units",
        "Maturity",
        "Changes",
        "Data quality",
    ]
    assert left[0]["href"] == "index.ipynb"
    units_menu = left[1]["menu"]
    assert [u["href"] for u in units_menu] == [
        link.href.replace(".html", ".ipynb") for link in site.units
    ]
    assert [u["text"] for u in units_menu] == [nav_text(link.text) for link in site.units]


def test_notebooks_are_copied_with_their_outputs_not_re_executed(
    project: Path, sample: tuple[list[Page], SiteContext]
) -> None:
    pages, site = sample
    for page in (p for p in pages if p.notebook is not None):
        original = nbformat.read(page.notebook, as_version=4)
        copy = nbformat.read(project / source_name(page), as_version=4)
        assert copy.cells[0].cell_type == "raw"  # front matter
        assert copy.cells[1].cell_type == "markdown" and "version-switcher" in copy.cells[1].source
        code = [c for c in original.cells if c.cell_type == "code"]
        copied = [c for c in copy.cells if c.cell_type == "code"]
        assert [c.source for c in copied] == [c.source for c in code]
        html_outputs = [
            o["data"]["text/html"]
            for c in code
            for o in c.outputs
            if "text/html" in o.get("data", {})
        ]
        copied_outputs = [
            o["data"]["text/html"]
            for c in copied
            for o in c.outputs
            if "text/html" in o.get("data", {})
        ]
        assert copied_outputs == html_outputs and html_outputs  # the executed outputs, as is
        for cell in copied:
            for output in cell.outputs:
                assert output.get("name") != "stderr"
                assert "application/vnd.plotly.v1+json" not in output.get("data", {})
        meta = front_matter_of(project, source_name(page))
        assert meta["title"] == markdown_text(page.title)
        if page.kind in ("portfolio", "unit"):
            assert meta["subtitle"] == markdown_text(site.period)
    # Charts are text/html calling the page's window.Plotly, never plotly JSON.
    unit = nbformat.read(project / "units" / f"{site.units[0].href[6:-5]}.ipynb", as_version=4)
    text = json.dumps(unit)
    assert "Plotly.newPlot" in text and "application/vnd.plotly.v1+json" not in text


def test_html_pages_are_qmd_with_a_raw_html_block(project: Path) -> None:
    text = (project / "changes.qmd").read_text(encoding="utf-8")
    # The body holds ``` in a row: the fence is longer than that.
    assert (
        "````{=html}\n<p>First version: nothing to compare with. ```not a fence```</p>\n````"
        in text
    )
    assert '```{=html}\n<div class="pmovalue-bar">' in text
    assert front_matter_of(project, "data-quality.qmd")["title"] == "Data quality"


def test_include_files_present_with_page_relative_paths(
    project: Path, sample: tuple[list[Page], SiteContext]
) -> None:
    pages, site = sample
    for page in pages:
        source = source_name(page)
        meta = front_matter_of(project, source)
        found = {}
        for option in ("include-in-header", "include-before-body", "include-after-body"):
            (entry,) = meta[option]
            path = (project / source).parent / entry["file"]  # Pandoc runs in the page's folder
            assert path.is_file(), (source, option)
            assert entry["file"].startswith(page.root + "_pmovalue/")
            found[option] = path.read_text(encoding="utf-8")
        head = found["include-in-header"]
        assert f'<script src="{page.root}_assets/plotly.min.js"></script>' in head
        assert f'src="{page.root}../versions.js"' in head
        assert f'src="{page.root}_assets/pmovalue.js" defer' in head
        assert f'href="{page.root}_assets/pmovalue-quarto.css"' in head
        assert json.dumps(page.path) in found["include-before-body"]
        after = found["include-after-body"]
        assert 'class="provenance"' in after and site.version in after
        assert f'href="{page.root}manifest.json"' in after
        assert 'src="/' not in head and 'href="/' not in head


def test_no_external_reference_anywhere_in_the_project(project: Path) -> None:
    offenders = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or path.name == "plotly.min.js":  # a vendored library's strings
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(project)}: {m}" for m in EXTERNAL.findall(text)]
    assert offenders == []


def test_a_failed_unit_is_a_qmd_page_and_the_banner_says_so(
    sample_build: BuildResult, tmp_path: Path
) -> None:
    version_dir = sample_build.path
    first = next(iter(json.loads((version_dir / "manifest.json").read_text())["units"]))
    pages, site = sample_pages(version_dir, failed_unit=first)
    project = write_project(pages, site, tmp_path / "stage", REPO)
    assert (project / "units" / f"{first}.qmd").is_file()
    assert not (project / "units" / f"{first}.ipynb").exists()
    assert f"units/{first}.qmd" in config_of(project)["project"]["render"]
    text = (project / "units" / f"{first}.qmd").read_text(encoding="utf-8")
    assert "Partial report" in text and "could not be produced" in text


def test_scenario_banner_and_escaping(tmp_path: Path) -> None:
    nasty = 'Ops <script>alert("x")</script> & Co'
    site = SiteContext(
        version="2026-Q3--what-if",
        period="2026-Q3",
        kind="scenario",
        scenario="what-if",
        site_title="PMO value report",
        organisation="Northwind <b>Group</b>",
        generated_at="2026-10-01T00:00:00Z",
        params_hash="a" * 64,
        data_hash="b" * 64,
        pmovalue_version="test",
        engine="quarto",
        units=[NavLink(nasty, "units/ops.html")],
        scenario_changes={"finance.discount_rate": (0.05, 0.07)},
    )
    page = Page("units/ops.html", nasty, "unit", body_html="<p>failed</p>", failed=True)
    top = top_fragment(page, site)
    assert "What-if scenario" in top and "finance.discount_rate" in top and "0.05 → 0.07" in top
    assert "<b>Group</b>" not in top and "&lt;b&gt;Group&lt;/b&gt;" in top
    project = write_project([page], site, tmp_path / "stage", tmp_path)
    config = config_of(project)
    (units,) = [i for i in config["website"]["navbar"]["left"] if i["text"] == "Units"]
    assert "<script>" not in units["menu"][0]["text"]
    assert front_matter_of(project, "units/ops.qmd")["title"] == markdown_text(nasty)
    assert "<script>alert" not in (project / "units" / "ops.qmd").read_text(encoding="utf-8")


def test_user_quarto_config_and_own_qmd_pages(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "_quarto.yml").write_text(
        yaml.safe_dump(
            {
                "project": {"type": "website", "pre-render": "make-things.sh"},
                "website": {
                    "title": "Our PMO",
                    "navbar": {
                        "left": [{"text": "Old home", "href": "index.qmd"}, "about.qmd"],
                        "right": [{"text": "Old unit", "href": "units/x.ipynb"}],
                    },
                },
                "format": {"html": {"toc": True}},
                "execute": {"echo": True},
            }
        ),
        encoding="utf-8",
    )
    (user / "about.qmd").write_text("---\ntitle: About\n---\n\nHello.\n", encoding="utf-8")
    (user / "method.qmd").write_text("---\ntitle: Method\n---\n\nHow.\n", encoding="utf-8")
    site = SiteContext(
        "2026-Q3",
        "2026-Q3",
        "official",
        None,
        "Our PMO",
        "Org",
        "t",
        "a" * 64,
        "b" * 64,
        "test",
        "quarto",
    )
    pages = [Page("data-quality.html", "Data quality", "data-quality", body_html="<p>ok</p>")]
    project = write_project(pages, site, tmp_path / "stage", user)
    config = config_of(project)
    assert "pre-render" not in config["project"]  # the engine owns `project:`
    assert config["project"]["render"] == ["data-quality.qmd", "about.qmd", "method.qmd"]
    assert (project / "about.qmd").is_file() and (project / "method.qmd").is_file()
    left = config["website"]["navbar"]["left"]
    assert nav_hrefs(left) == ["data-quality.qmd", "about.qmd", "method.qmd"]
    assert "right" not in config["website"]["navbar"]  # only a link to a generated page was there
    assert config["format"]["html"]["toc"] is True
    assert config["execute"] == {"echo": False, "enabled": False}

    (user / "index.qmd").write_text("---\ntitle: Home\n---\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"index\.qmd is a page pmovalue generates"):
        write_project(pages, site, tmp_path / "stage", user)


def test_rewriting_the_project_starts_clean(tmp_path: Path) -> None:
    site = SiteContext("v", "p", "official", None, "T", "O", "t", "a" * 64, "b" * 64, "x", "quarto")
    pages = [Page("changes.html", "What changed", "changes", body_html="<p>1</p>")]
    project = write_project(pages, site, tmp_path / "stage", tmp_path)
    (project / "stale.qmd").write_text("old", encoding="utf-8")
    assert write_project(pages, site, tmp_path / "stage", tmp_path) == project
    assert not (project / "stale.qmd").exists()


def test_clean_notebook_drops_what_quarto_cannot_show() -> None:
    new_output = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [
        new_output("stream", name="stderr", text="FutureWarning: ...\n"),
        new_output("stream", name="stdout", text="kept\n"),
        new_output("display_data", data={"application/vnd.plotly.v1+json": {"data": []}}),
        new_output(
            "display_data",
            data={
                "application/vnd.plotly.v1+json": {"data": []},
                "text/html": "<div>chart</div>",
            },
        ),
        new_output(
            "display_data",
            data={
                "text/html": '<script type="text/javascript">\nwindow.PlotlyConfig = '
                "{MathJaxConfig: 'local'};\nif (window.MathJax && window.MathJax.Hub && "
                'window.MathJax.Hub.Config) {window.MathJax.Hub.Config({SVG: {font: "STIX-Web"}});}'
                "\nif (typeof require !== 'undefined') {\nrequire.undef(\"plotly\");\n"
                "requirejs.config({paths: {'plotly': ['https://cdn.plot.ly/plotly-2.35.2.min']}});"
                "\n}\n</script>",
                "text/plain": "<IPython.core.display.HTML object>",
            },
        ),
        new_output("display_data", data={"application/vnd.custom+json": {}}),
        new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    clean_notebook(nb)
    kinds = [(o.output_type, o.get("name"), sorted(o.get("data", {}))) for o in cell.outputs]
    assert kinds == [
        ("stream", "stdout", []),
        ("display_data", None, ["text/html"]),
        ("execute_result", None, ["text/plain"]),
    ]


def test_raw_html_block_and_markdown_text() -> None:
    assert raw_html_block("<p>a</p>") == "```{=html}\n<p>a</p>\n```\n"
    assert raw_html_block("<pre>````</pre>").startswith("`````{=html}\n")
    assert markdown_text("R&D *pilot* [1]") == "R\\&D \\*pilot\\* \\[1\\]"
    assert nav_text("Risk & Compliance <x>") == "Risk & Compliance &lt;x&gt;"


def test_component_rules_leave_the_page_layout_to_quarto() -> None:
    css = (
        ":root { --a: 1; }\n* { box-sizing: border-box; }\nbody { margin: 0; }\n"
        "a { color: red; }\na.download { font-size: .8em; }\nmain { max-width: 1200px; }\n"
        ".site-header a { color: #fff; }\n#search-results a { color: blue; }\n"
        ".kpi { padding: 1px; }\n/* a comment { } */\n"
        "@media (max-width: 700px) { .tools { width: 100%; } .kpi .value { font-size: 1em; } }\n"
    )
    out = component_rules(css)
    assert ":root { --a: 1; }" in out and ".kpi { padding: 1px; }" in out
    assert "a.download" in out and "@media (max-width: 700px) { .kpi .value" in out
    for gone in (
        "box-sizing",
        "body",
        "color: red",
        "max-width: 1200px",
        ".site-header",
        "#search",
        ".tools",
    ):
        assert gone not in out


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


def test_finish_site_checks_pages_assets_and_leftovers(tmp_path: Path) -> None:
    project = tmp_path / "quarto-project"
    (project / "_assets").mkdir(parents=True)
    (project / "_assets" / "plotly.min.js").write_text("/* plotly */", encoding="utf-8")
    stage = tmp_path / "stage"
    (stage / "units").mkdir(parents=True)
    pages = [
        Page("index.html", "Portfolio overview", "portfolio", body_html=""),
        Page("units/a.html", "A", "unit", body_html=""),
    ]
    (stage / "index.html").write_text(QUARTO_PAGE, encoding="utf-8")
    with pytest.raises(AssemblyError, match=r"did not produce: units/a\.html"):
        finish_site(pages, stage, project)
    (stage / "units" / "a.html").write_text(QUARTO_PAGE, encoding="utf-8")
    (stage / "site_libs" / "bootstrap").mkdir(parents=True)
    (stage / "site_libs" / "bootstrap" / "b.min.css").write_text(
        "@import url(https://fonts.googleapis.com/css2?family=X:wght@3;4&display=swap);a{b:c}",
        encoding="utf-8",
    )
    finish_site(pages, stage, project)
    assert (stage / "_assets" / "plotly.min.js").is_file()
    assert (stage / "site_libs" / "bootstrap" / "b.min.css").read_text() == "a{b:c}"
    unit = (stage / "units" / "a.html").read_text(encoding="utf-8")
    assert external_references(unit) == [] and 'src="../_assets/plotly.min.js"' in unit
    index = (stage / "index.html").read_text(encoding="utf-8")
    assert 'src="./_assets/plotly.min.js"' in index

    # A user's page showing an image from another host: the build says so and fails.
    (stage / "about.html").write_text('<img src="https://example.org/logo.png">', encoding="utf-8")
    with pytest.raises(AssemblyError, match=re.escape("about.html: https://example.org/logo.png")):
        finish_site(pages, stage, project)


# --------------------------------------------------------------------------------------------
# quarto render, and --engine quarto without Quarto
# --------------------------------------------------------------------------------------------


def test_render_command_never_executes_and_never_cleans(tmp_path: Path) -> None:
    assert render_command("/opt/quarto/bin/quarto", tmp_path) == [
        "/opt/quarto/bin/quarto",
        "render",
        str(tmp_path.resolve()),
        "--no-execute",
        "--no-clean",
    ]


def test_a_failing_render_raises_assembly_error_with_stderr_tail(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match="could not run"):
        run_quarto(str(tmp_path / "no-such-quarto"), tmp_path)
    # Not a stand-in for Quarto: any program exiting non-zero. Python refuses the `render`
    # script it is given, on stderr, which the error must carry.
    with pytest.raises(AssemblyError) as err:
        run_quarto(sys.executable, tmp_path)
    assert "quarto render failed (exit 2)" in str(err.value)
    assert "render" in str(err.value).splitlines()[-1]
    assert err.value.exit_code == 1


def test_engine_quarto_without_quarto_exits_2_with_an_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "quarto_path", lambda: None)
    with pytest.raises(EngineUnavailable) as err:
        resolve_engine("quarto")
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "quarto.org" in message and "not pip" in message and "--engine builtin" in message
    assert isinstance(resolve_engine("auto"), BuiltinEngine)


def test_engine_quarto_with_quarto_on_path_is_this_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "quarto_path", lambda: "/opt/quarto/bin/quarto")
    for name in ("quarto", "auto"):
        engine = resolve_engine(name)
        assert isinstance(engine, QuartoEngine) and engine.name == "quarto"
        assert engine.quarto == "/opt/quarto/bin/quarto"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed here")
def test_assemble_with_real_quarto_gives_the_builtin_pages(
    sample_build: BuildResult, tmp_path: Path
) -> None:
    builtin = sample_build.path
    pages, site = sample_pages(builtin)
    stage = tmp_path / "stage"
    (stage / "data").mkdir(parents=True)
    (stage / "data" / "metrics.csv").write_text("written before the engine\n", encoding="utf-8")
    QuartoEngine(shutil.which("quarto") or "quarto", project_dir=REPO).assemble(pages, site, stage)

    def page_paths(root: Path) -> set[str]:
        return {p.path for p in pages if (root / p.path).is_file()}

    assert page_paths(stage) == page_paths(builtin) == {p.path for p in pages}
    assert (stage / "data" / "metrics.csv").read_text() == "written before the engine\n"
    assert (stage / "_assets" / "plotly.min.js").is_file()
    for page in pages:
        text = (stage / page.path).read_text(encoding="utf-8")
        assert external_references(text) == [], page.path
        assert f'src="{page.root}_assets/plotly.min.js"' in text
        assert "Unable to display output" not in text
        assert "version-switcher" in text and site.version in text
    for css in stage.rglob("*.css"):
        assert external_references(css.read_text(encoding="utf-8"), css=True) == []
