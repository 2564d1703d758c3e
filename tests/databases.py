"""Helpers for the database-source tests: the example PPM database (SQLite or PostgreSQL), its
CSV twin, and comparing two built sites."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import REPO, SAMPLE

EXAMPLE = REPO / "examples" / "sqlite-ppm"
VERSION = "2026-Q3"


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


make_db = _load("pmovalue_example_make_db", EXAMPLE / "make_db.py")
pgserver = _load("pmovalue_pgserver", REPO / "scripts" / "pgserver.py")


def sqlite_example(folder: Path) -> Path:
    """The example data folder: ppm.db made by the example's script, and its mapping.yml."""
    folder.mkdir(parents=True, exist_ok=True)
    make_db.make_db(folder / "ppm.db")
    shutil.copy(EXAMPLE / "mapping.yml", folder / "mapping.yml")
    return folder


def csv_twin(folder: Path) -> Path:
    """The same data as CSV files: the sample's projects and EVM tables."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("projects.csv", "evm.csv"):
        shutil.copy(SAMPLE / name, folder / name)
    return folder


def mapping_reading(folder: Path, source: str, **replace: str) -> Path:
    """The example's mapping.yml in `folder`, reading `source` (and text replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (EXAMPLE / "mapping.yml").read_text().replace("sqlite:///ppm.db", source)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "mapping.yml").write_text(text)
    return folder


def fill_postgres(conninfo: str) -> None:
    """The example's PPM database in a PostgreSQL database (the same statements and rows)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in make_db.SCHEMA:
            conn.execute(statement)
        for table, rows in make_db.sample_rows().items():
            with conn.cursor() as cur:
                cur.executemany(make_db.insert_statement(table, len(rows[0]), "%s"), rows)


# What differs between two builds of the same data: the build time, the hash of the input
# files (a database's result is hashed, not its files) and the random id papermill gives the
# cell it injects.
_VOLATILE = re.compile(
    r'(generated )\S+|(data <code title=")[0-9a-f]+(">)[0-9a-f]+|(cell-id=)[0-9a-f]{8}\b'
)


def page_text(path: Path) -> str:
    return _VOLATILE.sub(lambda m: "".join(g or "" for g in m.groups()), path.read_text())


def differing_pages(a: Path, b: Path, skip: tuple[str, ...] = ("data-quality.html",)) -> list[Any]:
    """Pages of version `a` that differ from `b` (beyond build time and data hash)."""
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*.html"))
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*.html"))
    assert names, "no pages"
    return [n for n in names if n not in skip and page_text(a / n) != page_text(b / n)]
