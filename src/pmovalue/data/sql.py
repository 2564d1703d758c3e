"""SQL sources: a canonical table read straight from a database that mapping.yml names.

    projects:
      source: postgresql+psycopg://pmo_reader:${PPM_PASSWORD}@db.intranet/ppm
      query: |                          # or `table: schema.name`
        select p.id, p.name, d.name as department, p.bac from projects p join ...
      columns: {project_id: id, project_name: name, unit_id: department, ...}

The result then goes through the same mapping (columns, values, constants, scale, on_invalid)
and checks as a file; its rows are numbered by their position in the result (1 = first row).

* `source` is a database URL in SQLAlchemy's form; `${NAME}` in it is taken from the
  environment (a literal password works, with a warning). How it is opened, read-only, is
  `pmovalue.data.databases`. Only the configured query is sent; PostgreSQL streams its result
  as CSV (`COPY (query) TO STDOUT`), taken from libpq a row at a time with as little Python as
  possible and parsed by Arrow in chunks while the server is still sending: little slower
  than reading the same data from a CSV file (scripts/bench.py compares the two).
* The result is hashed as it arrives: the build, the job cache and the no-op check of a
  rebuild compare what the query returned, never the URL.
* No password reaches a message, the manifest, the site or a log: messages name the source by
  `where` (table, mapping line) and the URL without user, password or options.

Light to import: the no-op check of a rebuild runs the query before anything heavy is loaded
(pandas is imported only to make the table).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import yaml

from pmovalue.data.databases import Opened, open_read_only, reason
from pmovalue.errors import Problem, SourceUnreadable

if TYPE_CHECKING:
    import pandas as pd

SQL_KEYS = ("source", "query", "table")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


@dataclass(frozen=True)
class SqlSource:
    """One table's `source` and `query` (or `table`) in mapping.yml, as written."""

    table: str  # the canonical table it feeds
    url: str  # may hold ${NAME}
    query: str | None
    db_table: str | None
    mapping_file: Path
    line: int  # of `query:` or `table:`

    @property
    def where(self) -> str:
        """How messages name this source: `projects (query at data/mapping.yml:3)`."""
        kind = "query" if self.query is not None else "table"
        return f"{self.table} ({kind} at {self.mapping_file}:{self.line})"

    @property
    def statement(self) -> str:
        if self.query is not None:
            return self.query.strip().rstrip(";").rstrip()
        return f"SELECT * FROM {self.db_table}"

    @property
    def query_sha256(self) -> str:
        return hashlib.sha256(self.statement.encode()).hexdigest()


@dataclass(frozen=True)
class SqlRead:
    """Provenance of one read, for the manifest and the data-quality page (no credentials)."""

    where: str
    url: str
    query_sha256: str
    rows: int
    seconds: float


@dataclass
class Fetched:
    """A query's result as it came: CSV (PostgreSQL's COPY) or rows of driver values."""

    source: SqlSource
    public_url: str
    columns: list[str]
    sha256: str  # of the result: column names and every value, in order
    rows: int
    seconds: float
    csv: CopiedCsv | None = None
    records: list[tuple[Any, ...]] | None = None
    warnings: tuple[str, ...] = ()

    def frame(self) -> pd.DataFrame:
        """The result as a table of raw cells (types are decided by the table spec)."""
        import pandas as pd

        if self.csv is not None:
            return self.csv.frame()
        records = self.records or []
        cells = zip(*records, strict=True) if records else ([] for _ in self.columns)
        # As objects, the driver's values unchanged (no 1 -> 1.0 for a column with blanks).
        return pd.DataFrame(dict(zip(self.columns, cells, strict=True)), dtype=object)

    @property
    def provenance(self) -> SqlRead:
        source = self.source
        return SqlRead(source.where, self.public_url, source.query_sha256, self.rows, self.seconds)


# What has arrived of a COPY is parsed a megabyte at a time, while the server sends the rest.
CHUNK_BYTES = 1 << 20


class CopiedCsv:
    """PostgreSQL's CSV (a COPY's header line, then its rows) as it arrives: hashed, and parsed
    by Arrow in chunks while the server is still sending (`parse`). Without `parse` (the no-op
    check, which needs only the hash and imports nothing heavy), `frame` parses it all."""

    def __init__(self, parse: bool) -> None:
        self.parse = parse
        self.digest = hashlib.sha256(b"csv\n")  # of every byte the server sent, in order
        self.columns: list[str] = []
        self.rows = 0  # after the header
        self._tables: list[Any] = []  # Arrow tables of the parsed chunks
        self._unparsed: list[bytes] = []

    def add_header(self, line: bytes) -> None:
        self.digest.update(line)
        self.columns = next(csv.reader(io.StringIO(line.decode())), [])

    def add(self, rows: bytes | bytearray) -> None:
        """Whole rows: the messages of a COPY end where its rows do."""
        if not rows:
            return
        self.digest.update(rows)
        if self.parse:
            self._tables.append(_parse_csv(rows, self.columns))
        else:
            self._unparsed.append(bytes(rows))

    @property
    def chunks_parsed(self) -> int:
        """How many chunks were parsed while the rest was arriving."""
        return len(self._tables)

    def frame(self) -> pd.DataFrame:
        """Text cells, as a CSV file is read (every cell a string, NULL and empty both "")."""
        import pyarrow as pa

        tables = [*self._tables, *(_parse_csv(c, self.columns) for c in self._unparsed)]
        if not tables:
            return pa.schema([(c, pa.string()) for c in self.columns]).empty_table().to_pandas()
        return pa.concat_tables(tables).to_pandas()


def _parse_csv(data: bytes | bytearray, columns: list[str]) -> Any:
    """Rows of PostgreSQL's CSV as an Arrow table of strings. Arrow's reader is four times
    faster than pandas' own (which a file keeps for its encodings); on one thread, because
    with values that may hold newlines its threads cost more than they save."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=columns, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def mapping_sources(mapping_file: Path, raw: dict[str, Any]) -> dict[str, SqlSource]:
    """The SQL sources of a read mapping.yml (`raw`), by canonical table. The spec of each
    table must already be checked (`spec_problems`)."""
    tables = [t for t, spec in raw.items() if isinstance(spec, dict) and "source" in spec]
    if not tables:
        return {}
    lines = _key_lines(mapping_file)
    out = {}
    for table in tables:
        spec = raw[table]
        key = "query" if "query" in spec else "table"
        out[table] = SqlSource(
            table=table,
            url=str(spec["source"]),
            query=str(spec["query"]) if "query" in spec else None,
            db_table=str(spec["table"]) if "table" in spec else None,
            mapping_file=mapping_file,
            line=lines.get((table, key), 0),
        )
    return out


def spec_problems(table: str, spec: dict[str, Any]) -> list[str]:
    """What is wrong with the SQL keys of one table's spec (messages start with the table)."""
    if "source" not in spec:
        given = [k for k in ("query", "table") if k in spec]
        return [f"{table}: {given[0]!r} needs a database 'source' URL"] if given else []
    out = []
    if "file" in spec or "sheet" in spec:
        out.append(f"{table}: give either a 'file' or a database 'source', not both")
    if not isinstance(spec["source"], str) or not spec["source"].strip():
        out.append(f"{table}.source: must be a database URL such as sqlite:///ppm.db")
    if ("query" in spec) == ("table" in spec):
        out.append(f"{table}: with a 'source', give either a 'query' or a 'table'")
    elif "query" in spec and (not isinstance(spec["query"], str) or not spec["query"].strip()):
        out.append(f"{table}.query: must be the text of one SQL query")
    elif "table" in spec and not _TABLE_NAME.match(str(spec["table"])):
        out.append(
            f"{table}.table: {spec['table']!r} is not a table name like ppm.projects; "
            "for anything else write a 'query'"
        )
    return out


def _key_lines(mapping_file: Path) -> dict[tuple[str, str], int]:
    """Line (1-based) of each `table: {key: ...}` in mapping.yml, for messages."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(mapping_file.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError):
        return {}
    out: dict[tuple[str, str], int] = {}
    if isinstance(root, yaml.MappingNode):
        for table_node, spec_node in root.value:
            if isinstance(spec_node, yaml.MappingNode):
                for key_node, _ in spec_node.value:
                    out[(str(table_node.value), str(key_node.value))] = key_node.start_mark.line + 1
    return out


# ---- reading -----------------------------------------------------------------------------------

_recent: dict[SqlSource, Fetched] = {}


def fetch(source: SqlSource, keep: bool = False) -> Fetched:
    """Run the source's query and read its whole result. With `keep`, the result is also kept
    for the next `take` of the same source: the no-op check of a build reads the database once
    and the build then loads that very result (one snapshot, one query). Without it, the
    result is parsed as it arrives; the no-op check needs only its hash (nothing heavy to
    import), so a kept result is parsed when the build asks for its `frame`."""
    opened = open_read_only(source.url, source.where, source.mapping_file.parent)
    started = time.perf_counter()  # the read time: the query and its result
    try:
        if opened.driver == "psycopg":
            result = _copy_csv(source, opened, parse=not keep)
        else:
            result = _fetch_rows(source, opened)
    finally:
        opened.close()
    result.seconds = round(time.perf_counter() - started, 3)
    result.warnings = tuple(opened.warnings)
    if keep:
        _recent[source] = result
    return result


def take(source: SqlSource) -> Fetched:
    """The result `fetch(keep=True)` kept for this source, else a new read."""
    kept = _recent.pop(source, None)
    return kept if kept is not None else fetch(source)


def _refused(source: SqlSource, exc: BaseException, opened: Opened) -> NoReturn:
    raise SourceUnreadable(
        f"{source.where}: the database refused the query: {reason(exc, opened.secrets)}; "
        "check the query in mapping.yml"
    ) from None


def _lost(source: SqlSource, exc: BaseException, rows: int, opened: Opened) -> NoReturn:
    raise SourceUnreadable(
        f"{source.where}: the connection failed while reading the result (after {rows} rows): "
        f"{reason(exc, opened.secrets)}; nothing was published, run again when the database "
        "is available"
    ) from None


def _copy_csv(source: SqlSource, opened: Opened, parse: bool) -> Fetched:
    """PostgreSQL through psycopg: the server streams the result as CSV (COPY), one message per
    row, and Arrow parses it: three times faster than fetching rows of Python values."""
    statement = f"COPY (\n{source.statement}\n) TO STDOUT (FORMAT csv, HEADER true)"
    received = CopiedCsv(parse)
    try:
        with opened.connection.cursor() as cursor, cursor.copy(statement) as copy:
            header = bytes(copy.read())  # psycopg waits (interruptibly) for the query to start
            received.add_header(header)
            if header:
                _receive_rows(copy, received)
    except opened.dbapi.OperationalError as exc:  # psycopg: the connection, not the query
        _lost(source, exc, received.rows, opened)
    except opened.dbapi.Error as exc:
        _refused(source, exc, opened)
    _check_columns(source, received.columns)
    sha256 = received.digest.hexdigest()
    return Fetched(
        source, opened.public_url, received.columns, sha256, received.rows, 0.0, csv=received
    )


def _receive_rows(copy: Any, into: CopiedCsv) -> None:
    """The rows of a COPY after its header, into `into`.

    psycopg's own `copy.read()` runs a generator and a wait for every row (for 235,000 rows,
    0.19 s of CPU against this loop's 0.06 s): here each row that libpq already holds is taken
    straight from it (`PGconn.get_copy_data`), and psycopg waits only when there is none yet.
    Before such a wait, the rows received so far go on to `into` to be parsed (from a
    megabyte on) while the server sends the next ones."""
    pgconn = copy.connection.pgconn
    get_row = pgconn.get_copy_data
    pending = bytearray()
    rows = 0
    try:
        while True:
            size, row = get_row(1)  # 1: never block; 0 when libpq holds no whole row yet
            if size > 0:
                pending += row
                rows += 1
                continue
            if size < 0:  # the end came with the rows: its result is ours to collect
                _copy_result(pgconn)
                break
            if len(pending) >= CHUNK_BYTES:
                into.add(pending)
                pending = bytearray()
            row = copy.read()  # psycopg waits for the socket; empty at the end
            if not row:
                break
            pending += row
            rows += 1
    finally:
        into.rows += rows
    into.add(pending)


def _copy_result(pgconn: Any) -> None:
    """Collect the final result of a COPY whose end `get_copy_data` returned. An error the
    server sent while streaming (a failing row, the session ended by an administrator) is
    raised as psycopg raises it, by its SQLSTATE: `OperationalError` for a lost connection."""
    from psycopg import errors, pq

    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    failed = next((r for r in results if r.status != pq.ExecStatus.COMMAND_OK), None)
    if results and failed is None:
        return
    state, message = "", pgconn.error_message
    if failed is not None:
        state = (failed.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        message = failed.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or failed.error_message
    try:
        kind = errors.lookup(state)
    except KeyError:  # libpq's own failure (no SQLSTATE), or a code this psycopg does not know
        kind = errors.OperationalError if state[:2] in ("", "08") else errors.DatabaseError
    raise kind(message.decode("utf-8", "replace") or "the connection was lost")


def _fetch_rows(source: SqlSource, opened: Opened) -> Fetched:
    """Any other driver: rows of Python values, fetched in batches and hashed as they come."""
    records: list[tuple[Any, ...]] = []
    columns: list[str] = []
    rows: int | None = None
    digest = hashlib.sha256(b"rows\n")
    try:
        cursor = opened.connection.cursor()
        cursor.execute(source.statement)
        columns = [str(d[0]) for d in cursor.description or ()]
        digest.update(_record_text(tuple(columns)))
        rows = 0
        while batch := cursor.fetchmany(10_000):
            for record in batch:
                digest.update(_record_text(record))
            records.extend(tuple(r) for r in batch)
            rows += len(batch)
    except opened.dbapi.Error as exc:
        if rows is None:
            _refused(source, exc, opened)
        _lost(source, exc, rows, opened)
    _check_columns(source, columns)
    return Fetched(
        source, opened.public_url, columns, digest.hexdigest(), len(records), 0.0, records=records
    )


def _record_text(record: tuple[Any, ...]) -> bytes:
    """One row as stable text for the hash: independent of the driver's object reprs."""
    cells = []
    for value in record:
        if value is None:
            cells.append("\\N")
        elif isinstance(value, float):
            cells.append(repr(value))
        elif isinstance(value, bytes | bytearray | memoryview):
            cells.append(bytes(value).hex())
        else:
            cells.append(str(value).replace("\\", "\\\\").replace("\t", "\\t"))
    return ("\t".join(cells) + "\n").encode("utf-8", "surrogatepass")


def _check_columns(source: SqlSource, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise SourceUnreadable(
                f"{source.where}: the result has two columns named {name!r}; give them "
                "different names in the query (… AS other_name)"
            )
        seen.add(name)


def result_rows(problems: list[Problem], wheres: set[str]) -> list[Problem]:
    """Problems of SQL sources, marked so that they print `where: row N: column C: …`."""
    from dataclasses import replace

    return [replace(p, in_result=True) if p.file in wheres else p for p in problems]
