"""Browser fixtures: headless Debian Chromium driven by Playwright, and the site served over HTTP.

Playwright's own browser download does not work here, so we always launch the system
`chromium`. Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    sync_playwright,
)

from pmovalue.pack.chromium import CHROMIUM_ARGS
from pmovalue.serve import SiteHandler, make_server

HERE = Path(__file__).resolve().parent
UNIT = "digital-channels"
UNIT_PAGE = f"2026-Q3/units/{UNIT}.html"
UNIT_CHARTS = 6  # a unit page draws at least this many charts
SUB_PATH = "/reports/pmo/"
TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# ---- the browser ------------------------------------------------------------------------------


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian Chromium (Playwright's bundled download is not available)."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (run `make browser`)")
    return playwright.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()


# ---- serving a site ---------------------------------------------------------------------------


class QuietHandler(SiteHandler):
    """The `pmovalue serve` handler without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class SubPathHandler(QuietHandler):
    """Serves the site only under `prefix` (e.g. /reports/pmo/); anything else is a 404."""

    prefix = SUB_PATH

    def translate_path(self, path: str) -> str:
        clean = urllib.parse.urlsplit(path).path
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / ".not-under-the-sub-path" / "404")
        return super().translate_path("/" + path[len(self.prefix) :])


@dataclass
class Served:
    """A site folder being served: `url(rel)` gives the address of a file in it."""

    root: Path
    origin: str  # http://127.0.0.1:PORT
    prefix: str  # "/" or "/reports/pmo/"

    @property
    def base(self) -> str:
        return self.origin + self.prefix

    def url(self, rel: str = "") -> str:
        return self.base + rel


@contextlib.contextmanager
def serve_site(root: Path, prefix: str = "/") -> Iterator[Served]:
    """Serve `root` with pmovalue.serve.make_server on a free port, in a background thread."""
    server = make_server(root, 0)
    handler = QuietHandler if prefix == "/" else SubPathHandler
    server.RequestHandlerClass = functools.partial(handler, directory=str(root))  # type: ignore[assignment]
    server.daemon_threads = True
    host, port = server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{port}", daemon=True)
    thread.start()
    try:
        yield Served(root=root, origin=f"http://{host}:{port}", prefix=prefix)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def served(sample_site: Path) -> Iterator[Served]:
    """The sample site at the server root."""
    with serve_site(sample_site) as s:
        yield s


@pytest.fixture(scope="session")
def served_sub_path(sample_site: Path) -> Iterator[Served]:
    """The same sample site, reachable only under /reports/pmo/."""
    with serve_site(sample_site, SUB_PATH) as s:
        yield s


def with_a_scenario(site: Path, folder: Path, version: str = "2026-Q3") -> Path:
    """`site` plus a (symlinked) scenario version `<version>--stress` listed in versions.js."""
    root = folder / "site"
    root.mkdir()
    for name in ("index.html", "versions.json", "latest", version):
        (root / name).symlink_to(site / name)
    scenario = f"{version}--stress"
    (root / scenario).symlink_to(site / version)
    listed = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    extra = dict(listed[0], version=scenario, kind="scenario", aliases=[], path=f"{scenario}/")
    text = json.dumps([*listed, extra], indent=2)
    (root / "versions.js").write_text(f"window.PMOVALUE_VERSIONS = {text};\n", encoding="utf-8")
    return root


def switcher_options(page: Page) -> list[list[object]]:
    return page.eval_on_selector_all(
        "#version-switcher option",
        "opts => opts.map(o => [o.value, o.textContent.trim(), o.selected])",
    )


def switch_to_the_scenario_from_file(
    open_page: Callable[..., Visit], site: Path, version: str = "2026-Q3"
) -> Visit:
    """On a unit page of `latest/` of a site `with_a_scenario`, opened from file://, the
    switcher lists both versions and opens the same page in the scenario."""
    visit = open_page(file_url(site, f"latest/units/{UNIT}.html"))
    page = visit.page
    labels = [o[1] for o in switcher_options(page)]
    assert labels == [f"{version} (latest)", f"{version}--stress (scenario)"]
    with page.expect_navigation():
        page.select_option("#version-switcher", f"{version}--stress/")
    assert page.url == file_url(site, f"{version}--stress/units/{UNIT}.html")
    wait_for_charts(page, UNIT_CHARTS)
    return visit


# ---- opening pages ----------------------------------------------------------------------------


@dataclass
class Visit:
    """An open page with what it logged and requested since it was opened."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors

    def outside(self, allowed_prefix: str) -> list[str]:
        """Requested URLs not starting with `allowed_prefix` (data: URLs are fine)."""
        return [u for u in self.requests if not u.startswith(("data:", allowed_prefix))]

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} @ {msg.location}")

    def on_page_error(self, exc: Exception) -> None:
        self.page_errors.append(str(exc))

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_request_failed(self, request: Request) -> None:
        # A redirect page that navigates on while its own document is still streaming makes
        # Chromium abort that document's request: that is the redirect working, not a broken
        # resource. Tests that expect it check `superseded` themselves.
        if request.is_navigation_request() and request.failure == "net::ERR_ABORTED":
            self.superseded.append(request.url)
        else:
            self.failed.append(f"{request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        # A 404 or 500 is a response, not a failed request, so Playwright reports it apart.
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")


def file_prefix(site: Path) -> str:
    """What every file:// URL under the site folder starts with."""
    return site.resolve().as_uri() + "/"


def file_url(site: Path, rel: str) -> str:
    return file_prefix(site) + rel


def count_drawn_charts(page: Page) -> int:
    """Plotly charts that have drawn their SVG with a non-empty size."""
    return int(
        page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].filter(el => {
                 const svg = el.querySelector('.main-svg');
                 if (!svg) return false;
                 const r = svg.getBoundingClientRect();
                 return r.width > 0 && r.height > 0;
               }).length"""
        )
    )


def wait_for_charts(page: Page, at_least: int = 1, timeout: int = TIMEOUT_MS) -> int:
    """Wait until every chart container on the page (and at least `at_least`) has drawn."""
    page.wait_for_function(
        """n => {
             const all = document.querySelectorAll('.plotly-graph-div').length;
             const drawn = document.querySelectorAll('.js-plotly-plot .main-svg').length;
             const plots = [...document.querySelectorAll('.js-plotly-plot')]
               .filter(el => el.querySelector('.main-svg')).length;
             return drawn > 0 && plots >= Math.max(n, all);
           }""",
        arg=at_least,
        timeout=timeout,
    )
    return count_drawn_charts(page)


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Visit]]:
    """open_page(url, viewport=None) -> Visit; each call gets a fresh browser context."""
    contexts: list[BrowserContext] = []

    def _open(url: str, viewport: ViewportSize | None = None) -> Visit:
        context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page=page)
        page.on("console", visit.on_console)
        page.on("pageerror", visit.on_page_error)
        page.on("request", visit.on_request)
        page.on("requestfailed", visit.on_request_failed)
        page.on("response", visit.on_response)
        page.goto(url, wait_until="load")
        return visit

    yield _open
    for context in contexts:
        context.close()
