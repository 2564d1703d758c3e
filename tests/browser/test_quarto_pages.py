"""Sites built by the quarto engine in a real browser, from file:// and over HTTP, working as
the builtin engine's do: navigation, table of contents, tabsets, the version switcher, charts,
no console error, no failed request, nothing from outside the site; and Bootswatch themes
offline. Skipped, saying how to get Quarto, where `quarto` is not on PATH."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmovalue.build import BuildResult
from tests.conftest import QUARTO_MISSING

from .conftest import (
    UNIT,
    UNIT_CHARTS,
    Served,
    Visit,
    file_prefix,
    file_url,
    serve_site,
    switch_to_the_scenario_from_file,
    wait_for_charts,
    with_a_scenario,
)
from .test_pages import FOREST, VERSION, assert_clean

pytestmark = pytest.mark.skipif(shutil.which("quarto") is None, reason=QUARTO_MISSING)

CHARTS = {
    f"units/{UNIT}.html": UNIT_CHARTS,
    "index.html": 1,
    "changes.html": 1,
    "pmo-value.html": 3,
}
PAGES = [
    *CHARTS,
    "maturity.html",
    "data-quality.html",
    "methodology.html",
    "pages/about.html",
    "pages/features.html",
]


@pytest.fixture(scope="module")
def quarto_site(quarto_build: BuildResult) -> Path:
    return quarto_build.path.parent


@pytest.fixture(scope="module")
def served_quarto(quarto_site: Path) -> Iterator[Served]:
    with serve_site(quarto_site) as served:
        yield served


def open_version_page(
    how: str, rel: str, open_page, site: Path, served: Served | None = None
) -> tuple[Visit, str]:
    """The page `rel` of the version, from file:// or over HTTP, and where requests may go."""
    if how == "file":
        return open_page(file_url(site, f"{VERSION}/{rel}")), file_prefix(site)
    assert served is not None
    return open_page(served.url(f"{VERSION}/{rel}")), served.base


@pytest.mark.parametrize("how", ["file", "http"])
@pytest.mark.parametrize("rel", PAGES)
def test_every_page_loads_cleanly(
    open_page, quarto_site: Path, served_quarto: Served, how: str, rel: str
) -> None:
    visit, allowed = open_version_page(how, rel, open_page, quarto_site, served_quarto)
    if rel in CHARTS:
        assert wait_for_charts(visit.page, CHARTS[rel]) >= CHARTS[rel]
    # Quarto's page script ran (a classic script now): it marks the first TOC entry.
    if visit.page.locator("nav#TOC").count():
        visit.page.wait_for_selector("nav#TOC a.nav-link.active")
    assert_clean(visit, allowed)


def test_pmo_forest_plots_drawn(open_page, served_quarto: Served) -> None:
    """Quarto's PMO-value page draws the forest plots as the builtin one does: a row per
    group with an estimate, all services on top, and the zero line at 0."""
    visit = open_page(served_quarto.url(f"{VERSION}/pmo-value.html"))
    wait_for_charts(visit.page, 3)
    for index in ("CPI", "SPI"):
        figure = visit.page.locator(f'figure[aria-label="PMO effect on {index}, 95% interval"]')
        drawn = figure.evaluate(FOREST)
        assert drawn["ticks"] == drawn["estimated"] and drawn["ticks"][0] == "All services"
        assert drawn["points"] == drawn["intervals"] == len(drawn["ticks"])
        (line,) = drawn["lines"]
        assert float(line[1:].split(",")[0]) == pytest.approx(drawn["zero"], abs=0.5)
    assert_clean(visit, served_quarto.base)


def test_table_of_contents_follows_the_reader_from_file(open_page, quarto_site: Path) -> None:
    visit, allowed = open_version_page("file", f"units/{UNIT}.html", open_page, quarto_site)
    page = visit.page
    links = page.locator("nav#TOC a.nav-link")
    assert links.count() >= 5
    first = links.first.get_attribute("data-scroll-target")
    page.wait_for_selector(f'nav#TOC a.nav-link.active[data-scroll-target="{first}"]')
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    last = links.last.get_attribute("data-scroll-target")
    page.wait_for_selector(f'nav#TOC a.nav-link.active[data-scroll-target="{last}"]')
    assert_clean(visit, allowed)


def test_grouped_tabsets_from_file(open_page, quarto_site: Path) -> None:
    """Choosing a tab chooses it in every tabset of the group: Quarto's tabsets.js, which
    browsers would refuse from file:// as the module Quarto ships."""
    visit, allowed = open_version_page("file", "pages/features.html", open_page, quarto_site)
    page = visit.page
    tabsets = page.locator("div.panel-tabset")
    assert tabsets.count() == 2
    second = tabsets.nth(1)
    assert second.locator("a.nav-link.active").inner_text() == "Chart"
    tabsets.nth(0).get_by_role("tab", name="Table").click()
    page.wait_for_function(
        """() => document.querySelectorAll('div.panel-tabset')[1]
                 .querySelector('a.nav-link.active').textContent.trim() === 'Table'"""
    )
    assert second.get_by_text("Second tabset, table view.").is_visible()
    assert_clean(visit, allowed)


def test_navigation_menu_from_file(open_page, quarto_site: Path) -> None:
    visit, allowed = open_version_page("file", "index.html", open_page, quarto_site)
    page = visit.page
    page.get_by_role("link", name="Units").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Digital Channels").click()
    assert page.url == file_url(quarto_site, f"{VERSION}/units/{UNIT}.html")
    assert wait_for_charts(page, UNIT_CHARTS) >= UNIT_CHARTS
    with page.expect_navigation():
        page.get_by_role("link", name="About this report").click()
    assert page.url == file_url(quarto_site, f"{VERSION}/pages/about.html")
    assert_clean(visit, allowed)


def test_version_switcher_from_file(
    open_page, quarto_site: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    site = with_a_scenario(quarto_site, tmp_path_factory.mktemp("quarto-two-versions"))
    visit = switch_to_the_scenario_from_file(open_page, site)
    assert_clean(visit, file_prefix(site))


def test_quarto_search_over_http(open_page, served_quarto: Served) -> None:
    visit, allowed = open_version_page("http", "index.html", open_page, Path(), served_quarto)
    page = visit.page
    page.locator("#quarto-search .aa-DetachedSearchButton").click()
    page.locator(".aa-Input").fill("Digital Channels")
    page.wait_for_selector(".aa-Item a")
    hrefs = page.eval_on_selector_all(".aa-Item a", "els => els.map(a => a.href)")
    assert any(f"{VERSION}/units/{UNIT}.html" in h for h in hrefs), hrefs
    assert_clean(visit, allowed)


@pytest.mark.parametrize("how", ["file", "http"])
def test_bootswatch_theme_offline(open_page, quarto_theme_build: BuildResult, how: str) -> None:
    """The theme's colours and layout, its font where installed, local fonts otherwise: no
    request for a web font (or anything else) leaves the site."""
    site = quarto_theme_build.path.parent
    rel = "units/risk-compliance.html"
    if how == "file":
        visit, allowed = open_version_page(how, rel, open_page, site)
        assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
        assert_clean(visit, allowed)
        return
    with serve_site(site) as served:
        visit, allowed = open_version_page(how, rel, open_page, site, served)
        assert wait_for_charts(visit.page, UNIT_CHARTS) >= UNIT_CHARTS
        fonts = visit.page.evaluate("getComputedStyle(document.body).fontFamily")
        assert fonts.split(",")[0].strip('" ') in ("Source Sans Pro", "Lato"), fonts
        assert "sans-serif" in fonts
        assert_clean(visit, allowed)


def test_quarto_search_from_file_says_it_needs_http(open_page, quarto_site: Path) -> None:
    """Quarto's search reads search.json, which browsers refuse from file://: as on the builtin
    pages, a disabled field says why, and nothing is requested in vain."""
    visit, allowed = open_version_page("file", "index.html", open_page, quarto_site)
    page = visit.page
    assert page.locator("#quarto-search").count() == 0
    field = page.locator("input.pmovalue-no-search")
    assert field.is_visible() and field.is_disabled()
    assert "HTTP" in (field.get_attribute("placeholder") or "")
    page.wait_for_load_state("load")
    assert_clean(visit, allowed)


def test_the_story_pages_from_file(open_page, quarto_site: Path) -> None:
    """What a board reader meets first, as the builtin engine shows it: the summary and the
    commentary open the portfolio page; a metric's label leads to its entry on the methodology
    page; the changes page leads with the material changes, every change below, collapsed."""
    visit, allowed = open_version_page("file", "index.html", open_page, quarto_site)
    page = visit.page
    top = page.evaluate(
        """() => ['section.exec-summary', 'section.commentary', '.headline']
             .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert top == sorted(top)
    with page.expect_navigation():
        page.locator('.kpi[data-metric="cpi"] a.metric').click()
    assert page.url == file_url(quarto_site, f"{VERSION}/methodology.html#cpi")
    assert page.locator(":target h3").inner_text() == "Cost performance index (CPI)"
    assert_clean(visit, allowed)
    visit, allowed = open_version_page("file", "changes.html", open_page, quarto_site)
    page = visit.page
    assert page.locator(".caption", has_text="Material changes").is_visible()
    assert page.locator("details.all-changes").get_attribute("open") is None
    assert not page.locator("details.all-changes table").is_visible()
    assert_clean(visit, allowed)
