"""Run many `pmovalue` commands as real, separate processes, without paying each time for the
interpreter's start-up and the imports (~1 s of CPU a command).

`python -m tests.cli_server` imports the command's modules once, then forks one child per
request. The child is the command: its own process, working folder, environment, argv,
standard output and error (files), and it runs the console script's entry point, exiting as
the interpreter would (an escaping exception prints its traceback and exits 1).
Requests and replies are JSON lines on stdin/stdout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _child(request: dict[str, Any]) -> None:
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        sys.stdin = open(0)  # noqa: SIM115
        sys.stdout = open(1, "w")  # noqa: SIM115
        sys.stderr = open(2, "w")  # noqa: SIM115
        sys.argv = ["pmovalue", *request["args"]]
        from pmovalue.cli import entry

        entry()  # ends the process itself
    except SystemExit as exc:  # argparse's usage errors, as the interpreter handles them
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    import pmovalue.build
    import pmovalue.cli
    import pmovalue.data.loading
    import pmovalue.diff
    import pmovalue.serve  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


class CliServer:
    """The test side: `run(args, cwd, env)` -> (exit code, stdout, stderr)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.cli_server"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        # Replies are read by a thread: waiting on the pipe itself (select) missed a reply that
        # had arrived with the one before it, already in the reader's buffer.
        self._replies: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_replies, daemon=True).start()
        assert json.loads(self._line(300))["ready"]
        self.count = 0

    def _read_replies(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._replies.put(line)

    def _line(self, timeout: float) -> str:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no reply from the command server in {timeout:.0f} s") from None

    def run(
        self, args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
    ) -> tuple[int, str, str]:
        assert self.proc.stdin is not None
        self.count += 1
        out, err = self.scratch / f"{self.count}.out", self.scratch / f"{self.count}.err"
        request = {"args": args, "cwd": str(cwd), "env": env, "stdout": str(out)}
        self.proc.stdin.write(json.dumps({**request, "stderr": str(err)}) + "\n")
        pid = json.loads(self._line(30))["pid"]
        try:
            code = json.loads(self._line(timeout))["code"]
        except TimeoutError:
            os.kill(pid, 9)
            raise
        return code, out.read_text(errors="replace"), err.read_text(errors="replace")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


if __name__ == "__main__":
    serve()
