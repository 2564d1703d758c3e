"""`pmovalue pack` and `build --pdf` when something is wrong: exit 2, one clear line, and
nothing written (no PDF, no temporary file, no version)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, run_cli

VERSION = "2026-Q3"


def no_chromium_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which no Chromium can be found: PATH holds only the virtual
    environment's scripts, and Playwright looks for its own browser in an empty folder."""
    empty = tmp_path / "no-browsers"
    empty.mkdir(exist_ok=True)
    return {
        "PATH": str(Path(sys.executable).parent),
        "PMOVALUE_CHROMIUM": "",  # as if unset
        "PLAYWRIGHT_BROWSERS_PATH": str(empty),
    }


def assert_refused(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_no_chromium_says_how_to_install_one(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli(
        "pack",
        VERSION,
        str(out / "pack.pdf"),
        "--out",
        str(sample_site),
        env=no_chromium_env(tmp_path),
    )
    assert_refused(done, "needs Chromium", "apt-get install chromium", "PMOVALUE_CHROMIUM")
    assert list(out.iterdir()) == []


def test_a_chromium_that_does_not_start(sample_site: Path, tmp_path: Path) -> None:
    env = {**no_chromium_env(tmp_path), "PMOVALUE_CHROMIUM": "/bin/false"}
    done = run_cli("pack", VERSION, str(tmp_path / "pack.pdf"), "--out", str(sample_site), env=env)
    assert_refused(done, "/bin/false: Chromium did not start")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-browsers"]


def test_a_missing_chromium_named_by_the_environment(sample_site: Path, tmp_path: Path) -> None:
    env = {"PMOVALUE_CHROMIUM": str(tmp_path / "chrome")}
    done = run_cli("pack", VERSION, str(tmp_path / "pack.pdf"), "--out", str(sample_site), env=env)
    assert_refused(done, f"PMOVALUE_CHROMIUM={tmp_path / 'chrome'}: no such executable")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_version(sample_site: Path, tmp_path: Path) -> None:
    done = run_cli("pack", "2031-Q1", str(tmp_path / "pack.pdf"), "--out", str(sample_site))
    assert_refused(done, "version '2031-Q1' is not published", "published: 2026-Q3")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing-folder/pack.pdf", "a-file/pack.pdf", "."])
def test_a_file_that_cannot_be_written(sample_site: Path, tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    done = run_cli("pack", VERSION, str(tmp_path / where), "--out", str(sample_site))
    assert_refused(done, str(tmp_path / where))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_the_pack_never_goes_into_the_site(sample_site: Path) -> None:
    target = sample_site / VERSION / "board-pack.pdf"
    done = run_cli("pack", VERSION, str(target), "--out", str(sample_site))
    assert_refused(done, "inside the site")
    assert not target.exists()


def test_an_unknown_paper(sample_site: Path, tmp_path: Path) -> None:
    done = run_cli(
        "pack", VERSION, str(tmp_path / "p.pdf"), "--out", str(sample_site), "--paper", "A3"
    )
    assert_refused(done, "--paper 'A3': use one of A4, Letter")


def test_build_with_pdf_and_no_chromium_stops_before_any_notebook(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = run_cli(
        "build",
        "--data",
        str(SAMPLE),
        "--params",
        str(REPO / "params"),
        "--notebooks",
        str(REPO / "notebooks"),
        "--out",
        str(site),
        "--pdf",
        cwd=tmp_path,
        env=no_chromium_env(tmp_path),
    )
    assert_refused(done, "needs Chromium")
    assert not site.exists()
    assert not (tmp_path / ".pmovalue" / "cache").exists()  # no job ran
