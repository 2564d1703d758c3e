"""Every process of a build ends with it, even when the build is killed inside the window
between a fork and the child's parent-death request (the race that left kernels running)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmovalue.execute.processes import HOLD_AFTER_FORK, die_with_parent, run_in_child
from tests.site.test_publish import snapshot
from tests.site.test_versions import alive, cli_build, descendants

pytestmark = pytest.mark.slow


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120].decode()
    except OSError:
        return "?"


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    """This process adopts the orphans of its descendants (as systemd, tini -s or a container's
    init do), so an orphan's parent is neither its old parent nor 1. The zombies it adopted
    are reaped on the way out."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["zygote", "peers", "kernel", "render"])
def test_a_child_held_at_its_fork_ends_when_the_build_was_killed_meanwhile(
    sample_site: Path, tmp_path: Path, kind: str
) -> None:
    """Hold the new child right after its fork, kill -9 the build (so its parent goes), let the
    child go on: it must end by itself, and nothing of the build is left 2 s later."""
    out = tmp_path / "site"
    shutil.copytree(sample_site, out)
    before = snapshot(out)
    with subreaper():
        _kill_while_held(out, tmp_path, kind)
    assert snapshot(out) == before


def _kill_while_held(out: Path, tmp_path: Path, kind: str) -> None:
    ours_before = set(descendants(os.getpid()))  # e.g. the session's own kernel zygote
    os.environ[HOLD_AFTER_FORK] = kind  # inherited by the build started below
    try:
        proc = cli_build(out, tmp_path, "--period", "2026-Q2", "--no-cache")
    finally:
        del os.environ[HOLD_AFTER_FORK]
    try:

        def held() -> list[int]:
            return [p for p in descendants(proc.pid) if state(p) == "T"]

        wait_until(lambda: held() or proc.poll() is not None, 300, f"a {kind} child held")
        assert held(), f"the build ended without forking a {kind} child"
        everything = descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 PID` would
        proc.wait()
    # Everything but the held children ends with the build (the zygote, other kernels), and
    # re-parents them to this process (the subreaper). A held child forked just before the
    # kill may still be on its way to its stop: wait until it is there.

    def orphans() -> list[int]:
        return [p for p in descendants(os.getpid()) if p not in ours_before]

    def unsettled() -> list[int]:
        return sorted(p for p in {*everything, *orphans()} if state(p) not in ("T", "Z", "gone"))

    def described(pids: list[int]) -> list[str]:
        return [f"{p} {state(p)} parent {parent_of(p)}: {command(p)}" for p in pids]

    try:
        wait_until(lambda: not unsettled(), 2, "the build's running processes to end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {described(unsettled())} (of {everything})") from None
    stopped = [p for p in orphans() if state(p) == "T"]
    assert stopped

    def how(pids: list[int]) -> list[tuple[int, str, int, str]]:
        return [(p, state(p), parent_of(p), state(parent_of(p))) for p in pids]

    print("held, then released:", how(stopped))  # shown when the test fails
    released = time.monotonic()
    for pid in stopped:
        os.kill(pid, signal.SIGCONT)
    left = sorted({*everything, *orphans()})
    wait_until(
        lambda: not alive(left), 2, f"to end (pid, state, parent, its state): {how(alive(left))}"
    )
    assert time.monotonic() - released < 2


def test_a_child_whose_parent_already_ended_exits_at_once(tmp_path: Path) -> None:
    """The check after the parent-death request: a pid that is not the parent's any more."""
    marker = tmp_path / "ran"

    def child() -> None:
        die_with_parent(os.getppid() + 10**6)  # not our parent: as if it had died
        marker.write_text("ran")

    pid = run_in_child(child, "test")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1
    assert not marker.exists()
