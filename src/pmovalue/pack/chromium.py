"""Headless Chromium, driven by Playwright's Python API, prints the board pack's documents.

Chromium is found as `PMOVALUE_CHROMIUM`, then on PATH (Chromium's headless shell first, then
`chromium` or `google-chrome`), then the browser Playwright installs itself (`python -m
playwright install chromium`). The headless shell is Chromium built to run without a window:
the full browser, even headless, starts its window's parts too (its address bar's popup: two
pages in a renderer of their own), which cost a pack about a fifth more CPU. The version is
opened from its folder through a private loopback server (`pmovalue.pack.loopback`, which also
says why not file://): a request for anything outside that folder is refused and reported
(nothing is fetched from elsewhere). The charts are drawn by the version's own plotly.js at
exactly the printed column's width, and a document is printed only once every chart has drawn.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING

from pmovalue.errors import AssemblyError, BrowserUnavailable
from pmovalue.pack.loopback import ORIGIN, PLOTLY, SHELL_PATH, PackServer, digest
from pmovalue.pack.paper import Paper
from pmovalue.pack.profile import ChromiumProfile, profile_key
from pmovalue.site.assets import plotly_js

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright, Request

ENV_VAR = "PMOVALUE_CHROMIUM"
ON_PATH = (
    "chromium-headless-shell",  # Debian's package of that name
    "chrome-headless-shell",  # Google's build
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
NO_CHROMIUM = (
    "the board pack needs Chromium and none was found: install it (Debian/Ubuntu: "
    "`apt-get install chromium-headless-shell` or `apt-get install chromium`; elsewhere: "
    "`python -m playwright install chromium`) "
    f"or set {ENV_VAR} to a Chromium or Chrome executable"
)
NO_EXTRA = "the board pack needs the pdf extra: pip install 'pmovalue[pdf]'"
# Headless Chromium as this project runs it everywhere (the pack, the browser tests, the
# screenshots script): no sandbox (none in containers), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CHART_TIMEOUT_MS = 60_000
BASE_URL = ORIGIN + "/"  # the version's folder, as the pack's Chromium sees it
# What a page may ask for besides the version's folder: nothing fetched.
LOCAL_SCHEMES = ("data:", "blob:", "about:")

# The page the documents are written into: the version's plotly.js, loaded once, and how a
# document's nodes are put into it. Scripts are made anew: the parser's copies would not run.
# ({base} and {plotly} are filled in when the page is served.)
SHELL = """<!doctype html>
<html><head><meta charset="utf-8"><base href="{base}">
<script src="{plotly}"></script>
<script>
function packFresh(old) {
  const s = document.createElement('script');
  for (const a of old.attributes) s.setAttribute(a.name, a.value);
  s.textContent = old.textContent;
  return s;
}
function packAdopt(node) {
  const copy = document.importNode(node, true);
  if (copy.nodeType !== Node.ELEMENT_NODE) return copy;
  if (copy.tagName === 'SCRIPT') return packFresh(copy);
  copy.querySelectorAll('script').forEach(s => s.replaceWith(packFresh(s)));
  return copy;
}
// The body's nodes of a parsed part, at the end of the document or before all of it, one
// top-level element at a time: each section's charts are drawn (and renamed) before the next
// section's scripts run.
function packAdd(body, atStart) {
  const before = atStart ? (window.packNodes[0] || null) : null;
  const nodes = [...body.childNodes].map(n => document.body.insertBefore(packAdopt(n), before));
  window.packNodes = atStart ? [...nodes, ...window.packNodes] : [...window.packNodes, ...nodes];
}
</script></head><body></body></html>
"""
# Puts a document into the page, keeping plotly.js and what it added to the page (its styles,
# its text-measuring element): the previous document's parts go, but a stylesheet the new
# head links again stays as it is (loading it again took ~0.15 s); the new head's other
# stylesheets load before its body goes in.
WRITE_DOCUMENT = """async html => {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  document.documentElement.className = doc.documentElement.className;
  document.title = doc.title;
  const before = window.packHead || new Map();
  const now = new Map();
  const loading = [];
  for (const el of [...doc.head.children]) {
    if (['BASE', 'META', 'TITLE'].includes(el.tagName)) continue;
    const key = el.outerHTML;
    let node = el.tagName === 'LINK' ? before.get(key) : undefined;
    if (node) {
      before.delete(key);
    } else {
      node = packAdopt(el);
      if (node.tagName === 'LINK') {
        loading.push(new Promise(r => { node.onload = node.onerror = r; }));
      }
      document.head.appendChild(node);
    }
    now.set(key, node);
  }
  before.forEach(n => n.remove());
  window.packHead = now;
  await Promise.all(loading);
  (window.packNodes || []).forEach(n => n.remove());
  window.packNodes = [];
  packAdd(doc.body, false);
}"""
# Adds a part to the document written last: [html, at start]. (Parsed after a <body> tag: a
# part that starts with a script would otherwise have it put into the parsed head.)
ADD_PART = """([html, atStart]) =>
  packAdd(new DOMParser().parseFromString('<body>' + html, 'text/html').body, atStart)"""
# Fonts loaded, and two frames for what plotly draws (and the pages' narrow-layout updates) a
# frame after the chart itself.
READY = """() => document.fonts.ready.then(() => new Promise(r =>
  requestAnimationFrame(() => requestAnimationFrame(r))))"""

# True once every chart container of the document holds plotly's drawing.
ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')]
  .every(d => d._fullLayout && d.querySelector('.main-svg'))"""
UNDRAWN_CHARTS = """() => [...document.querySelectorAll('.plotly-graph-div')]
  .filter(d => !(d._fullLayout && d.querySelector('.main-svg')))
  .map(d => (d.closest('figure') || d).getAttribute('aria-label') || d.id)"""


def find_chromium(environ: Mapping[str, str] | None = None) -> str | None:
    """The Chromium to use: PMOVALUE_CHROMIUM, else one on PATH; None leaves it to
    Playwright's own browser (`playwright_chromium`)."""
    env = os.environ if environ is None else environ
    wanted = env.get(ENV_VAR, "").strip()
    if wanted:
        found = shutil.which(wanted, path=env.get("PATH"))
        if found is None:
            raise BrowserUnavailable(
                f"{ENV_VAR}={wanted}: no such executable; point it at a Chromium or Chrome "
                "binary, or unset it to use one on PATH"
            )
        return found
    for name in ON_PATH:
        found = shutil.which(name, path=env.get("PATH"))
        if found is not None:
            return found
    return None


def playwright_chromium() -> str:
    """The browser Playwright installed itself, if it did."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        executable = pw.chromium.executable_path
    if not Path(executable).is_file():
        raise BrowserUnavailable(NO_CHROMIUM)
    return executable


def require_extra() -> None:
    """Playwright, pypdf and BeautifulSoup are the `pdf` extra; say how to get them. (Looked
    up, not imported: a build checks this before its notebooks run, and imports them later.)"""
    if any(importlib.util.find_spec(name) is None for name in ("playwright", "pypdf", "bs4")):
        raise BrowserUnavailable(NO_EXTRA)


@dataclass
class Printed:
    pdf: bytes
    blocked: list[str] = field(default_factory=list)  # requests refused: outside the allowed


class Printer:
    """One headless Chromium in a thread of its own (Playwright's objects belong to the thread
    that made them), with one page open on the version's folder that has loaded its plotly.js.

    `start` does that without waiting (a build starts it while its last notebooks run, the
    pack command while it reads the pages). `pdf` then writes a document into that page
    (keeping the window, and so the loaded plotly.js) and prints it. A document can also come
    in parts: `open`, then `add` each part as soon as it is made (Chromium draws a part's
    charts while the next one is made), then `print_open`. `quit_soon` after the last print
    lets Chromium quit while the caller goes on; `close` waits for it."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        require_extra()
        # Found now, so that a missing one is said before any work (a build's notebooks).
        self.executable = find_chromium(environ) or playwright_chromium()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="pack-chromium")
        self._launched: Future[None] | None = None
        self._started: Future[None] | None = None
        self._quitting: Future[None] | None = None
        self._playwright: Playwright | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._server: PackServer | None = None
        self._profile: ChromiumProfile | None = None
        self._expected = ""  # the digest of the plotly.js this pmovalue writes
        self._blocked: list[str] = []
        self._blocked_before = 0
        self._errors: list[str] = []
        self._parts: list[Future[None]] = []  # the open document's, not waited for yet

    def start(self, folder: Path, paper: Paper) -> None:
        """Launch Chromium, its page the width of `paper`'s printed column, and open the
        version in `folder` (at once; waited for by `pdf`)."""
        if self._launched is None:
            self._launched = self._thread.submit(self._launch, paper)
            self._started = self._thread.submit(self._open_folder, folder.resolve())

    def pdf(self, html: str, charts: bool) -> Printed:
        """Print one document of the version given to `start`; with `charts`, once every
        chart has drawn."""
        self.open(html)
        return self.print_open(charts)

    def open(self, html: str) -> None:
        """Write a document into the page (without waiting, not even for Chromium to start:
        the pack reads its pages meanwhile): its parts may follow by `add`."""
        assert self._started is not None, "start() first"
        self._parts.append(self._thread.submit(self._open, html))

    def add(self, html: str, at_start: bool = False) -> None:
        """Add the body of `html` to the open document, at its end or before all of it
        (without waiting)."""
        self._parts.append(self._thread.submit(self._add, html, at_start))

    def print_open(self, charts: bool) -> Printed:
        """Print the open document; with `charts`, once every chart has drawn."""
        printed = self._thread.submit(self._print, charts)
        parts, self._parts = self._parts, []
        assert self._started is not None
        self._started.result()  # Chromium that did not start: that, before any part's error
        for part in parts:
            part.result()  # a part that failed: its error, not the print's
        return printed.result()

    def quit_soon(self) -> None:
        """No more documents: Chromium starts quitting now, while the caller goes on (`close`
        waits for it)."""
        if self._launched is not None and self._quitting is None:
            self._quitting = self._thread.submit(self._quit)

    def close(self) -> None:
        if self._launched is not None:
            self.quit_soon()
            assert self._quitting is not None
            self._quitting.result()
        self._thread.shutdown()

    # ---- in the printer's thread -------------------------------------------------------------

    def _launch(self, paper: Paper) -> None:
        from playwright.sync_api import Error, sync_playwright

        shell = SHELL.replace("{base}", html_escape(BASE_URL))
        self._server = PackServer(lambda src: shell.replace("{plotly}", src))
        self._expected = digest(plotly_js())  # the plotly.js this pmovalue puts in a version
        self._profile = ChromiumProfile(profile_key(self._expected, self.executable))
        self._playwright = sync_playwright().start()
        try:
            # The printed column's width: the charts size themselves to it once, as printed.
            self._context = self._playwright.chromium.launch_persistent_context(
                self._profile.path,
                executable_path=self.executable,
                headless=True,
                args=[*CHROMIUM_ARGS, *self._server.chromium_args()],
                viewport={"width": paper.content_width_px, "height": 1000},
            )
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason given"
            raise BrowserUnavailable(
                f"{self.executable}: Chromium did not start ({first})"
            ) from None
        page = self._context.pages[0] if self._context.pages else self._context.new_page()
        self._page = page
        page.on("request", self._note_request)
        page.on("pageerror", lambda exc: self._errors.append(str(exc)))
        page.emulate_media(media="print")

    def _open_folder(self, folder: Path) -> None:
        assert self._launched is not None
        self._launched.result()  # Chromium that did not start: that
        assert self._server is not None and self._page is not None
        self._server.serve(folder)
        self._page.goto(ORIGIN + SHELL_PATH, wait_until="load")

    def _note_request(self, request: Request) -> None:
        """A request outside the version's folder: refused (by the server, as Chromium's
        proxy, or by Chromium itself), and reported."""
        url = request.url
        if not url.startswith((BASE_URL, *LOCAL_SCHEMES)):
            self._blocked.append(url)

    def _open(self, html: str) -> None:
        page = self._page
        assert page is not None
        if not page.evaluate("typeof window.Plotly === 'object'"):
            # The version's plotly.js was not there yet when the page opened (a build whose
            # engine writes its assets late): open it again.
            page.reload(wait_until="load")
        self._blocked_before = len(self._blocked)
        self._errors.clear()
        page.evaluate(WRITE_DOCUMENT, html)

    def _add(self, html: str, at_start: bool) -> None:
        assert self._page is not None
        self._page.evaluate(ADD_PART, [html, at_start])

    def _print(self, charts: bool) -> Printed:
        page = self._page
        assert page is not None
        if charts:
            self._wait_for_charts(page)
        page.evaluate(READY)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        return Printed(pdf, self._blocked[self._blocked_before :])

    def _wait_for_charts(self, page: Page) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function(ALL_CHARTS_DRAWN, timeout=CHART_TIMEOUT_MS)
        except PlaywrightTimeout:
            missing = page.evaluate(UNDRAWN_CHARTS)
            why = f"; page errors: {'; '.join(self._errors)}" if self._errors else ""
            raise AssemblyError(
                f"the board pack's charts did not draw within {CHART_TIMEOUT_MS // 1000} s: "
                f"{', '.join(missing)}{why}"
            ) from None

    def _quit(self) -> None:
        warmed = self._warm_up()
        if self._context is not None:
            self._context.close()
            self._context = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        if self._profile is not None:
            if warmed:
                self._profile.keep()  # Chromium has closed: its caches are written
            self._profile.cleanup()
            self._profile = None
        if self._server is not None:
            self._server.close()
            self._server = None

    def _warm_up(self) -> bool:
        """When nothing was kept for this plotly.js, load it a second time: Chromium then
        writes its compiled code to the profile, with the functions that drew the charts, to
        be kept for the next pack (see `pmovalue.pack.profile`). True if it did."""
        page, profile, server = self._page, self._profile, self._server
        if page is None or profile is None or not profile.cold or server is None:
            return False
        served = server.folder / PLOTLY if server.folder is not None else None
        if served is None or not served.is_file() or digest(served.read_bytes()) != self._expected:
            return False  # no version opened, or one with another plotly.js
        try:
            page.goto(ORIGIN + SHELL_PATH, wait_until="load")
        except Exception:  # only a speed-up for later: never a reason for this pack to fail
            return False
        return True
