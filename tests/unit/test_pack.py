"""The board pack without a browser: paper from the locale, which sections a version's pages
give and what is kept of them, where the pack may be written, how Chromium is found."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pmovalue import markup
from pmovalue.errors import BrowserUnavailable, UsageError
from pmovalue.pack import check_destination, version_folder, write_atomically
from pmovalue.pack.chromium import find_chromium
from pmovalue.pack.compose import (
    BOARD,
    condense,
    headed_parts,
    human_date,
    plan_sections,
    soup_of,
    split_lead,
)
from pmovalue.pack.paper import PAPERS, default_paper, locale_territory, paper_named
from pmovalue.pack.version import read_facts

VERSION = "2026-Q3"

# ---- paper ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "paper"),
    [
        ({"LANG": "en_US.UTF-8"}, "Letter"),
        ({"LANG": "fr_CA.UTF-8"}, "Letter"),
        ({"LANG": "es_MX"}, "Letter"),
        ({"LANG": "en_PH.UTF-8"}, "Letter"),
        ({"LANG": "en_GB.UTF-8"}, "A4"),
        ({"LANG": "de_DE@euro"}, "A4"),
        ({"LANG": "C.UTF-8"}, "A4"),
        ({"LANG": "POSIX"}, "A4"),
        ({}, "A4"),
        # POSIX precedence: LC_ALL, then LC_PAPER, then LANG.
        ({"LANG": "en_US.UTF-8", "LC_PAPER": "en_GB.UTF-8"}, "A4"),
        ({"LANG": "en_GB.UTF-8", "LC_PAPER": "en_US.UTF-8"}, "Letter"),
        ({"LC_ALL": "en_US.UTF-8", "LC_PAPER": "en_GB.UTF-8"}, "Letter"),
    ],
)
def test_default_paper_follows_the_locale(environ: dict[str, str], paper: str) -> None:
    assert default_paper(environ).name == paper


def test_locale_territory() -> None:
    assert locale_territory({"LANG": "en_US.UTF-8"}) == "US"
    assert locale_territory({"LANG": "C"}) is None


def test_paper_by_name() -> None:
    assert paper_named("letter") is PAPERS["Letter"]
    assert paper_named(" A4 ") is PAPERS["A4"]
    with pytest.raises(UsageError, match="A4, Letter"):
        paper_named("A5")


def test_the_printed_column_is_the_paper_less_its_margins() -> None:
    a4 = PAPERS["A4"]
    assert a4.content_width_px == int((210 - 2 * a4.margin_side_mm) / 25.4 * 96)
    assert PAPERS["Letter"].content_width_px > a4.content_width_px


def test_human_date() -> None:
    assert human_date("2026-12-04T18:28:05Z") == "4 December 2026"
    assert human_date("unknown") == "unknown"


def test_the_pages_and_the_pack_use_the_same_mark() -> None:
    assert markup.BOARD == BOARD


# ---- what a page gives: pure HTML ---------------------------------------------------------------

NOTEBOOK_PAGE = """<main>
<h1>Retail Banking <span class="period">2026-Q3</span></h1>
<div class="cell"><div class="headline" data-board>TILES</div></div>
<div class="cell"><h2>Executive summary</h2><p>SUMMARY</p></div>
<div class="cell"><ul>SUMMARY LIST</ul></div>
<div class="cell"><h2>Findings</h2><p>FINDINGS INTRO</p></div>
<div class="cell"><ul class="findings" data-board><li>FINDING</li></ul></div>
<div class="cell"><h2>Level 1</h2><p>LEVEL 1 INTRO</p></div>
<div class="cell"><div class="out"><figure class="chart" data-board>KEY CHART</figure></div>
  <div class="out"><figure class="chart">OTHER CHART</figure></div></div>
<div class="cell"><h3>Projects that need attention</h3><p>ATTENTION INTRO</p></div>
<div class="cell"><div class="out"><div class="table-wrap" data-board>ATTENTION</div></div>
  <div class="out"><div class="table-wrap">ALL DELIVERY METRICS</div></div></div>
<div class="cell"><h2>PMO commentary</h2></div>
<div class="cell"><p>COMMENTARY</p></div>
<div class="cell"><h2>Level 4</h2><p>PEERS</p></div>
</main>"""

# Quarto wraps each h2 and what follows it in a <section>.
QUARTO_PAGE = """<main id="quarto-document-content">
<header id="title-block-header"><h1 class="title">Portfolio overview</h1></header>
<section id="executive-summary" class="level2"><h2>Executive summary</h2><p>SUMMARY</p></section>
<section id="league" class="level2"><h2>League table</h2><p>LEAGUE</p></section>
</main>"""


def _main(html: str):
    soup = soup_of(html)
    return soup, soup.find("main")


def test_a_unit_page_is_condensed_to_its_marked_blocks_and_board_sections() -> None:
    _, main = _main(NOTEBOOK_PAGE)
    condense(main)
    text = main.get_text(" ")
    for kept in ("TILES", "FINDING", "KEY CHART", "ATTENTION", "SUMMARY", "SUMMARY LIST"):
        assert kept in text
    assert "COMMENTARY" in text and "PMO commentary" in text
    # Each marked block keeps the heading it comes under, without that heading's prose.
    for heading in ("Findings", "Level 1", "Projects that need attention"):
        assert heading in text
    for dropped in ("OTHER CHART", "ALL DELIVERY METRICS", "LEVEL 1 INTRO", "Level 4", "PEERS"):
        assert dropped not in text


def test_a_page_without_marks_is_kept_whole() -> None:
    _, main = _main("<main><h2>Sorry</h2><p>This page could not be produced.</p></main>")
    condense(main)
    assert "could not be produced" in main.get_text()


def test_headed_sections_in_notebook_and_quarto_pages() -> None:
    _, main = _main(NOTEBOOK_PAGE)
    parts = headed_parts(main, ("pmo commentary",))
    assert " ".join(p.get_text(" ") for p in parts).split() == ["PMO", "commentary", "COMMENTARY"]
    _, main = _main(QUARTO_PAGE)
    parts = headed_parts(main, ("executive summary",))
    assert [(p.name, p.get("id")) for p in parts] == [("section", "executive-summary")]
    assert parts[0].get_text(" ").split() == ["Executive", "summary", "SUMMARY"]


# The portfolio page as the notebooks write it: the summary and the commentary each a
# <section> that its heading opens, then the key numbers, with no heading between.
SECTIONED_PAGE = """<main>
<h1>Portfolio overview</h1>
<div class="cell"><section class="exec-summary"><h2>Executive summary</h2><ul><li>ONE</li>
  </ul></section></div>
<div class="cell"><section class="commentary"><h2>PMO commentary</h2><p>NOTE</p></section></div>
<div class="cell"><div class="headline">TILES</div></div>
<div class="cell"><h2>League table</h2><p>LEAGUE</p></div>
</main>"""


def test_a_heading_that_opens_a_section_heads_that_section_only() -> None:
    soup, main = _main(SECTIONED_PAGE)
    title, lead = split_lead(soup, main)
    assert title == "Executive summary and PMO commentary"
    assert "ONE" in lead and "NOTE" in lead and "TILES" not in lead
    rest = main.get_text(" ")
    assert "TILES" in rest and "LEAGUE" in rest and "NOTE" not in rest
    assert main.find("section") is None  # moved whole: no empty box left behind


def test_the_portfolio_pages_summary_and_commentary_open_the_pack() -> None:
    soup, main = _main(NOTEBOOK_PAGE)
    title, lead = split_lead(soup, main)
    assert title == "Executive summary and PMO commentary"
    assert "SUMMARY LIST" in lead and "COMMENTARY" in lead
    rest = main.get_text(" ")
    assert "SUMMARY" not in rest and "COMMENTARY" not in rest and "League" not in rest
    assert "Level 1" in rest
    soup, main = _main("<main><h2>League table</h2></main>")
    assert split_lead(soup, main) is None


# ---- what the sample version gives ---------------------------------------------------------------


@pytest.fixture(scope="module")
def version(sample_site: Path) -> Path:
    return sample_site / VERSION


def test_sections_of_the_sample_in_pack_order(version: Path) -> None:
    facts = read_facts(version)
    sections = plan_sections(version, facts)
    keys = [s.key for s in sections]
    units = [f"unit-{u}" for u in facts.units]
    # The portfolio page's summary and commentary open the pack; the methodology closes it.
    after = ["maturity", "changes", "pmo-value", "methodology"]
    assert keys == ["summary", "portfolio", *units, *after]
    assert [s.title for s in sections if s.group == "units"] == list(facts.units.values())
    assert sections[0].title == "Executive summary and PMO commentary"
    assert 'class="exec-summary"' in sections[0].html and 'class="commentary"' in sections[0].html
    assert sections[1].title == "Portfolio overview"
    assert 'class="headline"' in sections[1].html  # the key numbers stay with the portfolio
    assert sections[-1].group == "appendix"


def test_a_unit_section_holds_what_a_board_reads(version: Path) -> None:
    facts = read_facts(version)
    section = next(s for s in plan_sections(version, facts) if s.key == "unit-retail-banking")
    html = section.html
    assert html.count("plotly-graph-div") == 2  # earned value, cost against schedule
    assert 'class="headline"' in html and 'class="findings"' in html
    assert "Projects that need attention" in html
    for gone in ("All delivery metrics", "Download CSV", "Data table:", "anchor-link"):
        assert gone not in html
    assert "<h1" not in html  # the pack gives each section its own title
    # the PMO-support section, its link to the PMO-value section a link inside the PDF
    assert "PMO support" in html and "(95% interval" in html
    assert '<a href="#pmo-value">PMO value</a>' in html


def _copy(version: Path, tmp_path: Path) -> Path:
    copy = tmp_path / VERSION
    shutil.copytree(version, copy, ignore=shutil.ignore_patterns("pagefind", "notebooks"))
    return copy


def _insert(page: Path, html: str) -> None:
    """`html` at the start of the page's content (after its title)."""
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</h1>", "</h1>" + html, 1), encoding="utf-8")


def test_links_into_the_pack_stay_and_other_site_links_go(version: Path, tmp_path: Path) -> None:
    copy = _copy(version, tmp_path)
    _insert(
        copy / "units" / "retail-banking.html",
        '<p id="probe" data-board><a href="../units/digital-channels.html">peer</a> '
        '<a href="../index.html#League-table">league</a> <a href="../data/metrics.csv">csv</a> '
        '<a href="https://example.org/pmo">web</a> <img src="../_assets/logo.png"></p>',
    )
    facts = read_facts(copy)
    unit = next(s for s in plan_sections(copy, facts) if s.key == "unit-retail-banking")
    soup = soup_of(unit.html)
    links = {a.get_text(): a.get("href") for a in soup.find(id="probe").find_all("a")}
    assert links == {
        "peer": "#unit-digital-channels",  # a page in the pack: a link inside the PDF
        "league": None,  # a place inside a page: the PDF has no such anchor
        "csv": None,
        "web": "https://example.org/pmo",
    }
    assert soup.find("img")["src"] == "_assets/logo.png"  # relative to the version's root


def test_later_pages_take_their_place_when_a_version_has_them(
    version: Path, tmp_path: Path
) -> None:
    copy = _copy(version, tmp_path)
    (copy / "methodology.html").write_text(
        "<html><body><main><h1>Methodology</h1><p>CPI = EV / AC</p></main></body></html>"
    )
    (copy / "pmo-value.html").write_text(
        "<html><body><main><h1>PMO value</h1><p>EFFECT</p></main></body></html>"
    )
    index = (copy / "index.html").read_text(encoding="utf-8")
    summary = '<h2 id="Executive-summary">Executive summary</h2><p>FIVE SENTENCES</p>'
    (copy / "index.html").write_text(index.replace("<h2 ", summary + "<h2 ", 1), encoding="utf-8")
    facts = read_facts(copy)
    sections = plan_sections(copy, facts)
    keys = [s.key for s in sections]
    assert keys[:2] == ["summary", "portfolio"]
    assert keys[-4:] == ["maturity", "changes", "pmo-value", "methodology"]
    assert sections[-1].group == "appendix"
    assert "FIVE SENTENCES" in sections[0].html and "FIVE SENTENCES" not in sections[1].html
    # A unit committee's pack: its units and the appendix, nothing portfolio-wide.
    mine = plan_sections(copy, facts, ["Retail Banking"])
    assert [s.key for s in mine] == ["unit-retail-banking", "methodology"]


def test_units_are_chosen_by_id_or_name(version: Path) -> None:
    facts = read_facts(version)
    sections = plan_sections(version, facts, ["wealth-management", "Risk & Compliance"])
    assert [s.key for s in sections] == [
        "unit-wealth-management",
        "unit-risk-compliance",
        "methodology",
    ]


def test_a_pack_for_some_units_leaves_out_what_the_methodology_says_of_others(
    version: Path,
) -> None:
    """The sample's Risk & Compliance has its own target for projects on time: the methodology
    names it, except in a pack for other units."""
    facts = read_facts(version)

    def method(units: list[str] | None) -> str:
        return next(s.html for s in plan_sections(version, facts, units) if s.group == "appendix")

    assert 'data-unit="risk-compliance"' in method(None) and "Risk &amp; Compliance" in method(None)
    theirs = method(["risk-compliance"])
    assert "Risk &amp; Compliance" in theirs
    others = method(["digital-channels", "wealth-management"])
    assert "Risk &amp; Compliance" not in others and "data-unit-list" not in others
    assert "Units with their own" not in others
    with pytest.raises(UsageError, match="not in version 2026-Q3; its units: retail-banking"):
        plan_sections(version, facts, ["atlantis"])


def test_facts_come_from_the_manifest(version: Path) -> None:
    facts = read_facts(version)
    assert (facts.version, facts.kind, facts.scenario) == (VERSION, "official", None)
    assert facts.organisation == "Northwind Group"
    assert facts.units["retail-banking"] == "Retail Banking"
    assert facts.params_hash[:12] in facts.provenance


# ---- where the pack goes ------------------------------------------------------------------------


def test_an_unknown_version_is_refused_with_the_published_ones(sample_site: Path) -> None:
    with pytest.raises(UsageError, match=r"'2031-Q1' is not published .*published: 2026-Q3"):
        version_folder(sample_site, "2031-Q1")
    assert version_folder(sample_site, "latest") == sample_site / "latest"
    with pytest.raises(UsageError, match="no version is published"):
        version_folder(sample_site.parent / "nowhere", VERSION)


def test_destinations_that_cannot_be_written_are_refused(sample_site: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        check_destination(tmp_path / "missing" / "pack.pdf", sample_site)
    with pytest.raises(UsageError, match="is a folder"):
        check_destination(tmp_path, sample_site)
    with pytest.raises(UsageError, match="inside the site"):
        check_destination(sample_site / VERSION / "board-pack.pdf", sample_site)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(UsageError):
        check_destination(a_file / "pack.pdf", sample_site)
    check_destination(tmp_path / "pack.pdf", sample_site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # the probe is gone


def test_the_pdf_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"the previous pack")

    with pytest.raises(TypeError):  # the write fails after the temporary file was made
        write_atomically("not bytes", target)  # type: ignore[arg-type]
    assert target.read_bytes() == b"the previous pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]
    write_atomically(b"%PDF-new", target)
    assert target.read_bytes() == b"%PDF-new"


# ---- finding Chromium ---------------------------------------------------------------------------


def test_chromium_from_the_environment_variable_first(tmp_path: Path) -> None:
    exe = tmp_path / "my-chrome"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    found = find_chromium({"PMOVALUE_CHROMIUM": str(exe), "PATH": os.environ["PATH"]})
    assert found == str(exe)
    with pytest.raises(BrowserUnavailable, match="PMOVALUE_CHROMIUM=/no/such/chrome"):
        find_chromium({"PMOVALUE_CHROMIUM": "/no/such/chrome", "PATH": ""})


def test_chromium_on_path_then_nothing(tmp_path: Path) -> None:
    exe = tmp_path / "google-chrome"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_chromium({"PATH": str(tmp_path)}) == str(exe)
    assert find_chromium({"PATH": str(tmp_path / "empty")}) is None


def test_the_headless_shell_before_the_full_browser(tmp_path: Path) -> None:
    """Chromium's headless shell starts no window parts: found first, wherever it lies on
    PATH."""
    shell_dir, browser_dir = tmp_path / "shell", tmp_path / "browser"
    for folder, name in ((shell_dir, "chromium-headless-shell"), (browser_dir, "chromium")):
        folder.mkdir()
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    path = os.pathsep.join([str(browser_dir), str(shell_dir)])
    assert find_chromium({"PATH": path}) == str(shell_dir / "chromium-headless-shell")
    assert find_chromium({"PATH": str(browser_dir)}) == str(browser_dir / "chromium")
