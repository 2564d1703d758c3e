"""A throwaway PostgreSQL server for the tests and the benchmark (Debian's `postgresql` package).

`initdb` in a new temporary folder, the server on a free port of 127.0.0.1 (no Unix socket),
stopped and removed at the end. PostgreSQL refuses to run as root: as root (as CI runs), the
server runs as the `postgres` user that the package creates, in a folder that user owns.

    with running_server() as server:
        url = server.url()     # postgresql+psycopg://pmo_admin:...@127.0.0.1:PORT/postgres
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ADMIN = "pmo_admin"
SERVICE_USER = "postgres"  # created by Debian's postgresql-common


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that holds the server, or None."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def missing_reason() -> str | None:
    """Why no server can be started here, or None when one can."""
    if bin_dir() is None:
        return (
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): "
            "`make test` installs Debian's postgresql package, or run "
            "`apt-get install postgresql` as root"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return f"running as root and there is no {SERVICE_USER!r} user to run PostgreSQL"
    return None


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    admin_password: str
    folder: Path  # data folder and server log

    def url(
        self,
        user: str = ADMIN,
        password: str | None = None,
        database: str = "postgres",
        driver: str = "postgresql+psycopg",
    ) -> str:
        secret = self.admin_password if password is None and user == ADMIN else password
        auth = f"{user}:{secret}@" if secret else f"{user}@"
        return f"{driver}://{auth}{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """libpq connection string of the admin (for psycopg.connect)."""
        return (
            f"host={self.host} port={self.port} dbname={database} user={ADMIN} "
            f"password={self.admin_password} connect_timeout=10"
        )

    @property
    def log(self) -> Path:
        return self.folder / "server.log"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(log_statements: bool = False) -> Iterator[Server]:
    """Start a new server; stop it and delete its folder on exit."""
    reason = missing_reason()
    if reason:
        raise RuntimeError(reason)
    binaries = bin_dir()
    assert binaries is not None
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", SERVICE_USER, "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="pmovalue-pg-"))
    password = secrets.token_urlsafe(16)
    (folder / "pw").write_text(password + "\n")
    if as_root:
        account = pwd.getpwnam(SERVICE_USER)
        for path in (folder, folder / "pw"):
            os.chown(path, account.pw_uid, account.pw_gid)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=120, cwd=folder
        )

    data = folder / "data"
    try:
        init = run(
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            ADMIN,
            f"--pwfile={folder / 'pw'}",
            "--auth=scram-sha-256",
            "--no-locale",
            "--encoding=UTF8",
            "--no-sync",
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()}")
        (folder / "pw").unlink()
        settings = [
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            f"log_statement = '{'all' if log_statements else 'none'}'",
            "log_line_prefix = '[%p] user=%u '",
        ]
        for attempt in range(3):  # another process may take the free port before the server
            port = _free_port()
            with (data / "postgresql.auto.conf").open("a") as conf:
                conf.write("\n".join([*settings, f"port = {port}", ""]))
            start = run(
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
            if start.returncode == 0:
                break
            log = (folder / "server.log").read_text(errors="replace")
            if "could not bind" not in log or attempt == 2:
                raise RuntimeError(f"PostgreSQL did not start: {start.stderr.strip()}\n{log}")
        yield Server("127.0.0.1", port, password, folder)
    finally:
        if (data / "postmaster.pid").exists():
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
