"""A real PostgreSQL server (Debian's package, started by the tests) as a source: the same site as
from CSV files, nothing but the configured query sent, read-only sessions, no password anywhere,
and every way reading it fails (each exit 2 with one line naming the table and its query)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.data.loading import load_dataset, validate_data
from pmovalue.errors import SourceUnreadable
from tests.conftest import REPO, run_cli
from tests.databases import VERSION, csv_twin, fill_postgres, mapping_reading, pgserver

pytestmark = pytest.mark.slow

READER = "pmo_reader"
# Characters a URL would have to escape: ${NAME} takes the value as it is.
PASSWORD = "Rd-7@ppm:x/y#z%q"
WHERE = "projects (query at {mapping}:6)"


@dataclass(frozen=True)
class Database:
    server: object  # pgserver.Server
    host: str
    port: int

    def url(self, password: str = "${PPM_PASSWORD}", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{READER}:{password}@{self.host}:{self.port}/ppm"

    @property
    def admin(self) -> str:
        return self.server.conninfo("ppm")  # type: ignore[attr-defined]

    @property
    def log(self) -> Path:
        return self.server.log  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def db() -> Iterator[Database]:
    reason = pgserver.missing_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    with pgserver.running_server(log_statements=True) as server:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute("create database ppm")
            conn.execute(f"create role {READER} login password '{PASSWORD}'")
        fill_postgres(server.conninfo("ppm"))
        with psycopg.connect(server.conninfo("ppm"), autocommit=True) as conn:
            conn.execute(f"grant select on all tables in schema public to {READER}")
        yield Database(server, server.host, server.port)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The reader's password in the environment (of the tests, and so of the commands)."""
    monkeypatch.setenv("PPM_PASSWORD", PASSWORD)
    return {**os.environ, "PYTHONWARNINGS": "ignore"}


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command prints (exit 2, no traceback)."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


def secrets_in(text: str) -> list[str]:
    forms = {PASSWORD, urllib.parse.quote(PASSWORD, safe="")}
    return [f for f in forms if f in text]


def files_holding_the_password(root: Path) -> list[Path]:
    forms = [f.encode() for f in (PASSWORD, urllib.parse.quote(PASSWORD, safe=""))]
    found = []
    for path in root.rglob("*"):
        if path.is_file() and any(f in path.read_bytes() for f in forms):
            found.append(path)
    return found


def reader_statements(log: Path) -> list[str]:
    """Every statement the reader's sessions sent, as the server logged it (first line)."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        if f"user={READER} " in line and ("statement:" in line or "execute" in line):
            out.append(line.split("LOG:", 1)[1].strip())
    return out


def test_same_site_as_csv_and_no_password_anywhere(
    db: Database, env: dict[str, str], tmp_path: Path
) -> None:
    """Built by the command as a user runs it, the password written in the URL (as a warning
    allows): metrics and pages equal the CSV twin's, the job cache has the very same keys, and
    the password is in no output, site file, manifest or cache entry."""
    data = mapping_reading(tmp_path / "pg-data", db.url(urllib.parse.quote(PASSWORD, safe="")))
    runs = {}
    for name, folder in (("pg", data), ("csv", csv_twin(tmp_path / "csv-data"))):
        project = tmp_path / f"{name}-project"  # its own cache: .pmovalue in the project
        project.mkdir()
        runs[name] = run_cli(
            "build",
            "--data",
            str(folder),
            "--params",
            str(REPO / "params"),
            "--notebooks",
            str(REPO / "notebooks"),
            "--out",
            str(project / "site"),
            "--engine",
            "builtin",
            cwd=project,
        )
        assert runs[name].returncode == 0, runs[name].stderr
    pg, csv = (tmp_path / f"{n}-project" for n in ("pg", "csv"))
    for name in ("metrics.csv", "projects.csv"):
        a, b = (p / "site" / VERSION / "data" / name for p in (pg, csv))
        assert a.read_bytes() == b.read_bytes(), name
    keys = [
        sorted(p.name for p in (d / ".pmovalue").rglob("*") if p.parent.name == "cache")
        for d in (pg, csv)
    ]
    assert keys[0] and keys[0] == keys[1]

    output = runs["pg"].stdout + runs["pg"].stderr
    assert "holds a password; put it in an environment variable" in output
    assert secrets_in(output) == []
    assert files_holding_the_password(pg / "site") == []
    assert files_holding_the_password(pg / ".pmovalue") == []
    manifest = (pg / "site" / VERSION / "manifest.json").read_text()
    assert f'"source": "postgresql://{db.host}:{db.port}/ppm"' in manifest
    assert (
        f"postgresql://{db.host}:{db.port}/ppm"
        in (pg / "site" / VERSION / "data-quality.html").read_text()
    )


def test_only_the_configured_query_is_sent(
    db: Database, env: dict[str, str], tmp_path: Path
) -> None:
    data = mapping_reading(tmp_path, db.url())
    before = len(reader_statements(db.log))
    load_dataset(data)
    sent = reader_statements(db.log)[before:]
    assert sent == ["statement: COPY (", "statement: COPY ("], sent  # projects, evm
    text = db.log.read_text()
    assert "SELECT * FROM project_evm\n\t) TO STDOUT (FORMAT csv, HEADER true)" in text


def test_the_session_is_read_only(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    """Even an account that may write cannot change anything through a source."""
    import psycopg

    with psycopg.connect(db.admin) as conn:
        before = conn.execute("select count(*) from status_history").fetchone()
    os.environ["PPM_ADMIN"] = db.server.admin_password  # type: ignore[attr-defined]
    (tmp_path / "mapping.yml").write_text(
        "projects:\n"
        f"  source: postgresql://{pgserver.ADMIN}:${{PPM_ADMIN}}@{db.host}:{db.port}/ppm\n"
        "  query: delete from status_history returning proj_id, status, health\n"
        "  columns: {project_id: proj_id, project_name: status, unit_id: health}\n"
    )
    try:
        with pytest.raises(SourceUnreadable) as exc:
            validate_data(tmp_path)
    finally:
        del os.environ["PPM_ADMIN"]
    assert str(exc.value) == (
        f"projects (query at {tmp_path / 'mapping.yml'}:3): the database refused the query: "
        "cannot execute DELETE in a read-only transaction; check the query in mapping.yml"
    )
    with psycopg.connect(db.admin) as conn:
        assert conn.execute("select count(*) from status_history").fetchone() == before


def test_the_sqlalchemy_path_reads_the_same_tables(
    db: Database, env: dict[str, str], tmp_path: Path
) -> None:
    """Another driver (pg8000) through SQLAlchemy's dialect: the same canonical tables."""
    psycopg_data = load_dataset(mapping_reading(tmp_path / "a", db.url()))
    pg8000_data = load_dataset(mapping_reading(tmp_path / "b", db.url(driver="postgresql+pg8000")))
    csv_data = load_dataset(csv_twin(tmp_path / "c"))
    for name in ("projects", "evm"):
        pd.testing.assert_frame_equal(pg8000_data.tables[name], psycopg_data.tables[name])
        pd.testing.assert_frame_equal(csv_data.tables[name], psycopg_data.tables[name])
    assert pg8000_data.sources["projects"].sql.url == (  # type: ignore[union-attr]
        f"postgresql+pg8000://{db.host}:{db.port}/ppm"
    )


def test_wrong_password(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    data = mapping_reading(tmp_path, db.url(driver="postgresql"))
    wrong = {"PPM_PASSWORD": "not-the-password"}
    message = one_error(run_cli("validate", "--data", str(data), env=wrong))
    assert message.startswith(
        f"{WHERE.format(mapping=data / 'mapping.yml')}: cannot connect to "
        f"postgresql://{db.host}:{db.port}/ppm: "
    )
    assert f'password authentication failed for user "{READER}"' in message
    assert "not-the-password" not in message


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers (a host that hangs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_unreachable_host_fails_after_the_connect_timeout(
    env: dict[str, str], tmp_path: Path
) -> None:
    with silent_listener() as port:
        url = f"postgresql+psycopg://{READER}:${{PPM_PASSWORD}}@127.0.0.1:{port}/ppm?connect_timeout=2"
        data = mapping_reading(tmp_path, url)
        started = time.monotonic()
        message = one_error(run_cli("validate", "--data", str(data)))
        waited = time.monotonic() - started
    assert f"cannot connect to postgresql://127.0.0.1:{port}/ppm: " in message
    assert "timeout" in message and "(after 2 s)" in message
    assert secrets_in(message) == []
    assert waited < 30  # the timeout, not the operating system's minutes


def test_nothing_listening_fails_at_once(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = mapping_reading(
        tmp_path, f"postgresql://{READER}:${{PPM_PASSWORD}}@127.0.0.1:{port}/ppm"
    )
    message = one_error(run_cli("validate", "--data", str(data)))
    assert f"cannot connect to postgresql://127.0.0.1:{port}/ppm: " in message
    assert "refused" in message.lower() and secrets_in(message) == []


def test_query_error(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    data = mapping_reading(tmp_path, db.url(), **{"p.proj_code, p.title": "p.proj_code, p.titel"})
    message = one_error(run_cli("validate", "--data", str(data)))
    assert message == (
        f"{WHERE.format(mapping=data / 'mapping.yml')}: the database refused the query: "
        "column p.titel does not exist; check the query in mapping.yml"
    )


def test_empty_result_for_projects(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    data = mapping_reading(tmp_path, db.url(), **{"order by p.proj_id": "where false"})
    result = run_cli("validate", "--data", str(data))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [  # and no EVM row said to have no project
        f"{WHERE.format(mapping=data / 'mapping.yml')}: the query returned no rows; the "
        "projects table needs at least one; check the query and the database it reads",
        "1 problem(s); fix them and run again",
    ]


def test_column_missing_from_the_result(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    data = mapping_reading(
        tmp_path, db.url(), **{"budget_at_completion: budget": "budget_at_completion: bac"}
    )
    result = run_cli("validate", "--data", str(data))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith(
        f"{WHERE.format(mapping=data / 'mapping.yml')}: column bac: not in the query's result "
        "(mapped to projects.budget_at_completion); its columns are proj_code, title, "
    )


def test_connection_dropped_mid_read(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    """The server ends the session while the result streams (pg_terminate_backend from
    another connection, once the query sleeps at row 3000 of 4000)."""
    import psycopg

    query = (
        "select g as proj_code, repeat('x', 200) as title, 'Unit' as dept_name,\n"
        "           pg_sleep(case when g = 3000 then 60 else 0 end)::text as status\n"
        "    from generate_series(1, 4000) g\n"
    )
    data = mapping_reading(tmp_path, db.url())  # the query body replaced: lines stay
    mapping = (data / "mapping.yml").read_text()
    start = mapping.index("    select p.proj_code")
    end = mapping.index("  columns:")
    (data / "mapping.yml").write_text(mapping[:start] + "    " + query + mapping[end:])
    child = subprocess.Popen(
        [sys.executable, "-m", "pmovalue", "validate", "--data", str(data)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with psycopg.connect(db.admin, autocommit=True) as admin:
            deadline = time.monotonic() + 120
            while True:
                pids = admin.execute(
                    "select pid from pg_stat_activity where usename = %s "
                    "and wait_event = 'PgSleep'",
                    (READER,),
                ).fetchall()
                if pids:
                    break
                assert child.poll() is None, child.communicate()
                assert time.monotonic() < deadline, "the query never reached its sleep"
                time.sleep(0.05)
            admin.execute("select pg_terminate_backend(%s)", (pids[0][0],))
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 2, err
    (line,) = err.strip().splitlines()
    prefix = f"error: {WHERE.format(mapping=data / 'mapping.yml')}: the connection failed while "
    assert line.startswith(prefix + "reading the result (after "), line
    rows = int(line.removeprefix(prefix + "reading the result (after ").split(" ")[0])
    assert 0 < rows < 3000
    assert "terminating connection due to administrator command" in line
    assert "nothing was published" in line and secrets_in(line) == []
