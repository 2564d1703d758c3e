"""Child processes that end with their parent, whatever the timing.

Every process a build forks (the kernel zygote, its kernels and page renderers, the peers child)
or starts (the zygote of a Dask worker) must be gone soon after its parent, even after `kill -9`
of the parent. Linux sends a child its *parent-death signal* when the parent's thread ends, but
only if the child asked for it (prctl PR_SET_PDEATHSIG) while the parent was still alive: a
parent killed between the fork and that call would leave the child running for ever. So the
parent's pid is taken before the fork; the child asks for the signal first thing and then checks
that its parent is still that pid (after the parent's death it is 1, or a subreaper's pid).

`PMOVALUE_HOLD_AFTER_FORK=<kind>` stops a new child of that kind (zygote, kernel, render, peers)
right after the fork, before it asks for the signal: the tests use it to kill the parent inside
that window, then let the child go on (SIGCONT) and see it end by itself.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
HOLD_AFTER_FORK = "PMOVALUE_HOLD_AFTER_FORK"


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def can_fork() -> bool:
    """True where fork exists and this process has no other thread: a fork copies the calling
    thread alone, and a lock another thread holds stays locked in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def die_with_parent(parent: int) -> None:
    """Call first thing in a new child: SIGKILL when `parent` (its pid taken before the fork)
    ends, and exit now if it already has. Elsewhere than Linux only the check is made; there
    the pipes between the processes still end them (see `pmovalue.execute.kernels`)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def hold_after_fork(kind: str) -> None:
    """The tests' hook (see the module docstring): stop here until SIGCONT."""
    if os.environ.get(HOLD_AFTER_FORK) == kind:
        os.kill(os.getpid(), signal.SIGSTOP)


def run_in_child(work: Callable[[], None], kind: str) -> int:
    """Fork; the child ends with this process, runs `work` and exits (status 0, or 1 if it
    raised), never returning into the caller's code; the parent gets the child's pid. Only
    when `can_fork()`. `kind` names the child for `hold_after_fork`."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would write our buffered output a second time
    parent = os.getpid()
    _prctl()  # loaded here, once, rather than in every child
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            hold_after_fork(kind)
            die_with_parent(parent)
            work()
            code = 0
        finally:
            os._exit(code)
    return pid
