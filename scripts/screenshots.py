"""Full-page screenshots of every page of the newest published version, for people to look at.

    python scripts/screenshots.py [SITE] [--out shots] [--pages index,changes,...]

SITE defaults to `site`. The site is served over HTTP on 127.0.0.1 (pmovalue.serve.make_server)
and each page is shot with headless Debian Chromium 1440 px wide (desktop) and 390 px wide (a
phone) into OUT/desktop/ and OUT/phone/. Console errors, requests that leave the site, tables
cut off sideways, clipped chart text and a navigation bar wider than the screen are printed.
`--pages` takes page names without `.html` (`index`, `changes`, `methodology`,
`units/digital-channels`); the default is every page.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Request, sync_playwright

from pmovalue.pack.chromium import CHROMIUM_ARGS
from pmovalue.serve import SiteHandler, make_server

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
CHARTS_DRAWN = """() => {
  const all = document.querySelectorAll('.plotly-graph-div').length;
  const drawn = [...document.querySelectorAll('.js-plotly-plot')]
    .filter(el => el.querySelector('.main-svg')).length;
  return drawn >= all;
}"""

# What a reader would notice: tables cut off sideways, chart text cut off at the chart's edge,
# axis titles drawn over the legend.
LAYOUT_PROBLEMS = """() => {
  const out = [];
  const name = el => (el.closest('figure') || {}).ariaLabel || el.id || '?';
  const box = el => el.getBoundingClientRect();
  // Boxes include some padding: count as overlap only when glyphs surely collide.
  const hit = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > 10 &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 8;
  const nav = document.querySelector('.site-header nav');
  if (nav) {
    const cut = [...nav.querySelectorAll('a, summary')].filter(a => {
      const r = box(a);
      return r.right > window.innerWidth + 1 || r.left < -1 || r.right > box(nav).right + 1;
    }).map(a => a.textContent.trim());
    if (cut.length) out.push(`navigation bar cuts off: ${cut.join(', ')}`);
  }
  document.querySelectorAll('.table-wrap').forEach(w => {
    if (w.closest('details:not([open])')) return;
    if (w.scrollWidth > w.clientWidth + 1) {
      const cap = w.querySelector('.caption');
      const cols = w.querySelectorAll('thead th').length;
      const seen = [...w.querySelectorAll('thead th')]
        .filter(th => box(th).right <= box(w).right + 1).length;
      out.push(`table "${cap ? cap.textContent : '(no caption)'}" scrolls sideways: ` +
               `${seen} of ${cols} columns visible`);
    }
  });
  document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    const p = box(plot);
    const cut = [...plot.querySelectorAll('.main-svg text')].filter(t => {
      const r = box(t);
      return r.width > 0 && (r.left < p.left - 1 || r.right > p.right + 1 ||
                             r.top < p.top - 1 || r.bottom > p.bottom + 1);
    }).map(t => t.textContent.trim()).filter(Boolean);
    if (cut.length) out.push(`chart "${name(plot)}": text cut off at the edge: ` +
                             cut.slice(0, 4).join(' | ') + (cut.length > 4 ? ' ...' : ''));
    const items = [...plot.querySelectorAll('.legend .traces')].map(box);
    plot.querySelectorAll('.g-xtitle, .g-ytitle, .g-y2title').forEach(t => {
      const r = box(t);
      if (r.width > 0 && items.some(i => hit(r, i)))
        out.push(`chart "${name(plot)}": axis title "${t.textContent}" overlaps the legend`);
    });
  });
  return out;
}"""


class QuietHandler(SiteHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def on_console(notes: list[str], msg: ConsoleMessage) -> None:
    if msg.type == "error":
        notes.append(f"console error: {msg.text}")


def on_request(notes: list[str], origin: str, request: Request) -> None:
    if not request.url.startswith((origin, "data:")):
        notes.append(f"request outside the site: {request.url}")


def newest_version(site: Path) -> str:
    listed = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    if not listed:
        raise SystemExit(f"{site}/versions.json lists no version")
    return str(listed[0]["version"])  # newest first


def pages_of(site: Path, version: str) -> list[str]:
    root = site / version
    found = [p.relative_to(site).as_posix() for p in root.rglob("*.html")]
    first = [f"{version}/index.html"]
    return first + sorted(p for p in found if p not in first)


def shot_name(rel: str, version: str) -> str:
    return rel.removeprefix(version + "/").removesuffix(".html").replace("/", "__") + ".png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="site", type=Path, help="site folder (site)")
    parser.add_argument("--out", default=Path("shots"), type=Path, help="output folder (shots)")
    parser.add_argument("--version", help="version to shoot (default: the newest)")
    parser.add_argument("--only", choices=sorted(VIEWPORTS), help="one viewport only")
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    args = parser.parse_args(argv)

    site: Path = args.site.resolve()
    version = args.version or newest_version(site)
    pages = pages_of(site, version)
    if args.pages:
        wanted = [f"{version}/{name.strip()}.html" for name in args.pages.split(",")]
        missing = [w for w in wanted if w not in pages]
        if missing:
            raise SystemExit(f"no such page in {version}: {', '.join(missing)}")
        pages = wanted
    exe = shutil.which("chromium")
    if exe is None:
        raise SystemExit("Debian's chromium is not installed (make browser)")

    server = make_server(site, 0)
    server.RequestHandlerClass = functools.partial(QuietHandler, directory=str(site))  # type: ignore[assignment]
    server.daemon_threads = True
    host, port = server.server_address[:2]
    origin = f"http://{host}:{port}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    problems = 0
    started = time.monotonic()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            for name, options in VIEWPORTS.items():
                if args.only and name != args.only:
                    continue
                folder = args.out / name
                folder.mkdir(parents=True, exist_ok=True)
                context = browser.new_context(**options)
                for rel in pages:
                    page = context.new_page()
                    notes: list[str] = []
                    page.on("console", functools.partial(on_console, notes))
                    page.on("pageerror", lambda exc, n=notes: n.append(f"page error: {exc}"))
                    page.on("request", functools.partial(on_request, notes, origin))
                    page.goto(origin + rel, wait_until="load")
                    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
                    page.wait_for_timeout(300)  # let responsive charts settle after layout
                    notes.extend(page.evaluate(LAYOUT_PROBLEMS))
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > options["viewport"]["width"]:  # type: ignore[index]
                        notes.append(f"page is {width}px wide: scrolls sideways")
                    target = folder / shot_name(rel, version)
                    page.screenshot(path=str(target), full_page=True)
                    page.close()
                    print(f"{name:8} {target}")
                    for note in notes:
                        print(f"         ! {note}")
                    problems += len(notes)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    took = time.monotonic() - started
    print(f"{len(pages)} pages of {version} in {took:.0f} s; {problems} problem(s) noted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
