"""What Quarto wrote, made to work offline and from file://, like the builtin engine's pages.

What real Quarto 1.11 was seen doing, and the answer to each (docs/quarto.md has the table):

- A page with text/html or application/javascript outputs gets require.js and jQuery from a CDN
  in its head (quarto-cli src/core/jupyter/widgets.ts, `includesForJupyterWidgetDependencies`,
  no option to turn it off). With require.js loaded, plotly.js registers as an AMD module and
  `window.Plotly` stays undefined, so the charts break too: `strip_cdn_scripts` removes them.
- Bootswatch themes import Google Fonts (`$web-font-path` in quarto-cli
  src/resources/formats/html/bootstrap/themes/*.scss): `strip_css_imports` and
  `strip_external_styles` remove the import and any stylesheet link to another host; the
  theme's font stack goes on with local fonts (-apple-system, "Segoe UI", Roboto, Arial, ...).
- Root-absolute paths (`/_assets/...`) are not what a file share or a sub-path needs:
  `relativize_root_paths` makes them page-relative.
- Quarto's own page script `site_libs/quarto-html/quarto.js` is an ES module (and imports
  `tabsets/tabsets.js`, also given its own module tag: quarto-cli src/format/html/format-html.ts,
  `recursiveModuleDependencies`). Browsers refuse module scripts from file:// (CORS), so the
  table of contents, tabsets and other page behaviour would not work from a file share.
  `classic_modules` bundles each module with its imports into one classic script (esbuild,
  which Quarto ships for its own bundling), and `classic_script_tags` loads it with `defer`,
  which runs it when a module would have run: after the page is parsed, in document order.

Everything here but `bundle_modules` is pure: text in, text out.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from pmovalue.errors import AssemblyError
from pmovalue.site.model import Page
from pmovalue.site.tools import run_tool

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
# <script ... type="module" ... src="..."></script> (either attribute first), a local src.
_MODULE_TAG = re.compile(
    r"<script\b(?=[^>]*\btype\s*=\s*[\"']?module\b)(?=[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"'])"
    r"[^>]*>\s*</script>[ \t]*\n?",
    re.I,
)


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


# ---- module scripts -> classic scripts ---------------------------------------------------------


def module_scripts(html_text: str, page: str) -> list[str]:
    """The local module scripts a page loads, as paths inside the version (`page` is the
    page's own path there)."""
    return [
        path
        for src in (m.group(1) for m in _MODULE_TAG.finditer(html_text))
        if (path := _in_version(src, page)) is not None
    ]


def _in_version(src: str, page: str) -> str | None:
    """`src` of a tag on `page` as a path inside the version; None for another host."""
    if re.match(r"[a-z][a-z0-9+.-]*:|//", src, re.I):
        return None
    joined = PurePosixPath(page).parent / src.split("?")[0].split("#")[0]
    path = os.path.normpath(joined.as_posix()).replace(os.sep, "/")
    return None if path.startswith("../") else path


def classic_script_tags(html_text: str, page: str, bundled: dict[str, set[str]]) -> str:
    """Each module script tag as a classic `defer` one; a tag whose module is already inside
    the bundle of another module on the page is dropped (it would run twice).

    `bundled` maps each module (a path inside the version) to the modules its bundle holds."""
    on_page = set(module_scripts(html_text, page))

    def tag(m: re.Match[str]) -> str:
        path = _in_version(m.group(1), page)
        if path is None:
            return m.group(0)
        if any(path in bundled.get(other, ()) for other in on_page - {path}):
            return ""
        return f'<script src="{m.group(1)}" defer></script>\n'

    return _MODULE_TAG.sub(tag, html_text)


def find_esbuild(quarto: str) -> str:
    """The esbuild that Quarto ships and uses itself (quarto-cli src/core/resources.ts,
    `architectureToolsPath`): $QUARTO_ESBUILD, else bin/tools/<arch>/esbuild."""
    given = os.environ.get("QUARTO_ESBUILD")
    if given and Path(given).is_file():
        return given
    names = ("esbuild.exe", "esbuild") if os.name == "nt" else ("esbuild",)
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
    arch_dir = arch.get(platform.machine().lower(), platform.machine())
    for bin_dir in _quarto_bin_dirs(quarto):
        for folder in (bin_dir / "tools" / arch_dir, bin_dir / "tools"):
            for name in names:
                if (folder / name).is_file():
                    return str(folder / name)
    on_path = shutil.which("esbuild")
    if on_path:
        return on_path
    raise AssemblyError(
        f"esbuild, which Quarto ships in its bin/tools folder, was not found next to {quarto}: "
        "it is needed to make Quarto's page scripts work from file://. Set QUARTO_ESBUILD to "
        "its path, or put esbuild on PATH."
    )


def _quarto_bin_dirs(quarto: str) -> list[Path]:
    """Quarto's bin folder: the folder of the `quarto` it runs, and what `quarto --paths`
    says (its first line; a launcher script may live elsewhere)."""
    dirs = [Path(quarto).resolve().parent]
    try:
        res = subprocess.run(
            [quarto, "--paths"], capture_output=True, text=True, timeout=60, check=False
        )
        first = res.stdout.strip().splitlines()[:1]
        if res.returncode == 0 and first:
            dirs.insert(0, Path(first[0]))
    except (OSError, subprocess.SubprocessError):
        pass
    return dirs


def bundle_modules(stage: Path, modules: set[str], esbuild: str) -> dict[str, set[str]]:
    """Replace each module file (a path inside `stage`) by a classic script that does the
    same: esbuild bundles it with what it imports into one function run at once, strict as a
    module is. Returns, per module, the files its bundle holds."""
    if not modules:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "meta.json"
        out = Path(tmp) / "out"
        cmd = [
            esbuild,
            *sorted(modules),
            "--bundle",
            "--format=iife",
            "--banner:js=" + '"use strict";',
            "--charset=utf8",
            f"--outdir={out}",
            "--outbase=.",
            f"--metafile={meta}",
            "--log-level=error",
        ]
        res = run_tool(cmd, stage)
        if res.returncode != 0:
            raise AssemblyError(
                f"esbuild could not turn Quarto's module scripts into classic scripts:\n"
                f"{res.stderr.strip()[-2000:]}"
            )
        outputs = json.loads(meta.read_text(encoding="utf-8"))["outputs"]
        bundled = {}
        for output in outputs.values():
            entry = output.get("entryPoint")
            if entry in modules:
                bundled[entry] = {p for p in output["inputs"] if p != entry}
        for module in modules:
            shutil.copyfile(out / module, stage / module)
    return bundled


# ---- the finishing pass -----------------------------------------------------------------------


def finish_site(pages: list[Page], stage: Path, esbuild: str | None) -> None:
    """Check every page was rendered, then make every page of the version work offline and
    from file://. `esbuild` may be None only where no page loads a module script."""
    missing = [p.path for p in pages if not (stage / p.path).is_file()]
    if missing:
        raise AssemblyError(f"quarto render did not produce: {', '.join(missing)}")
    problems = []
    for path in sorted(stage.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        fixed = strip_css_imports(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
        problems += [f"{path.relative_to(stage)}: {u}" for u in external_references(fixed, True)]

    html_files = [(p, p.relative_to(stage).as_posix()) for p in sorted(stage.rglob("*.html"))]
    modules: set[str] = set()
    for path, rel in html_files:
        modules.update(module_scripts(path.read_text(encoding="utf-8"), rel))
    if modules and esbuild is None:
        raise AssemblyError(f"module scripts to bundle but no esbuild: {sorted(modules)}")
    bundled = bundle_modules(stage, modules, esbuild) if esbuild else {}
    for path, rel in html_files:
        text = path.read_text(encoding="utf-8")
        fixed = classic_script_tags(postprocess_page(text, "../" * rel.count("/")), rel, bundled)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
        problems += [f"{rel}: {u}" for u in external_references(fixed)]
    if problems:
        raise AssemblyError(
            "these pages would still load something from another host (every page must work "
            "offline):\n  " + "\n  ".join(problems)
        )
