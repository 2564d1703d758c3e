"""The board pack: one PDF of a published version, for the board meeting and its minutes.

`make_pack` reads a version's folder (never writes it) and returns the PDF; `pack_version` is
`pmovalue pack` (any published version, written anywhere, atomically); `BoardPack` is
`pmovalue build --pdf` (Chromium launched while the last notebooks run, the pack written into
the version's staging folder before it is published).

How: `compose` turns the version's pages into the pack's HTML (sections in order, unit pages
condensed); `chromium` prints it with the version's own stylesheet and plotly.js. The body goes
to Chromium a section at a time, each as soon as its page is read (its charts draw while the
next page is read), and is printed once (the page where each section starts is read back from
the PDF); then the front matter with those page numbers and one sheet per page with its header
and footer are printed; `pdf` puts them together with pypdf.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pmovalue.errors import UsageError
from pmovalue.pack import pdf
from pmovalue.pack.chromium import BASE_URL, Printer
from pmovalue.pack.compose import (
    Entry,
    Section,
    iter_sections,
    render_document,
    render_part,
    scenario_note,
)
from pmovalue.pack.paper import Paper, default_paper
from pmovalue.pack.version import VersionFacts, read_facts

BOARD_PACK_FILE = "board-pack.pdf"


@dataclass(frozen=True)
class PackResult:
    pdf: bytes
    pages: int
    paper: Paper
    sections: list[Section]
    entries: list[Entry]
    blocked: list[str]  # requests refused because they left the version's folder


def make_pack(
    folder: Path,
    units: list[str] | None = None,
    paper: Paper | None = None,
    printer: Printer | None = None,
    facts: VersionFacts | None = None,
) -> PackResult:
    """The board pack of the version in `folder` (its published or staged folder); `printer`:
    one already started on that folder (else one is started and closed here); `facts`: those
    of the version (else read from its manifest)."""
    paper = paper or default_paper()
    facts = facts or read_facts(folder)
    chromium = Printer() if printer is None else printer
    try:
        chromium.start(folder, paper)  # Chromium opens the version while its pages are read
        base = BASE_URL
        note = scenario_note(folder)
        # 1. Everything, with the contents' page numbers left at 0: where each section starts
        #    is read back from this print. Each section goes to Chromium as soon as its page
        #    is read (its charts draw while the next page is read); the front matter, which
        #    lists them all, goes before them last.
        chromium.open(render_document(facts, paper, base, streamed=True))
        sections: list[Section] = []
        for section in iter_sections(folder, facts, units):
            sections.append(section)
            chromium.add(render_part("section", facts, section=section))
        if not sections:
            raise UsageError(f"{folder}: the version has none of the pages a board pack needs")
        keys = {s.key for s in sections}
        shown_units = (
            [name for uid, name in facts.units.items() if f"unit-{uid}" in keys]
            if units is not None
            else None
        )
        placeholder = [Entry(s, 0) for s in sections]
        front = render_part(
            "front", facts, contents=placeholder, units=shown_units, scenario_note=note
        )
        chromium.add(front, at_start=True)
        chromium.add(render_part("tail", facts))
        body = chromium.print_open(charts=True)
        lay = pdf.layout(body.pdf, [s.key for s in sections])
        entries = [Entry(s, lay.starts[s.key] + 1) for s in sections]
        # 2. The front matter again with the real numbers, and one sheet per page (its header
        #    and footer).
        sheets = [{"section": _running_head(i, lay, sections)} for i in range(lay.pages)]
        again = render_document(
            facts,
            paper,
            base,
            contents=entries,
            stamps=sheets,
            units=shown_units,
            scenario_note=note,
        )
        printed_front = chromium.pdf(again, charts=False)
        chromium.quit_soon()  # while the PDF is put together
    finally:
        if printer is None:
            chromium.close()
    data, pages = pdf.assemble(body.pdf, printed_front.pdf, lay, entries, facts)
    return PackResult(data, pages, paper, sections, entries, body.blocked + printed_front.blocked)


def _running_head(page: int, lay: pdf.Layout, sections: list[Section]) -> str | None:
    """The running header's section name of a page (None for the cover)."""
    if page == 0:
        return None
    current = "Contents"
    for s in sections:
        if lay.starts[s.key] <= page:
            current = f"Appendix: {s.title}" if s.group == "appendix" else s.title
    return current


# ---- pmovalue pack -----------------------------------------------------------------------------


def version_folder(site: Path, version: str) -> Path:
    """The folder of a published version (or an alias such as `latest`) of `site`."""
    from pmovalue.publish import Site

    entries = Site(site).versions()
    names = [e.version for e in entries]
    aliases = {a for e in entries for a in e.aliases}
    folder = site / version
    if (version in names or version in aliases) and (folder / "manifest.json").is_file():
        return folder
    if not entries:
        raise UsageError(f"no version is published in {site}; build one with `pmovalue build`")
    raise UsageError(
        f"version {version!r} is not published in {site}; published: {', '.join(names)} "
        "(see `pmovalue versions`)"
    )


def check_destination(file: Path, site: Path) -> None:
    """Refuse, before any work, a FILE that cannot be written or lies inside the site (a
    published version is never changed)."""
    target = file.resolve()
    if target.is_relative_to(site.resolve()):
        raise UsageError(
            f"{file}: inside the site {site}, whose versions are never changed; write the pack "
            "elsewhere, or add it to a version with `pmovalue build --pdf`"
        )
    if target.is_dir():
        raise UsageError(
            f"{file}: is a folder; give the PDF's file name, e.g. {file}/board-pack.pdf"
        )
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{file}: the folder {parent} does not exist; create it first")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=f".{target.name}."):
            pass
    except OSError as exc:
        raise UsageError(f"{file}: cannot write there ({exc.strerror or exc})") from None


def write_atomically(data: bytes, file: Path) -> None:
    """Write to a temporary file beside `file`, then rename: never a half-written PDF."""
    target = file.resolve()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def pack_version(
    site: Path,
    version: str,
    file: Path,
    units: list[str] | None = None,
    paper: Paper | None = None,
) -> PackResult:
    """`pmovalue pack`: the board pack of a published version written to `file`."""
    folder = version_folder(site, version)
    check_destination(file, site)
    result = make_pack(folder, units, paper)
    try:
        write_atomically(result.pdf, file)
    except OSError as exc:
        raise UsageError(f"{file}: cannot write there ({exc.strerror or exc})") from None
    return result


# ---- pmovalue build --pdf ------------------------------------------------------------------------


class BoardPack:
    """The board pack of a version being built. Chromium is found at once (a missing one
    stops the build before any notebook runs) and launched by `start` while the last notebooks
    run; `begin` makes the pack in a thread of its own as soon as the pages are written (while
    the build writes its data files), `finish` waits for it and puts it into the stage."""

    def __init__(self, paper: Paper | None = None) -> None:
        self.paper = paper or default_paper()
        self.printer = Printer()
        self._thread: threading.Thread | None = None
        self._outcome: PackResult | BaseException | None = None

    def start(self, stage: Path) -> None:
        """Launch Chromium on the staging folder (once the engine has written its assets)."""
        self.printer.start(stage, self.paper)

    def begin(self, stage: Path, facts: VersionFacts) -> None:
        def run() -> None:
            try:
                self._outcome = make_pack(stage, None, self.paper, self.printer, facts)
            except BaseException as exc:  # met again by finish(), in the build's thread
                self._outcome = exc

        self._thread = threading.Thread(target=run, name="board-pack", daemon=True)
        self._thread.start()

    def finish(self, stage: Path) -> PackResult:
        assert self._thread is not None, "begin() first"
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        (stage / BOARD_PACK_FILE).write_bytes(self._outcome.pdf)
        return self._outcome

    def manifest_entry(self) -> dict[str, str]:
        """What the version's manifest says about its board pack."""
        return {"file": BOARD_PACK_FILE, "paper": self.paper.name}

    def close(self) -> None:
        """After the build, whether it succeeded or not."""
        if self._thread is not None:
            self._thread.join()
        self.printer.close()


__all__ = [
    "BOARD_PACK_FILE",
    "BoardPack",
    "PackResult",
    "VersionFacts",
    "make_pack",
    "pack_version",
]
