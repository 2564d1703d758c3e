"""Publishing: listings, latest, replace with archive, locks, and kill -9 at every step."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pmovalue.errors import LockHeld
from pmovalue.publish import Site, VersionEntry

SRC = Path(__file__).resolve().parents[2] / "src"


def stage(work: Path, version: str, text: str) -> Path:
    folder = work / f"stage-{version}-{time.time_ns()}"
    (folder / "units").mkdir(parents=True)
    (folder / "index.html").write_text(f"<p>{text}</p>")
    (folder / "units" / "ops.html").write_text(f"<p>ops {text}</p>")
    return folder


def entry(version: str, scenario: str | None = None) -> VersionEntry:
    period = version.split("--")[0]
    return VersionEntry(
        version,
        "PMO value report",
        period,
        scenario,
        "scenario" if scenario else "official",
        "2026-11-26T10:00:00Z",
    )


def publish(site: Site, version: str, text: str, replace: bool = False) -> Path | None:
    scenario = version.split("--")[1] if "--" in version else None
    with site.lock():
        return site.publish(stage(site.work_root, version, text), entry(version, scenario), replace)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root with a hash of its bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def test_listing_latest_and_redirect(tmp_path: Path) -> None:
    site = Site(tmp_path / "site")
    publish(site, "2026-Q2", "q2")
    publish(site, "2026-Q3", "q3")
    publish(site, "2026-Q3--high-rate", "what if")
    publish(site, "2026-Q4--draft", "future scenario")
    listing = json.loads((site.out / "versions.json").read_text())
    assert [v["version"] for v in listing] == [
        "2026-Q4--draft",
        "2026-Q3",
        "2026-Q3--high-rate",
        "2026-Q2",
    ]
    assert [v["aliases"] for v in listing] == [[], ["latest"], [], []]  # a scenario never is
    assert listing[1]["path"] == "2026-Q3/"
    assert (site.out / "latest" / "units" / "ops.html").read_text() == "<p>ops q3</p>"
    assert 'url=2026-Q3/index.html"' in (site.out / "index.html").read_text()
    js = (site.out / "versions.js").read_text()
    assert js.startswith("window.PMOVALUE_VERSIONS = ") and json.loads(js[27:-2]) == listing
    assert not any(p.name.startswith(".") for p in site.out.iterdir())  # no work files inside


def test_replace_archives_the_old_copy(tmp_path: Path) -> None:
    site = Site(tmp_path / "site")
    publish(site, "2026-Q3", "first")
    archived = publish(site, "2026-Q3", "second", replace=True)
    assert archived is not None and archived.parent == site.out / "_archive"
    assert archived.name.startswith("2026-Q3-")
    assert (archived / "index.html").read_text() == "<p>first</p>"
    assert (site.out / "2026-Q3" / "index.html").read_text() == "<p>second</p>"
    assert (site.out / "latest" / "index.html").read_text() == "<p>second</p>"


def test_replacing_twice_within_a_second_keeps_both_archives(tmp_path: Path) -> None:
    """Archives are named by the second; replacements that follow each other within one
    second each get their own archive."""
    site = Site(tmp_path / "site")
    publish(site, "2026-Q3", "v0")
    archives = [publish(site, "2026-Q3", f"v{n}", replace=True) for n in range(1, 4)]
    assert len({a for a in archives if a is not None}) == 3
    olds = [(a / "index.html").read_text() for a in archives if a is not None]
    assert olds == ["<p>v0</p>", "<p>v1</p>", "<p>v2</p>"]


HOLDER = """
import sys
from pathlib import Path
from pmovalue.publish import Site, VersionEntry
site = Site(Path(sys.argv[1]))
stage = site.work_root.parent / "stage-killed"
(stage / "units").mkdir(parents=True)
(stage / "index.html").write_text("<p>new</p>")
with site.lock():
    if sys.argv[2] != "lock-only":
        site.publish(stage, VersionEntry(sys.argv[3], "t", sys.argv[3][:7], None, "official",
                                         "now"), replace=sys.argv[4] == "replace")
"""


def start_holder(
    out: Path, pause_at: str, version: str = "2026-Q4", replace: bool = False
) -> subprocess.Popen[str]:
    env = {**os.environ, "PMOVALUE_PAUSE_AT": pause_at, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), pause_at, version, "replace" if replace else "-"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert f"paused at {pause_at}" in line, line + proc.stderr.read()
    return proc


@pytest.mark.parametrize(
    ("pause_at", "version", "replace"),
    [
        ("publish-start", "2026-Q4", False),
        ("publish-moved", "2026-Q4", False),
        ("publish-listed", "2026-Q4", False),
        ("publish-moved", "2026-Q3", True),
        ("publish-listed", "2026-Q3", True),
    ],
)
def test_kill_9_during_publish_is_rolled_back(
    tmp_path: Path, pause_at: str, version: str, replace: bool
) -> None:
    site = Site(tmp_path / "site")
    publish(site, "2026-Q2", "q2")
    publish(site, "2026-Q3", "q3")
    before = snapshot(site.out)
    proc = start_holder(site.out, pause_at, version, replace)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with site.lock():  # the next build recovers before doing anything else
        pass
    assert snapshot(site.out) == before


def test_second_build_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    site = Site(tmp_path / "site")
    proc = start_holder(site.out, "locked", version="2026-Q4")
    try:
        with pytest.raises(LockHeld, match=f"process {proc.pid}"), site.lock():
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with site.lock():  # released by the OS when its holder died: no stale lock
        pass
