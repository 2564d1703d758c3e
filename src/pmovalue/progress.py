"""Build progress: a live line on a terminal, plain log lines otherwise, and a closing summary."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from pmovalue.execute.runner import JobResult


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m:d}:{s:02d}"


def terminal_width() -> int:
    """Columns of the terminal (80 when it cannot tell)."""
    return shutil.get_terminal_size((80, 24)).columns


def fit(line: str, width: int) -> str:
    """`line` cut to leave the terminal's last column free: a line as wide as the terminal
    wraps on many terminals, and `\r` then redraws only its second half, leaving a stack."""
    room = max(10, width - 1)
    return line if len(line) <= room else line[: room - 1] + "…"


class Progress:
    def __init__(
        self, total: int, workers: int, stream: TextIO | None = None, live: bool | None = None
    ) -> None:
        self.total = total
        self.workers = max(1, workers)
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.started = time.perf_counter()
        self.pending: list[str] = []  # submitted, not finished, in submission (= start) order
        self.results: list[JobResult] = []

    def submitted(self, job_ids: list[str]) -> None:
        self.pending.extend(job_ids)
        self._draw()

    def done(self, result: JobResult) -> None:
        if result.job_id in self.pending:
            self.pending.remove(result.job_id)
        self.results.append(result)
        if not self.live:
            how = "reused from cache" if result.cached else f"{result.seconds:.1f} s"
            state = "ok" if result.ok else "FAILED"
            self._print(f"[{len(self.results)}/{self.total}] {result.job_id}: {state} ({how})")
        self._draw()

    def line(self) -> str:
        done = len(self.results)
        elapsed = time.perf_counter() - self.started
        eta = ""
        if 0 < done < self.total:
            eta = f", about {_clock(elapsed / done * (self.total - done))} left"
        running = ", ".join(self.pending[: self.workers])
        now = f" | running: {running}" if running else ""
        return f"[{done}/{self.total}] {_clock(elapsed)} elapsed{eta}{now}"

    def _draw(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K" + fit(self.line(), terminal_width()))
            self.stream.flush()

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def summary(self) -> str:
        """Each job's time, slowest first, and the failures."""
        if self.live:
            self.stream.write("\r\x1b[2K")
        lines = [f"{len(self.results)} job(s) in {time.perf_counter() - self.started:.1f} s:"]
        for r in sorted(self.results, key=lambda r: -r.seconds):
            how = "cached" if r.cached else f"{r.seconds:6.1f} s"
            lines.append(f"  {r.job_id:<40} {how}{'' if r.ok else '  FAILED'}")
        failures = [r.failure for r in self.results if r.failure is not None]
        for f in failures:
            lines.append(f"  failed: {f}")
        return "\n".join(lines)
