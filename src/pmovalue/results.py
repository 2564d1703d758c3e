"""The jobs' results (metrics, per-project metrics, history: `pmovalue.handoff` files that each
notebook records), read for the portfolio-level jobs, the work done ahead of the assembly and
the assembly itself."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from pmovalue import handoff
from pmovalue.execute.plan import Job


class ResultFiles:
    """The jobs' results files, each read once: the portfolio-level jobs, the work done ahead
    of the assembly and the assembly itself all need the units' metrics. A file is read only
    once its job has ended (and never for a failed job: its results are not used)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._frames: dict[Path, pd.DataFrame | None] = {}
        self._lock = threading.Lock()  # AssemblyAhead reads from its own thread

    def collect(self, jobs: list[Job], what: str) -> pd.DataFrame:
        """One results file of every job in `jobs`, concatenated in their order."""
        frames = [f for f in (self._read(job, what) for job in jobs) if f is not None]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _read(self, job: Job, what: str) -> pd.DataFrame | None:
        path = handoff.table_path(self.work / "jobs" / job.id / "results", what)
        with self._lock:
            if path not in self._frames:
                self._frames[path] = handoff.read_table(path) if path.is_file() else None
            return self._frames[path]
