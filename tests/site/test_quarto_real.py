"""The quarto engine against a real Quarto: each claim of docs/quarto.md, checked on what Quarto
writes. Skipped, saying how to get Quarto, where `quarto` is not on PATH."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import nbformat
import pytest
import yaml

from pmovalue.build import BuildResult, build
from pmovalue.errors import AssemblyError, VersionConflict
from pmovalue.quick import up_to_date
from pmovalue.site.model import NavLink, Page, SiteContext
from pmovalue.site.offline import bundle_modules, external_references, find_esbuild, finish_site
from pmovalue.site.pages import own_pages
from pmovalue.site.quarto import PROJECT_FOLDER, QuartoEngine
from tests.conftest import (
    QUARTO_MISSING,
    THEMES,
    options,
    quarto_project,
    sample_cache,
)

QUARTO = shutil.which("quarto")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(QUARTO is None, reason=QUARTO_MISSING)]
VERSION = "2026-Q3"


def html_pages(root: Path) -> set[str]:
    """The pages of a version folder (not Quarto's libraries or Pagefind's files)."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.html")
        if not {"site_libs", "pagefind"} & set(p.relative_to(root).parts)
    }


def shown(fragment: str) -> str:
    """What a browser shows for an HTML fragment: the text without tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# ---- the sample, built by --engine auto with Quarto on PATH ------------------------------------


def test_quarto_publishes_the_pages_of_the_builtin_engine(
    quarto_build: BuildResult, sample_build: BuildResult
) -> None:
    builtin, version = sample_build.path, quarto_build.path
    # The same pages at the same paths; the Quarto project has one page more (features.qmd).
    assert html_pages(version) - html_pages(builtin) == {"pages/features.html"}
    assert html_pages(builtin) <= html_pages(version)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "quarto"  # what auto resolved to
    assert manifest["hashes"]["site"]["engine"] == "quarto"
    assert sorted(manifest["hashes"]["site"]["pages"]) == ["about.md", "features.qmd"]
    assert QUARTO is not None
    version_out = subprocess.run([QUARTO, "--version"], capture_output=True, text=True).stdout
    assert manifest["versions"]["quarto"] == version_out.strip()
    # Written around the engine, and kept by `quarto render --no-clean`.
    for rel in ("data/metrics.csv", "data/metrics.xlsx", "notebooks/portfolio.ipynb"):
        assert (version / rel).is_file(), rel
    assert (version.parent / "latest" / "pages" / "features.html").is_file()
    # Quarto's own search covers every page (served over HTTP); no Pagefind index.
    assert not (version / "pagefind").exists()
    searched = {e["href"].split("#")[0] for e in json.loads((version / "search.json").read_text())}
    assert searched == html_pages(version)


def test_every_page_has_its_includes_with_page_relative_paths(quarto_build: BuildResult) -> None:
    version = quarto_build.path
    for rel in sorted(html_pages(version)):
        text = (version / rel).read_text(encoding="utf-8")
        root = "../" * rel.count("/")
        # include-in-header, include-before-body, include-after-body: this page's own files.
        if 'class="plotly-graph-div"' in text:
            assert f'<script src="{root}_assets/plotly.min.js"></script>' in text, rel
        assert f'<link rel="stylesheet" href="{root}_assets/pmovalue-quarto.css">' in text, rel
        assert f'<script src="{root}../versions.js"></script>' in text, rel
        assert f'"page": "{rel}", "root": "{root}"' in text, rel
        assert 'class="provenance"' in text and f'href="{root}manifest.json"' in text, rel
        assert 'id="version-switcher"' in text, rel
        # Offline and from file://: nothing from another host, no module script.
        assert external_references(text) == [], rel
        assert 'type="module"' not in text and "tabsets.js" not in text, rel
        assert f'<script src="{root}site_libs/quarto-html/quarto.js" defer></script>' in text
        assert "Unable to display output" not in text, rel
    for css in version.rglob("*.css"):
        assert external_references(css.read_text(encoding="utf-8"), css=True) == [], css
    # _assets/: written by the engine into the version folder, left as it is by Quarto.
    plotly = resources.files("plotly") / "package_data" / "plotly.min.js"
    assert (version / "_assets" / "plotly.min.js").read_bytes() == plotly.read_bytes()
    assert (version / "_assets" / "pmovalue-quarto.css").is_file()


def test_quartos_page_script_is_one_classic_script(quarto_build: BuildResult) -> None:
    script = (quarto_build.path / "site_libs" / "quarto-html" / "quarto.js").read_text("utf-8")
    assert script.startswith('"use strict";\n(() => {')  # strict, as a module is
    assert not re.search(r"^\s*(import|export)\b", script, re.M)
    # tabsets.js, which quarto.js imports, is inside it, and started by it.
    assert "quarto-persistent-tabsets-data" in script and re.search(r"\binit\(\);", script)


def test_own_pages_with_quartos_features(quarto_build: BuildResult) -> None:
    version = quarto_build.path
    features = (version / "pages" / "features.html").read_text(encoding="utf-8")
    assert "callout-note" in features and "How to read this page" in features
    assert re.search(r'<a href="#tbl-levels" class="quarto-xref">Table&nbsp;1</a>', features)
    assert features.count('class="panel-tabset"') == 2 and 'data-group="view"' in features
    about = (version / "pages" / "about.html").read_text(encoding="utf-8")
    assert '<h1 class="title">About this report</h1>' in about and "<table" in about
    index = (version / "index.html").read_text(encoding="utf-8")
    nav = index.split('id="navbarCollapse"')[1].split("</nav>")[0]
    assert [shown(m) for m in re.findall(r'<span class="menu-text">(.*?)</span>', nav)] == [
        "Portfolio",
        "Units",
        "Maturity",
        "PMO value",
        "Changes",
        "Data quality",
        "Methodology",
        "About this report",
        "Report features",
    ]
    units = [shown(m) for m in re.findall(r'<span class="dropdown-text">(.*?)</span>', nav)]
    assert "Operations & Technology" in units and "Risk & Compliance" in units


# ---- themes ------------------------------------------------------------------------------------


def test_bootswatch_themes_keep_their_fonts_without_fetching_them(
    quarto_theme_build: BuildResult,
) -> None:
    version = quarto_theme_build.path
    (css_path,) = (version / "site_libs" / "bootstrap").glob("bootstrap-*.min.css")
    css = css_path.read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in css and external_references(css, css=True) == []
    # The theme's font first, then fonts every system has (used where it is not installed).
    stack = re.search(r"--bs-font-sans-serif:\s*([^;]+);", css)
    assert stack is not None
    fonts = [f.strip('" ') for f in stack.group(1).split(",")]
    assert fonts[0] in ("Source Sans Pro", "Lato")
    assert {"-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"} <= set(fonts)
    assert len(THEMES) == 3


# ---- what Quarto does on its own, and what the engine does about it -----------------------------


def test_what_quarto_does_that_the_engine_undoes(tmp_path: Path) -> None:
    """A plain Quarto website, no pmovalue involved: the left column of docs/quarto.md's table.
    Then finish_site on Quarto's output: the right column."""
    project = tmp_path / "plain"
    project.mkdir()
    (project / "_quarto.yml").write_text(
        yaml.safe_dump(
            {
                "project": {"type": "website", "output-dir": "../out"},  # outside the project
                "website": {"title": "Plain"},
                "format": {"html": {"theme": "cosmo"}},
            }
        ),
        encoding="utf-8",
    )
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("open('ran.txt', 'w').write('executed')")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>stored output</p>"}),
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.plotly.v1+json": {"data": [], "layout": {}}}
        ),
    ]
    nb.cells = [nbformat.v4.new_raw_cell("---\ntitle: Page\n---"), cell]
    nbformat.write(nb, project / "index.ipynb")
    (project / "math.qmd").write_text("---\ntitle: Math\n---\n\nArea $a^2$.\n", "utf-8")
    assert QUARTO is not None
    res = subprocess.run(
        [QUARTO, "render", str(project), "--no-execute"], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    page = (out / "index.html").read_text(encoding="utf-8")
    math = (out / "math.html").read_text(encoding="utf-8")
    (css_path,) = (out / "site_libs" / "bootstrap").glob("bootstrap-*.min.css")
    css = css_path.read_text(encoding="utf-8")
    # What Quarto does:
    assert "<p>stored output</p>" in page  # the stored outputs...
    assert not list(tmp_path.rglob("ran.txt"))  # ...never executed again
    assert not (project / "_site").exists()  # output-dir outside the project is honoured
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/requirejs@[^"]+"', page)
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/jquery@[^"]+"', page)
    assert "Unable to display output for mime type(s): application/vnd.plotly.v1+json" in page
    assert re.search(r'<script [^>]*src="https://cdn\.jsdelivr\.net/npm/mathjax@', math)
    assert re.search(r"""@import\s*(url\()?["']?https://fonts\.googleapis\.com/""", css)
    for text in (page, math):
        assert '<script src="site_libs/quarto-html/quarto.js" type="module"></script>' in text
        assert 'src="site_libs/quarto-html/tabsets/tabsets.js" type="module"' in text

    # What the engine then does:
    finish_site([], out, find_esbuild(QUARTO))
    page = (out / "index.html").read_text(encoding="utf-8")
    math = (out / "math.html").read_text(encoding="utf-8")
    for text in (page, math):
        assert external_references(text) == []
        assert '<script src="site_libs/quarto-html/quarto.js" defer></script>' in text
        assert "tabsets.js" not in text
    assert "define('jquery'" not in page
    assert "\\(a^2\\)" in math  # math shows as its TeX source
    assert "fonts.googleapis.com" not in css_path.read_text(encoding="utf-8")


def test_bundle_modules_with_quartos_esbuild(tmp_path: Path) -> None:
    assert QUARTO is not None
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.js").write_text(
        'import { twice } from "./b.js";\nwindow.result = twice(21);\n', encoding="utf-8"
    )
    (tmp_path / "lib" / "b.js").write_text(
        "export function twice(x) { return 2 * x; }\n", encoding="utf-8"
    )
    bundled = bundle_modules(tmp_path, {"lib/a.js", "lib/b.js"}, find_esbuild(QUARTO))
    assert bundled == {"lib/a.js": {"lib/b.js"}, "lib/b.js": set()}
    a = (tmp_path / "lib" / "a.js").read_text(encoding="utf-8")
    assert a.startswith('"use strict";\n(() => {') and "import" not in a and "2 * x" in a
    assert "export" not in (tmp_path / "lib" / "b.js").read_text(encoding="utf-8")
    (tmp_path / "lib" / "c.js").write_text("import x from './missing.js';\n", encoding="utf-8")
    with pytest.raises(AssemblyError, match="esbuild could not turn"):
        bundle_modules(tmp_path, {"lib/c.js"}, find_esbuild(QUARTO))


# ---- the user's _quarto.yml and pages, escaping, never executing --------------------------------

HOSTILE = "R&D <b>x</b> *pilot* [1] $5"


def test_users_config_navbar_footer_theme_file_and_escaping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "user"
    (user / "pages").mkdir(parents=True)
    (user / "_quarto.yml").write_text(
        yaml.safe_dump(
            {
                "website": {
                    "favicon": "brand/icon.svg",
                    "navbar": {
                        "left": [{"text": "Intranet", "href": "https://intranet.example/"}],
                        "right": [{"text": "Help desk", "href": "pages/help.md"}],
                    },
                    "page-footer": {"left": "PMO office", "right": "Internal use"},
                },
                "format": {"html": {"theme": ["cosmo", "brand/brand.scss"], "toc": True}},
            }
        ),
        encoding="utf-8",
    )
    (user / "brand").mkdir()
    (user / "brand" / "brand.scss").write_text(
        "/*-- scss:defaults --*/\n$primary: #123456;\n", encoding="utf-8"
    )
    (user / "brand" / "icon.svg").write_text("<svg/>", encoding="utf-8")
    (user / "pages" / "help.md").write_text(
        '---\ntitle: Help\n---\n\nArea $a^2$, <span class="mine">raw HTML</span>.\n\n'
        "{{< include _snippet.md >}}\n\n## Contacts\n\nThe PMO.\n",
        encoding="utf-8",
    )
    (user / "pages" / "_snippet.md").write_text("Included from a snippet.\n", encoding="utf-8")
    (user / "pages" / "_metadata.yml").write_text("toc-title: In this page\n", "utf-8")
    notebook = tmp_path / "unit.ipynb"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("open('ran.txt', 'w').write('executed')")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: for the log\n"),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>stored</p>"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Delivery"), cell]
    nbformat.write(nb, notebook)
    site = SiteContext(
        VERSION, VERSION, "official", None, f"Site {HOSTILE}", "Org", "t", "a" * 64, "b" * 64,
        "test", "quarto", units=[NavLink(HOSTILE, "units/rd.html")],
    )  # fmt: skip
    own, _ = own_pages(user, "quarto")
    pages = [Page("units/rd.html", HOSTILE, "unit", notebook=notebook), *own]
    # Quarto would need Python to run a notebook: a Python that records being called.
    calls = tmp_path / "python-calls"
    recorder = tmp_path / "python"
    recorder.write_text(f"#!/bin/sh\necho called >> {calls}\nexit 1\n", encoding="utf-8")
    recorder.chmod(0o755)
    monkeypatch.setenv("QUARTO_PYTHON", str(recorder))
    stage = tmp_path / "work" / "stage"
    assert QUARTO is not None
    QuartoEngine(QUARTO, user).assemble(pages, site, stage)

    # Never executed: no Python started, no file written, the stored output shown.
    assert not calls.exists() and not list(tmp_path.rglob("ran.txt"))
    unit = (stage / "units" / "rd.html").read_text(encoding="utf-8")
    assert "<p>stored</p>" in unit
    assert "ran.txt" not in unit and "FutureWarning" not in unit  # no code, no stderr
    # output-dir outside the generated project (its sibling): the pages are in the stage.
    assert (tmp_path / "work" / PROJECT_FOLDER / "units" / "rd.ipynb").is_file()
    assert not (tmp_path / "work" / PROJECT_FOLDER / "_site").exists()
    # Names show as written: in the title, the heading, the Units menu, the navbar title.
    assert shown(re.search(r"<title>(.*?)</title>", unit).group(1)).startswith(HOSTILE)  # type: ignore[union-attr]
    assert shown(re.search(r'<h1 class="title">(.*?)</h1>', unit).group(1)) == HOSTILE  # type: ignore[union-attr]
    menu = re.search(r'<span class="dropdown-text">(.*?)</span>', unit)
    assert menu and shown(menu.group(1)) == HOSTILE and "<em>" not in menu.group(1)
    brand = re.search(r'<span class="navbar-title">(.*?)</span>', unit)
    assert brand and shown(brand.group(1)) == f"Site {HOSTILE}"
    # The user's navbar items and footer; their page listed where they put it, once.
    texts = [shown(m) for m in re.findall(r'<span class="menu-text">(.*?)</span>', unit)]
    assert texts == ["Units", "Intranet", "Help desk"]
    assert '<a class="nav-link" href="https://intranet.example/">' in unit
    assert 'href="../pages/help.html"' in unit
    footer = unit.split('<footer class="footer">')[1]
    assert "PMO office" in footer and "Internal use" in footer
    # The user's favicon (copied like every file _quarto.yml names), not our empty one.
    assert '<link href="../brand/icon.svg" rel="icon"' in unit and 'href="data:,"' not in unit
    assert (stage / "brand" / "icon.svg").is_file()
    # The theme's SCSS named in _quarto.yml, found in the project rendered elsewhere.
    (css,) = (stage / "site_libs" / "bootstrap").glob("bootstrap-*.min.css")
    assert "#123456" in css.read_text(encoding="utf-8")
    # The page's own Markdown: math as TeX source, no MathJax from a CDN.
    help_page = (stage / "pages" / "help.html").read_text(encoding="utf-8")
    assert "\\(a^2\\)" in help_page and external_references(help_page) == []
    # Quarto Markdown: raw HTML kept, a snippet included, pages/_metadata.yml applied.
    assert '<span class="mine">raw HTML</span>' in help_page
    assert "Included from a snippet." in help_page and "In this page" in help_page
    assert not (stage / "pages" / "_snippet.html").exists()


def test_a_failing_render_fails_the_build_with_quartos_message(
    tmp_path: Path, sample_build: BuildResult
) -> None:
    project = quarto_project(tmp_path)
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    config["format"]["html"]["toc"] = 12
    (project / "_quarto.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    opts = options(
        tmp_path, engine="quarto", project_dir=project, state_dir=sample_cache(sample_build)
    )
    with pytest.raises(AssemblyError) as err:
        build(opts, log=lambda _m: None)
    message = str(err.value)
    assert err.value.exit_code == 1
    assert message.startswith("quarto render failed (exit 1):")
    assert 'Field "toc" has value 12, which must instead be `true` or `false`' in message
    assert "Stack trace" not in message and "\x1b[" not in message
    assert not (tmp_path / "site" / VERSION).exists()


def test_an_image_from_another_host_fails_the_build(
    tmp_path: Path, sample_build: BuildResult
) -> None:
    project = quarto_project(tmp_path)
    (project / "pages" / "logo.md").write_text(
        "---\ntitle: Logo\n---\n\n![logo](https://example.org/logo.png)\n", encoding="utf-8"
    )
    opts = options(
        tmp_path,
        engine="quarto",
        project_dir=project,
        state_dir=sample_cache(sample_build),
        units=["Risk & Compliance"],
    )
    with pytest.raises(AssemblyError) as err:
        build(opts, log=lambda _m: None)
    assert err.value.exit_code == 1
    assert "pages/logo.html: https://example.org/logo.png" in str(err.value)
    assert "every page must work offline" in str(err.value)
    assert not (tmp_path / "site" / VERSION).exists()


def test_auto_builds_another_version_once_quarto_is_installed(
    tmp_path: Path, sample_build: BuildResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert QUARTO is not None
    quarto_dir = str(Path(QUARTO).parent)
    path = os.environ["PATH"]
    opts = options(
        tmp_path,
        engine="auto",
        project_dir=quarto_project(tmp_path),
        state_dir=sample_cache(sample_build),
        units=["Risk & Compliance"],
    )
    monkeypatch.setenv(
        "PATH", os.pathsep.join(p for p in path.split(os.pathsep) if p != quarto_dir)
    )
    assert shutil.which("quarto") is None
    first = build(opts, log=lambda _m: None)
    assert json.loads((first.path / "manifest.json").read_text())["engine"] == "builtin"
    monkeypatch.setenv("PATH", path)
    assert up_to_date(opts) is None
    # (the .qmd page the builtin engine left out is now an input too)
    with pytest.raises(VersionConflict, match=r"other inputs: site\.engine, site\.pages differ"):
        build(opts, log=lambda _m: None)
    opts.replace = True
    second = build(opts, log=lambda _m: None)
    assert json.loads((second.path / "manifest.json").read_text())["engine"] == "quarto"
    assert "quarto-html" in (second.path / "index.html").read_text(encoding="utf-8")
