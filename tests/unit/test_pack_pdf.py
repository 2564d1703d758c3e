"""A sheet (a page's header and footer) laid over a printed page: both drawn, the sheet where it
was printed whatever drawing state the page leaves behind, and the page's own resources kept."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from pmovalue.pack.pdf import lay_over

A4 = (595, 842)


def one_page(text: str, x: int, y: int, tail: bytes = b"", split: bool = False) -> PageObject:
    """A page printing `text` at (x, y) in Helvetica, then `tail` (more drawing operators);
    `split`: its content in two streams."""
    writer = PdfWriter()
    page = writer.add_blank_page(*A4)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    parts = [f"BT /F1 12 Tf {x} {y} Td ({text}) Tj ET\n".encode(), tail]
    streams = []
    for data in parts if split else [b"".join(parts)]:
        stream = DecodedStreamObject()
        stream.set_data(data)
        streams.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject(streams) if split else streams[0]
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(io.BytesIO(out.getvalue())).pages[0]


def positions(page: PageObject, tmp_path: Path) -> dict[str, tuple[float, float]]:
    """Where poppler draws each word of the page: its box's left and bottom, in PDF points from
    the bottom left corner (the bottom is the font's descent, ~2.5 pt, below the baseline)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed (run `make browser`)")
    writer = PdfWriter()
    writer.add_page(page)
    pdf = tmp_path / "page.pdf"
    with pdf.open("wb") as f:
        writer.write(f)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    height = float(page.mediabox.height)
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', out
    )
    return {w: (round(float(x)), round(height - float(y) + 2.5)) for x, y, w in words}


def laid_over(page: PageObject, sheet: PageObject) -> PageObject:
    writer = PdfWriter()
    writer.add_page(page)
    lay_over(writer, writer.pages[0], sheet)
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(io.BytesIO(out.getvalue())).pages[0]


def test_the_sheet_is_drawn_where_it_was_printed(tmp_path: Path) -> None:
    # the page leaves a transformation in place at its end (nothing obliges it not to)
    page = one_page("Section text", 72, 700, tail=b"1 0 0 1 200 300 cm\n")
    sheet = one_page("Page 2 of 9", 50, 30)
    result = laid_over(page, sheet)
    found = positions(result, tmp_path)
    assert (found["Section"], found["Page"], found["9"][1]) == ((72, 700), (50, 30), 30)
    fonts = result["/Resources"]["/Font"]
    assert "/F1" in fonts  # the page's own font, untouched


def test_a_sheet_of_several_streams_is_laid_over_too(tmp_path: Path) -> None:
    page = one_page("Section text", 72, 700, split=True)
    sheet = one_page("Page 3 of 9", 50, 30, tail=b"% a second stream\n", split=True)
    found = positions(laid_over(page, sheet), tmp_path)
    assert (found["Section"], found["Page"], found["3"][1]) == ((72, 700), (50, 30), 30)
