"""`pmovalue build --pdf`: the board pack inside the version, linked from every page, part of
the version's inputs (a version is never changed in place to add or drop it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from pmovalue.build import build
from pmovalue.errors import VersionConflict
from tests.conftest import options

SCENARIO = "high-rate"


def pages_of(version: Path) -> list[Path]:
    return [p for p in version.rglob("*.html") if "pagefind" not in p.parts]


def test_build_with_pdf(tmp_path: Path) -> None:
    from .test_pack import chromium_path

    chromium_path()
    quiet = {"log": lambda _msg: None}
    result = build(options(tmp_path, pdf=True, scenario=SCENARIO), **quiet)
    version = result.path
    pdf = version / "board-pack.pdf"
    assert result.status == "published" and pdf.is_file()

    # Every page of the version links to it, relative to where the page is.
    for page in pages_of(version):
        root = "../" * (len(page.relative_to(version).parts) - 1)
        assert f'href="{root}board-pack.pdf"' in page.read_text(encoding="utf-8"), page
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["board_pack"]["file"] == "board-pack.pdf"
    assert manifest["board_pack"]["paper"] in ("A4", "Letter")

    # A scenario's pack says so on its cover and at the top of every page.
    reader = PdfReader(pdf)
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert f"What-if scenario “{SCENARIO}”: not the official report" in texts[0]
    assert "discount rate" in texts[0]  # the parameters that differ from the official run
    for text in texts[1:]:
        assert f"What-if scenario “{SCENARIO}”, not the official report" in text

    # The same inputs again: nothing to do.
    again = build(options(tmp_path, pdf=True, scenario=SCENARIO), **quiet)
    assert again.status == "up-to-date"

    # Without the pack the inputs differ: the published version is not changed...
    before = pdf.read_bytes()
    with pytest.raises(VersionConflict):
        build(options(tmp_path, scenario=SCENARIO), **quiet)
    assert pdf.read_bytes() == before

    # ...unless replaced, the old copy (with its pack) archived first.
    replaced = build(options(tmp_path, scenario=SCENARIO, replace=True), **quiet)
    assert replaced.archived is not None and (replaced.archived / "board-pack.pdf").is_file()
    assert not (version / "board-pack.pdf").exists()
    assert all("board-pack.pdf" not in p.read_text(encoding="utf-8") for p in pages_of(version))
