"""The runner and executors with real kernels: fresh per job, in the job's folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from pmovalue.execute.executors import LocalExecutor
from pmovalue.execute.runner import JobResult, JobRun, run_job

PROBE = """
import builtins, gc, json, os, sys
leaked = hasattr(builtins, "pmovalue_leak")
builtins.pmovalue_leak = unit
preloaded = "pandas" in sys.modules
import pandas as pd
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
json.dump({"unit": unit, "pid": os.getpid(), "cwd": os.getcwd(), "leaked": leaked,
           "preloaded": preloaded, "strings": pd.options.mode.string_storage,
           "history": get_ipython().history_manager.enabled, "ppid": os.getppid(),
           "parent_handle": app.parent_handle, "argv": sys.argv,
           "execute_sleep": app.kernel._execute_sleep, "stream": type(sys.stdout).__name__,
           "gc": gc.isenabled()},
          open("probe.json", "w"))
"""


def notebook(path: Path, *sources: str) -> Path:
    params = new_code_cell('unit = "none"')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, *(new_code_cell(s) for s in sources)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def job(tmp: Path, nb: Path, unit: str) -> JobRun:
    job_dir = tmp / unit
    job_dir.mkdir()
    return JobRun(
        unit, unit, str(nb), str(job_dir), str(job_dir / "out.ipynb"), {"unit": unit}, timeout=120
    )


def probe(tmp: Path, unit: str) -> dict:
    return json.loads((tmp / unit / "probe.json").read_text())


@pytest.mark.parametrize("kernels", ["zygote", "plain"])
def test_each_job_gets_a_fresh_kernel_in_its_folder(
    tmp_path: Path, kernels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kernels == "plain":
        monkeypatch.setenv("PMOVALUE_KERNELS", "plain")
    nb = notebook(tmp_path / "probe.ipynb", PROBE)
    runs = [job(tmp_path, nb, u) for u in ("alpha", "beta", "gamma")]
    seen: list[JobResult] = []
    here = os.getcwd()
    executor = LocalExecutor(2)  # two threads: jobs run side by side in this process
    try:
        results = executor.run(runs, seen.append)
    finally:
        executor.close()
    assert os.getcwd() == here  # no job moved the build's own working directory
    assert [r.ok for r in results] == [True, True, True]
    assert len(seen) == 3
    probes = [probe(tmp_path, u) for u in ("alpha", "beta", "gamma")]
    assert len({p["pid"] for p in probes}) == 3  # a new process per job
    assert not any(p["leaked"] for p in probes)  # no state shared between units
    for p, u in zip(probes, ("alpha", "beta", "gamma"), strict=True):
        assert Path(p["cwd"]).resolve() == (tmp_path / u).resolve()
        assert p["unit"] == u
    if kernels == "zygote":
        assert all(p["preloaded"] for p in probes)  # imports paid once, in the zygote
        assert {p["strings"] for p in probes} == {"python"}  # pmovalue.strings, inherited
        # Configured as on a command line: no history database; each kernel exits with its
        # zygote (its parent).
        assert not any(p["history"] for p in probes)
        assert all(p["parent_handle"] == p["ppid"] for p in probes)
        # No sleep before each reply, no thread hand-off to flush an empty stream.
        assert {(p["execute_sleep"], p["stream"]) for p in probes} == {(0.0, "KernelStream")}
        assert all(p["gc"] for p in probes)  # collection disabled only while it preloads


FORKING_BUILD = """
import gc, json, os, sys, threading
from pathlib import Path
from pmovalue.execute import kernels
from pmovalue.execute.executors import LocalExecutor
from pmovalue.execute.runner import JobRun
from pmovalue.strings import use_python_strings

tmp = Path(sys.argv[1])
if sys.argv[2] == "with-a-thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
gc.disable()  # as the CLI, while it imports
use_python_strings()  # pandas imported first, as by the CLI
factory = kernels.zygote(fork=True)
gc.enable()
runs = []
for unit in ("alpha", "beta"):
    (tmp / unit).mkdir()
    runs.append(JobRun(unit, unit, str(tmp / "probe.ipynb"), str(tmp / unit),
                       str(tmp / unit / "out.ipynb"), {"unit": unit}, timeout=120))
executor = LocalExecutor(2)
results = executor.run(runs, lambda r: None)
executor.close()
cmdline = Path(f"/proc/{factory.proc.pid}/cmdline").read_bytes()
print(json.dumps({"ok": [r.ok for r in results], "zygote": factory.proc.pid,
                  "forked": cmdline == Path("/proc/self/cmdline").read_bytes()}))
"""


@pytest.mark.parametrize("threads", ["single", "with-a-thread"])
def test_a_zygote_forked_from_the_build_serves_fresh_kernels(tmp_path: Path, threads: str) -> None:
    """The CLI forks its zygote once pandas is imported (not a second interpreter that imports
    it again); only while it is the process's only thread, else it starts a new interpreter."""
    import subprocess
    import sys

    notebook(tmp_path / "probe.ipynb", PROBE)
    proc = subprocess.run(
        [sys.executable, "-c", FORKING_BUILD, str(tmp_path), threads],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["ok"] == [True, True]
    assert out["forked"] is (threads == "single")
    probes = [probe(tmp_path, u) for u in ("alpha", "beta")]
    assert len({p["pid"] for p in probes}) == 2 and not any(p["leaked"] for p in probes)
    assert all(p["ppid"] == out["zygote"] == p["parent_handle"] for p in probes)
    assert all(p["preloaded"] and p["strings"] == "python" for p in probes)
    assert all(p["gc"] for p in probes)  # the zygote enables the collector the CLI disabled
    assert all(str(tmp_path) not in " ".join(p["argv"]) for p in probes)  # not the build's argv


ORDERED_OUTPUT = """
import sys
from IPython.display import HTML, display
print("first")
display(HTML("<b>second</b>"))
print("third", file=sys.stderr)
display(HTML("<i>fourth</i>"))
print("fifth")
"""


@pytest.mark.parametrize("kernels", ["zygote", "plain"])
def test_outputs_arrive_complete_and_in_order(
    tmp_path: Path, kernels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked kernels skip flushing empty streams: text written before a display must
    still come before it, and every output of a cell must reach the notebook."""
    if kernels == "plain":
        monkeypatch.setenv("PMOVALUE_KERNELS", "plain")
    nb = notebook(tmp_path / "order.ipynb", ORDERED_OUTPUT, "print('next cell')")
    run = job(tmp_path, nb, "zeta")
    assert run_job(run).ok
    cells = [c for c in nbformat.read(run.output, as_version=4).cells if c.cell_type == "code"]
    seen = []
    for o in cells[-2].outputs:
        if o.output_type == "stream":
            seen += [(o.name, line) for line in o.text.splitlines()]
        else:
            seen.append(("display", o.data["text/html"]))
    assert seen == [
        ("stdout", "first"),
        ("display", "<b>second</b>"),
        ("stderr", "third"),
        ("display", "<i>fourth</i>"),
        ("stdout", "fifth"),
    ]
    assert [o.text for o in cells[-1].outputs] == ["next cell\n"]


def test_failure_names_cell_and_keeps_outputs(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "fail.ipynb", "print('before')", "1 / 0", "print('never')")
    run = job(tmp_path, nb, "delta")
    result = run_job(run)
    assert not result.ok and result.failure is not None
    assert result.failure.unit_id == "delta"
    assert result.failure.cell == 3  # parameters=1, print=2, 1/0=3 (injected cell not counted)
    assert result.failure.error.startswith("ZeroDivisionError")
    executed = nbformat.read(run.output, as_version=4)
    texts = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert "before\n" in texts and "never\n" not in texts


def test_page_body_rendered_by_the_zygote_equals_rendering_here(tmp_path: Path) -> None:
    from pmovalue.execute.kernels import zygote
    from pmovalue.execute.pages import body_name, render_body

    nb = notebook(tmp_path / "page.ipynb", "from IPython.display import HTML\nHTML('<b>bold</b>')")
    run = job(tmp_path, nb, "epsilon")
    result = run_job(run)  # renders through the zygote
    assert result.ok, result.failure
    body = Path(run.output).with_name(body_name("out.ipynb"))
    from_zygote = body.read_text(encoding="utf-8")
    assert "<b>bold</b>" in from_zygote
    body.unlink()
    render_body(run.output)  # the same, in this process
    assert body.read_text(encoding="utf-8") == from_zygote
    # A rendering that fails is reported with its reason, not taken for a page.
    factory = zygote()
    assert factory is not None
    with pytest.raises(RuntimeError, match=r"missing\.ipynb"):
        factory.render(str(tmp_path / "missing.ipynb"))


def test_no_page_body_when_the_engine_renders_the_notebook_itself(tmp_path: Path) -> None:
    """Under the quarto engine each page is rendered once, by Quarto: not also by nbconvert."""
    from dataclasses import replace

    from pmovalue.execute.pages import body_name

    nb = notebook(tmp_path / "page.ipynb", "from IPython.display import HTML\nHTML('<b>x</b>')")
    run = replace(job(tmp_path, nb, "zeta"), with_body=False)
    assert run_job(run).ok
    assert Path(run.output).is_file()
    assert not Path(run.output).with_name(body_name("out.ipynb")).exists()


def test_a_forked_kernel_that_died_is_reported_while_starting(tmp_path: Path) -> None:
    import signal

    from jupyter_core.utils import run_sync

    from pmovalue.execute.kernels import zygote

    factory = zygote()
    assert factory is not None
    km = factory.kernel(str(tmp_path), str(tmp_path / "kernel.log"))
    assert km.pid is not None
    os.killpg(km.pid, signal.SIGKILL)
    kc = km.client()
    kc.start_channels()
    try:
        with pytest.raises(RuntimeError, match="died"):
            run_sync(kc.wait_for_ready)(timeout=30)  # as nbclient calls it
    finally:
        kc.stop_channels()
        km.kill()


def test_a_zygote_closed_while_still_importing_is_gone_at_once() -> None:
    from pmovalue.execute.kernels import Zygote

    z = Zygote()  # a build that stops at bad data closes it before it is even ready
    z.close()
    assert z.proc.returncode is not None
    assert not z.sockets.exists()


def test_a_zygote_starts_even_if_a_preloaded_module_is_gone() -> None:
    """PRELOAD names internal modules of other libraries; one that a later version moves must
    cost a head start, not every build: the zygote still starts."""
    import subprocess
    import sys

    code = (
        "import pmovalue.execute.kernels as K\n"
        "K.PRELOAD = (*K.PRELOAD, 'pandas.core.no_such_module')\n"
        "K.zygote_main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input="", capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert '"ready"' in proc.stdout


def test_a_zygote_that_cannot_start_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken install (here a dependency the warm-up needs that fails to import) is named
    in the error every job reports, instead of "failed to start" alone."""
    from pmovalue.execute.kernels import Zygote

    broken = tmp_path / "threadpoolctl"
    broken.mkdir()
    (broken / "__init__.py").write_text('raise ImportError("threadpoolctl is broken here")\n')
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    z = Zygote()
    try:
        with pytest.raises(RuntimeError, match=r"failed to start.*threadpoolctl is broken here"):
            z.wait_ready()
    finally:
        z.close()


def test_the_zygote_serves_kernels_first_and_warms_rendering_up_when_quiet() -> None:
    from pmovalue.execute.kernels import _requests

    done: list[str] = []
    read, write = os.pipe()
    try:
        later = [lambda: done.append("import"), lambda: done.append("warm-up")]
        requests = _requests(read, later)
        os.write(write, b'{"connection_file": "k1"}\n{"connection_file": "k2"}\n')
        assert next(requests) == {"connection_file": "k1"}
        assert next(requests) == {"connection_file": "k2"}
        assert done == []  # both kernels asked for at once: neither waited for the warm-up
        os.write(write, b'{"render": "page.ipynb"}\n')
        assert next(requests) == {"render": "page.ipynb"}
        assert done == ["import", "warm-up"]  # a page is rendered only once warmed up
        os.close(write)
        write = -1
        assert list(requests) == []  # end of file: the zygote exits
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


def test_the_zygote_rendering_steps_leave_nbconvert_warm_and_no_file_behind(
    tmp_path: Path,
) -> None:
    """Done one at a time in the zygote's quiet moments; once all are done, a page renders
    with the exporter they compiled, and the small page they rendered is gone."""
    import subprocess
    import sys

    code = (
        "import sys, tempfile\n"
        "tempfile.tempdir = sys.argv[1]\n"
        "from pmovalue.execute import kernels, pages\n"
        "steps = kernels._rendering_steps()\n"
        "assert 'nbconvert' not in sys.modules and pages._exporter is None\n"
        "for step in steps:\n"
        "    step()\n"
        "assert all(m in sys.modules for m in kernels.RENDERING)\n"
        "assert pages._exporter is not None\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_quiet_zygote_warms_up_before_it_is_asked() -> None:
    import threading

    from pmovalue.execute.kernels import QUIET_SECONDS, _requests

    done: list[str] = []
    read, write = os.pipe()
    asking = threading.Timer(20 * QUIET_SECONDS, os.write, (write, b'{"connection_file": "k"}\n'))
    try:
        requests = _requests(read, [lambda: done.append("import")])
        asking.start()  # the build asks for a kernel only once its data is validated
        assert next(requests) == {"connection_file": "k"}
        assert done == ["import"]  # done while nobody was asking
    finally:
        asking.join()
        os.close(read)
        os.close(write)
