"""The page body of an executed notebook, rendered next to it as soon as its job ends: pages are
rendered while other notebooks still run, and cached with them (see `pmovalue.execute.cache`).

Runs in a child of the kernel zygote (which warmed the exporter up), or in the build's process
when there is no zygote.
"""

from __future__ import annotations

import threading
from pathlib import Path

_exporter = None
_render_lock = threading.Lock()


def body_name(output_name: str) -> str:
    return f"{Path(output_name).stem}.body.html"


def render_error_path(executed: str) -> str:
    """Where a renderer in a child process leaves its error for the build to report."""
    return executed + ".render-error"


def render_body(executed: str) -> None:
    """Write the body of `executed`'s page beside it. One exporter per process, used by one
    thread at a time."""
    global _exporter
    from pmovalue.site.body import body_exporter, notebook_body

    out = Path(executed)
    with _render_lock:
        if _exporter is None:
            _exporter = body_exporter()
        body = notebook_body(out, _exporter)
    (out.parent / body_name(out.name)).write_text(body, encoding="utf-8")
