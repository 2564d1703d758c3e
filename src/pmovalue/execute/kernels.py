"""Fresh kernels without the start-up cost.

A naive run pays, for every notebook, a new Python process, the import of pandas, plotly and
pmovalue, and a graceful shutdown wait. Here the build (or each Dask worker) owns a *zygote*:
one process that imported all that once. For each job the zygote forks a child that becomes a
brand-new ipykernel (its own process and namespace, so units never share state); the job's
kernel is killed when the job ends, with no shutdown wait. Then another short-lived child
renders the page body with nbconvert, which the zygote has also loaded and warmed up. Where
fork is unavailable, a normal kernel is started and the page rendered in the build's process.

Lifetimes: every process here ends with its parent, whatever the timing (see
`pmovalue.execute.processes`): the zygote with the build (or Dask worker), kernels and renderers
with the zygote. The zygote also exits at the end of file on its stdin (its parent gone), and
each kernel's own parent poller (ipykernel's parent_handle) watches the zygote's pid, taken
before the fork.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import importlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pmovalue.execute.pages import render_body, render_error_path
from pmovalue.execute.processes import (
    alive,
    can_fork,
    die_with_parent,
    hold_after_fork,
    run_in_child,
)
from pmovalue.strings import use_python_strings

# What every kernel would otherwise import for itself: the report and its libraries, and what
# ipykernel loads while it starts (IPython's debugger and completer).
PRELOAD = (
    "pmovalue.report",
    "ipykernel.kernelapp",
    "pmovalue.execute.streams",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "IPython.core.oinspect",
    "IPython.utils.wildcard",
    "tornado.platform.asyncio",
    # pandas modules the reports load on first use
    "pandas.core.arrays.arrow._arrow_utils",
    "pandas.core.methods.to_dict",
    "pandas.core.reshape.reshape",
)


# ---- the zygote process (python -m pmovalue.execute.kernels) ---------------------------------


def _warm_up() -> None:
    """Run once what libraries only load on first use, so that no kernel pays for it."""
    import io

    import pandas as pd

    from pmovalue import charts, handoff
    from pmovalue.metrics import pmo

    charts.warm_up()
    pmo.blas_threads()  # finding the BLAS libraries takes ~30 ms: once, not in every kernel
    _kernel_app()
    with tempfile.TemporaryDirectory() as folder:
        handoff.write_tables(Path(folder), {"warm-up": pd.DataFrame({"a": [1.0], "b": ["x"]})})
        handoff.read_tables(folder)["warm-up"].to_csv(io.StringIO())


# nbconvert and what it loads (~0.35 s to import), in steps of at most ~0.15 s: page bodies
# are rendered in children of the zygote (see `Zygote.render`), never in the build's own busy
# process, and a kernel asked for while the zygote takes one step waits for that step.
RENDERING = (
    "jsonschema",
    "nbformat",
    "soupsieve",
    "bs4",
    "bleach",
    "mistune",
    "jinja2",
    "pygments.lexers",
    "nbconvert",  # its package imports all of it: the longest step, ~0.15 s
    "pmovalue.site.body",
)


def _rendering_steps() -> list[Callable[[], None]]:
    """The zygote's work for page rendering, in short steps: the imports, then a small page
    made (which compiles nbformat's validators) and rendered (nbconvert's templates)."""
    page: list[str] = []

    def make_page() -> None:
        import nbformat
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

        cell = new_code_cell("x")
        cell.outputs = [new_output("display_data", {"text/html": "<p>x</p>", "text/plain": "x"})]
        page.append(
            nbformat.writes(new_notebook(cells=[new_markdown_cell("# x\n\n*x* `x`"), cell]))
        )

    def render_page() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "warm-up.ipynb"
            path.write_text(page[0], encoding="utf-8")
            render_body(str(path))

    return [*(functools.partial(_head_start, m) for m in RENDERING), make_page, render_page]


def _head_start(module: str) -> None:
    # Only a head start: a module that another library version moved or dropped is imported
    # (or not) by whoever needs it, as without the zygote.
    with contextlib.suppress(ImportError):
        importlib.import_module(module)


def zygote_main(parent: int | None = None) -> None:
    """The zygote's life. `parent`: the pid of the process that started this interpreter (a
    forked zygote was already tied to its parent by `run_in_child`)."""
    if parent is not None:
        hold_after_fork("zygote")
        die_with_parent(parent)
    # No debugpy: a batch kernel is never attached to a debugger, and importing it (through
    # ipykernel.debugger) cost the zygote ~0.12 s. ipykernel then runs without its debugger.
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    gc.disable()  # as in the build (see cli): no collection while the preload allocates
    use_python_strings()  # see pmovalue.strings; forked kernels inherit it
    for module in PRELOAD:
        _head_start(module)
    try:
        _warm_up()
    except Exception as exc:  # e.g. a broken install: say why, rather than end in silence
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.stdout.flush()
        os._exit(1)
    # Everything loaded so far lives as long as the kernels: keep the garbage collector from
    # walking it in every kernel, which also spares the copy-on-write of those pages.
    gc.collect()
    gc.freeze()
    gc.enable()  # kernels and renderers collect as usual
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the OS reaps kernels: no zombies
    reply = sys.stdout
    reply.write(json.dumps({"ready": os.getpid()}) + "\n")
    reply.flush()
    # Ready for kernels before rendering is: the first page is rendered only once a notebook
    # has run, and the build is usually still validating its data when we get here.
    zygote_pid = os.getpid()
    for request in _requests(0, later=_rendering_steps()):
        if "render" in request:
            pid = run_in_child(functools.partial(_render, request["render"]), "render")
        else:
            pid = run_in_child(functools.partial(_become_kernel, request, zygote_pid), "kernel")
        reply.write(json.dumps({"pid": pid}) + "\n")
        reply.flush()
    # Nothing left to flush or close: skip the interpreter's teardown of all that was preloaded,
    # which the build would otherwise wait for (~0.1 s).
    os._exit(0)


# How long stdin stays quiet before the zygote does some of its later work: the second
# kernel of a batch is asked for a few milliseconds after the first.
QUIET_SECONDS = 0.02


def _requests(fd: int, later: list[Callable[[], None]]) -> Iterator[dict[str, Any]]:
    """The requests read from `fd` (stdin) until end of file. `later` is work done, one step
    at a time, whenever the input is quiet, and at the latest before the first render request
    (which needs it): a kernel asked for meanwhile waits for one step at most."""
    pending = b""
    while True:
        while b"\n" not in pending:
            if later and not select.select([fd], [], [], QUIET_SECONDS)[0]:
                later.pop(0)()
                gc.freeze()  # as after the preload
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return  # EOF: the worker is gone, and so are we
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        request = json.loads(line)
        if "render" in request:
            while later:
                later.pop(0)()
            gc.freeze()
        yield request


def _render(executed: str) -> None:
    """Child of the zygote: render one executed notebook's page body, then exit."""
    code = 1
    try:
        os.setsid()
        try:
            render_body(executed)
            code = 0
        except Exception as exc:  # reported by Zygote.render in the build
            Path(render_error_path(executed)).write_text(
                f"{type(exc).__name__}: {exc}", encoding="utf-8"
            )
    finally:
        os._exit(code)


@functools.cache  # made once, in the zygote (`_warm_up`): a new class cost each kernel ~3 ms
def _kernel_app() -> type:
    from ipykernel.kernelapp import IPKernelApp

    class KernelApp(IPKernelApp):  # type: ignore[misc]
        """IPKernelApp with its settings given as traits: no command line to parse (building
        the parser for every configurable trait cost each kernel ~10 ms)."""

        def parse_command_line(self, argv: list[str] | None = None) -> None:
            self.argv = []

    return KernelApp


def _become_kernel(request: dict[str, Any], zygote_pid: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel may run subprocesses
        os.setsid()  # its own process group, so a signal to it spares the zygote
        os.chdir(request["cwd"])
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the kernel
        from traitlets.config import Config

        # As config, like command-line options: they take precedence over config files.
        config = Config()
        config.IPKernelApp.connection_file = request["connection_file"]
        # parent_handle: ipykernel's own poller also ends the kernel when the zygote is gone.
        # The zygote's pid as taken before the fork: os.getppid() here would be 1 (or a
        # subreaper) if the zygote had died meanwhile, and ipykernel then polls nothing.
        config.IPKernelApp.parent_handle = zygote_pid
        config.HistoryManager.enabled = False
        config.IPKernelApp.outstream_class = "pmovalue.execute.streams.KernelStream"
        # ipykernel sleeps 0.5 ms (~1.5 ms in practice) before every execute_reply, "on rare
        # occasions" to let output reach the client first; nbclient waits for the kernel's idle
        # status, which IOPub sends after every output of the cell, so none is lost without it.
        config.IPythonKernel._execute_sleep = 0.0
        app = _kernel_app().instance(config=config)
        app.initialize([])
        # traitlets leaves the app's logger at DEBUG and filters in its handler (WARNING): every
        # message the kernel handles built debug records only to drop them (~1 ms a cell).
        app.log.setLevel(logging.WARNING)
        app.start()
        code = 0
    finally:
        os._exit(code)


# ---- the worker side ---------------------------------------------------------------------------


def _wait_for_sockets(km: Any, timeout: float = 30.0) -> None:
    """Return once the new kernel has bound its sockets (their ipc files exist).

    A client that connects earlier finds nothing to connect to, and zmq then retries only
    after its reconnect interval, which made the first kernel_info round trip cost ~0.25 s."""
    ports = (km.shell_port, km.iopub_port, km.stdin_port, km.control_port, km.hb_port)
    paths = [Path(f"{km.ip}-{port}") for port in ports]
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if not alive(km.pid) or time.monotonic() > deadline:
            return  # nbclient reports the dead or silent kernel with its own message
        time.sleep(0.003)


class _ForkedZygote:
    """A zygote forked from this process, which has imported pandas already: the zygote does
    not import it again (~0.4 s of CPU). Safe only in a process that has no other thread yet
    (see `zygote`). Offers what `Zygote` uses of a `subprocess.Popen`."""

    def __init__(self) -> None:
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()

        def serve() -> None:
            os.close(requests_write)  # ours only: its end of file tells the zygote we are gone
            os.close(replies_read)
            os.dup2(requests_read, 0)
            os.dup2(replies_write, 1)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)  # as the Popen zygote: nothing on the build's terminal
            for fd in (requests_read, replies_write, null):
                os.close(fd)
            sys.stdout = open(1, "w", buffering=1)  # noqa: SIM115 - the zygote's replies
            sys.stderr = open(2, "w")  # noqa: SIM115
            sys.argv = [__file__]  # as the Popen zygote's: kernels never see the build's
            zygote_main()

        self.pid = run_in_child(serve, "zygote")
        os.close(requests_read)
        os.close(replies_write)
        self.stdin = open(requests_write, "w", buffering=1)  # noqa: SIM115
        self.stdout = open(replies_read)  # noqa: SIM115
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode


class Zygote:
    """One per worker process; started lazily, stopped when the worker exits."""

    def __init__(self, fork: bool = False) -> None:
        self.lock = threading.RLock()
        self.proc: subprocess.Popen[str] | _ForkedZygote
        if fork:
            self.proc = _ForkedZygote()
        else:
            self.proc = _start_interpreter(
                [sys.executable, "-m", "pmovalue.execute.kernels", str(os.getpid())]
            )
        self.sockets = Path(tempfile.mkdtemp(prefix="pmovalue-kernels-"))
        self.count = 0
        self._ready: int | None = None

    def wait_ready(self) -> None:
        with self.lock:
            self._read_ready()

    def _read_ready(self) -> None:
        if self._ready is None:
            line = self.proc.stdout.readline() if self.proc.stdout else ""
            if not line:
                raise RuntimeError("the kernel zygote failed to start")
            reply = json.loads(line)
            if "error" in reply:
                raise RuntimeError(
                    f"the kernel zygote failed to start ({reply['error']}); is pmovalue "
                    "installed with its dependencies? (pip install -e . in its environment)"
                )
            self._ready = int(reply["ready"])

    def _fork(self, request: dict[str, str]) -> int:
        """Send one request to the zygote; the pid of the child it forked for it."""
        with self.lock:
            self.wait_ready()
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the kernel zygote died")
            return int(json.loads(line)["pid"])

    def kernel(self, cwd: str, log: str) -> Any:
        """A brand-new kernel whose working directory is `cwd` (a ForkedKernelManager)."""
        # Imported here, not at the top: this module is imported first thing in a build,
        # and jupyter_client is needed only once the first job starts.
        from pmovalue.execute.forked import ForkedKernelManager

        with self.lock:
            self.count += 1
            ip = str(self.sockets / f"k{self.count}")
        km = ForkedKernelManager(transport="ipc", ip=ip)
        km.write_connection_file()
        km.pid = self._fork({"connection_file": km.connection_file, "cwd": cwd, "log": log})
        _wait_for_sockets(km)
        return km

    def render(self, executed: str, timeout: float = 600.0) -> None:
        """Render the page body of an executed notebook in a child of the zygote (which has
        nbconvert loaded and warmed up); return when it is written, raise if it failed."""
        pid = self._fork({"render": executed})
        deadline = time.monotonic() + timeout
        while alive(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                raise RuntimeError(f"rendering took over {timeout:.0f} s")
            time.sleep(0.005)
        error = Path(render_error_path(executed))
        if error.is_file():
            raise RuntimeError(error.read_text(encoding="utf-8"))

    def close(self) -> None:
        if self.proc.poll() is None:
            # Nothing of the zygote's needs finishing (its kernels and renderers are done), and
            # it may still be importing or warming up: no end-of-file to wait for.
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        shutil.rmtree(self.sockets, ignore_errors=True)


def _start_interpreter(argv: list[str]) -> subprocess.Popen[str]:
    """The zygote as a new interpreter. Linux sends the parent-death signal when the *thread*
    that started the child ends: from any thread but the main one (a Dask worker's), the
    zygote is started by a thread kept for that, which lives as long as this process."""

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    if threading.current_thread() is threading.main_thread():
        return start()
    global _starter
    with _starter_lock:
        if _starter is None:
            _starter = ThreadPoolExecutor(1, thread_name_prefix="pmovalue-zygote-parent")
    return _starter.submit(start).result()


_starter: ThreadPoolExecutor | None = None
_starter_lock = threading.Lock()
_zygote: Zygote | None = None


def zygote(fork: bool = False) -> Zygote | None:
    """This process's zygote, started on first use (its imports then run in the background),
    or None where fork is unavailable (then kernels start normally).

    fork=True: fork it from this process rather than start a new interpreter, if `can_fork()`
    (the CLI, before the build starts any thread)."""
    global _zygote
    if not hasattr(os, "fork") or os.environ.get("PMOVALUE_KERNELS") == "plain":
        return None
    with _start_lock:
        if _zygote is None or _zygote.proc.poll() is not None:
            _zygote = Zygote(fork=fork and can_fork())
            atexit.register(_zygote.close)
        return _zygote


_start_lock = threading.Lock()


if __name__ == "__main__":
    zygote_main(int(sys.argv[1]))
