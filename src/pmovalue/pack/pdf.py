"""The board pack's PDF put together with pypdf: the front matter with its page numbers, the
sections as Chromium printed them, each page's header and footer laid over it, the contents'
links, the bookmarks and the document's properties."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from pmovalue.errors import AssemblyError
from pmovalue.pack.compose import Entry
from pmovalue.pack.version import VersionFacts

SHEET = "sheet-"  # the id of page i's header-and-footer sheet is sheet-<i>


@dataclass(frozen=True)
class Layout:
    """Where the sections of a printed pack start (0-based page indices) and its length."""

    starts: dict[str, int]
    pages: int

    @property
    def front_pages(self) -> int:
        """The cover and the contents: the pages before the first section."""
        return min(self.starts.values())


def layout(body: bytes, keys: Iterable[str]) -> Layout:
    """The page each section starts on, from the named destinations Chromium writes for the
    contents' links to the sections."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    named = {name.lstrip("/"): dest for name, dest in reader.named_destinations.items()}
    starts = {}
    for key in keys:
        if key not in named:
            raise AssemblyError(f"the board pack's section {key!r} was not found in the print")
        page = reader.get_destination_page_number(named[key])
        starts[key] = page
    return Layout(starts, len(reader.pages))


def assemble(
    body: bytes, front_and_sheets: bytes, lay: Layout, entries: list[Entry], facts: VersionFacts
) -> tuple[bytes, int]:
    """The pack: the front matter of `front_and_sheets` (with the real page numbers), then the
    sections of `body`; every page but the cover gets its sheet (header and footer) on top.
    Returns the PDF and its page count."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link

    printed = PdfReader(io.BytesIO(body))
    front = PdfReader(io.BytesIO(front_and_sheets))
    f, n = lay.front_pages, lay.pages
    if len(front.pages) != f + n:
        raise AssemblyError(
            f"the board pack's front matter took {len(front.pages) - n} pages when printed "
            f"again instead of {f}: its page numbers would be wrong"
        )
    writer = PdfWriter()
    for i in range(f):
        writer.add_page(front.pages[i])
    for i in range(f, n):
        writer.add_page(printed.pages[i])
    for i in range(1, n):  # the cover has no header or footer
        writer.pages[i].merge_page(front.pages[f + i])

    # The contents' links point at the sheet of the page they name: make them go to that page.
    for i in range(f):
        page = writer.pages[i]
        links = [a.get_object() for a in page.get("/Annots", [])]
        page.pop("/Annots", None)
        for link in links:
            dest = str(link.get("/Dest", "")).lstrip("/")
            if link.get("/Subtype") == "/Link" and dest.startswith(SHEET):
                target = int(dest.removeprefix(SHEET))
                writer.add_annotation(
                    page_number=i, annotation=Link(rect=link["/Rect"], target_page_index=target)
                )

    writer.add_outline_item(title="Cover", page_number=0)
    if f > 1:
        writer.add_outline_item(title="Contents", page_number=1)
    parents: dict[str, object] = {}
    for e in entries:
        index = e.page_number - 1
        parent = None
        if e.section.group:
            if e.section.group not in parents:
                label = "Business units" if e.section.group == "units" else "Appendix"
                parents[e.section.group] = writer.add_outline_item(title=label, page_number=index)
            parent = parents[e.section.group]
        writer.add_outline_item(title=e.section.title, page_number=index, parent=parent)  # type: ignore[arg-type]
    writer.page_mode = "/UseOutlines"
    kind = f"what-if scenario {facts.scenario}" if facts.kind == "scenario" else "official"
    writer.add_metadata(
        {
            "/Title": f"Board pack: {facts.title}, {facts.period} ({kind})",
            "/Author": facts.organisation,
            "/Subject": f"Version {facts.version} of the {facts.title}",
            "/Creator": f"pmovalue {facts.pmovalue_version}",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), n
