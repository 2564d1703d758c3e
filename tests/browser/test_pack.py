"""The board pack of the sample site, printed by Debian's Chromium and read back as a board
member would meet it: its text (pypdf), its pages as images (poppler's pdftoppm), its contents,
links and bookmarks."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from pmovalue.markup import signed, table_html
from pmovalue.pack import make_pack
from pmovalue.pack.chromium import BASE_URL, Printer
from pmovalue.pack.compose import Entry, plan_sections, render_document, render_part, soup_of
from pmovalue.pack.paper import PAPERS
from pmovalue.pack.version import read_facts
from tests.conftest import run_cli

from .conftest import UNIT_PAGE, file_url, wait_for_charts

VERSION = "2026-Q3"
# What a page shows only on a screen: none of it may reach the pack.
SCREEN_ONLY = (
    "Skip to content",
    "Search this version",
    "Download CSV",
    "Data table:",
    "Data quality",  # a navbar link (the data-quality page is not in the pack)
    "metrics.csv</a>",
    "manifest",
    "¶",
)


def chromium_path() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (run `make browser`)")
    return exe


def poppler() -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed (run `make browser`)")


@dataclass
class Pack:
    path: Path
    reader: PdfReader

    @property
    def texts(self) -> list[str]:
        return [p.extract_text() for p in self.reader.pages]

    def outline(self) -> dict[str, int]:
        """Bookmark title -> page number (1-based), nested ones included."""
        out: dict[str, int] = {}

        def walk(items: list) -> None:  # type: ignore[type-arg]
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    out[item.title] = self.reader.get_destination_page_number(item) + 1

        walk(self.reader.outline)
        return out


def cli_pack(site: Path, out: Path, *extra: str, chromium: str | None = None) -> Pack:
    """`pmovalue pack` as a user runs it, finding Chromium through PMOVALUE_CHROMIUM (PATH holds
    only the virtual environment's scripts): Debian's full browser unless told."""
    env = {
        "PATH": str(Path(sys.executable).parent),
        "PMOVALUE_CHROMIUM": chromium or chromium_path(),
    }
    done = run_cli("pack", VERSION, str(out), "--out", str(site), *extra, env=env)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    assert done.stderr == ""  # no request was blocked: nothing outside the site was asked for
    return Pack(out, PdfReader(out))


@pytest.fixture(scope="module")
def pack(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return cli_pack(
        sample_site, tmp_path_factory.mktemp("pack") / "board pack.pdf", "--paper", "A4"
    )


@pytest.fixture(scope="module")
def facts(sample_site: Path):
    return read_facts(sample_site / VERSION)


# The sample's sections after the units, as the contents name them.
AFTER_UNITS = ["PMO maturity", "What changed", "PMO value"]


def section_pages(pack: Pack, facts) -> dict[str, range]:
    """Each section's pages (1-based), from the bookmarks."""
    marks = pack.outline()
    titles = ["Portfolio overview", *facts.units.values(), *AFTER_UNITS, "Methodology"]
    starts = [marks[t] for t in titles]
    ends = [*starts[1:], len(pack.reader.pages) + 1]
    return {t: range(s, e) for t, s, e in zip(titles, starts, ends, strict=True)}


# ---- what it says ------------------------------------------------------------------------------


def test_every_unit_with_its_value_index_as_on_the_site(
    pack: Pack, facts, sample_site: Path
) -> None:
    pages = section_pages(pack, facts)
    texts = pack.texts
    for uid, name in facts.units.items():
        page = (sample_site / VERSION / "units" / f"{uid}.html").read_text(encoding="utf-8")
        tile = soup_of(page).select_one('[data-metric="value_index"] .value')
        assert tile is not None
        shown = tile.get_text(strip=True)
        text = " ".join(texts[i - 1] for i in pages[name])
        assert name in text
        assert re.search(rf"Value index\s+{re.escape(shown)}\b", text), (name, shown)


def test_the_contents_agree_with_the_pages(pack: Pack, facts) -> None:
    texts = pack.texts
    n = len(texts)
    contents = texts[1]
    assert contents.lstrip().startswith(("PMO value report", "Contents"))
    entries = dict(
        (m.group(1).strip(), int(m.group(2)))
        for m in re.finditer(r"^(.+?)\s+(\d+)$", contents, re.M)
        if not m.group(1).startswith(("Northwind", "1f"))
    )
    # The sample's portfolio page has an executive summary and commentary (they open the
    # pack) and the version a methodology page (the appendix).
    lead = "Executive summary and PMO commentary"
    expected = [lead, "Portfolio overview", *facts.units.values(), *AFTER_UNITS, "Methodology"]
    assert [t for t in entries if t in expected] == expected
    marks = pack.outline()
    for title in expected:
        page = entries[title]
        assert marks[title] == page  # the bookmark agrees
        head = texts[page - 1]
        assert title in head.splitlines()[0] or title in head  # running header and title
        assert re.search(rf"^{re.escape(title)}(\s+{VERSION})?$", head, re.M), (title, page)
    # The contents' entries are links to those pages.
    pages = [p.indirect_reference.idnum for p in pack.reader.pages]
    links = [a.get_object() for a in pack.reader.pages[1].get("/Annots", [])]
    targets = sorted(pages.index(a["/Dest"][0].idnum) + 1 for a in links)
    assert targets == sorted(entries[t] for t in expected)
    # Every page but the cover: its number and the total in the footer.
    for i in range(2, n + 1):
        assert f"Page {i} of {n}" in texts[i - 1], i
    assert "Page 1 of" not in texts[0]


def test_pmo_value_with_its_intervals_as_on_the_site(pack: Pack, facts, sample_site: Path) -> None:
    """The PMO-value page is the pack's section after What changed: its estimates with their
    95% intervals; each unit's section keeps its PMO-support sentences."""
    pages = section_pages(pack, facts)
    text = " ".join(" ".join(pack.texts[i - 1] for i in pages["PMO value"]).split())
    m = pd.read_csv(sample_site / VERSION / "data" / "metrics.csv")
    value = m[m["unit_id"] == "_portfolio"].set_index("metric")["value"]
    low, high = value["pmo_effect_cpi_low"], value["pmo_effect_cpi_high"]
    assert f"95% interval {signed(low, 3)} to {signed(high, 3)}" in text
    assert "association, not proof" in text and "Who was compared with whom" in text
    unit = " ".join(" ".join(pack.texts[i - 1] for i in pages["Digital Channels"]).split())
    assert "PMO support" in unit and "comparable projects of the unit (95% interval" in unit


def test_the_cover_and_the_provenance_line(pack: Pack, facts) -> None:
    cover = pack.texts[0]
    for fact in ("Board pack", "Northwind Group", "Official report", VERSION, facts.title):
        assert fact.lower() in cover.lower(), fact
    for text in pack.texts[1:]:
        text = " ".join(text.split())  # the footer's line may wrap anywhere
        assert f"params {facts.params_hash[:12]}" in text
        assert f"data {facts.data_hash[:12]}" in text
        assert f"version {VERSION} (official)" in text


def test_no_page_has_a_navbar_or_a_button(pack: Pack) -> None:
    text = "\n".join(pack.texts)
    for screen_only in SCREEN_ONLY:
        assert screen_only not in text, screen_only


def test_the_pack_is_a4_with_its_bookmarks(pack: Pack, facts) -> None:
    box = pack.reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    marks = pack.outline()
    assert {"Cover", "Contents", "Business units", *facts.units.values()} <= set(marks)
    meta = pack.reader.metadata
    assert meta is not None and meta.title == f"Board pack: {facts.title}, {VERSION} (official)"


# ---- what it looks like -----------------------------------------------------------------------


def words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """(word, x, y) of a page's words, in points from the top left (poppler's pdftotext)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">(.*?)</word>'
    return [(html.unescape(m[3]), float(m[1]), float(m[2])) for m in re.finditer(pattern, out)]


def raster(pdf: Path, page: int, dpi: int, folder: Path) -> tuple[int, int, bytes]:
    """One page as RGB pixels (width, height, bytes), drawn by poppler's pdftoppm."""
    prefix = folder / f"page-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            prefix,
        ],
        check=True,
    )
    data = prefix.with_suffix(".ppm").read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    return int(width), int(height), pixels


def ink(
    pixels: tuple[int, int, bytes], box: tuple[float, float, float, float]
) -> tuple[float, int]:
    """(share of non-white pixels, number of coloured ones) inside `box` (fractions of the
    page: left, top, right, bottom)."""
    width, height, data = pixels
    x0, y0, x1, y1 = (
        int(box[0] * width),
        int(box[1] * height),
        int(box[2] * width),
        int(box[3] * height),
    )
    inked = coloured = total = 0
    for y in range(y0, y1):
        row = data[(y * width + x0) * 3 : (y * width + x1) * 3]
        for i in range(0, len(row), 3):
            r, g, b = row[i], row[i + 1], row[i + 2]
            total += 1
            if min(r, g, b) < 230:
                inked += 1
            if max(r, g, b) - min(r, g, b) > 60:
                coloured += 1
    return inked / max(total, 1), coloured


def test_every_chart_is_drawn(pack: Pack, facts, sample_site: Path, tmp_path: Path) -> None:
    assert_every_chart_drawn(pack, facts, sample_site, tmp_path)


def assert_every_chart_drawn(pack: Pack, facts, sample_site: Path, tmp_path: Path) -> None:
    """Each chart of each section is found by its title on its section's pages, and the area
    below the title, as rasterised by poppler, holds a drawing in colour."""
    poppler()
    pages = section_pages(pack, facts)
    dpi = 40
    checked = 0
    sections = plan_sections(sample_site / VERSION, facts)
    by_title = {
        "portfolio": "Portfolio overview",
        "maturity": "PMO maturity",
        "changes": "What changed",
        "pmo-value": "PMO value",
    }
    for section in sections:
        title = by_title.get(section.key) or section.title
        charts = [f["aria-label"] for f in soup_of(section.html).select("figure.chart")]
        for chart in charts:
            # the title's first words (a card's label may start like a chart's title)
            first = chart.split()[:5]
            where = None
            for page in pages[title]:
                ws = words(pack.path, page)
                for i in range(len(ws) - len(first) + 1):
                    if [w for w, _, _ in ws[i : i + len(first)]] == first:
                        where = (page, ws[i][2])
                        break
                if where:
                    break
            assert where is not None, f"{title}: chart {chart!r} not found in the pack"
            page, top = where
            _, height, _ = pixels = raster(pack.path, page, dpi, tmp_path)
            page_height = height / dpi * 72  # points
            box = (0.08, (top + 20) / page_height, 0.92, min(1.0, (top + 200) / page_height))
            share, coloured = ink(pixels, box)
            assert share > 0.02 and coloured > 20, (title, chart, page, share, coloured)
            checked += 1
    assert checked >= 2 + 2 * len(facts.units)  # the portfolio's two charts, two per unit, ...


def test_the_headless_shell_prints_what_the_full_browser_prints(
    pack: Pack, facts, sample_site: Path, tmp_path: Path
) -> None:
    """The pack prefers Chromium's headless shell where it is installed: the same pages with
    the same text as the full browser's pack, every chart drawn."""
    shell = shutil.which("chromium-headless-shell")
    if shell is None:
        pytest.skip("Debian's chromium-headless-shell is not installed (run `make browser`)")
    other = cli_pack(sample_site, tmp_path / "shell.pdf", "--paper", "A4", chromium=shell)
    assert other.texts == pack.texts
    assert_every_chart_drawn(other, facts, sample_site, tmp_path)


# ---- a unit committee's pack, in Letter -------------------------------------------------------


def test_a_pack_with_units_holds_only_those_units(sample_site: Path, facts, tmp_path: Path) -> None:
    pack = cli_pack(
        sample_site,
        tmp_path / "dc.pdf",
        "--units",
        "digital-channels,Wealth Management",
        "--paper",
        "letter",
    )
    text = "\n".join(pack.texts)
    chosen = {"digital-channels", "wealth-management"}
    for uid, name in facts.units.items():
        assert (name in text) == (uid in chosen), name
    for portfolio_wide in (
        "Portfolio overview",
        "League table",
        "Maturity by unit",
        "What changed",
    ):
        assert portfolio_wide not in text
    box = pack.reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


# ---- from a changed copy of the version -------------------------------------------------------


def test_the_body_printed_a_part_at_a_time_is_the_body_printed_whole(
    sample_site: Path, facts
) -> None:
    """The pack sends each section to Chromium as soon as its page is read: the print must be
    the one of the whole document at once, page for page (a part that starts with a script,
    as the last one does, once lost it, and every page was shrunk to fit a wide table)."""
    chromium_path()
    folder = sample_site / VERSION
    paper = PAPERS["A4"]
    sections = plan_sections(folder, facts)
    base = BASE_URL
    contents = [Entry(s, 0) for s in sections]
    printer = Printer()
    try:
        printer.start(folder, paper)
        whole = printer.pdf(
            render_document(facts, paper, base, sections=sections, contents=contents), charts=True
        )
        printer.open(render_document(facts, paper, base, streamed=True))
        for section in sections:
            printer.add(render_part("section", facts, section=section))
        printer.add(render_part("front", facts, contents=contents), at_start=True)
        printer.add(render_part("tail", facts))
        parts = printer.print_open(charts=True)
    finally:
        printer.close()
    pages = [[p.extract_text() for p in PdfReader(io.BytesIO(d.pdf)).pages] for d in (whole, parts)]
    assert len(pages[0]) > len(sections)
    assert pages[1] == pages[0]


@pytest.fixture
def copy(sample_site: Path, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / VERSION
    shutil.copytree(
        sample_site / VERSION, folder, ignore=shutil.ignore_patterns("pagefind", "notebooks")
    )
    yield folder


def _insert(page: Path, html_text: str) -> None:
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</h1>", "</h1>" + html_text, 1), encoding="utf-8")


def test_long_tables_repeat_their_header_and_nothing_is_fetched_from_outside(copy: Path) -> None:
    chromium_path()
    rows = pd.DataFrame({"Row name": [f"row-{i:03d}" for i in range(140)], "Amount": range(140)})
    long_table = table_html(rows, "A long table", board=True)
    outside = '<p data-board><img alt="logo" src="https://cdn.example.com/logo.png"></p>'
    _insert(copy / "units" / "retail-banking.html", long_table + outside)
    result = make_pack(copy, units=["retail-banking"], paper=PAPERS["A4"])
    # The request for the image was refused and reported, and the pack still made.
    assert result.blocked == ["https://cdn.example.com/logo.png"]
    reader = PdfReader(io.BytesIO(result.pdf))
    texts = [p.extract_text() for p in reader.pages]
    holding = [t for t in texts if re.search(r"row-\d{3}", t)]
    assert len(holding) >= 2  # the table breaks across pages...
    for text in holding:  # ...and each of them starts it with its header row
        assert re.search(r"Row name\s+Amount", text), text[:300]
    found = sorted({int(n) for t in holding for n in re.findall(r"row-(\d{3})", t)})
    assert found == list(range(140))  # no row lost at a page break


# ---- a page printed from a browser -----------------------------------------------------------


def test_a_site_page_prints_without_its_navigation(open_page, sample_site: Path) -> None:
    """The print rules live in the site's stylesheet: a page printed from a browser starts with
    its title, and has no navbar, search, switcher, buttons or download links."""
    visit = open_page(file_url(sample_site, UNIT_PAGE))
    wait_for_charts(visit.page, 6)
    pdf = visit.page.pdf(format="A4", print_background=True)
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert texts[0].lstrip().startswith("Digital Channels")  # not the navbar's brand
    text = "\n".join(texts)
    for screen_only in ("Skip to content", "Search this version", "Download CSV", "Data table:"):
        assert screen_only not in text, screen_only
    assert "Projects that need attention" in text and "pmovalue" in text  # content, provenance
    # On paper a metric's label is plain text: its link (a dotted underline) cannot be followed.
    visit.page.emulate_media(media="print")
    decorations = visit.page.eval_on_selector_all(
        "a.metric", "els => els.map(a => getComputedStyle(a).textDecorationLine)"
    )
    assert decorations and set(decorations) == {"none"}


# ---- a version assembled by Quarto ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed here")
def test_a_version_assembled_by_quarto(sample_build, facts, tmp_path: Path) -> None:
    """Quarto's pages (its own <main>, title block and sections) make the same pack."""
    from pmovalue.site.quarto import QuartoEngine
    from tests.conftest import REPO
    from tests.site.test_quarto import sample_pages

    chromium_path()
    builtin = sample_build.path
    pages, site = sample_pages(builtin)
    stage = tmp_path / VERSION
    (stage / "data").mkdir(parents=True)
    QuartoEngine(shutil.which("quarto") or "quarto", project_dir=REPO).assemble(pages, site, stage)
    for name in ("manifest.json", "data/metrics.csv"):
        shutil.copy2(builtin / name, stage / name)
    result = make_pack(stage, paper=PAPERS["A4"])
    assert result.blocked == []
    keys = [s.key for s in result.sections]
    units = [f"unit-{u}" for u in facts.units]
    assert keys == ["summary", "portfolio", *units, "maturity", "changes", "pmo-value"]
    lead, portfolio = result.sections[:2]
    assert 'class="exec-summary"' in lead.html and 'class="headline"' not in lead.html
    assert 'class="headline"' in portfolio.html
    for section in result.sections:
        assert "title-block-header" not in section.html
    unit = next(s for s in result.sections if s.key == "unit-retail-banking")
    assert unit.html.count("plotly-graph-div") == 2
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(result.pdf)).pages)
    for name in facts.units.values():
        assert name in text
    pmo = next(s for s in result.sections if s.key == "pmo-value")
    assert pmo.html.count("plotly-graph-div") == 3 and "association, not proof" in pmo.html
