"""What a board reader sees: the executive summary and the PMO's commentary first, labels that
each name one metric and lead to its definition, the changes page leading with what matters,
plain words, and pages that work on a phone."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.build import build
from pmovalue.markup import money_compact
from pmovalue.metrics.catalog import METRICS
from tests.conftest import REPO, options

from .conftest import UNIT_PAGE, Served, file_url, serve_site, wait_for_charts

VERSION = "2026-Q3"
PHONE = {"width": 390, "height": 844}
BOARD_PAGES = ["index.html", f"units/{UNIT_PAGE.rsplit('/', 1)[1]}", "maturity.html"]
BOARD_PAGES += ["changes.html", "data-quality.html", "methodology.html", "pmo-value.html"]

# Text in <main> that is exactly a metric's label (or starts with it, then its unit in
# brackets) without being its link; charts (SVG) and their data tables are left aside.
UNLINKED_LABELS = r"""labels => {
  const out = [];
  const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (n.parentElement.closest('a.metric, svg, details.chart-data, code, script')) continue;
    const t = n.textContent.trim();
    if (labels.some(l => t === l || /^ \([^()]*\)$/.test(t.slice(l.length)) &&
                         t.startsWith(l))) out.push(t);
  }
  return out;
}"""

# The text of <main> a reader sees, without code (ids on purpose), project ids, chart data.
MAIN_TEXT = """() => {
  const m = document.querySelector('main').cloneNode(true);
  m.querySelectorAll('code, .pid, details.chart-data, script').forEach(e => e.remove());
  return m.innerText;
}"""


def test_summary_and_commentary_open_the_portfolio_and_unit_pages(
    open_page, served: Served
) -> None:
    for rel, owner in ((f"{VERSION}/index.html", None), (UNIT_PAGE, "Chief Digital Officer")):
        page = open_page(served.url(rel)).page
        first = page.evaluate("() => document.querySelector('main section').className")
        assert first == "exec-summary"  # the first section of the page
        summary = page.locator("section.exec-summary")
        assert summary.is_visible()
        sentences = summary.locator("ul.summary > li")
        assert 1 <= sentences.count() <= 5
        for text in sentences.all_inner_texts():
            assert re.search(r"\d", text), text  # each with its number
        figure = summary.locator(".money-at-risk")
        assert re.fullmatch(r"GBP \d+(\.\d)?[km]?", figure.locator(".value").inner_text())
        assert figure.locator("a").get_attribute("href").endswith("methodology.html#money-at-risk")
        if owner:
            assert owner in summary.locator(".unit-facts").inner_text()
        # The PMO's commentary comes next, with its author and date, before the key numbers.
        note = page.locator("section.commentary")
        assert note.is_visible() and "PMO commentary" in note.inner_text()
        assert re.search(r"\d{4}-\d{2}-\d{2}", note.locator(".byline").inner_text())
        top = page.evaluate(
            """() => ['section.exec-summary', 'section.commentary', '.headline']
                 .map(s => document.querySelector(s).getBoundingClientRect().top)"""
        )
        assert top == sorted(top)


def test_attention_list_ranks_by_money_exposed(
    open_page, served: Served, sample_site: Path
) -> None:
    page = open_page(served.url(UNIT_PAGE)).page
    wrap = page.locator(".table-wrap", has=page.locator(".caption", has_text="need attention"))
    rows = wrap.locator("tbody tr")
    assert 1 <= rows.count() <= 10  # the top ten
    exposures = [
        float(text.split("\n")[0].replace(",", ""))
        for text in wrap.locator('td[data-label="Exposure (GBP)"]').all_inner_texts()
    ]
    assert exposures == sorted(exposures, reverse=True) and exposures[0] > 0
    assert rows.first.locator(".pid").inner_text() == "DC-030"  # the largest overrun first
    projects = pd.read_csv(sample_site / VERSION / "data" / "projects.csv").set_index("project_id")
    overrun = projects.at["DC-030", "eac"] - projects.at["DC-030", "bac"]
    assert f"forecast overrun {money_compact(overrun, 'GBP')}" in rows.first.inner_text()
    assert rows.first.locator('td[data-label="Rating"] .rag').count() == 1  # a badge
    assert page.locator("a[href='../methodology.html#exposure']").count() >= 1


def test_every_metric_label_names_one_metric_and_links_to_it(open_page, served: Served) -> None:
    """Labels come from the catalogue: the same text for the same metric on every page, a
    different one for a different metric, each linking to its entry on the methodology page."""
    method = open_page(served.url(f"{VERSION}/methodology.html")).page
    anchors = set(method.eval_on_selector_all("section.metric-def", "els => els.map(e => e.id)"))
    labels = sorted({m.label for m in METRICS.values()})
    seen: dict[str, set[str]] = {}
    pages = ("index.html", UNIT_PAGE.split("/", 1)[1], "maturity.html", "changes.html")
    for rel in (*pages, "pmo-value.html"):
        page = open_page(served.url(f"{VERSION}/{rel}")).page
        links = page.eval_on_selector_all(
            "a.metric", "els => els.map(a => [a.getAttribute('href'), a.textContent])"
        )
        assert links, rel
        assert page.evaluate(UNLINKED_LABELS, labels) == [], rel
        for href, text in links:
            metric = href.split("#", 1)[1]
            assert href.split("#")[0].endswith("methodology.html"), href
            assert metric in anchors, (rel, href)
            assert text == METRICS[metric].label, (rel, href, text)
            seen.setdefault(text, set()).add(metric)
    assert all(len(ids) == 1 for ids in seen.values()), seen
    # The league table's and the peers' maturity columns: two metrics, two labels.
    assert seen["Maturity level (weakest link)"] == {"maturity_level"}
    assert seen["Maturity profile (mean)"] == {"maturity_profile"}


def test_methodology_defines_every_metric_of_the_data_file(
    open_page, served: Served, sample_site: Path
) -> None:
    page = open_page(served.url(f"{VERSION}/methodology.html#spi_t_median")).page
    metrics = pd.read_csv(sample_site / VERSION / "data" / "metrics.csv")
    for metric in metrics["metric"].unique():
        entry = page.locator(f"section.metric-def#{metric}")
        assert entry.count() == 1, metric
        assert entry.locator("h3").inner_text() == METRICS[metric].label
    target = page.locator(":target")
    assert target.get_attribute("id") == "spi_t_median"
    assert target.locator("h3").is_visible()
    for anchor in ("money-at-risk", "exposure", "material-change"):
        assert page.locator(f"#{anchor}").count() == 1


def test_changes_page_leads_with_material_changes(open_page, served: Served) -> None:
    page = open_page(served.url(f"{VERSION}/changes.html")).page
    text = page.locator("main").inner_text()
    assert "Compared with 2026-Q2, computed from the same data and parameters" in text
    assert re.search(r"\d+ material changes: \d+ for the worse, \d+ for the better", text)
    wait_for_charts(page, 1)
    material = page.locator(
        ".table-wrap", has=page.locator(".caption", has_text="Material changes")
    ).locator("table")
    assert material.is_visible()
    # Better or worse by the metric's direction: the portfolio's EAC went up, which is worse.
    row = material.locator("tr", has_text="Estimate at completion (EAC)").first
    assert "worse" in row.inner_text()
    assert material.locator(".rag + span[aria-label=to] + .rag").count() >= 1  # badges
    everything = page.locator("details.all-changes")
    assert everything.get_attribute("open") is None  # the full table starts collapsed
    assert not everything.locator("table").is_visible()
    assert not re.search(r"–\s*→\s*–", everything.inner_text())
    assert page.locator("figure.chart").count() == 1


@pytest.mark.parametrize("rel", BOARD_PAGES)
def test_plain_words_no_ids(open_page, served: Served, rel: str) -> None:
    page = open_page(served.url(f"{VERSION}/{rel}")).page
    text = page.evaluate(MAIN_TEXT)
    assert not re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)
    if rel != "methodology.html":  # the reference page quotes the formulas as they are
        for jargon in ("over the rows", "min_coverage", "on_invalid", "sha256"):
            assert jargon not in text


def test_data_quality_says_what_was_left_out(open_page, served: Served) -> None:
    """First on the page: what the metrics left out. Never a bare "no warnings" while a
    maturity dimension was dropped."""
    page = open_page(served.url(f"{VERSION}/data-quality.html")).page
    assert page.locator("main h2").first.inner_text() == "Left out of the metrics"
    text = page.locator("main").inner_text()
    assert not re.search(r"\bno warnings?\b\.?$", text, re.IGNORECASE | re.MULTILINE)
    # The sample's Operations & Technology answered 47% of its technology questions.
    assert "Operations & Technology: the maturity of technology was left out (too few answers" in (
        text
    )
    assert "80% are needed" in text


def test_phone_navbar_never_clips(open_page, served: Served) -> None:
    page = open_page(served.url(UNIT_PAGE), viewport=PHONE).page
    # Each link shown in the bar: its text, its sides, and whether its middle is the link
    # itself (nothing covers or cuts it).
    shown = page.eval_on_selector_all(
        ".site-header nav a, .site-header nav summary",
        """els => els.filter(e => e.checkVisibility()).map(e => {
             const r = e.getBoundingClientRect();
             const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return [e.textContent.trim(), r.left, r.right, !!hit && e.contains(hit)];
           })""",
    )
    assert {"Portfolio", "Units", "Data quality", "Methodology"} <= {b[0] for b in shown}
    for text, left, right, on_top in shown:
        assert left >= 0 and right <= PHONE["width"] and on_top, (text, left, right, on_top)


@pytest.mark.parametrize(
    ("rel", "caption"),
    [
        ("index.html", "Units ranked by value index"),
        (UNIT_PAGE.split("/", 1)[1], "projects need attention"),
        (UNIT_PAGE.split("/", 1)[1], "Compared with the other units"),
        ("maturity.html", "Scores from 1 to 4 against target"),
        ("changes.html", "Material changes"),
        ("pmo-value.html", "By unit"),
    ],
)
def test_phone_wide_tables_become_cards(open_page, served: Served, rel: str, caption: str) -> None:
    page = open_page(served.url(f"{VERSION}/{rel}"), viewport=PHONE).page
    wrap = page.locator(".table-wrap", has=page.locator(".caption", has_text=caption)).first
    table = wrap.locator("table.cards")
    assert table.count() == 1
    head = wrap.locator("thead").bounding_box()
    assert head is not None and head["height"] <= 1  # the header row is for screen readers
    fits = wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1")
    assert fits, "the cards scroll sideways"
    # Each value of a card is written after its column's name.
    labelled = table.locator("tbody tr").first.evaluate(
        """tr => [...tr.cells].slice(1).filter(td => td.offsetHeight > 0).map(td =>
             [td.dataset.label, getComputedStyle(td, '::before').content])"""
    )
    assert len(labelled) >= 2
    assert all(before == f'"{label}"' for label, before in labelled), labelled


def test_phone_maturity_is_a_heat_table_not_a_radar(open_page, served: Served) -> None:
    page = open_page(served.url(f"{VERSION}/maturity.html"), viewport=PHONE).page
    assert page.locator(".js-plotly-plot .polar").count() == 0
    table = page.locator("table.cards").first
    assert table.locator(".rag").count() >= 6  # each unit's scores with their status


def test_phone_heatmap_unit_names_stay_apart(open_page, served: Served) -> None:
    """At 390 px the heatmap's unit names turn upright, each on one line: no name runs into
    the next one."""
    page = open_page(served.url(f"{VERSION}/index.html"), viewport=PHONE).page
    wait_for_charts(page, 2)
    heat = page.locator('figure.chart[aria-label="RAG status by unit and metric"]')
    page.wait_for_function(
        "f => f.querySelector('.gtitle') && f.querySelector('.gtitle').textContent"
        ".includes('G green')",
        arg=heat.element_handle(),
    )
    boxes = heat.evaluate(
        """f => [...f.querySelectorAll('.xtick text')].map(t => {
             const r = t.getBoundingClientRect();
             return [t.textContent, r.left, r.right, t.querySelectorAll('tspan.line').length];
           })"""
    )
    assert len(boxes) == 6  # the sample's units
    assert all(lines <= 1 for *_, lines in boxes), boxes
    boxes.sort(key=lambda b: b[1])
    for (a, _, a_right, _), (b, b_left, _, _) in itertools.pairwise(boxes):
        assert a_right <= b_left + 1, (a, b)


def test_a_wide_table_says_it_scrolls(open_page, served: Served) -> None:
    """A table that does not fit (here: the league table at 640 px, just wider than where
    tables become cards) says so; scrolled to its end, the shade on its right goes."""
    page = open_page(served.url(f"{VERSION}/index.html"), viewport={"width": 640, "height": 900})
    wrap = page.page.locator(
        ".table-wrap", has=page.page.locator(".caption", has_text="Units ranked")
    ).first
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # it does not fit
    handle = wrap.element_handle()
    page.page.wait_for_function("w => w.classList.contains('scrolls')", arg=handle)
    assert "at-end" not in (wrap.get_attribute("class") or "")
    hint = wrap.evaluate("w => getComputedStyle(w, '::before').content")
    assert "Scroll sideways" in hint
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    page.page.wait_for_function("w => w.classList.contains('at-end')", arg=handle)


# ---- a scenario, and commentary with raw HTML ---------------------------------------------------


@pytest.fixture(scope="module")
def story_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unit, official and high-rate scenario, with commentary that holds raw HTML."""
    tmp = tmp_path_factory.mktemp("story")
    project = tmp / "project"
    shutil.copytree(REPO / "commentary", project / "commentary")
    shutil.copy2(REPO / "_quarto.yml", project / "_quarto.yml")
    (project / "commentary" / "2026-Q3--high-rate").mkdir()
    (project / "commentary" / "2026-Q3--high-rate" / "_portfolio.md").write_text(
        "---\nauthor: Analyst\n---\nWhat if rates rise? <script>window.ran = 1</script>\n"
    )
    quiet = {"log": lambda _m: None}
    units = ["Risk & Compliance"]
    build(options(tmp, project_dir=project, units=units), **quiet)
    build(options(tmp, project_dir=project, units=units, scenario="high-rate"), **quiet)
    return tmp / "site"


def test_commentary_shows_raw_html_as_text(open_page, story_site: Path) -> None:
    with serve_site(story_site) as s:
        page = open_page(s.url(f"{VERSION}--high-rate/index.html")).page
        note = page.locator("section.commentary")
        assert "<script>window.ran = 1</script>" in note.inner_text()
        assert page.evaluate("() => window.ran") is None  # never run
        assert "Analyst" in note.locator(".byline").inner_text()


@pytest.mark.parametrize("rel", ["index.html", "units/risk-compliance.html"])
def test_scenario_pages_lead_with_what_the_scenario_changes(
    open_page, story_site: Path, rel: str
) -> None:
    """First the parameters the scenario changes (in words), then the metrics that moved
    against the official version of its period, then the summary."""
    visit = open_page(file_url(story_site, f"{VERSION}--high-rate/{rel}"))
    page = visit.page
    banner = page.locator("aside.banner.scenario").inner_text()
    assert "Finance: discount rate: 0.035 → 0.07" in banner  # parameters, in words
    effect = page.locator("section.scenario-effect")
    top = page.evaluate(
        """() => ['aside.banner.scenario', 'section.scenario-effect', 'section.exec-summary']
             .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert top == sorted(top)  # parameters, then what moved, then the summary
    row = effect.locator("tr", has_text="Net present value (NPV)")
    assert row.count() == 1 and "worse" in row.inner_text()
    npv = page.locator('.kpi[data-metric="npv_total"] .delta').inner_text()
    assert "against official" in npv and "down" in npv  # not "unchanged since 2026-Q2"
    official = open_page(file_url(story_site, f"{VERSION}/{rel}")).page
    assert official.locator("section.scenario-effect").count() == 0
