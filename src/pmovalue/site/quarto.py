"""The `quarto` engine: a Quarto website project for one version, rendered by a real Quarto.

Three steps, each usable on its own:

1. `write_project` writes a Quarto website project into a build folder: the root `_quarto.yml`
   of the pmovalue project (read like `pmovalue.site.project.read_project`) merged with the
   generated navigation, the executed notebooks copied as pages at the same paths as the builtin
   engine's (`index.ipynb`, `units/<id>.ipynb`, `maturity.ipynb`), the pages given as HTML
   (`changes`, `data-quality`, failed units) as `.qmd` files holding a raw HTML block, the
   project's own pages (`pages/`), and, per page, the include files that carry the version
   switcher, the banners and the provenance footer. Nothing here needs Quarto.
2. `run_quarto` runs `quarto render` on it; Quarto renders the executed notebooks from their
   stored outputs and never re-runs them.
3. `pmovalue.site.offline.finish_site` makes what Quarto wrote work offline and from file://.

Every Quarto option written here is taken from Quarto's documentation; the page is cited next
to the code that writes it. A plotly figure stored only as `application/vnd.plotly.v1+json`
renders as "Unable to display output for mime type(s): ..." (quarto-cli
src/core/jupyter/jupyter.ts, mdOutputDisplayData): our notebooks emit charts as text/html
(`pmovalue.markup.chart_html`), and `clean_notebook` drops that mime type, and any output left
with nothing Quarto can show, from the copies.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import yaml

from pmovalue.errors import AssemblyError
from pmovalue.site.assets import static_text, templates, write_assets
from pmovalue.site.model import Page, SiteContext, draws_charts
from pmovalue.site.offline import find_esbuild, finish_site
from pmovalue.site.pages import ENGINE_SUFFIXES, PAGES_DIR, front_matter, read_page
from pmovalue.site.project import QUARTO_FILE, read_project
from pmovalue.site.tools import run_tool

if TYPE_CHECKING:
    import jinja2

PROJECT_FOLDER = "quarto-project"  # beside the stage folder, inside the build's work folder
INCLUDES = "_pmovalue"  # per-page include files; Quarto neither renders nor copies `_` folders
QUARTO_CSS = "pmovalue-quarto.css"  # our component styles, without the builtin page layout

# What Quarto can show in HTML (quarto-cli src/core/jupyter/display-data.ts,
# `displayDataMimeType` with toHtml); any other output prints "Unable to display output".
HTML_DISPLAYABLE = {
    "application/vnd.jupyter.widget-state+json",
    "application/vnd.jupyter.widget-view+json",
    "application/javascript",
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/latex",
    "text/plain",
}
PLOTLY_JSON = "application/vnd.plotly.v1+json"

# The selectors of pmovalue.css that lay out the builtin page (header, nav, main column):
# Quarto has its own, so the Quarto pages take only the component rules (KPIs, RAG, tables).
_LAYOUT_ELEMENTS = {"*", "body", "a", "main", "html"}
_LAYOUT_PREFIXES = (".skip", ".site-header", ".brand", ".units-menu", ".tools", "#search")

# Added to the component rules: the version bar that replaces the builtin header's tools.
_QUARTO_EXTRA_CSS = """
.pmovalue-bar { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
  margin: 0 0 12px; font-size: .9em; color: var(--muted); }
.pmovalue-bar select { font: inherit; padding: 2px 6px; color: var(--bs-body-color);
  background-color: var(--bs-body-bg); border: 1px solid var(--bs-border-color);
  border-radius: 4px; }
.banner { margin: 8px 0 16px; max-width: none; }
/* from file://, where Quarto puts its search */
.pmovalue-no-search { order: 999; margin-left: .5rem; width: 20em; max-width: 40vw; }
.provenance { max-width: none; margin: 32px 0 0; padding: 12px 0 0;
  border-top: 1px solid var(--line); }
"""


@dataclass(frozen=True)
class ProjectPage:
    """One page of the version as a source file of the Quarto project."""

    page: Page
    source: str  # path inside the Quarto project, e.g. units/retail-banking.ipynb

    @property
    def key(self) -> str:
        """The page path without its extension: names its include files."""
        return self.page.path.rsplit(".", 1)[0]


def source_name(page: Page) -> str:
    """The page's file in the Quarto project: same path as the builtin page, another suffix."""
    if not page.path.endswith(".html"):
        raise AssemblyError(f"page path must end with .html: {page.path}")
    stem = page.path[: -len(".html")]
    if page.notebook is not None:
        return f"{stem}.ipynb"
    return stem + (page.source.suffix if page.source is not None else ".qmd")


# --------------------------------------------------------------------------------------------
# 1. The project
# --------------------------------------------------------------------------------------------


def write_project(
    pages: list[Page],
    site: SiteContext,
    stage: Path,
    project_dir: Path = Path("."),
    build_dir: Path | None = None,
) -> Path:
    """Write the Quarto website project for one version and return its folder.

    `stage` is the version folder the engine fills (Quarto's output-dir); `project_dir` holds
    the root `_quarto.yml` and the project's own pages. Runs without Quarto.
    """
    project = build_dir if build_dir is not None else stage.parent / PROJECT_FOLDER
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    settings = read_project(project_dir)
    _copy_named_files(settings.raw, Path(project_dir), project)
    _copy_pages_folder(Path(project_dir), project)

    entries = [ProjectPage(p, source_name(p)) for p in pages]
    for entry in entries:
        _write_page(project, entry, site, icon=not _has_favicon(settings.raw))

    config = project_config(settings.raw, entries, site, project, stage)
    # (No URL in the generated files: the project must not reference another host. The
    # documentation of each option is cited in `project_config`.)
    header = (
        "# Generated by pmovalue's quarto engine for version "
        f"{site.version}: the project's {QUARTO_FILE} merged with the generated navigation.\n"
    )
    (project / QUARTO_FILE).write_text(
        header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return project


def project_config(
    raw: dict[str, Any],
    entries: list[ProjectPage],
    site: SiteContext,
    project: Path,
    stage: Path,
) -> dict[str, Any]:
    """The user's `_quarto.yml` (parsed) with the keys the engine owns set or merged."""
    config = copy.deepcopy(raw) if isinstance(raw, dict) else {}
    # The engine owns `project:` (pre-render scripts or other files of the user's project
    # would not exist in this build folder). https://quarto.org/docs/reference/projects/options.html
    config["project"] = {
        "type": "website",  # Project type (default, website, book, or manuscript)
        # Output directory; Quarto resolves it against the project folder, so it is relative.
        "output-dir": os.path.relpath(stage.resolve(), project.resolve()).replace(os.sep, "/"),
        "render": [e.source for e in entries],  # Files to render
    }

    # https://quarto.org/docs/websites/website-navigation.html: website title, navbar (left,
    # right, menu, background, foreground), page-footer; the user's keys are kept.
    website = dict(config.get("website") or {})
    # Quarto writes the title into <title> as text, and into the navbar as Markdown: the
    # navbar gets it escaped (its `title` option), so both show it as written.
    website["title"] = site.site_title
    navbar = dict(website.get("navbar") or {})
    navbar.setdefault("title", markdown_text(site.site_title))
    listed: set[str] = set()
    user_left = _keep_user_items(navbar.get("left"), listed)
    user_right = _keep_user_items(navbar.get("right"), listed)
    navbar["left"] = navigation(entries, site, listed) + user_left
    if user_right:
        navbar["right"] = user_right
    else:
        navbar.pop("right", None)
    website["navbar"] = navbar
    config["website"] = website

    # https://quarto.org/docs/output-formats/html-themes.html: `theme` is the user's (the
    # project's _quarto.yml says `default`); an html format must exist for the site.
    formats = config.get("format")
    if isinstance(formats, str):
        formats = {formats: {}}
    formats = dict(formats or {})
    if not isinstance(formats.get("html"), dict):
        formats["html"] = {}
    config["format"] = formats

    # https://quarto.org/docs/computations/execution-options.html: `echo: false` hides code.
    # `enabled: false` turns cell execution off (quarto-cli src/resources/schema/
    # document-execute.yml, "Enable code cell execution"); Quarto does not execute .ipynb files
    # by default anyway (https://quarto.org/docs/computations/python.html) and run_quarto also
    # passes --no-execute (https://quarto.org/docs/cli/render.html). Never `eval: false`: that
    # clears the outputs of notebooks (quarto-dev/quarto-cli#5376).
    execute = dict(config.get("execute") or {})
    execute["enabled"] = False
    execute["echo"] = False
    config["execute"] = execute
    return config


def navigation(
    entries: list[ProjectPage], site: SiteContext, listed: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Portfolio, a Units menu with every unit page, Maturity, PMO value, Changes, Data
    quality, Methodology, then the project's own pages (but those the user's navbar lists
    already, `listed`).

    Items are `text` + `href` pairs and a `menu` list, as in
    https://quarto.org/docs/websites/website-navigation.html#top-navigation.
    """
    by_path = {e.page.path: e for e in entries}
    by_kind: dict[str, list[ProjectPage]] = {}
    for entry in entries:
        by_kind.setdefault(entry.page.kind, []).append(entry)

    units: list[dict[str, Any]] = []
    seen: set[str] = set()
    for link in site.units:
        if link.href in by_path:
            units.append({"text": markdown_text(link.text), "href": by_path[link.href].source})
            seen.add(link.href)
    for entry in by_kind.get("unit", []):
        if entry.page.path not in seen:
            units.append({"text": markdown_text(entry.page.title), "href": entry.source})

    items: list[dict[str, Any]] = []
    for kind, text in (("portfolio", "Portfolio"),):
        for entry in by_kind.get(kind, []):
            items.append({"text": text, "href": entry.source})
    if units:
        items.append({"text": "Units", "menu": units})
    for kind, text in (
        ("maturity", "Maturity"),
        ("pmo", "PMO value"),
        ("changes", "Changes"),
        ("data-quality", "Data quality"),
        ("methodology", "Methodology"),
    ):
        for entry in by_kind.get(kind, []):
            items.append({"text": text, "href": entry.source})
    for entry in by_kind.get("page", []):
        if entry.source not in listed:
            items.append({"text": markdown_text(entry.page.title), "href": entry.source})
    return items


def _keep_user_items(items: Any, listed: set[str]) -> list[Any]:
    """The user's navbar items minus those pointing at our generated pages."""
    kept = []
    for item in items or []:
        href = item if isinstance(item, str) else (item or {}).get("href")
        if isinstance(href, str):
            if href.endswith(".ipynb") or href in {"index.html", "index.qmd"}:
                continue
            listed.add(href)
        kept.append(item)
    return kept


def _copy_pages_folder(project_dir: Path, project: Path) -> None:
    """The files of pages/ that are not pages (images, `_metadata.yml`, include files), so
    that the pages find them where they are in the project; the pages are written apart."""
    source = project_dir / PAGES_DIR
    if not source.is_dir():
        return

    def ignore(folder: str, names: list[str]) -> set[str]:
        at_top = Path(folder) == source
        return {
            n
            for n in names
            if n.startswith(".")
            or (at_top and not n.startswith("_") and Path(n).suffix in ENGINE_SUFFIXES["quarto"])
        }

    shutil.copytree(source, project / PAGES_DIR, ignore=ignore)


def _copy_named_files(raw: Any, project_dir: Path, project: Path) -> None:
    """The files the user's `_quarto.yml` names under `format` and `website` (a theme's SCSS,
    a stylesheet, a logo), copied to the same place in the project: it is rendered in another
    folder."""
    root = project_dir.resolve()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value and not re.match(r"[a-z][a-z0-9+.-]*:|/", value):
            path = (root / value).resolve()
            if path.is_file() and path.is_relative_to(root):
                rel = path.relative_to(root)
                if rel.parts[0] != PAGES_DIR and path.suffix != ".ipynb":
                    (project / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, project / rel)

    if isinstance(raw, dict):
        walk(raw.get("format"))
        walk(raw.get("website"))


def _has_favicon(raw: Any) -> bool:
    website = raw.get("website") if isinstance(raw, dict) else None
    return isinstance(website, dict) and bool(website.get("favicon"))


def _write_page(project: Path, entry: ProjectPage, site: SiteContext, icon: bool = True) -> None:
    page = entry.page
    target = project / entry.source
    target.parent.mkdir(parents=True, exist_ok=True)
    includes = _write_includes(project, entry, site, icon)
    top = top_fragment(page, site)
    if page.source is not None:
        text = read_page(page.source)
        own, body = front_matter(text, page.source)
        meta = {**own, **page_meta(page, site, includes, own)}
        target.write_text(
            yaml_block(meta) + "\n" + raw_html_block(top) + "\n" + body, encoding="utf-8"
        )
        return
    front = yaml_block(page_meta(page, site, includes))
    if page.notebook is not None:
        try:
            nb = nbformat.read(page.notebook, as_version=4)
        except Exception as exc:  # unreadable notebook: name the page
            raise AssemblyError(f"could not read {page.notebook} for {page.path}: {exc}") from exc
        clean_notebook(nb)
        # Front matter in a first raw cell, as https://quarto.org/docs/tools/jupyter-lab.html
        # ("YAML Front Matter") describes; then the version bar and banners as raw HTML.
        nb.cells.insert(0, nbformat.v4.new_raw_cell(front))
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(raw_html_block(top)))
        nbformat.write(nb, target)
    else:
        body = page.body_html or ""
        target.write_text(
            front + "\n" + raw_html_block(top) + "\n" + raw_html_block(body), encoding="utf-8"
        )


def _write_includes(
    project: Path, entry: ProjectPage, site: SiteContext, icon: bool = True
) -> dict[str, str]:
    """The page's include files, and their paths relative to the page (where Pandoc runs)."""
    page = entry.page
    parts = {
        # https://quarto.org/docs/output-formats/html-basics.html#includes
        "include-in-header": head_fragment(page, site, icon),
        "include-before-body": before_body_fragment(page, site),
        "include-after-body": after_body_fragment(page, site),
    }
    paths = {}
    for option, text in parts.items():
        rel = f"{INCLUDES}/{entry.key}.{option}.html"
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths[option] = page.root + rel
    return paths


def page_meta(
    page: Page, site: SiteContext, includes: dict[str, str], own: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A page's front matter: title (and the period as subtitle, like the builtin page
    heading), the include files, ours before those of the page's own front matter (`own`).
    https://quarto.org/docs/reference/formats/html.html (title, subtitle, include-in-header,
    include-before-body, include-after-body)."""
    own = own or {}
    meta: dict[str, Any] = {}
    if not isinstance(own.get("title"), str) or not own["title"].strip():
        meta["title"] = markdown_text(page.title)
    if page.kind in ("portfolio", "unit"):
        meta["subtitle"] = markdown_text(site.period)
    for option, path in includes.items():
        theirs = own.get(option) or []
        meta[option] = [{"file": path}, *(theirs if isinstance(theirs, list) else [theirs])]
    return meta


def yaml_block(meta: dict[str, Any]) -> str:
    """YAML front matter (https://quarto.org/docs/authoring/front-matter.html)."""
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$@~^|&!])")


def markdown_text(text: str) -> str:
    """Quarto reads page titles and navbar texts as Markdown (real Quarto 1.11 turns `*x*` in
    a menu item into <em>x</em>): escape, so that they show as written."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def raw_html_block(html_text: str) -> str:
    """A Pandoc raw HTML block (https://quarto.org/docs/authoring/markdown-basics.html#raw-content),
    fenced with more backticks than the content holds in a row."""
    longest = max((len(m) for m in re.findall(r"`+", html_text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{html_text.rstrip()}\n{fence}\n"


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what Quarto would print as warnings: stderr, plotly JSON, undisplayable outputs,
    plotly's require.js loader (the page loads plotly.js itself)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if output.get("output_type") in ("display_data", "execute_result"):
                data = output.get("data", {})
                data.pop(PLOTLY_JSON, None)
                if not any(mime in HTML_DISPLAYABLE for mime in data):
                    continue
                if _is_plotly_loader(data.get("text/html")):
                    continue
            kept.append(output)
        cell.outputs = kept
    return nb


def _is_plotly_loader(html_data: Any) -> bool:
    """Plotly's notebook loader, as quarto-cli widgets.ts `isPlotlyLibrary` recognises it."""
    if html_data is None:
        return False
    text = "".join(html_data) if isinstance(html_data, list) else str(html_data)
    return bool(re.match(r'\s*<script type="text/javascript">', text)) and bool(
        re.search(r"""require\.undef\(["']plotly["']\)|define\('plotly'""", text)
    )


# --------------------------------------------------------------------------------------------
# The fragments: the builtin page's switcher, banners and provenance footer, for Quarto pages
# --------------------------------------------------------------------------------------------

_HEAD = """\
{%- if icon %}
<link rel="icon" href="data:,">
{%- endif %}
<link rel="stylesheet" href="{{ root }}_assets/{{ css }}">
{%- if charts %}
<script src="{{ root }}_assets/plotly.min.js"></script>
{%- endif %}
<script src="{{ root }}../versions.js"></script>
<script src="{{ root }}_assets/pmovalue.js" defer></script>
"""

# pmovalue.js reads the version facts from <body data-*>, which Quarto's template writes
# without them: set them before the deferred script runs.
_BEFORE_BODY = """\
<script>(function (d) { var b = document.body.dataset;
  b.version = d.version; b.page = d.page; b.root = d.root; b.kind = d.kind;
})({{ facts }});</script>
"""

_TOP = """\
<div class="pmovalue-bar">
  <label class="switcher">Version
    <select id="version-switcher" aria-label="Version">
      <option value="">{{ site.version }}</option></select></label>
  <span>{{ site.organisation }} · period {{ site.period }}</span>
</div>
{%- if site.kind == "scenario" %}
<aside class="banner scenario" role="note">
  <strong>What-if scenario “{{ site.scenario }}”</strong>:
  not the official report for {{ site.period }}.
  {%- if site.scenario_changes %} Parameters that differ from the official run:
  <ul>
  {%- for label, pair in site.scenario_changes.items() %}
    <li>{{ label }}: {{ pair[0] }} → {{ pair[1] }}</li>
  {%- endfor %}
  </ul>
  {%- endif %}
</aside>
{%- endif %}
{%- if site.failed_units %}
<aside class="banner failed" role="note"><strong>Partial report</strong>:
  these units failed and are missing: {{ site.failed_units | join(", ") }}.</aside>
{%- endif %}
"""

_AFTER_BODY = """\
<footer class="provenance">
  <p>{{ site.organisation }} · version <strong>{{ site.version }}</strong> ({{ site.kind }})
  · period {{ site.period }} · generated {{ site.generated_at }}
  · params <code title="{{ site.params_hash }}">{{ site.params_hash[:12] }}</code>
  · data <code title="{{ site.data_hash }}">{{ site.data_hash[:12] }}</code>
  · pmovalue {{ site.pmovalue_version }} ({{ site.engine }} engine)
  · <a href="{{ root }}manifest.json">manifest</a>
  · <a href="{{ root }}data/metrics.csv">metrics.csv</a>
  {%- if site.board_pack %} · <a href="{{ root }}board-pack.pdf">board pack (PDF)</a>{% endif %}</p>
</footer>
"""


@functools.cache
def _template(source: str) -> jinja2.Template:
    return templates().from_string(source)  # compiled once, not once per page


def _render(source: str, **context: Any) -> str:
    return _template(source).render(**context)


def head_fragment(page: Page, site: SiteContext, icon: bool = True) -> str:
    """include-in-header: our stylesheet, plotly.js (one local copy per version, loaded before
    the charts' inline scripts call window.Plotly), the versions list, the switcher script;
    with `icon`, an empty icon (like the builtin pages: otherwise browsers ask the server
    for /favicon.ico). (The navbar colours are Quarto's own `website.navbar` options.)
    plotly.js is left out only where the page is sure to have no chart: a body the build
    wrote (a notebook or a .qmd page may draw charts when Quarto renders it)."""
    charts = page.body_html is None or draws_charts(page.body_html)
    return _render(
        _HEAD, page=page, site=site, root=page.root, css=QUARTO_CSS, icon=icon, charts=charts
    )


def before_body_fragment(page: Page, site: SiteContext) -> str:
    """include-before-body: the facts pmovalue.js reads from <body data-*>."""
    facts = {"version": site.version, "page": page.path, "root": page.root, "kind": site.kind}
    return _render(_BEFORE_BODY, facts=_script_json(facts))


def top_fragment(page: Page, site: SiteContext) -> str:
    """The version switcher and the scenario / partial-report banners, first in the page body
    (in the content column: include-before-body content would sit under Quarto's fixed navbar)."""
    return _render(_TOP, page=page, site=site, root=page.root)


def after_body_fragment(page: Page, site: SiteContext) -> str:
    """include-after-body: the provenance footer of the builtin page."""
    return _render(_AFTER_BODY, page=page, site=site, root=page.root)


def _script_json(value: Any) -> Any:
    """JSON safe inside <script> (no </script>, no HTML specials); marked safe for Jinja."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def quarto_css() -> str:
    """pmovalue.css without the rules that lay out the builtin page, plus the version bar."""
    return component_rules(static_text("pmovalue.css")) + _QUARTO_EXTRA_CSS


def component_rules(css: str) -> str:
    """The rules of a flat stylesheet whose selectors don't style the page layout."""
    out = []
    for prelude, block in _css_blocks(css):
        if prelude.startswith("@media"):
            inner = component_rules(block)
            if inner.strip():
                out.append(f"{prelude} {{ {inner.strip()} }}")
            continue
        if prelude.startswith("@"):
            out.append(f"{prelude} {{{block}}}")
            continue
        selectors = [s.strip() for s in prelude.split(",") if s.strip()]
        if selectors and not any(_is_layout(s) for s in selectors):
            out.append(f"{prelude} {{{block}}}")
    return "\n".join(out) + "\n"


def _is_layout(selector: str) -> bool:
    first = selector.split()[0]
    return first in _LAYOUT_ELEMENTS or first.startswith(_LAYOUT_PREFIXES)


def _css_blocks(css: str) -> list[tuple[str, str]]:
    """(prelude, body) of each top-level block, nested braces kept in the body."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks, depth, start, prelude = [], 0, 0, ""
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                blocks.append((prelude, css[start:i]))
                start = i + 1
    return blocks


# --------------------------------------------------------------------------------------------
# 2. quarto render
# --------------------------------------------------------------------------------------------


def render_command(quarto: str, project: Path) -> list[str]:
    """`quarto render <project>` (https://quarto.org/docs/cli/render.html): --no-execute never
    runs code; --no-clean keeps what the build already wrote into the version folder (Quarto
    otherwise deletes its output-dir first, quarto-dev/quarto-cli#13896)."""
    return [quarto, "render", str(project.resolve()), "--no-execute", "--no-clean"]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_quarto(quarto: str, project: Path) -> None:
    # NO_COLOR: messages without terminal colours
    res = run_tool(render_command(quarto, project), project, {**os.environ, "NO_COLOR": "1"})
    if res.returncode != 0:
        raise AssemblyError(
            f"quarto render failed (exit {res.returncode}):\n"
            f"{quarto_error(res.stderr or res.stdout or '')}\n"
            "(Quarto rendered a copy of your _quarto.yml and pages/, merged with the generated "
            "pages: line numbers in _quarto.yml are those of the copy.)"
        )


def quarto_error(output: str, tail_lines: int = 30) -> str:
    """The end of Quarto's error output, without colour codes and Quarto's own stack trace."""
    text = _ANSI.sub("", output).split("\nStack trace:")[0]
    return "\n".join(text.strip().splitlines()[-tail_lines:])


def quarto_version(quarto: str) -> str:
    """`quarto --version`, for the manifest."""
    try:
        res = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "unknown"
    return res.stdout.strip() or "unknown"


class QuartoEngine:
    """`--engine quarto`: a Quarto website project rendered by the Quarto at `quarto`."""

    name = "quarto"
    own_page_suffixes = ENGINE_SUFFIXES[name]
    uses_page_bodies = False  # Quarto renders each page from its notebook: once
    pagefind = False  # Quarto's own search (search.json) covers every page

    def __init__(self, quarto: str, project_dir: Path = Path(".")) -> None:
        self.quarto = quarto
        self.project_dir = Path(project_dir)
        self._prepared: Path | None = None
        self._esbuild: str | None = None

    def versions(self) -> dict[str, str]:
        return {"quarto": quarto_version(self.quarto)}

    def prepare(self, stage: Path) -> None:
        """Our assets into the version folder (Quarto leaves them: it renders with
        --no-clean), and the esbuild that makes Quarto's page scripts classic ones."""
        if self._prepared != stage:
            self._esbuild = find_esbuild(self.quarto)
            write_assets(stage, {QUARTO_CSS: quarto_css()})
            self._prepared = stage

    def assemble(self, pages: list[Page], site: SiteContext, stage: Path) -> None:
        self.prepare(stage)
        project = write_project(pages, site, stage, self.project_dir)
        run_quarto(self.quarto, project)
        finish_site(pages, stage, self._esbuild)
