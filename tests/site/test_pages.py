"""The project's own pages (pages/*.md) in versions built by the builtin engine, and what else
besides data, parameters and notebooks makes a version's inputs: pages/, _quarto.yml and the
engine that `--engine` resolves to. (Under Quarto: test_quarto_real.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pmovalue.build import BuildResult, build
from pmovalue.errors import VersionConflict
from pmovalue.inputs import prepare
from pmovalue.publish import Site
from pmovalue.quick import data_fingerprint, fingerprint, up_to_date
from pmovalue.site import engines
from tests.conftest import options

VERSION = "2026-Q3"
GLOSSARY = """---
title: Glossary & <contacts>
---

Terms used in this report. <script>alert(1)</script> <b>not bold</b>

| Term | Meaning |
|---|---|
| CPI | cost performance index |

![logo](img/logo.svg) [back](../index.html) [bad](javascript:alert(2))
"""


@pytest.fixture(scope="module")
def cache(sample_build: BuildResult) -> Path:
    """The sample build's job cache: builds here only assemble."""
    return sample_build.path.parent.parent / "state"


def project_with_pages(root: Path, repo: Path) -> Path:
    project = root / "project"
    (project / "pages" / "img").mkdir(parents=True)
    config = yaml.safe_load((repo / "_quarto.yml").read_text(encoding="utf-8"))
    # Listed in the user's navbar (Quarto shows it there): the builtin engine lists it once.
    config["website"]["navbar"]["left"] = [{"text": "Terms", "href": "pages/glossary.md"}]
    (project / "_quarto.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (project / "pages" / "glossary.md").write_text(GLOSSARY, encoding="utf-8")
    (project / "pages" / "img" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (project / "pages" / "notes.qmd").write_text("::: {.callout-note}\nx\n:::\n", "utf-8")
    (project / "pages" / "_snippet.md").write_text("for Quarto includes", encoding="utf-8")
    return project


def test_own_pages_are_pages_of_the_version_under_the_same_layout(
    tmp_path: Path, repo: Path, cache: Path
) -> None:
    project = project_with_pages(tmp_path, repo)
    logged: list[str] = []
    result = build(options(tmp_path, project_dir=project, state_dir=cache), log=logged.append)
    page = (result.path / "pages" / "glossary.html").read_text(encoding="utf-8")
    # The builtin page layout: header with the navigation, switcher, provenance footer.
    for part in ('<header class="site-header">', 'id="version-switcher"', 'class="provenance"'):
        assert part in page
    assert "<h1>Glossary &amp; &lt;contacts&gt;" in page
    assert "<td>cost performance index</td>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>not bold</b>" not in page and "javascript:" not in page
    assert '<img src="img/logo.svg" alt="logo" />' in page
    assert (result.path / "pages" / "img" / "logo.svg").read_text() == "<svg/>"
    assert sorted(p.name for p in (result.path / "pages").iterdir()) == ["glossary.html", "img"]
    # In the navigation of every page, relative to that page.
    for html in sorted(result.path.rglob("*.html")):
        if "pagefind" in html.parts:
            continue
        rel = html.relative_to(result.path).as_posix()
        link = "../" * rel.count("/") + "pages/glossary.html"
        nav = rf'<a href="{re.escape(link)}"[^>]*>Glossary &amp; &lt;contacts&gt;<'
        text = html.read_text(encoding="utf-8")
        assert len(re.findall(nav, text)) == 1 and "glossary.md" not in text, rel
    assert (result.path.parent / "latest" / "pages" / "glossary.html").is_file()
    # A .qmd page needs Quarto: left out, and the build says so.
    assert not (result.path / "pages" / "notes.html").exists()
    assert any("notes.qmd: a .qmd page needs the quarto engine" in m for m in logged), logged
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    site = manifest["hashes"]["site"]
    assert site["engine"] == "builtin" and site["_quarto.yml"]
    assert set(site["pages"]) == {"glossary.md", "img/logo.svg", "_snippet.md"}


def test_pages_are_inputs_of_the_version(tmp_path: Path, repo: Path, cache: Path) -> None:
    project = project_with_pages(tmp_path, repo)
    opts = options(tmp_path, project_dir=project, state_dir=cache)
    build(opts, log=lambda _m: None)
    assert up_to_date(opts) == VERSION
    # The .qmd the builtin engine leaves out is not one of its inputs.
    (project / "pages" / "notes.qmd").write_text("changed", encoding="utf-8")
    assert up_to_date(opts) == VERSION
    (project / "pages" / "glossary.md").write_text("---\ntitle: Glossary\n---\nNew.", "utf-8")
    assert up_to_date(opts) is None
    with pytest.raises(VersionConflict, match=r"site\.pages differ"):
        build(opts, log=lambda _m: None)
    opts.replace = True
    result = build(opts, log=lambda _m: None)
    assert "<p>New.</p>" in (result.path / "pages" / "glossary.html").read_text()
    opts.replace = False
    (project / "_quarto.yml").write_text("website:\n  title: Another title\n", "utf-8")
    with pytest.raises(VersionConflict, match=r"site\._quarto\.yml differ"):
        build(opts, log=lambda _m: None)


def test_the_engine_auto_resolves_to_is_an_input(
    tmp_path: Path, repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version built by `--engine auto` before Quarto was installed is not "up to date"
    once it is: Quarto would build another site. (Only Quarto's presence is simulated here:
    nothing runs it.)"""
    opts = options(tmp_path, engine="auto", project_dir=repo, state_dir=cache)
    monkeypatch.setattr(engines, "quarto_path", lambda: None)
    result = build(opts, log=lambda _m: None)
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "builtin" and manifest["hashes"]["site"]["engine"] == "builtin"
    assert up_to_date(opts) == VERSION
    data_fp = data_fingerprint(opts.data_dir)
    assert data_fp is not None
    builtin = options(tmp_path, engine="builtin", project_dir=repo)
    as_builtin = fingerprint(builtin, VERSION, data_fp)
    assert fingerprint(opts, VERSION, data_fp) == as_builtin

    monkeypatch.setattr(engines, "quarto_path", lambda: "/opt/quarto/bin/quarto")
    as_quarto = fingerprint(options(tmp_path, engine="quarto", project_dir=repo), VERSION, data_fp)
    assert fingerprint(opts, VERSION, data_fp) == as_quarto != as_builtin
    assert up_to_date(opts) is None
    inputs = prepare(opts, lambda _m: None)
    assert inputs.engine == "quarto"
    with pytest.raises(VersionConflict, match=r"site\.engine differ"):
        Site(opts.out).is_up_to_date(VERSION, inputs.inputs_hash, False, inputs.hashes)
