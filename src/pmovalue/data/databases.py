"""Open a read-only connection to the database a `source` URL in mapping.yml names.

* SQLite (`sqlite:///ppm.db`, relative to the mapping's folder) through Python's own sqlite3,
  with the file opened read-only by SQLite itself (`mode=ro`).
* PostgreSQL (`postgresql://`, `postgresql+psycopg://`) through psycopg (`pmovalue[postgres]`);
  libpq reads the URL, the session starts with `default_transaction_read_only`, in
  autocommit, so that no statement but the query is ever sent.
* Any other SQLAlchemy URL (`mysql+pymysql://`, `mssql+pyodbc://`, …) through SQLAlchemy's
  dialect for it (`pmovalue[sql]` and the driver): only its URL parsing and connect arguments,
  never an engine, whose first connection would run queries of its own. Read-only is then up
  to the account: give pmovalue one that may only read.

The first two need no SQLAlchemy: the no-op check of a rebuild runs the query before anything
heavy is imported, and SQLAlchemy alone takes longer to import than that whole check.

`${NAME}` in a URL is taken from the environment. Every secret of the URL is kept in
`Opened.secrets` so that messages can be scrubbed; `public_url` has no user, password or
options.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmovalue.errors import SourceUnreadable

CONNECT_TIMEOUT = 10  # seconds, unless the URL sets connect_timeout
SQLITE = ("sqlite", "sqlite+pysqlite")
POSTGRES = ("postgresql", "postgres", "postgresql+psycopg")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_OPTIONS = ("password", "passwd", "secret", "token")
_LITERAL_PASSWORD = (
    "the source URL holds a password; put it in an environment variable instead "
    "(user:${PPM_PASSWORD}@host), so that mapping.yml holds no secret"
)
# SQLAlchemy's name of a driver -> what to install for it.
_PACKAGES = {
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "pymysql": "pymysql",
    "mysqldb": "mysqlclient",
    "mysqlconnector": "mysql-connector-python",
    "mariadbconnector": "mariadb",
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
    "oracledb": "oracledb",
    "cx_oracle": "cx_Oracle",
}


@dataclass
class Opened:
    """A connection ready for one query, and how to talk about it."""

    connection: Any  # a DB-API connection
    dbapi: Any  # its driver module (for its exception classes)
    driver: str  # sqlite3 | psycopg | the SQLAlchemy driver name
    public_url: str
    secrets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        with contextlib.suppress(self.dbapi.Error):  # already gone (the server stopped)
            self.connection.close()


def open_read_only(url: str, where: str, base_dir: Path) -> Opened:
    """Connect to `url`; `where` starts every message. Raises `SourceUnreadable`."""
    secrets: list[str] = []
    text = url.strip()
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:  # the whole URL from the environment, e.g. ${PPM_DATABASE_URL}
        text = _env(whole.group(1), where)
        secrets.append(text)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    try:
        if scheme in SQLITE:
            return _sqlite(text, where, base_dir)
        if scheme in POSTGRES:
            return _postgres(text, where, secrets, literal=not whole)
        return _sqlalchemy(text, where, secrets, literal=not whole)
    except SourceUnreadable as exc:
        raise SourceUnreadable(scrub(str(exc), secrets)) from None


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


def reason(exc: BaseException, secrets: list[str]) -> str:
    """The first line of a driver's message, without any secret."""
    first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
    return scrub(" ".join(first.split()), secrets)


def _env(name: str, where: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise SourceUnreadable(
            f"{where}: the source URL uses ${{{name}}}, which is not set; set the "
            f"environment variable {name} before running pmovalue"
        )
    return value


def _substitute(text: str, where: str) -> str:
    return _PLACEHOLDER.sub(lambda m: _env(m.group(1), where), text)


def _not_a_url(where: str, example: str) -> SourceUnreadable:
    return SourceUnreadable(f"{where}: the source is not a database URL like {example}")


def _sqlite(text: str, where: str, base_dir: Path) -> Opened:
    import sqlite3

    rest = text.split("://", 1)[1]
    if not rest.startswith("/") or "?" in rest or rest in ("/", "/:memory:"):
        raise _not_a_url(where, "sqlite:///ppm.db (a file, relative to mapping.yml's folder)")
    written = _substitute(rest[1:], where)
    path = Path(written).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise SourceUnreadable(f"{where}: SQLite database {path} not found")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SourceUnreadable(f"{where}: cannot open SQLite database {path}: {exc}") from None
    return Opened(connection, sqlite3, "sqlite3", f"sqlite:///{written}")


def _postgres(text: str, where: str, secrets: list[str], literal: bool) -> Opened:
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise SourceUnreadable(
            f"{where}: PostgreSQL needs the psycopg driver; install it with: "
            "pip install 'pmovalue[postgres]'"
        ) from None
    try:  # libpq reads the URL (with ${NAME} still in it: values may hold any character)
        params: dict[str, Any] = conninfo_to_dict("postgresql://" + text.split("://", 1)[1])
    except psycopg.Error:
        raise _not_a_url(where, "postgresql+psycopg://user@host:5432/database") from None
    warnings = []
    if literal and params.get("password") and not _PLACEHOLDER.search(params["password"]):
        warnings.append(_LITERAL_PASSWORD)
    params = {k: _substitute(str(v), where) for k, v in params.items()}
    secrets += [v for k, v in params.items() if any(w in k for w in _SECRET_OPTIONS)]
    params["options"] = f"{params.get('options', '')} -c default_transaction_read_only=on".strip()
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    params["client_encoding"] = "utf8"
    host = params.get("host", "")
    port = f":{params['port']}" if params.get("port") else ""
    shown = f"postgresql://{host}{port}/{params.get('dbname', '')}"
    try:
        connection = psycopg.connect(**params, autocommit=True)  # autocommit: no BEGIN sent
    except psycopg.Error as exc:
        raise _cannot_connect(where, shown, exc, secrets, params["connect_timeout"]) from None
    return Opened(connection, psycopg, "psycopg", shown, secrets, warnings)


def _cannot_connect(
    where: str, shown: str, exc: BaseException, secrets: list[str], timeout: str | None = None
) -> SourceUnreadable:
    why = reason(exc, secrets)
    waited = f" (after {timeout} s)" if timeout and "timeout" in why else ""
    return SourceUnreadable(
        f"{where}: cannot connect to {shown}: {why}{waited}; check the host, the port, the "
        "credentials and that the server is running"
    )


def _sqlalchemy(text: str, where: str, secrets: list[str], literal: bool) -> Opened:
    """Any other database, through SQLAlchemy's dialect for it (URL -> driver arguments)."""
    scheme = text.split("://", 1)[0]
    try:
        from sqlalchemy.engine import URL, make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    except ImportError:
        driver = _PACKAGES.get(scheme.partition("+")[2].lower(), "and the database's driver")
        raise SourceUnreadable(
            f"{where}: {scheme or 'these'} URLs are read through SQLAlchemy, which is not "
            f"installed; install it with: pip install 'pmovalue[sql]' {driver}"
        ) from None
    example = "mysql+pymysql://user@host/database (a SQLAlchemy URL)"
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise _not_a_url(where, example) from None
    warnings = []
    if literal and url.password and not _PLACEHOLDER.search(str(url.password)):
        warnings.append(_LITERAL_PASSWORD)

    def sub(value: Any) -> Any:
        return _substitute(value, where) if isinstance(value, str) else value

    url = url.set(
        username=sub(url.username),
        password=sub(url.password),
        host=sub(url.host),
        database=sub(url.database),
        query={k: sub(v) for k, v in url.query.items()},
    )
    if url.password:
        secrets.append(str(url.password))
    for key, value in url.query.items():
        if any(word in key.lower() for word in _SECRET_OPTIONS):
            secrets.extend([value] if isinstance(value, str) else list(value))
    try:
        dialect_cls = url.get_dialect()
    except NoSuchModuleError:
        raise _not_a_url(where, example) from None
    if getattr(dialect_cls, "is_async", False):
        raise SourceUnreadable(
            f"{where}: {url.drivername} is an asynchronous driver; name a synchronous one "
            f"(e.g. {dialect_cls.name}+… without async)"
        )
    try:
        dbapi = dialect_cls.import_dbapi()
    except ImportError as exc:
        driver = str(dialect_cls.driver)
        raise SourceUnreadable(
            f"{where}: the {dialect_cls.name} driver {driver} is not installed; install it "
            f"with: pip install {_PACKAGES.get(driver, exc.name or driver)}"
        ) from None
    dialect = dialect_cls(dbapi=dbapi)
    shown = URL.create(url.drivername, host=url.host, port=url.port, database=url.database)
    shown = shown.render_as_string()
    try:
        cargs, cparams = dialect.create_connect_args(url)
        connection = dialect.connect(*cargs, **cparams)
    except (ArgumentError, ValueError, TypeError) as exc:
        why = reason(exc, secrets)
        raise SourceUnreadable(f"{where}: the source URL is not usable: {why}") from None
    except dbapi.Error as exc:
        raise _cannot_connect(where, shown, exc, secrets) from None
    return Opened(connection, dbapi, str(dialect.driver), shown, secrets, warnings)
