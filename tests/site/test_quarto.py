"""The quarto engine without Quarto: the project it writes for a real executed sample and for
a project with its own pages and _quarto.yml, and `--engine quarto` when Quarto is missing.
Making Quarto's output work offline: test_offline.py; against a real Quarto:
test_quarto_real.py."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from pmovalue.build import BuildResult
from pmovalue.errors import AssemblyError, EngineUnavailable, ParamsError, UsageError
from pmovalue.site import engines
from pmovalue.site.builtin import BuiltinEngine
from pmovalue.site.engines import resolve_engine
from pmovalue.site.model import NavLink, Page, SiteContext
from pmovalue.site.pages import own_pages
from pmovalue.site.quarto import (
    QuartoEngine,
    clean_notebook,
    component_rules,
    markdown_text,
    quarto_error,
    raw_html_block,
    render_command,
    run_quarto,
    source_name,
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
    pages.append(Page("pmo-value.html", "PMO value", "pmo", notebook=notebooks / "pmo-value.ipynb"))
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
    # The engine writes _assets/ into the version folder itself: nothing for Quarto to copy.
    assert set(config["project"]) == {"type", "output-dir", "render"}


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
        "PMO value",
        "Changes",
        "Data quality",
    ]
    assert left[0]["href"] == "index.ipynb"
    units_menu = left[1]["menu"]
    assert [u["href"] for u in units_menu] == [
        link.href.replace(".html", ".ipynb") for link in site.units
    ]
    assert [u["text"] for u in units_menu] == [markdown_text(link.text) for link in site.units]


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
        plotly = f'<script src="{page.root}_assets/plotly.min.js"></script>'
        # Left out only where the build wrote the body and it has no chart.
        no_charts = page.body_html is not None and "plotly-graph-div" not in page.body_html
        assert (plotly not in head) if no_charts else (plotly in head), source
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


def small_site(engine: str = "quarto") -> SiteContext:
    return SiteContext(
        "2026-Q3", "2026-Q3", "official", None, "Our PMO", "Org", "t", "a" * 64, "b" * 64,
        "test", engine,
    )  # fmt: skip


def test_user_quarto_config_and_own_pages(tmp_path: Path) -> None:
    user = tmp_path / "user"
    (user / "pages" / "img").mkdir(parents=True)
    (user / "_quarto.yml").write_text(
        yaml.safe_dump(
            {
                "project": {"type": "website", "pre-render": "make-things.sh"},
                "website": {
                    "title": "Our PMO",
                    "favicon": "brand/icon.png",
                    "navbar": {
                        "left": [
                            {"text": "Old home", "href": "index.qmd"},
                            {"text": "Method notes", "href": "pages/method.qmd"},
                        ],
                        "right": [
                            {"text": "Old unit", "href": "units/x.ipynb"},
                            {"text": "Intranet", "href": "https://intranet.example/pmo"},
                        ],
                    },
                    "page-footer": {"left": "PMO office", "right": "Internal"},
                },
                "format": {"html": {"toc": True, "theme": ["cosmo", "brand/custom.scss"]}},
                "execute": {"echo": True},
            }
        ),
        encoding="utf-8",
    )
    (user / "brand").mkdir()
    (user / "brand" / "custom.scss").write_text("/*-- scss:defaults --*/\n", encoding="utf-8")
    (user / "brand" / "icon.png").write_bytes(b"png")
    (user / "pages" / "about.md").write_text(
        "---\ntitle: About us\ninclude-in-header: _extra.html\n---\n\nHello.\n",
        encoding="utf-8",
    )
    (user / "pages" / "method.qmd").write_text("How, with no front matter.\n", encoding="utf-8")
    (user / "pages" / "_extra.html").write_text("<meta name=x>", encoding="utf-8")
    (user / "pages" / "_metadata.yml").write_text("toc: false\n", encoding="utf-8")
    (user / "pages" / "img" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (user / "pages" / ".DS_Store").write_bytes(b"x")
    own, skipped = own_pages(user, "quarto")
    assert skipped == [] and [p.path for p in own] == ["pages/about.html", "pages/method.html"]
    assert [p.title for p in own] == ["About us", "Method"]
    pages = [Page("data-quality.html", "Data quality", "data-quality", body_html="<p>ok</p>")]
    project = write_project(pages + own, small_site(), tmp_path / "stage", user)
    config = config_of(project)
    assert "pre-render" not in config["project"]  # the engine owns `project:`
    assert config["project"]["render"] == ["data-quality.qmd", "pages/about.md", "pages/method.qmd"]
    left = config["website"]["navbar"]["left"]
    # Our pages, the project's own not listed by the user, then the user's items.
    assert nav_hrefs(left) == ["data-quality.qmd", "pages/about.md", "pages/method.qmd"]
    assert [i["text"] for i in left] == ["Data quality", "About us", "Method notes"]
    # Only the link to a generated page was dropped from the right.
    assert config["website"]["navbar"]["right"] == [
        {"text": "Intranet", "href": "https://intranet.example/pmo"}
    ]
    assert config["website"]["page-footer"] == {"left": "PMO office", "right": "Internal"}
    assert config["format"]["html"]["toc"] is True
    assert config["execute"] == {"echo": False, "enabled": False}
    # The files _quarto.yml names are where it says, in the project rendered elsewhere.
    assert (project / "brand" / "custom.scss").is_file() and (project / "brand" / "icon.png")
    # pages/: the other files copied as they are, the pages rewritten, hidden files left out.
    assert (project / "pages" / "_metadata.yml").read_text() == "toc: false\n"
    assert (project / "pages" / "img" / "logo.svg").is_file()
    assert (project / "pages" / "_extra.html").is_file()
    assert not (project / "pages" / ".DS_Store").exists()
    about = front_matter_of(project, "pages/about.md")
    assert about["title"] == "About us"
    assert about["include-in-header"] == [
        {"file": "../_pmovalue/pages/about.include-in-header.html"},
        "_extra.html",  # the page's own, after ours
    ]
    text = (project / "pages" / "about.md").read_text(encoding="utf-8")
    assert '```{=html}\n<div class="pmovalue-bar">' in text and text.endswith("\nHello.\n")
    method = front_matter_of(project, "pages/method.qmd")
    assert method["title"] == "Method" and "subtitle" not in method
    assert (
        (project / "pages" / "method.qmd")
        .read_text(encoding="utf-8")
        .endswith("\nHow, with no front matter.\n")
    )


def test_own_pages_names_titles_and_clashes(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    assert own_pages(tmp_path, "builtin") == ([], [])
    (pages / "Data Glossary.md").write_text("No title here.", encoding="utf-8")
    (pages / "contacts.qmd").write_text("---\ntitle: Who to ask\n---\n", encoding="utf-8")
    (pages / "_snippet.md").write_text("included elsewhere", encoding="utf-8")
    (pages / "notes").mkdir()
    (pages / "notes" / "draft.md").write_text("a resource, not a page", encoding="utf-8")
    found, skipped = own_pages(tmp_path, "builtin")
    assert [(p.path, p.title, p.kind) for p in found] == [
        ("pages/data-glossary.html", "Data glossary", "page")
    ]
    assert skipped == [pages / "contacts.qmd"]  # Quarto Markdown needs Quarto
    found, skipped = own_pages(tmp_path, "quarto")
    assert [p.title for p in found] == ["Who to ask", "Data glossary"] and skipped == []  # by name
    (pages / "data-glossary.qmd").write_text("Again.", encoding="utf-8")
    with pytest.raises(UsageError, match=r"Data Glossary\.md and .*data-glossary\.qmd would both"):
        own_pages(tmp_path, "quarto")
    (pages / "data-glossary.qmd").unlink()
    (pages / "bad.md").write_text("---\ntitle: [unclosed\n---\nx", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bad\.md: the front matter is not valid YAML"):
        own_pages(tmp_path, "builtin")
    (pages / "bad.md").write_text("---\n- a list\n---\nx", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bad\.md: the front matter must be a mapping"):
        own_pages(tmp_path, "builtin")
    (pages / "bad.md").write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(UsageError, match=r"bad\.md: not UTF-8"):
        own_pages(tmp_path, "builtin")


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
    assert "can't open file" in str(err.value) and "render" in str(err.value)
    assert err.value.exit_code == 1


def test_quarto_error_keeps_the_message_without_colours_and_stack_trace() -> None:
    # Quarto 1.11's output for an invalid _quarto.yml, colours and stack trace included.
    output = (
        "\x1b[91mERROR: Project /w/quarto-project/_quarto.yml validation failed.\n\n"
        'In file _quarto.yml\n(line 4, columns 10--12) Field "\x1b[34mtoc\x1b[91m" has value '
        "\x1b[34m12\x1b[91m, which must instead be `true` or `false`\n\n"
        "Stack trace:\n    at readAndValidateYamlFromFile (file:///q/validated-yaml.ts:51:11)\n"
        "    at async quarto (file:///q/quarto.ts:198:5)\x1b[39m\n"
    )
    assert quarto_error(output) == (
        "ERROR: Project /w/quarto-project/_quarto.yml validation failed.\n\n"
        'In file _quarto.yml\n(line 4, columns 10--12) Field "toc" has value 12, which must '
        "instead be `true` or `false`"
    )


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
