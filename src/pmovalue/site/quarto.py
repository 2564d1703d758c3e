"""The `quarto` engine: a Quarto website project for one version, rendered by a real Quarto.

Three steps, each usable on its own:

1. `write_project` writes a Quarto website project into a build folder: the root `_quarto.yml`
   of the pmovalue project (read like `pmovalue.site.project.read_project`) merged with the
   generated navigation, the executed notebooks copied as pages at the same paths as the builtin
   engine's (`index.ipynb`, `units/<id>.ipynb`, `maturity.ipynb`), the pages given as HTML
   (`changes`, `data-quality`, failed units) as `.qmd` files holding a raw HTML block, the
   user's own `.qmd` pages, our `_assets/` and, per page, the include files that carry the
   version switcher, the banners and the provenance footer. Nothing here needs Quarto.
2. `run_quarto` runs `quarto render` on it; Quarto renders the executed notebooks from their
   stored outputs and never re-runs them.
3. `finish_site` post-processes what Quarto wrote so every page works offline. The functions it
   uses (`strip_cdn_scripts`, `strip_external_styles`, `strip_css_imports`,
   `relativize_root_paths`, `external_references`) are pure: text in, text out.

Every Quarto option written here is taken from Quarto's documentation; the page is cited next
to the code that writes it. What real Quarto 1.11 was seen doing, and the answer to each:

- A plotly figure stored only as `application/vnd.plotly.v1+json` renders as "Unable to display
  output for mime type(s): ..." (quarto-cli src/core/jupyter/jupyter.ts, mdOutputDisplayData).
  Our notebooks emit charts as text/html (`pmovalue.markup.chart_html`); `clean_notebook` still
  drops that mime type, and any output left with nothing Quarto can show, from the copies.
- A page with text/html or application/javascript outputs gets require.js and jQuery from a CDN
  in its head (quarto-cli src/core/jupyter/widgets.ts, `includesForJupyterWidgetDependencies`,
  no option to turn it off). With require.js loaded, plotly.js registers as an AMD module and
  `window.Plotly` stays undefined, so the charts break too: `strip_cdn_scripts` removes them.
- Bootswatch themes import Google Fonts (`$web-font-path` in quarto-cli
  src/resources/formats/html/bootstrap/themes/*.scss): `strip_css_imports` and
  `strip_external_styles` remove the import and any stylesheet link to another host.
- Root-absolute paths (`/_assets/...`) in includes are not what a file share or a sub-path
  needs: the includes use page-relative paths, and `relativize_root_paths` fixes any left.
- From file://, Quarto's own `quarto.js` is an ES module and browsers refuse it (CORS), so the
  navbar menus and search need the site served over HTTP (docs/quarto.md says so).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
import yaml

from pmovalue.errors import AssemblyError, UsageError
from pmovalue.site.engines import ASSETS, templates, write_assets
from pmovalue.site.model import Page, SiteContext
from pmovalue.site.project import QUARTO_FILE, read_project

PROJECT_FOLDER = "quarto-project"  # beside the stage folder, inside the build's work folder
INCLUDES = "_pmovalue"  # per-page include files; Quarto neither renders nor copies `_` folders
QUARTO_CSS = "pmovalue-quarto.css"  # our component styles, without the builtin page layout

# The names our pages take; a user's own .qmd page may not use them.
RESERVED_STEMS = {"index", "maturity", "changes", "data-quality"}

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
.pmovalue-bar select { font: inherit; padding: 2px 6px; }
.banner { margin: 8px 0 16px; max-width: none; }
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
    return f"{stem}.ipynb" if page.notebook is not None else f"{stem}.qmd"


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
    the root `_quarto.yml` and the user's own `.qmd` pages. Runs without Quarto.
    """
    project = build_dir if build_dir is not None else stage.parent / PROJECT_FOLDER
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    settings = read_project(project_dir)

    entries = [ProjectPage(p, source_name(p)) for p in pages]
    for entry in entries:
        _write_page(project, entry, site)
    user_pages = _copy_user_pages(project_dir, project, {e.source for e in entries})

    write_assets(project)
    (project / ASSETS / QUARTO_CSS).write_text(quarto_css(), encoding="utf-8")

    config = project_config(settings.raw, entries, user_pages, site, project, stage)
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
    user_pages: list[str],
    site: SiteContext,
    project: Path,
    stage: Path,
) -> dict[str, Any]:
    """The user's `_quarto.yml` (parsed) with the keys the engine owns set or merged."""
    config = copy.deepcopy(raw) if isinstance(raw, dict) else {}
    assets = sorted(f"{ASSETS}/{p.name}" for p in (project / ASSETS).iterdir() if p.is_file())
    # The engine owns `project:` (pre-render scripts or other files of the user's project
    # would not exist in this build folder). https://quarto.org/docs/reference/projects/options.html
    config["project"] = {
        "type": "website",  # Project type (default, website, book, or manuscript)
        # Output directory; Quarto resolves it against the project folder, so it is relative.
        "output-dir": os.path.relpath(stage.resolve(), project.resolve()).replace(os.sep, "/"),
        "render": [e.source for e in entries] + user_pages,  # Files to render
        "resources": assets,  # Additional file resources to be copied to output directory
    }

    # https://quarto.org/docs/websites/website-navigation.html: website title, navbar (left,
    # right, menu, background, foreground), page-footer; the user's keys are kept.
    website = dict(config.get("website") or {})
    website["title"] = site.site_title
    navbar = dict(website.get("navbar") or {})
    listed: set[str] = set()
    user_left = _keep_user_items(navbar.get("left"), listed)
    user_right = _keep_user_items(navbar.get("right"), listed)
    navbar["left"] = (
        navigation(entries, site) + user_left + [p for p in user_pages if p not in listed]
    )
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


def navigation(entries: list[ProjectPage], site: SiteContext) -> list[dict[str, Any]]:
    """Portfolio, a Units menu with every unit page, Maturity, Changes, Data quality.

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
            units.append({"text": nav_text(link.text), "href": by_path[link.href].source})
            seen.add(link.href)
    for entry in by_kind.get("unit", []):
        if entry.page.path not in seen:
            units.append({"text": nav_text(entry.page.title), "href": entry.source})

    items: list[dict[str, Any]] = []
    for kind, text in (("portfolio", "Portfolio"),):
        for entry in by_kind.get(kind, []):
            items.append({"text": text, "href": entry.source})
    if units:
        items.append({"text": "Units", "menu": units})
    for kind, text in (
        ("maturity", "Maturity"),
        ("changes", "Changes"),
        ("data-quality", "Data quality"),
    ):
        for entry in by_kind.get(kind, []):
            items.append({"text": text, "href": entry.source})
    return items


def nav_text(text: str) -> str:
    """Navbar text goes into Quarto's page template unescaped (quarto-cli
    src/resources/projects/website/templates/navitem.ejs, `<%- item.text %>`): no markup may
    get through. `&` is left alone: a bare `&` shows as itself in HTML, and were the text
    escaped on the way after all, `&amp;` would show up literally in unit names like
    "Risk & Compliance"."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


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


def _copy_user_pages(project_dir: Path, project: Path, taken: set[str]) -> list[str]:
    """The user's own .qmd pages from the project root, rendered as static pages."""
    names = []
    for path in sorted(Path(project_dir).glob("*.qmd")):
        if path.stem in RESERVED_STEMS or path.name in taken:
            raise UsageError(
                f"{path}: {path.name} is a page pmovalue generates; rename your page "
                "(the quarto engine adds your own .qmd pages next to the generated ones)"
            )
        shutil.copy2(path, project / path.name)
        names.append(path.name)
    return names


def _write_page(project: Path, entry: ProjectPage, site: SiteContext) -> None:
    page = entry.page
    target = project / entry.source
    target.parent.mkdir(parents=True, exist_ok=True)
    includes = _write_includes(project, entry, site)
    front = front_matter(page, site, includes)
    top = top_fragment(page, site)
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


def _write_includes(project: Path, entry: ProjectPage, site: SiteContext) -> dict[str, str]:
    """The page's include files, and their paths relative to the page (where Pandoc runs)."""
    page = entry.page
    parts = {
        # https://quarto.org/docs/output-formats/html-basics.html#includes
        "include-in-header": head_fragment(page, site),
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


def front_matter(page: Page, site: SiteContext, includes: dict[str, str]) -> str:
    """YAML front matter: title (and the period as subtitle, like the builtin page heading),
    the include files. https://quarto.org/docs/reference/formats/html.html (title, subtitle,
    include-in-header, include-before-body, include-after-body)."""
    meta: dict[str, Any] = {"title": markdown_text(page.title)}
    if page.kind in ("portfolio", "unit"):
        meta["subtitle"] = markdown_text(site.period)
    for option, path in includes.items():
        meta[option] = [{"file": path}]
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$@~^|&!])")


def markdown_text(text: str) -> str:
    """Quarto reads metadata strings as Markdown: escape so a title shows as written."""
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
<link rel="stylesheet" href="{{ root }}_assets/{{ css }}">
<script src="{{ root }}_assets/plotly.min.js"></script>
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
  {%- for key, pair in site.scenario_changes.items() %}
    <li><code>{{ key }}</code>: {{ pair[0] }} → {{ pair[1] }}</li>
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
  · <a href="{{ root }}data/metrics.csv">metrics.csv</a></p>
</footer>
"""


def _render(source: str, **context: Any) -> str:
    return templates().from_string(source).render(**context)


def head_fragment(page: Page, site: SiteContext) -> str:
    """include-in-header: our stylesheet, plotly.js (one local copy per version, loaded before
    the charts' inline scripts call window.Plotly), the versions list, the switcher script.
    (The navbar colours are Quarto's own `website.navbar` options.)"""
    return _render(_HEAD, page=page, site=site, root=page.root, css=QUARTO_CSS)


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
    source = (resources.files("pmovalue") / "site" / "static" / "pmovalue.css").read_text(
        encoding="utf-8"
    )
    return component_rules(source) + _QUARTO_EXTRA_CSS


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


def run_quarto(quarto: str, project: Path, tail_lines: int = 40) -> None:
    env = dict(os.environ)
    # The Python the jupyter engine uses (https://quarto.org/docs/advanced/environment-vars.html).
    env.setdefault("QUARTO_PYTHON", sys.executable)
    try:
        res = subprocess.run(
            render_command(quarto, project),
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise AssemblyError(f"could not run {quarto}: {exc}") from exc
    if res.returncode != 0:
        out = (res.stderr or res.stdout or "").strip().splitlines()
        tail = "\n".join(out[-tail_lines:])
        raise AssemblyError(f"quarto render failed (exit {res.returncode}):\n{tail}")


# --------------------------------------------------------------------------------------------
# 3. Offline post-processing (pure functions) and the finishing pass
# --------------------------------------------------------------------------------------------

_EXTERNAL = r"(?:https?:)?//"
_SCRIPT_EXTERNAL = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"']?" + _EXTERNAL + r"[^>]*>\s*</script>\s*", re.I | re.S
)
_REQUIREJS_LOCAL = re.compile(r"<script\b[^>]*?\bsrc\s*=\s*[\"']?[^\"'>]*require[^>]*>", re.I)
_DEFINE_JQUERY = re.compile(
    r"<script\b[^>]*>\s*define\(\s*['\"]jquery['\"][^<]*</script>\s*", re.I | re.S
)
_LINK_EXTERNAL = re.compile(
    r"<link\b[^>]*?\bhref\s*=\s*[\"']?" + _EXTERNAL + r"[^>]*>\s*", re.I | re.S
)
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.I | re.S)
_CSS_IMPORT_EXTERNAL = re.compile(
    r"@import\s*(?:url\(\s*([\"']?)"
    + _EXTERNAL
    + r"[^)]*?\1\s*\)|([\"'])"
    + _EXTERNAL
    + r".*?\2)[^;]*;\s*",
    re.I | re.S,
)
_ROOT_ABSOLUTE = re.compile(r"""(\b(?:src|href)\s*=\s*["'])/(?!/)""", re.I)
_RESOURCE_TAG = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"
    r"\b(?:src|href|data)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)",
    re.I | re.S,
)
_CSS_URL_EXTERNAL = re.compile(r"url\(\s*[\"']?((?:https?:)?//[^)\"']+)", re.I)


def strip_cdn_scripts(html_text: str) -> str:
    """Remove <script src> tags loading from another host (Quarto's require.js and jQuery for
    pages with HTML outputs, MathJax, ...), and the `define('jquery')` shim that would throw
    once require.js is gone."""
    out = _SCRIPT_EXTERNAL.sub("", html_text)
    if not _REQUIREJS_LOCAL.search(out):
        out = _DEFINE_JQUERY.sub("", out)
    return out


def strip_css_imports(css: str) -> str:
    """Remove `@import` rules that fetch from another host (Bootswatch's Google Fonts)."""
    return _CSS_IMPORT_EXTERNAL.sub("", css)


def strip_external_styles(html_text: str) -> str:
    """Remove <link> tags pointing at another host (font stylesheets, preconnects) and
    external @imports inside <style> blocks."""
    out = _LINK_EXTERNAL.sub("", html_text)
    return _STYLE_BLOCK.sub(lambda m: m.group(1) + strip_css_imports(m.group(2)) + m.group(3), out)


def relativize_root_paths(html_text: str, root: str) -> str:
    """Rewrite root-absolute src/href (`/_assets/x.js`) to page-relative (`../_assets/x.js`),
    so pages work from a file share and under any sub-path."""
    prefix = root or "./"
    return _ROOT_ABSOLUTE.sub(lambda m: m.group(1) + prefix, html_text)


def postprocess_page(html_text: str, root: str) -> str:
    """Every offline fix for one rendered page; `root` is the page's path to the version root."""
    return relativize_root_paths(strip_external_styles(strip_cdn_scripts(html_text)), root)


def external_references(text: str, css: bool = False) -> list[str]:
    """What a page (or, with css=True, a stylesheet) would still fetch from another host."""
    if css:
        return _CSS_URL_EXTERNAL.findall(text)
    found = [m.group(2) for m in _RESOURCE_TAG.finditer(text)]
    for block in _STYLE_BLOCK.finditer(text):
        found += _CSS_URL_EXTERNAL.findall(block.group(2))
    return found


def finish_site(pages: list[Page], stage: Path, project: Path) -> None:
    """Check every page was rendered, put our assets in place, make every page work offline."""
    missing = [p.path for p in pages if not (stage / p.path).is_file()]
    if missing:
        raise AssemblyError(f"quarto render did not produce: {', '.join(missing)}")
    # Quarto copies the declared resources; make sure of them whatever it did.
    for asset in (project / ASSETS).iterdir():
        target = stage / ASSETS / asset.name
        if asset.is_file() and not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(asset, target)
    problems = []
    for path in sorted(stage.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        fixed = strip_css_imports(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
        problems += [f"{path.relative_to(stage)}: {u}" for u in external_references(fixed, True)]
    for path in sorted(stage.rglob("*.html")):
        rel = path.relative_to(stage).as_posix()
        root = "../" * rel.count("/")
        text = path.read_text(encoding="utf-8")
        fixed = postprocess_page(text, root)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
        problems += [f"{rel}: {u}" for u in external_references(fixed)]
    if problems:
        raise AssemblyError(
            "these pages would still load something from another host (every page must work "
            "offline):\n  " + "\n  ".join(problems)
        )


class QuartoEngine:
    """`--engine quarto`: a Quarto website project rendered by the Quarto at `quarto`."""

    name = "quarto"

    def __init__(self, quarto: str, project_dir: Path = Path(".")) -> None:
        self.quarto = quarto
        self.project_dir = Path(project_dir)

    def prepare(self, stage: Path) -> None:
        """Nothing: Quarto writes the whole version folder when it renders."""

    def assemble(self, pages: list[Page], site: SiteContext, stage: Path) -> None:
        stage.mkdir(parents=True, exist_ok=True)
        project = write_project(pages, site, stage, self.project_dir)
        run_quarto(self.quarto, project)
        finish_site(pages, stage, project)
