"""The board pack's private server: the version's folder and nothing else, plotly.js under a name
made of its content (cached for good), everything else uncached; a request for another host, one
before a folder is named, or one for a folder listing is refused."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmovalue.pack.loopback import (
    FOREVER,
    PLOTLY,
    PLOTLY_ALIAS,
    SHELL_PATH,
    PackServer,
    digest,
)

PLOTLY_JS = b"window.Plotly = {};\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "_assets").mkdir()
    (tmp_path / PLOTLY).write_bytes(PLOTLY_JS)
    (tmp_path / "_assets" / "pmovalue.css").write_text("body { color: #111; }")
    (tmp_path / "units").mkdir()
    (tmp_path / "index.html").write_text("<main>the portfolio</main>")
    (tmp_path.parent / "secret.txt").write_text("outside the version")
    return tmp_path


@pytest.fixture
def server(folder: Path) -> Iterator[PackServer]:
    server = PackServer(lambda src: f'<script src="{src}"></script>')
    server.serve(folder)
    yield server
    server.close()


def get(server: PackServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = server.chromium_args()[0].rsplit(" ", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_plotly_js_is_named_by_its_content_and_kept_for_good(server: PackServer) -> None:
    status, headers, shell = get(server, SHELL_PATH)
    alias = f"{PLOTLY_ALIAS}{digest(PLOTLY_JS)}.min.js"
    assert status == 200 and shell.decode() == f'<script src="{alias}"></script>'
    assert headers["cache-control"] == "no-store"
    status, headers, body = get(server, alias)
    assert (status, body, headers["cache-control"]) == (200, PLOTLY_JS, FOREVER)
    assert headers["content-type"].startswith("text/javascript")
    # a name of another content (an older plotly.js) is not answered with this one
    assert get(server, f"{PLOTLY_ALIAS}{digest(b'other')}.min.js")[0] == 404
    assert server.served == [SHELL_PATH, alias]


def test_the_shell_names_a_plotly_js_written_after_it_opened(
    server: PackServer, folder: Path
) -> None:
    (folder / PLOTLY).unlink()
    assert PLOTLY in get(server, SHELL_PATH)[2].decode()  # absent: its plain name (a 404)
    (folder / PLOTLY).write_bytes(b"// a newer plotly.js\n")
    assert digest(b"// a newer plotly.js\n") in get(server, SHELL_PATH)[2].decode()


def test_pages_come_from_the_folder_uncached(server: PackServer) -> None:
    status, headers, body = get(server, "/index.html")
    assert (status, body) == (200, b"<main>the portfolio</main>")
    assert headers["cache-control"] == "no-store"
    status, headers, _ = get(server, "/_assets/pmovalue.css?v=1")
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert get(server, "/missing.html")[0] == 404


def test_nothing_outside_the_folder_is_served(server: PackServer) -> None:
    assert get(server, "/../secret.txt")[0] == 404
    assert get(server, "/units/")[0] == 404  # no listing of a folder
    # what Chromium sends us as its proxy: any other host, https included
    assert get(server, "http://example.com/logo.png")[0] == 403
    assert get(server, "example.com:443", method="CONNECT")[0] == 403
    assert "/../secret.txt" not in server.served


def test_before_a_folder_is_named_every_request_is_refused() -> None:
    server = PackServer(lambda src: src)
    try:
        assert get(server, SHELL_PATH)[0] == 403
        assert get(server, "/index.html")[0] == 403
    finally:
        server.close()


def test_chromium_is_sent_to_this_server_for_every_host(server: PackServer) -> None:
    rules, proxy, bypass = server.chromium_args()
    port = proxy.rsplit(":", 1)[1]
    assert rules == f"--host-resolver-rules=MAP pack.pmovalue.invalid 127.0.0.1:{port}"
    assert proxy == f"--proxy-server=http://127.0.0.1:{port}"
    # only our own host goes direct; loopback addresses too go to the refusing proxy
    assert bypass == "--proxy-bypass-list=pack.pmovalue.invalid;<-loopback>"
