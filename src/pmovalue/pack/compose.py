"""The board pack's documents, as HTML: what goes in it and in which order, taken from the pages
of the published version (no browser needed here; `pmovalue.pack.chromium` prints them).

Sections, in order: executive summary and PMO commentary (when the portfolio page has them),
the portfolio, one section per unit, maturity, what changed, PMO value (when the version has
the page), and the methodology as an appendix (when it has that page). Pages that a version
does not have are left out without a gap. A section is the `<main>` of its page; a unit's is
condensed to what a board reads: the blocks marked `data-board` in the page (headline tiles,
findings, attention list, key charts), each under its heading, and the sections headed as in
`BOARD_HEADINGS`. Links to pages in the pack become links inside the PDF; other links to the
site, the CSV downloads and the charts' data tables are dropped (a PDF cannot follow them). A
pack for some units leaves out what the other pages say about the other units where the page
marks it (`data-unit`: the methodology's units with their own targets).
"""

from __future__ import annotations

import calendar
import functools
import posixpath
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmovalue.data.units import slugify
from pmovalue.errors import UsageError
from pmovalue.pack.paper import Paper
from pmovalue.pack.version import VersionFacts

if TYPE_CHECKING:
    import jinja2
    from bs4 import BeautifulSoup, Tag

BOARD = "data-board"  # the attribute that marks a block of a page for the board pack
# A part about one unit in a page about them all (data-unit="<unit id>"), inside a list of such
# parts (data-unit-list): a pack for some units leaves out the others' (as markup.UNIT says).
UNIT, UNIT_LIST = "data-unit", "data-unit-list"
# Headed sections a board reads whole, wherever a page has them (matched at the heading's start,
# ignoring case). The first two open the pack when the portfolio page has them.
LEAD_HEADINGS = ("executive summary", "pmo commentary")
BOARD_HEADINGS = (*LEAD_HEADINGS, "pmo support")

# The version's pages in pack order: (path, section key, default title, group).
PORTFOLIO_PAGE = "index.html"
AFTER_UNITS = [
    ("maturity.html", "maturity", "PMO maturity", ""),
    ("changes.html", "changes", "What changed", ""),
    ("pmo-value.html", "pmo-value", "PMO value", ""),
    ("methodology.html", "methodology", "Methodology", "appendix"),
]
# Removed from every section: interactive or screen-only parts, and the chart data tables
# (the chart itself is printed; its data stays in the site and data/metrics.csv). As
# (element or "", class or "", id or ""): one pass over the page, not a CSS selector each.
DROPPED = (
    ("a", "download", ""),
    ("a", "anchor-link", ""),
    ("details", "chart-data", ""),
    ("header", "", "title-block-header"),
    ("", "celltag_parameters", ""),
    ("", "celltag_injected-parameters", ""),
)


@dataclass(frozen=True)
class Section:
    key: str  # the section's id in the pack, e.g. unit-retail-banking
    title: str  # contents entry and running header
    page: str  # the page of the version it comes from
    group: str  # "" | "units" | "appendix"
    html: str  # the section's content


@dataclass(frozen=True)
class Entry:
    """A line of the contents: a section and the page it starts on."""

    section: Section
    page_number: int


def soup_of(text: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup  # a dependency of nbconvert; imported when a pack is made

    return BeautifulSoup(text, "html.parser")


def plan_sections(
    folder: Path, facts: VersionFacts, units: list[str] | None = None
) -> list[Section]:
    """The sections of the pack of the version in `folder`. With `units` (ids or names), only
    those units' sections and the appendix: a pack for a unit's committee names no other unit."""
    return list(iter_sections(folder, facts, units))


def iter_sections(
    folder: Path, facts: VersionFacts, units: list[str] | None = None
) -> Iterator[Section]:
    """`plan_sections` one section at a time, in pack order: each can be sent to the printer
    while the next page is read."""
    chosen = select_units(facts, units)
    pages: list[tuple[str, str, str, str]] = []
    if units is None:
        pages.append((PORTFOLIO_PAGE, "portfolio", "Portfolio overview", ""))
    pages += [(f"units/{uid}.html", f"unit-{uid}", name, "units") for uid, name in chosen.items()]
    pages += [p for p in AFTER_UNITS if units is None or p[3] == "appendix"]
    present = [p for p in pages if (folder / p[0]).is_file()]
    in_pack = {path: key for path, key, _, _ in present}

    for path, key, default_title, group in present:
        soup = soup_of(page_content((folder / path).read_text(encoding="utf-8")))
        main = soup.find("main") or soup.body or soup
        title = page_title(main) or default_title
        prepare(main, path, in_pack)
        if units is not None:
            drop_other_units(main, set(chosen))
        if group == "units":
            condense(main)
        elif path == PORTFOLIO_PAGE:
            lead = split_lead(soup, main)
            if lead is not None:
                lead_title, lead_html = lead
                yield Section("summary", lead_title, path, "", lead_html)
        yield Section(key, title, path, group, main.decode_contents())


def scenario_note(folder: Path) -> str:
    """The scenario banner of the portfolio page (which parameters differ from the official
    run), for the cover; '' for an official version."""
    page = folder / PORTFOLIO_PAGE
    if not page.is_file():
        return ""
    banner = soup_of(page.read_text(encoding="utf-8")).select_one(".banner.scenario")
    return banner.decode_contents() if banner is not None else ""


# The charts' data tables, as pmovalue.markup writes them: dropped from the pack (see DROPPED)
# before the page is parsed, which halves the parsing.
CHART_DATA = re.compile(r'<details class="chart-data">.*?</details>', re.S)


def page_content(text: str) -> str:
    """The part of a page the pack reads: its <main>, without the charts' data tables."""
    start, end = text.find("<main"), text.rfind("</main>")
    if start >= 0 and end > start:
        text = text[start : end + len("</main>")]
    return CHART_DATA.sub("", text)


def select_units(facts: VersionFacts, wanted: list[str] | None) -> dict[str, str]:
    """The units of the version to put in the pack (all of them when `wanted` is None)."""
    if wanted is None:
        return dict(facts.units)
    by_name = {slugify(name): uid for uid, name in facts.units.items()}
    out: dict[str, str] = {}
    for w in wanted:
        uid = w if w in facts.units else by_name.get(slugify(w), slugify(w))
        if uid not in facts.units:
            raise UsageError(
                f"--units: unit {w!r} is not in version {facts.version}; "
                f"its units: {', '.join(facts.units) or 'none'}"
            )
        out[uid] = facts.units[uid]
    if not out:
        raise UsageError("--units: name at least one unit (comma-separated ids or names)")
    return out


# ---- one page's content -------------------------------------------------------------------------


def page_title(main: Tag) -> str:
    """The page's own title: its first h1 without the period beside it."""
    h1 = main.find("h1")
    if h1 is None:
        return ""
    for span in h1.select(".period, .anchor-link"):
        span.decompose()
    return " ".join(h1.get_text(" ").split())


def prepare(main: Tag, page: str, in_pack: dict[str, str]) -> None:
    """Drop what a PDF cannot use and point links and sources at the right places."""
    from bs4 import Tag

    folder = posixpath.dirname(page)
    # A walk that does not go into what it removes. (Not find_all with a `decomposed` check on
    # each element: for an element never removed, bs4 looks that attribute up as a child tag
    # named "_decomposed", searching the element's whole subtree: 40% of a pack's reading.)
    parents = [main]
    while parents:
        for el in list(parents.pop().children):
            if not isinstance(el, Tag):
                continue
            if el.name == "h1" or _dropped(el):
                el.decompose()
                continue
            if el.name == "a" and el.has_attr("href"):
                href = _link(str(el["href"]), folder, page, in_pack)
                if href:
                    el["href"] = href
                else:
                    del el["href"]
            if el.has_attr("src"):
                el["src"] = _rebase(str(el["src"]), folder)
            parents.append(el)


def drop_other_units(main: Tag, chosen: set[str]) -> None:
    """Leave out the parts about units not in `chosen`, and a list of them left empty."""
    for el in main.find_all(attrs={UNIT: True}):
        if not el.decomposed and el.get(UNIT) not in chosen:
            el.decompose()
    for el in main.find_all(attrs={UNIT_LIST: True}):
        if not el.decomposed and el.find(attrs={UNIT: True}) is None:
            el.decompose()


def _dropped(el: Tag) -> bool:
    classes = el.get("class") or ()
    ident = el.get("id") or ""
    return any(
        (not name or el.name == name) and (not cls or cls in classes) and (not i or ident == i)
        for name, cls, i in DROPPED
    )


def _is_absolute(url: str) -> bool:
    return bool(urllib.parse.urlsplit(url).scheme) or url.startswith(("/", "#"))


def _link(href: str, folder: str, page: str, in_pack: dict[str, str]) -> str:
    """`units/x.html` -> `#unit-x` when that page is in the pack; a web address stays; any
    other link into the site is dropped ('')."""
    parts = urllib.parse.urlsplit(href)
    if parts.scheme in ("http", "https", "mailto"):
        return href
    if parts.scheme or href.startswith("/"):
        return ""
    target = posixpath.normpath(posixpath.join(folder, parts.path)) if parts.path else page
    return f"#{in_pack[target]}" if target in in_pack and not parts.fragment else ""


def _rebase(src: str, folder: str) -> str:
    """A page-relative source made relative to the version's root (the pack's base URL)."""
    if _is_absolute(src) or not folder:
        return src
    return posixpath.normpath(posixpath.join(folder, src))


def _heading_text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").replace("¶", " ").split())


def _is_heading_of(tag: Tag, names: tuple[str, ...]) -> bool:
    return _heading_text(tag).lower().startswith(names)


def headed_parts(main: Tag, names: tuple[str, ...]) -> list[Tag]:
    """The elements of the h2 sections whose heading starts with one of `names`: the heading
    and everything after it up to the next h2, as the largest elements that hold no other h2
    (notebook pages put each cell in its own element; Quarto puts a section in one). A heading
    that opens a `<section>` of its own (the executive summary, the PMO commentary) heads that
    section only: what follows it is the page's."""
    parts: list[Tag] = []
    taken: set[int] = set()
    inside = False
    bounded: Tag | None = None  # the <section> the current heading opens, if any
    for el in main.find_all(True):
        if bounded is not None and not any(p is bounded for p in el.parents):
            inside, bounded = False, None
        if el.name == "h2":
            inside = _is_heading_of(el, names)
            box = el.parent
            if inside and box is not None and box.name == "section" and box.find("h2") is el:
                if not any(id(p) in taken for p in box.parents):
                    taken.add(id(box))
                    parts.append(box)
                bounded = box
                continue
        if not inside or el.find("h2") is not None:
            continue
        if any(id(p) in taken for p in el.parents):
            continue
        taken.add(id(el))
        parts.append(el)
    return parts


def keep_only(main: Tag, kept: list[Tag]) -> None:
    """Remove every element of `main` that neither is, holds nor lies inside a kept one."""
    keep = {id(el) for el in kept}
    holds = {id(p) for el in kept for p in el.parents}

    def prune(node: Tag) -> None:
        for child in list(node.children):
            if not hasattr(child, "name") or child.name is None:
                if str(child).strip() and id(node) not in keep:
                    child.extract()  # stray text between removed blocks
                continue
            if id(child) in keep:
                continue
            if id(child) in holds:
                prune(child)
            else:
                child.decompose()

    prune(main)


def condense(main: Tag) -> None:
    """A unit page as a board reads it: the marked blocks, each under the heading it follows,
    and the sections headed as in BOARD_HEADINGS. A page with none of them (a unit whose
    notebook failed, a project's own notebook) is kept whole."""
    marked = main.find_all(attrs={BOARD: True})
    kept = headed_parts(main, BOARD_HEADINGS)
    if not marked and not kept:
        return
    for el in marked:
        kept.append(el)
        heading = el.find_previous(["h2", "h3"])
        if heading is not None and main in heading.parents:
            kept.append(heading)
    keep_only(main, kept)


def split_lead(soup: BeautifulSoup, main: Tag) -> tuple[str, str] | None:
    """The portfolio page's executive summary and PMO commentary, taken out of it to open the
    pack: (section title, html), or None when the page has neither."""
    parts = headed_parts(main, LEAD_HEADINGS)
    if not parts:
        return None
    titles = [_heading_text(h) for h in main.find_all("h2") if _is_heading_of(h, LEAD_HEADINGS)]
    lead = soup_of("<div></div>").div
    assert lead is not None
    for el in parts:
        lead.append(el.extract())
    return " and ".join(titles), lead.decode_contents()


# ---- the documents --------------------------------------------------------------------------


def render_document(
    facts: VersionFacts,
    paper: Paper,
    base_url: str,
    *,
    sections: list[Section] = (),  # type: ignore[assignment]
    contents: list[Entry] | None = None,
    stamps: list[dict[str, Any]] | None = None,
    units: list[str] | None = None,
    scenario_note: str = "",
    streamed: bool = False,
) -> str:
    """One HTML document of the pack, printed by Chromium: the front matter (cover and
    contents) when `contents` is given, then the `sections`, then the `stamps` (one sheet per
    page of the pack, with its header and footer, laid over the pages by pmovalue.pack.pdf).
    `streamed`: a document whose body parts (`render_part`) are added one by one."""
    return _template("pack.html.j2").render(
        facts=facts,
        paper=paper,
        base_url=base_url,
        sections=list(sections),
        contents=contents,
        stamps=stamps or [],
        units=units,
        scenario_note=scenario_note,
        date=human_date(facts.published_at),
        streamed=streamed,
    )


def render_part(
    part: str,
    facts: VersionFacts,
    *,
    section: Section | None = None,
    contents: list[Entry] | None = None,
    units: list[str] | None = None,
    scenario_note: str = "",
) -> str:
    """One part of the pack's body, as `render_document` writes it: "front" (the cover and the
    contents), "section" (one section and its script) or "tail" (what runs once all sections
    are in), for the printer to add to a document opened with `render_document(streamed=True)`."""
    return _template(f"pack-{part}.html.j2").render(
        facts=facts,
        s=section,
        contents=contents,
        stamps=[],
        units=units,
        scenario_note=scenario_note,
        date=human_date(facts.published_at),
    )


@functools.cache
def _template(name: str) -> jinja2.Template:
    """A template of the pack, compiled once (a pack renders one per section)."""
    from pmovalue.site.assets import templates

    return templates().get_template(name)


def human_date(iso: str) -> str:
    """`2026-12-04T18:28:05Z` -> `4 December 2026` (the text itself when it is no date)."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not m:
        return iso
    year, month, day = (int(g) for g in m.groups())
    return f"{day} {calendar.month_name[month]} {year}"
