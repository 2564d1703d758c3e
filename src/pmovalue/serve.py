"""`pmovalue serve`: a preview server for the published site, on 127.0.0.1 only."""

from __future__ import annotations

import errno
import functools
import http.server
import mimetypes
from pathlib import Path

from pmovalue.errors import UsageError

# Pagefind's files and ES modules need the right types; some systems' tables lack them.
EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
    ".ipynb": "application/x-ipynb+json",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    # The base class defines it as a class-level dict too.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}  # noqa: RUF012


def make_server(out: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    if not (out / "versions.json").is_file():
        raise UsageError(f"{out} holds no published site; run `pmovalue build` first")
    for ext, kind in EXTRA_TYPES.items():
        mimetypes.add_type(kind, ext)
    handler = functools.partial(SiteHandler, directory=str(out))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OverflowError:
        raise UsageError(f"--port {port}: a port is a number from 0 to 65535") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use (another `pmovalue serve`?)"
        elif exc.errno == errno.EACCES:
            reason = f"port {port} needs administrator rights (ports below 1024 do)"
        else:
            reason = f"cannot listen on {host}:{port} ({exc.strerror})"
        other = port + 1 if 0 < port < 65535 else 8001
        raise UsageError(
            f"{reason}; choose another with --port, e.g. --port {other}, or --port 0 for any "
            "free port"
        ) from None


def serve(out: Path, port: int) -> None:
    server = make_server(out, port)
    host, real_port = server.server_address[:2]
    print(f"serving {out} at http://{host}:{real_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
