"""Job cache: an unchanged job (same notebook, params, input data and package) is not re-run.

Key = sha256 over the notebook's bytes, the job's parameters (JSON), the content of every
input file and pmovalue's version and source code. The PMO evidence a job is handed is not in
it: it follows from the other inputs and the code, and is prepared only for a job that runs.
An entry holds the executed notebook, its rendered page body and the job's results/.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from pmovalue import __version__
from pmovalue.execute.pages import body_name
from pmovalue.handoff import EVIDENCE_FILE
from pmovalue.hashing import file_sha256


@functools.cache
def code_digest() -> str:
    """Hash of pmovalue's own source: an edit to report.py or charts.py invalidates the cache
    even when the version number did not change."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".j2", ".js", ".css"} and "skeleton" not in path.parts:
            h.update(f"{path.relative_to(root)}:{file_sha256(path)}\n".encode())
    return h.hexdigest()


def job_key(notebook: Path, parameters: dict[str, Any], input_dir: Path) -> str:
    h = hashlib.sha256()
    h.update(f"pmovalue {code_digest()}\n".encode())
    h.update(file_sha256(notebook).encode())
    h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    for path in sorted(input_dir.rglob("*")):
        if path.is_file() and path.name != EVIDENCE_FILE:
            h.update(f"{path.relative_to(input_dir)}:{file_sha256(path)}\n".encode())
    return h.hexdigest()


class JobCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled

    def restore(self, key: str, job_dir: Path, output_name: str) -> bool:
        entry = self.root / key
        if not self.enabled or not (entry / "complete").exists():
            return False
        shutil.copy2(entry / output_name, job_dir / output_name)
        body = entry / body_name(output_name)
        if body.is_file():
            shutil.copy2(body, job_dir / body.name)
        if (entry / "results").is_dir():
            shutil.copytree(entry / "results", job_dir / "results", dirs_exist_ok=True)
        return True

    def store(self, key: str, job_dir: Path, output_name: str) -> None:
        if not self.enabled:
            return
        entry = self.root / key
        tmp = self.root / f".{key}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        shutil.copy2(job_dir / output_name, tmp / output_name)
        if (job_dir / body_name(output_name)).is_file():
            shutil.copy2(job_dir / body_name(output_name), tmp / body_name(output_name))
        if (job_dir / "results").is_dir():
            shutil.copytree(job_dir / "results", tmp / "results")
        (tmp / "complete").write_text("ok\n")
        shutil.rmtree(entry, ignore_errors=True)
        try:
            os.replace(tmp, entry)  # whole entry or none: a killed build never leaves half of one
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
