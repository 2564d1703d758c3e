"""Chromium's compiled plotly.js kept between packs (pmovalue.pack.profile): the first pack of a
cache folder keeps it, the next ones find plotly.js in Chromium's own cache instead of asking
for it, a version with another plotly.js gets its own and keeps nothing in its place, and packs
made at once with an empty cache folder all succeed."""

from __future__ import annotations

import io
import shutil
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from pmovalue.pack import chromium, make_pack
from pmovalue.pack.loopback import PLOTLY, PLOTLY_ALIAS, PackServer, digest
from pmovalue.pack.paper import PAPERS
from pmovalue.pack.profile import CACHE_VAR, cache_root

from .test_pack import VERSION, chromium_path


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> list[PackServer]:
    """Every server a pack starts, to see what Chromium asked it for."""
    made: list[PackServer] = []

    class Recorded(PackServer):
        def __init__(self, *args: object, **kw: object) -> None:
            super().__init__(*args, **kw)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(chromium, "PackServer", Recorded)
    return made


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_VAR, str(tmp_path / "cache"))
    return cache_root()


def asked_for_plotly(server: PackServer) -> bool:
    return any(path.startswith(PLOTLY_ALIAS) for path in server.served)


def test_the_first_pack_keeps_plotly_js_and_the_next_does_not_fetch_it(
    sample_site: Path, cache: Path, servers: list[PackServer]
) -> None:
    chromium_path()
    folder = sample_site / VERSION
    first = make_pack(folder, paper=PAPERS["A4"])
    kept = list(cache.iterdir())
    assert len(kept) == 1  # one key: this plotly.js and this Chromium
    code = kept[0] / "Code Cache" / "js"
    assert code.is_dir() and len(list(code.iterdir())) > 1  # compiled code, besides the index
    assert asked_for_plotly(servers[0])

    second = make_pack(folder, paper=PAPERS["A4"])
    assert not asked_for_plotly(servers[1])  # from Chromium's cache, as compiled code
    assert list(cache.iterdir()) == kept
    assert second.pages == first.pages
    texts = [
        [p.extract_text() for p in PdfReader(io.BytesIO(r.pdf)).pages] for r in (first, second)
    ]
    assert texts[0] == texts[1]


def test_a_version_with_another_plotly_js_gets_its_own(
    sample_site: Path, cache: Path, servers: list[PackServer], tmp_path: Path
) -> None:
    chromium_path()
    folder = tmp_path / VERSION
    shutil.copytree(
        sample_site / VERSION, folder, ignore=shutil.ignore_patterns("pagefind", "notebooks")
    )
    make_pack(sample_site / VERSION, paper=PAPERS["A4"])  # this pmovalue's plotly.js, kept
    kept = sorted(cache.iterdir())
    older = (folder / PLOTLY).read_bytes() + b"\n// another build of plotly.js\n"
    (folder / PLOTLY).write_bytes(older)

    result = make_pack(folder, paper=PAPERS["A4"])  # (a chart that did not draw: an error)
    assert f"{PLOTLY_ALIAS}{digest(older)}.min.js" in servers[1].served
    assert result.blocked == [] and len(PdfReader(io.BytesIO(result.pdf)).pages) == result.pages
    assert sorted(cache.iterdir()) == kept  # the kept one is still this pmovalue's


def test_packs_made_at_once_from_an_empty_cache_all_succeed(sample_site: Path, cache: Path) -> None:
    chromium_path()
    folder = sample_site / VERSION
    outcomes: list[object] = []

    def pack() -> None:
        try:
            outcomes.append(make_pack(folder, units=["retail-banking"], paper=PAPERS["A4"]))
        except Exception as exc:  # the test reports it
            outcomes.append(exc)

    threads = [threading.Thread(target=pack) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [type(o).__name__ for o in outcomes] == ["PackResult"] * 3
    kept = list(cache.iterdir())
    assert len(kept) == 1 and (kept[0] / "Code Cache").is_dir()  # one copy, whole
    assert not [p for p in cache.iterdir() if p.name.startswith(".new-")]
