"""The version's folder served to the pack's Chromium by a private server on 127.0.0.1, under
the made-up origin `ORIGIN` (Chromium is told that its host is this server: see
`chromium_args`).

Why not file://: Chromium keeps the compiled code of a script only for a script fetched over
http(s), and compiling plotly.js (4.6 MB) is the largest single cost of a small pack (~0.9 s of
the ~1.1 s it takes to load); from its kept code it loads in ~0.25 s (see
`pmovalue.pack.profile`). The origin never changes from one pack to the next, so that the kept
code is found again; plotly.js is served under a name made of its content's hash and cached for
good, so that the code kept is always the code of the plotly.js being loaded. Everything else is
served uncached: a page or a stylesheet is read from the folder every time.

Nothing outside the folder is fetched: Chromium sends every other request to this same server as
its proxy, which refuses it (`chromium_args`); Chromium itself refuses file:// URLs in an http
page.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pmovalue.serve import SiteHandler

HOST = "pack.pmovalue.invalid"  # .invalid: a name that can never be a real host
ORIGIN = f"http://{HOST}"
SHELL_PATH = "/_pmovalue-pack/shell.html"
PLOTLY = "_assets/plotly.min.js"
PLOTLY_ALIAS = "/_pmovalue-pack/plotly-"  # + digest(content) + ".min.js"
FOREVER = "public, max-age=31536000, immutable"
REFUSED = "the board pack fetches nothing outside the version"


def digest(data: bytes) -> str:
    """The hash that names a plotly.js."""
    return hashlib.sha256(data).hexdigest()[:32]


class _Handler(SiteHandler):
    server_of: PackServer  # set on the subclass each server makes

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the pack reports what it refused itself."""

    def do_CONNECT(self) -> None:  # an https request Chromium proxied to us
        self.send_error(403, REFUSED)

    def send_head(self) -> Any:
        folder = self.server_of.folder
        if "://" in self.path or folder is None:  # proxied to us: a host other than ours
            self.send_error(403, REFUSED)
            return None
        self.directory = str(folder)
        path = self.path.split("?", 1)[0]
        if path == SHELL_PATH:
            plotly = folder / PLOTLY
            # (plotly.js not there yet: the page is opened again once it is)
            src = (
                f"{PLOTLY_ALIAS}{digest(plotly.read_bytes())}.min.js"
                if plotly.is_file()
                else PLOTLY
            )
            return self._send(self.server_of.shell(src).encode(), "text/html", "no-store")
        if path.startswith(PLOTLY_ALIAS):
            plotly = folder / PLOTLY
            data = plotly.read_bytes() if plotly.is_file() else b""
            if not data or path != f"{PLOTLY_ALIAS}{digest(data)}.min.js":
                self.send_error(404, "not this version's plotly.js")
                return None
            return self._send(data, "text/javascript", FOREVER)
        self._cache = "no-store"
        head = super().send_head()
        if head is not None:
            self.server_of.served.append(path)
        return head

    def end_headers(self) -> None:
        cache = getattr(self, "_cache", None)
        if cache:
            self.send_header("Cache-Control", cache)
        super().end_headers()

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "no such page")

    def _send(self, data: bytes, kind: str, cache: str) -> io.BytesIO:
        self.server_of.served.append(self.path.split("?", 1)[0])
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self._cache = cache
        self.end_headers()
        return io.BytesIO(data)


class PackServer:
    """Serves the version's folder (once `serve` names it; every request is refused before)
    and the shell page (`shell` of plotly.js's URL) on 127.0.0.1, in a thread, until `close`."""

    def __init__(self, shell: Callable[[str], str]) -> None:
        self.shell = shell
        self.folder: Path | None = None
        self.served: list[str] = []  # the paths answered, in order (what Chromium fetched)
        handler = type("PackHandler", (_Handler,), {"server_of": self})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # polled often: `close` waits for the loop to see it (up to 0.5 s by default)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="pack-server", daemon=True
        )
        self._thread.start()

    def serve(self, folder: Path) -> None:
        self.folder = folder

    def chromium_args(self) -> list[str]:
        """`ORIGIN` is this server; every other request goes to it as to a proxy (loopback
        addresses too: `<-loopback>`), which refuses it."""
        me = f"127.0.0.1:{self._server.server_address[1]}"
        return [
            f"--host-resolver-rules=MAP {HOST} {me}",
            f"--proxy-server=http://{me}",
            f"--proxy-bypass-list={HOST};<-loopback>",
        ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
