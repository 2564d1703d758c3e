"""The PMO's commentary files: read, rendered with raw HTML escaped, checked against the units
of the data, and part of the version's inputs (its hash and the no-op check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pmovalue import commentary
from pmovalue.errors import UsageError
from pmovalue.inputs import prepare
from pmovalue.markdown import render_markdown
from pmovalue.quick import data_fingerprint, fingerprint
from tests.conftest import REPO, SAMPLE, options

UNITS = {"digital-channels": "Digital Channels", "retail-banking": "Retail Banking"}


def write(root: Path, version: str, name: str, text: str) -> Path:
    path = root / "commentary" / version / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_markdown_and_escaped_html(tmp_path: Path) -> None:
    write(
        tmp_path,
        "2026-Q3",
        "_portfolio.md",
        "---\nauthor: Head of PMO\ndate: 2026-10-05\n---\n**Hold** <script>alert(1)</script>\n",
    )
    write(tmp_path, "2026-Q3", "digital-channels.md", "No front matter: [a](javascript:x)\n")
    found = commentary.load(tmp_path, "2026-Q3", UNITS)
    assert set(found) == {"_portfolio", "digital-channels"}
    top = found["_portfolio"]
    assert (top.author, top.date) == ("Head of PMO", "2026-10-05")
    assert top.markdown == "**Hold** <script>alert(1)</script>\n"  # front matter left out
    assert top.source == "commentary/2026-Q3/_portfolio.md"
    html = render_markdown(top.markdown)  # as the page's notebook renders it
    assert "<strong>Hold</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    unit = found["digital-channels"]
    assert unit.author == "" and "javascript:" not in render_markdown(unit.markdown)
    assert unit.as_parameter()["markdown"] == unit.markdown


def test_a_file_for_an_unknown_unit_names_the_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "2026-Q3", "digital-chanels.md", "typo in the name")
    with pytest.raises(UsageError) as err:
        commentary.load(tmp_path, "2026-Q3", UNITS)
    assert str(bad) in str(err.value) and "digital-channels" in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nauthor: [unclosed\n---\nx", "not valid YAML"),
        ("---\nauthr: Me\n---\nx", r"unknown front matter key\(s\) authr"),
        ("---\n- a list\n---\nx", "key: value"),
    ],
)
def test_bad_front_matter_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "2026-Q3", "_portfolio.md", text)
    with pytest.raises(UsageError, match=message) as err:
        commentary.load(tmp_path, "2026-Q3", UNITS)
    assert str(path) in str(err.value)


def test_only_the_versions_own_folder(tmp_path: Path) -> None:
    write(tmp_path, "2026-Q2", "_portfolio.md", "last quarter")
    write(tmp_path, "2026-Q3--high-rate", "_portfolio.md", "what if")
    assert commentary.load(tmp_path, "2026-Q3", UNITS) == {}
    assert set(commentary.load(tmp_path, "2026-Q3--high-rate", UNITS)) == {"_portfolio"}


def test_commentary_is_an_input_of_the_version(tmp_path: Path) -> None:
    """New or changed commentary changes the input hash (a new version of the inputs) and the
    no-op check's fingerprint, so a rebuild is no longer "up to date"."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(REPO / "_quarto.yml", project / "_quarto.yml")
    opts = options(tmp_path, project_dir=project)
    data_fp = data_fingerprint(SAMPLE)
    assert data_fp is not None

    def state() -> tuple[str, str]:
        return prepare(opts, lambda _m: None).inputs_hash, fingerprint(opts, "2026-Q3", data_fp)

    without = state()
    # Without commentary the inputs are hashed as they were before commentary existed: a
    # version published then is still up to date.
    assert "commentary" not in prepare(opts, lambda _m: None).hashes
    write(project, "2026-Q3", "_portfolio.md", "first words")
    first = state()
    write(project, "2026-Q3", "_portfolio.md", "second thoughts")
    second = state()
    assert len({without, first, second}) == 3
    assert len({h for h, _ in (without, first, second)}) == 3
    assert len({f for _, f in (without, first, second)}) == 3
    inputs = prepare(opts, lambda _m: None)
    assert inputs.commentary["_portfolio"].markdown == "second thoughts"
