"""A real PostgreSQL server (Debian's package, started by the tests) as a source: the same site as
from CSV files, nothing but the configured query sent, read-only sessions, no password anywhere,
and every way reading it fails (each exit 2 with one line naming the table and its query)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
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


SLEEPY_QUERY = (  # sleeps at row 3000 of 4000, the rows before it sent
    "select g as proj_code, repeat('x', 200) as title, 'Unit' as dept_name,\n"
    "           pg_sleep(case when g = 3000 then 60 else 0 end)::text as status\n"
    "    from generate_series(1, 4000) g\n"
)


@contextlib.contextmanager
def validating(data: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`pmovalue validate` running on `data` (killed if it is still running at the end)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "pmovalue", "validate", "--data", str(data)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()


def sleeping_reader(admin: object, child: subprocess.Popen[str]) -> int:
    """The server process of the reader's session once its query sleeps."""
    deadline = time.monotonic() + 120
    while True:
        pids = admin.execute(  # type: ignore[attr-defined]
            "select pid from pg_stat_activity where usename = %s and wait_event = 'PgSleep'",
            (READER,),
        ).fetchall()
        if pids:
            return int(pids[0][0])
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the query never reached its sleep"
        time.sleep(0.05)


def lost_after(child: subprocess.Popen[str], data: Path) -> tuple[int, str]:
    """Rows read before the connection failed, and why, from the one line of the error that
    `validate` ends with."""
    _, err = child.communicate(timeout=60)
    assert child.returncode == 2, err
    (line,) = err.strip().splitlines()
    prefix = f"error: {WHERE.format(mapping=data / 'mapping.yml')}: the connection failed while "
    assert line.startswith(prefix + "reading the result (after "), line
    rows, why = line.removeprefix(prefix + "reading the result (after ").split(" rows): ", 1)
    assert why.endswith("; nothing was published, run again when the database is available")
    assert secrets_in(line) == []
    return int(rows), why


def test_connection_dropped_mid_read(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    """The server ends the session while the result streams (pg_terminate_backend from
    another connection, once the query sleeps at row 3000 of 4000)."""
    import psycopg

    data = mapping_reading(tmp_path, db.url())
    query_replaced(data, SLEEPY_QUERY)
    with validating(data, env) as child, psycopg.connect(db.admin, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", (sleeping_reader(admin, child),))
        rows, why = lost_after(child, data)
    assert 0 < rows < 3000
    assert why.startswith("terminating connection due to administrator command;")


@contextlib.contextmanager
def cuttable_proxy(port: int) -> Iterator[tuple[int, Callable[[], None]]]:
    """A port on 127.0.0.1 that forwards to the server's `port`, and a function that cuts
    every connection through it (closed with no word from the server: a broken network)."""
    stop = threading.Event()
    sockets: list[socket.socket] = []

    def pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)

    def serve(listener: socket.socket) -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            server = socket.create_connection(("127.0.0.1", port))
            sockets.extend([client, server])
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    def cut() -> None:
        stop.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        try:
            yield listener.getsockname()[1], cut
        finally:
            cut()
            thread.join()


def test_connection_cut_mid_read(db: Database, env: dict[str, str], tmp_path: Path) -> None:
    """The network fails while the result streams: the connection closes with no word from the
    server (a proxy between them cuts it once the query sleeps at row 3000 of 4000)."""
    import psycopg

    with (
        cuttable_proxy(db.port) as (port, cut),
        psycopg.connect(db.admin, autocommit=True) as admin,
    ):
        data = mapping_reading(tmp_path, db.url().replace(f":{db.port}/", f":{port}/"))
        query_replaced(data, SLEEPY_QUERY)
        with validating(data, env) as child:
            pid = sleeping_reader(admin, child)
            cut()
            rows, why = lost_after(child, data)
        admin.execute("select pg_terminate_backend(%s)", (pid,))  # ends its sleep
    assert 0 < rows < 3000
    assert "server closed the connection unexpectedly" in why, why


# One row per kind of value: NULL, empty, edge values; then rows enough for several chunks.
TYPES = (
    "id int, i2 smallint, i8 bigint, num numeric, num2 numeric(12,2), f4 real, f8 float8, "
    "b boolean, d date, t time, ts timestamp, tstz timestamptz, iv interval, txt text, "
    "vc varchar(20), ch char(5), u uuid, j json, jb jsonb, arr int[], tarr text[], bin bytea, "
    "ip inet"
)
TYPE_ROWS = [
    "1" + ", null" * 22,
    "2, 0, 0, 0, 0, 0, 0, false, '2026-06-30', '00:00', '2026-06-30 00:00', "
    "'2026-06-30 00:00+00', '0', '', '', '', '00000000-0000-0000-0000-000000000000', "
    "'\"\"', '{}', '{}', '{}', '', '0.0.0.0'",
    "3, -32768, 9223372036854775807, 'NaN', 1.5, 'Infinity', 0.1, true, 'infinity', '24:00', "
    "'0044-03-15 12:00 BC', '2026-03-29 01:30:00.123456+02', '1 year 2 mons -3 days 04:05:06', "
    "E'a,\"b\"\\nc\\r\\n\\td\\\\e', ' lead', 'tr  ', '2f0f3b34-49a7-4bd1-9a55-1f3b0e4f1c2e', "
    '\'{"k": [1, "v,w"]}\', \'{"b": 1, "a": null}\', \'{1,NULL,3}\', \'{"x y","",NULL}\', '
    "'\\x00ff', '::1/128'",
    "4, 32767, -1, 12345678901234567890.123456789, '-0.000', '-Infinity', 1e300, true, "
    "'-infinity', '23:59:59.999999', '1999-12-31 23:59:59.5', '1970-01-01 00:00+00', "
    "'-178000000 years', 'Ünïcødé ✓ 中文 😀', '\"quoted\"', '', null, '[]', '[]', "
    "'{{1,2},{3,4}}', '{a,b}', '\\x', '192.168.0.1/24'",
]
BULK = (
    "insert into value_kinds (id, num2, f8, b, d, tstz, txt) "
    "select g, g * 1.1, g / 7.0, g % 3 = 0, date '2026-01-01' + g % 400, "
    "timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', "
    "repeat(chr(65 + g % 26), g % 90) || case when g % 11 = 0 then E'\\nline two' else '' end "
    "from generate_series(10, 6009) g"
)
# Pauses on the way make the reader wait for the server: it parses what it has then.
TYPES_QUERY = (
    "select v.*, pg_sleep(case when id % 1000 = 0 then 0.02 else 0 end)::text as pause\n"
    "from (select * from value_kinds order by id) v"
)


@contextlib.contextmanager
def value_kinds(db: Database) -> Iterator[object]:
    """The table `value_kinds` while the test runs (the reader may read it); the admin's
    connection."""
    import psycopg

    with psycopg.connect(db.admin, autocommit=True) as conn:
        conn.execute(f"create table value_kinds ({TYPES})")
        try:
            for row in TYPE_ROWS:
                conn.execute(f"insert into value_kinds values ({row})")
            conn.execute(BULK)
            conn.execute(f"grant select on value_kinds to {READER}")
            yield conn
        finally:
            conn.execute("drop table value_kinds")


def test_every_kind_of_value_reads_as_the_text_of_its_csv(
    db: Database, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A result holding a value of every common PostgreSQL type (and NULL, empty text, quotes,
    newlines, infinities) gives the loader the cells that reading its CSV export gives, parsed
    in several chunks while it streams or all at once after (the no-op check's read); the hash
    is that of the bytes the server sent."""
    import hashlib

    from pmovalue.data import sql
    from pmovalue.data.loading import read_file

    export = tmp_path / "export.csv"  # as `psql \copy (query) to export.csv csv header` makes it
    (tmp_path / "mapping.yml").write_text("projects:\n  source: x\n  query: x\n")
    source = sql.SqlSource("projects", db.url(), TYPES_QUERY, None, tmp_path / "mapping.yml", 3)
    monkeypatch.setattr(sql, "CHUNK_BYTES", 64_000)  # several chunks from a small result
    with value_kinds(db) as conn:
        copy = f"COPY ({TYPES_QUERY}) TO STDOUT (FORMAT csv, HEADER true)"
        with export.open("wb") as out, conn.cursor().copy(copy) as rows:
            for block in rows:
                out.write(block)
        streamed = sql.fetch(source)
        kept = sql.fetch(source, keep=True)
    expected = read_file(export)
    assert len(expected) == 6004
    first = expected.iloc[:4].set_index("id")
    assert (first.loc["1"] == "").all()  # NULL: an empty cell
    assert first.loc["2", "txt"] == "" and first.loc["2", "ch"] == "     "
    assert first.loc["3", "txt"] == 'a,"b"\nc\r\n\td\\e'
    assert first.loc["3", ["num", "num2", "f4", "f8", "b", "d"]].tolist() == [
        "NaN", "1.50", "Infinity", "0.1", "t", "infinity"
    ]  # fmt: skip
    assert first.loc["4", ["num", "num2"]].tolist() == ["12345678901234567890.123456789", "0.00"]
    assert first.loc["4", "txt"] == "Ünïcødé ✓ 中文 😀"

    assert streamed.csv is not None and streamed.csv.chunks_parsed >= 3
    assert sql.take(source) is kept and kept.csv is not None and kept.csv.chunks_parsed == 0
    digest = hashlib.sha256(b"csv\n" + export.read_bytes()).hexdigest()
    for result in (streamed, kept):
        assert result.rows == 6004 and result.sha256 == digest
        pd.testing.assert_frame_equal(result.frame(), expected)


def query_replaced(data: Path, query: str) -> None:
    """The example mapping's projects query replaced by `query` (its lines stay where they were)."""
    mapping = (data / "mapping.yml").read_text()
    start = mapping.index("    select p.proj_code")
    end = mapping.index("  columns:")
    (data / "mapping.yml").write_text(mapping[:start] + "    " + query + mapping[end:])


def test_an_error_after_some_rows_is_the_query_s(
    db: Database, env: dict[str, str], tmp_path: Path
) -> None:
    """The server fails the query at row 3000 of 4000, after streaming the rows before it."""
    data = mapping_reading(tmp_path, db.url())
    query_replaced(
        data,
        "select g as proj_code, (1 / (g - 3000))::text as title, 'Unit' as dept_name,\n"
        "           'active' as status from generate_series(1, 4000) g\n",
    )
    message = one_error(run_cli("validate", "--data", str(data)))
    assert message == (
        f"{WHERE.format(mapping=data / 'mapping.yml')}: the database refused the query: "
        "division by zero; check the query in mapping.yml"
    )
