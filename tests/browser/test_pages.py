"""The published sample site in a real browser: charts draw, nothing leaves the site, the
version switcher, redirects and deep links work, over HTTP, under a sub-path and from file://."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import (
    SUB_PATH,
    UNIT,
    UNIT_CHARTS,
    UNIT_PAGE,
    Served,
    Visit,
    file_prefix,
    file_url,
    serve_site,
    switch_to_the_scenario_from_file,
    switcher_options,
    wait_for_charts,
    with_a_scenario,
)

VERSION = "2026-Q3"


def assert_clean(visit: Visit, allowed_prefix: str) -> None:
    assert visit.errors == [], f"console errors: {visit.errors}"
    assert visit.failed == [], f"failed requests: {visit.failed}"
    # Only a redirect page may be navigated away from while it loads (see Visit).
    assert visit.superseded == [], f"navigations cut short: {visit.superseded}"
    assert visit.outside(allowed_prefix) == [], "requests outside the site"
    assert visit.requests, "no request recorded at all: the recorder is broken"


# ---- the unit page ----------------------------------------------------------------------------


def test_unit_page_over_http(open_page, served: Served) -> None:
    visit = open_page(served.url(UNIT_PAGE))
    assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
    assert_clean(visit, served.base)
    assert visit.page.title().startswith("Digital Channels")


def test_unit_page_from_file(open_page, sample_site: Path) -> None:
    visit = open_page(file_url(sample_site, UNIT_PAGE))
    assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
    assert_clean(visit, file_prefix(sample_site))


def test_unit_page_under_a_sub_path(open_page, served_sub_path: Served) -> None:
    visit = open_page(served_sub_path.url(UNIT_PAGE))
    assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
    assert_clean(visit, served_sub_path.origin + SUB_PATH)
    # The nav links stay under the sub-path too.
    hrefs = visit.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    inside = [h for h in hrefs if h.startswith(served_sub_path.base) or h.startswith("data:")]
    assert inside == hrefs


def test_unit_page_on_a_phone(open_page, served: Served) -> None:
    visit = open_page(served.url(UNIT_PAGE), viewport={"width": 390, "height": 844})
    assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
    assert_clean(visit, served.base)


# ---- the other pages with charts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "charts"), [("index.html", 1), ("changes.html", 1), ("pmo-value.html", 3)]
)
def test_version_pages_draw_their_charts(open_page, served: Served, page: str, charts: int) -> None:
    visit = open_page(served.url(f"{VERSION}/{page}"))
    assert wait_for_charts(visit.page, charts) >= charts
    assert_clean(visit, served.base)


FOREST = """f => {
  const gd = f.querySelector('.js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const ticks = [...gd.querySelectorAll('.ytick text')]
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map(t => t.textContent);
  const estimated = [...f.querySelectorAll('details.chart-data tbody tr')]
    .map(r => [...r.cells].map(c => c.textContent))
    .filter(cells => cells[1] !== '\u2013').map(cells => cells[0]);
  return {
    ticks, estimated,
    points: gd.querySelectorAll('.scatterlayer .point').length,
    intervals: gd.querySelectorAll('.scatterlayer .errorbar').length,
    zero: xa._offset + xa.l2p(0),
    plot: [ya._offset, ya._offset + ya._length],
    lines: [...gd.querySelectorAll('.shapelayer path')].map(p => p.getAttribute('d')),
    notes: [...gd.querySelectorAll('.annotation-text')].map(a => a.textContent),
  };
}"""


@pytest.mark.parametrize("index", ["CPI", "SPI"])
def test_pmo_forest_plot_drawn(open_page, served: Served, index: str) -> None:
    """Each group with an estimate is a row, all services on top, each with its point and
    interval, and the zero line is drawn at 0 across the whole plot."""
    visit = open_page(served.url(f"{VERSION}/pmo-value.html"))
    wait_for_charts(visit.page, 3)
    figure = visit.page.locator(f'figure[aria-label="PMO effect on {index}, 95% interval"]')
    drawn = figure.evaluate(FOREST)
    assert drawn["ticks"] == drawn["estimated"] and drawn["ticks"][0] == "All services"
    assert len(drawn["ticks"]) >= 2  # the sample has a service type with an estimate
    assert drawn["points"] == drawn["intervals"] == len(drawn["ticks"])
    (line,) = drawn["lines"]
    x0, y0, x1, y1 = map(float, re.findall(r"-?[\d.]+", line))
    assert x0 == x1 == pytest.approx(drawn["zero"], abs=0.5)
    assert sorted([y0, y1]) == pytest.approx(drawn["plot"], abs=0.5)
    assert drawn["notes"] == ["0 = no effect"]
    assert_clean(visit, served.base)


@pytest.mark.parametrize(
    "page",
    [UNIT_PAGE, f"{VERSION}/index.html", f"{VERSION}/changes.html", f"{VERSION}/pmo-value.html"],
)
def test_charts_stay_in_their_box_after_a_resize(open_page, served: Served, page: str) -> None:
    """A window resize redraws every chart to fit its box: none may then grow past it and
    cover what follows (the PMO-value page's charts are drawn at their own, smaller height)."""
    visit = open_page(served.url(page), viewport={"width": 1440, "height": 900})
    wait_for_charts(visit.page)
    visit.page.set_viewport_size({"width": 1200, "height": 900})
    visit.page.wait_for_timeout(500)  # plotly's resize handler is debounced
    visit.page.set_viewport_size({"width": 1440, "height": 900})
    visit.page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(el =>
             Math.abs(el.querySelector('.main-svg').getBoundingClientRect().width
                      - el.getBoundingClientRect().width) < 2)"""
    )
    overflow = visit.page.evaluate(
        """() => [...document.querySelectorAll('figure.chart')].map(f => {
             const svg = f.querySelector('.main-svg').getBoundingClientRect();
             return [f.getAttribute('aria-label'),
                     Math.round(svg.bottom - f.getBoundingClientRect().bottom)];
           }).filter(([, over]) => over > 0)"""
    )
    assert overflow == [], f"charts drawn past their box (px): {overflow}"


@pytest.mark.parametrize(
    "page", ["maturity.html", "data-quality.html", "methodology.html", "pages/about.html"]
)
def test_pages_without_charts_load_cleanly(open_page, served: Served, page: str) -> None:
    visit = open_page(served.url(f"{VERSION}/{page}"))
    visit.page.wait_for_load_state("load")
    assert visit.page.locator("main h1").count() == 1
    assert_clean(visit, served.base)
    # plotly.js is most of what a page takes to open: a page without charts goes without.
    assert [u for u in visit.requests if u.endswith("plotly.min.js")] == []


@pytest.mark.parametrize(
    "page",
    [
        UNIT_PAGE,
        f"{VERSION}/index.html",
        f"{VERSION}/changes.html",
        f"{VERSION}/pmo-value.html",
    ],
)
def test_every_chart_has_a_data_table(open_page, sample_site: Path, page: str) -> None:
    visit = open_page(file_url(sample_site, page))
    figures = visit.page.locator("figure.chart")
    assert figures.count() >= 1
    for i in range(figures.count()):
        figure = figures.nth(i)
        label = figure.get_attribute("aria-label")
        assert label, f"chart {i} on {page} has no aria-label"
        table = figure.locator("details.chart-data table")
        assert table.count() == 1, f"chart {label!r} on {page} has no data table"
        assert table.locator("tbody tr").count() >= 1, f"empty data table for {label!r}"


# ---- version switcher, redirect, latest ---------------------------------------------------------


def test_switcher_lists_versions_from_file(open_page, sample_site: Path) -> None:
    visit = open_page(file_url(sample_site, UNIT_PAGE))
    options = switcher_options(visit.page)
    listed = json.loads((sample_site / "versions.json").read_text(encoding="utf-8"))
    assert [o[0] for o in options] == [v["path"] for v in listed]
    assert (f"{VERSION}/", f"{VERSION} (latest)", True) in [tuple(o) for o in options]


def test_switcher_over_http(open_page, served: Served) -> None:
    visit = open_page(served.url(f"{VERSION}/index.html"))
    options = switcher_options(visit.page)
    assert tuple(options[0]) == (f"{VERSION}/", f"{VERSION} (latest)", True)


@pytest.fixture(scope="module")
def two_version_site(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_a_scenario(sample_site, tmp_path_factory.mktemp("two-versions"))


def test_switcher_goes_to_the_same_page_in_the_other_version(
    open_page, two_version_site: Path
) -> None:
    switch_to_the_scenario_from_file(open_page, two_version_site)


@pytest.fixture(scope="module")
def served_two_versions(two_version_site: Path) -> Iterator[Served]:
    with serve_site(two_version_site, SUB_PATH) as s:
        yield s


def test_switcher_under_a_sub_path(open_page, served_two_versions: Served) -> None:
    visit = open_page(served_two_versions.url(f"{VERSION}/changes.html"))
    page = visit.page
    with page.expect_navigation():
        page.select_option("#version-switcher", f"{VERSION}--stress/")
    assert page.url == served_two_versions.url(f"{VERSION}--stress/changes.html")
    wait_for_charts(page)
    assert_clean(visit, served_two_versions.base)


def test_site_index_redirects_relatively_to_the_latest(open_page, sample_site: Path) -> None:
    html = (sample_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'url=2026-Q3/index\.html"', html), "the redirect must be relative"
    visit = open_page(file_url(sample_site, "index.html"))
    visit.page.wait_for_url(file_url(sample_site, f"{VERSION}/index.html"))
    wait_for_charts(visit.page)


def test_site_index_redirect_under_a_sub_path(open_page, served_sub_path: Served) -> None:
    visit = open_page(served_sub_path.url(""))
    visit.page.wait_for_url(served_sub_path.url(f"{VERSION}/index.html"))
    wait_for_charts(visit.page)
    # The redirect page itself may be cut short by its own redirect; nothing else may.
    assert set(visit.superseded) <= {served_sub_path.url("")}
    visit.superseded.clear()
    assert_clean(visit, served_sub_path.base)


@pytest.mark.parametrize("how", ["http", "file"])
def test_latest_deep_link_opens_with_charts(
    open_page, served: Served, sample_site: Path, how: str
) -> None:
    rel = f"latest/units/{UNIT}.html"
    if how == "http":
        visit, allowed = open_page(served.url(rel)), served.base
    else:
        visit, allowed = open_page(file_url(sample_site, rel)), file_prefix(sample_site)
    assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
    assert visit.page.locator("body").get_attribute("data-version") == VERSION
    assert_clean(visit, allowed)


# ---- search -------------------------------------------------------------------------------------


def test_search_is_disabled_from_file(open_page, sample_site: Path) -> None:
    visit = open_page(file_url(sample_site, UNIT_PAGE))
    field = visit.page.locator("#search-input")
    assert field.is_disabled()
    assert "HTTP" in (field.get_attribute("placeholder") or "")


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_search_over_http(
    open_page, served: Served, served_sub_path: Served, where: str, sample_site: Path
) -> None:
    server = served if where == "root" else served_sub_path
    visit = open_page(server.url("2026-Q3/index.html"))
    field = visit.page.locator("#search-input")
    assert field.is_enabled()
    field.fill("Digital Channels")
    results = visit.page.locator("#search-results a")
    results.first.wait_for(timeout=60_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any(h.endswith("2026-Q3/units/digital-channels.html") for h in hrefs), hrefs
    assert all(h.startswith(server.base) or not h.startswith("http") for h in hrefs), hrefs
    results.filter(has_text="Digital Channels").first.click()
    visit.page.wait_for_url("**/units/digital-channels.html", timeout=60_000)
    assert_clean(visit, server.base)
