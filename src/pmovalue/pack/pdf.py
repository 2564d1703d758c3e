"""The board pack's PDF put together with pypdf: the front matter with its page numbers, the
sections as Chromium printed them, each page's header and footer laid over it, the contents'
links, the bookmarks and the document's properties."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmovalue.errors import AssemblyError
from pmovalue.pack.compose import Entry
from pmovalue.pack.version import VersionFacts

if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter

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
        lay_over(writer, writer.pages[i], front.pages[f + i])

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


SHEET_FORM = "/PmvSheet"


def lay_over(writer: PdfWriter, page: PageObject, sheet: PageObject) -> None:
    """Draw `sheet` over `page` (one of `writer`'s): the sheet becomes a form XObject that the
    page draws last, its own drawing state saved and restored around it. The content streams
    are handed over as they are: pypdf's merge_page parses both pages' streams to rename their
    resources, which took 0.4 s for a 63-page pack."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        StreamObject,
    )

    contents = sheet.raw_get("/Contents")
    if not isinstance(contents.get_object(), StreamObject):  # several streams: not Chromium's
        page.merge_page(sheet)
        return
    form_ref = contents.clone(writer)  # the stream as it is (compressed), now the writer's
    form = form_ref.get_object()
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = sheet.mediabox
    form[NameObject("/Resources")] = sheet["/Resources"].clone(writer)
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    forms = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
    forms[NameObject(SHEET_FORM)] = form_ref.indirect_reference or form_ref

    def stream(data: bytes) -> object:
        new = DecodedStreamObject()
        new.set_data(data)
        return writer._add_object(new)  # (pypdf has no public call for a new stream)

    own = page.raw_get("/Contents")
    own_streams = list(own.get_object()) if isinstance(own.get_object(), ArrayObject) else [own]
    page[NameObject("/Contents")] = ArrayObject(
        [stream(b"q\n"), *own_streams, stream(f"Q\nq {SHEET_FORM} Do Q\n".encode())]
    )
