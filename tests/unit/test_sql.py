"""Database sources in mapping.yml, read from real SQLite files: mapping, messages, read-only,
the result's hash, drivers that are missing. PostgreSQL: tests/site/test_postgres.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.data.loading import load_dataset, validate_data
from pmovalue.data.mapping import read_mapping
from pmovalue.data.sql import fetch, take
from pmovalue.errors import SourceUnreadable, ValidationFailed
from pmovalue.quick import data_fingerprint
from pmovalue.site.generated import data_quality_html
from tests.conftest import REPO, run_cli
from tests.databases import csv_twin, sqlite_example

PROJECTS = """\
create table proj (code text, title text, dept text, bac numeric, rag text);
insert into proj values
  ('P-1', 'Alpha', 'Field Ops', 1000, 'G'),
  ('P-2', 'Beta', 'Field Ops', 'lots', 'R'),
  ('P-3', 'Gamma', 'Head Office', 2500.5, NULL);
"""

MAPPING = """\
# a PPM tool's database
projects:
  source: sqlite:///ppm.db
  query: |
    select code, title, dept, bac, rag from proj order by code
  columns: {project_id: code, project_name: title, unit_id: dept,
            budget_at_completion: bac, rating: rag}
  values:
    rating: {R: red, A: amber, G: green}
"""


def database(folder: Path, sql: str = PROJECTS, mapping: str = MAPPING) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(folder / "ppm.db") as db:
        db.executescript(sql)
    db.close()
    (folder / "mapping.yml").write_text(mapping)
    return folder


def rows_of(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        count = db.execute(f"select count(*) from {table}").fetchone()[0]
    db.close()
    return int(count)


def test_errors_name_the_query_its_line_the_row_in_the_result_and_the_column(
    tmp_path: Path,
) -> None:
    folder = database(tmp_path)
    found = [str(p) for p in validate_data(folder) if p.severity == "error"]
    where = f"projects (query at {folder / 'mapping.yml'}:4)"
    assert found == [
        f"{where}: row 2: column budget_at_completion (bac): 'lots' is not a number "
        "(plain digits, e.g. 125000.50)"
    ]


def test_the_result_is_mapped_like_a_file(tmp_path: Path) -> None:
    folder = database(tmp_path, PROJECTS.replace("'lots'", "NULL"))
    data = load_dataset(folder)
    projects = data.tables["projects"]
    assert list(projects["project_id"]) == ["P-1", "P-2", "P-3"]
    assert list(projects["budget_at_completion"].fillna(-1)) == [1000.0, -1, 2500.5]
    assert list(projects["rating"].fillna("-")) == ["green", "red", "-"]
    assert data.units == {"field-ops": "Field Ops", "head-office": "Head Office"}
    source = data.sources["projects"]
    assert source.sql is not None
    assert (source.sql.url, source.rows) == ("sqlite:///ppm.db", 3)
    # The page names the database and the query's hash.
    page = data_quality_html(data)
    assert "sqlite:///ppm.db" in page and source.sql.query_sha256[:16] in page


def test_on_invalid_blank_applies_to_a_result(tmp_path: Path) -> None:
    mapping = MAPPING + "  on_invalid: {budget_at_completion: blank}\n"
    data = load_dataset(database(tmp_path, mapping=mapping))
    assert data.tables["projects"]["budget_at_completion"].isna().sum() == 1
    (blanked,) = data.blanked
    assert (blanked.count, blanked.examples) == (1, ("lots",))


def test_a_table_instead_of_a_query_and_a_file_beside_it(tmp_path: Path) -> None:
    """`table:` reads a whole table or view; other tables may still come from files."""
    folder = csv_twin(tmp_path / "data")
    (folder / "projects.csv").rename(folder / "export.csv")
    make = "create table evm as select * from (select 1 as x) where 0;"
    sql = "create table evm_rows (pid text, q text, pv real, ev real, ac real);" + make
    with sqlite3.connect(folder / "ppm.db") as db:
        db.executescript(sql)
        evm = pd.read_csv(REPO / "data" / "sample" / "evm.csv")
        db.executemany("insert into evm_rows values (?, ?, ?, ?, ?)", evm.values.tolist())
    db.close()
    (folder / "evm.csv").unlink()
    (folder / "mapping.yml").write_text(
        "projects:\n  file: export.csv\n  columns: {project_id: project_id, "
        "project_name: project_name, unit_id: unit_id, budget_at_completion: "
        "budget_at_completion}\n"
        "evm:\n  source: sqlite:///ppm.db\n  table: evm_rows\n"
        "  columns: {project_id: pid, period: q, planned_value: pv, earned_value: ev, "
        "actual_cost: ac}\n"
    )
    data = load_dataset(folder)
    assert len(data.tables["evm"]) == len(evm)
    assert data.sources["evm"].sql is not None and data.sources["projects"].sql is None
    assert data.tables["evm"]["earned_value"].sum() == pytest.approx(evm["earned_value"].sum())


def test_a_column_missing_from_the_result_lists_the_result_s_columns(tmp_path: Path) -> None:
    folder = database(
        tmp_path, mapping=MAPPING.replace("budget_at_completion: bac", "budget_at_completion: bak")
    )
    (found,) = [str(p) for p in validate_data(folder) if p.severity == "error"]
    assert found == (
        f"projects (query at {folder / 'mapping.yml'}:4): column bak: not in the query's result "
        "(mapped to projects.budget_at_completion); its columns are code, title, dept, bac, "
        "rag; did you mean 'bac'?"
    )


def test_an_empty_result_for_projects_is_an_error(tmp_path: Path) -> None:
    mapping = MAPPING.replace("order by code", "where 0 order by code")
    folder = database(tmp_path, mapping=mapping)
    result = run_cli("validate", "--data", str(folder))
    assert result.returncode == 2
    assert "the query returned no rows; the projects table needs at least one" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_query_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = database(tmp_path, mapping=MAPPING.replace("from proj", "from proj_typo"))
    result = run_cli("validate", "--data", str(folder))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: projects (query at {folder / 'mapping.yml'}:4): the database refused the "
        "query: no such table: proj_typo; check the query in mapping.yml"
    ]


def test_the_database_is_opened_read_only(tmp_path: Path) -> None:
    """A query that would write fails, and the file is unchanged."""
    mapping = MAPPING.replace(
        "select code, title, dept, bac, rag from proj order by code",
        "delete from proj returning code, title, dept, bac, rag",
    )
    folder = database(tmp_path, mapping=mapping)
    before = (folder / "ppm.db").read_bytes()
    with pytest.raises(SourceUnreadable, match="attempt to write a readonly database"):
        validate_data(folder)
    assert rows_of(folder / "ppm.db", "proj") == 3
    assert (folder / "ppm.db").read_bytes() == before


def test_names_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = database(tmp_path / "db", mapping="")
    data = tmp_path / "data"
    data.mkdir()
    (data / "mapping.yml").write_text(MAPPING.replace("sqlite:///ppm.db", "sqlite:///${PPM_DB}"))
    monkeypatch.delenv("PPM_DB", raising=False)
    with pytest.raises(SourceUnreadable) as exc:
        validate_data(data)
    assert "uses ${PPM_DB}, which is not set; set the environment variable PPM_DB" in str(exc.value)
    monkeypatch.setenv("PPM_DB", str(folder / "ppm.db"))
    assert [p.row for p in validate_data(data) if p.severity == "error"] == [2]


def test_mapping_mistakes_about_sources(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "mapping.yml").write_text(
        "projects:\n  source: sqlite:///ppm.db\n  file: x.csv\n  query: select 1\n"
        "  columns: {project_id: a}\n"
        "evm:\n  source: sqlite:///ppm.db\n  columns: {project_id: a}\n"
        "benefits:\n  source: sqlite:///ppm.db\n  table: 'x; drop table y'\n"
        "  columns: {project_id: a}\n"
        "survey:\n  query: select 1\n  columns: {unit_id: a}\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        read_mapping(folder)
    messages = [p.message for p in exc.value.problems]
    assert messages == [
        "projects: give either a 'file' or a database 'source', not both",
        "evm: with a 'source', give either a 'query' or a 'table'",
        "benefits.table: 'x; drop table y' is not a table name like ppm.projects; "
        "for anything else write a 'query'",
        "survey: needs a 'file' (or a database 'source') and a 'columns' map",
    ]


def test_missing_database_file_and_bad_urls(tmp_path: Path) -> None:
    folder = database(tmp_path, mapping=MAPPING.replace("ppm.db", "other.db"))
    with pytest.raises(SourceUnreadable, match=r"SQLite database .*other\.db not found"):
        validate_data(folder)
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///ppm.db?mode=rw"):
        (folder / "mapping.yml").write_text(MAPPING.replace("sqlite:///ppm.db", f'"{url}"'))
        with pytest.raises(SourceUnreadable, match="is not a database URL like sqlite:///"):
            validate_data(folder)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "mysql+pymysql://pmo:${PPM_SECRET}@127.0.0.1/ppm",
            "the mysql driver pymysql is not installed; install it with: pip install pymysql",
        ),
        (
            "mssql+pyodbc://pmo:${PPM_SECRET}@127.0.0.1/ppm",
            "the mssql driver pyodbc is not installed; install it with: pip install pyodbc",
        ),
        (
            "postgresql+psycopg2://pmo:${PPM_SECRET}@127.0.0.1/ppm",
            "the postgresql driver psycopg2 is not installed; install it with: "
            "pip install psycopg2-binary",
        ),
        ("nosuchdb://127.0.0.1/ppm", "is not a database URL like mysql+pymysql://"),
    ],
)
def test_a_missing_driver_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    for name in ("pymysql", "pyodbc", "psycopg2"):  # really absent: nothing is faked here
        with pytest.raises(ImportError):
            __import__(name)
    monkeypatch.setenv("PPM_SECRET", "s3cret-value")
    folder = database(tmp_path, mapping=MAPPING.replace("sqlite:///ppm.db", url))
    result = run_cli("validate", "--data", str(folder))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert "s3cret-value" not in result.stderr


@pytest.mark.parametrize(
    ("hidden", "url", "expected"),
    [
        (
            "psycopg",
            "postgresql://pmo@127.0.0.1/ppm",
            "PostgreSQL needs the psycopg driver; install it with: "
            "pip install 'pmovalue[postgres]'",
        ),
        (
            "sqlalchemy",
            "mysql+pymysql://pmo@127.0.0.1/ppm",
            "mysql+pymysql URLs are read through SQLAlchemy, which is not installed; install "
            "it with: pip install 'pmovalue[sql]' pymysql",
        ),
    ],
)
def test_optional_packages_that_are_not_installed(
    tmp_path: Path, hidden: str, url: str, expected: str
) -> None:
    """An environment without the package: Python's import system refuses it (the test
    environment has it, so it is blocked in the child process)."""
    folder = database(tmp_path, mapping=MAPPING.replace("sqlite:///ppm.db", url))
    code = (
        f"import sys; sys.modules[{hidden!r}] = None\n"
        "from pmovalue.cli import main\n"
        f"sys.exit(main(['validate', '--data', {str(folder)!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: projects (query at {folder / 'mapping.yml'}:4): {expected}"
    ]


def test_the_result_is_hashed_not_the_url(tmp_path: Path) -> None:
    folder = database(tmp_path / "a", PROJECTS.replace("'lots'", "3"))
    source = read_mapping(folder)["projects"].sql
    assert source is not None
    first = fetch(source).sha256
    assert fetch(source).sha256 == first
    with sqlite3.connect(folder / "ppm.db") as db:  # the same rows in another file
        db.execute("vacuum")
    db.close()
    assert fetch(source).sha256 == first
    with sqlite3.connect(folder / "ppm.db") as db:
        db.execute("update proj set bac = 4 where code = 'P-2'")
    db.close()
    assert fetch(source).sha256 != first


def test_the_no_op_check_and_the_build_agree_on_the_result(tmp_path: Path) -> None:
    """The quick fingerprint from a fresh read equals the one from the loaded dataset, and the
    read kept by the check is the one the build loads."""
    folder = sqlite_example(tmp_path / "data")
    sources = read_mapping(folder)
    fresh = data_fingerprint(folder)
    data = load_dataset(folder)  # takes the results the check kept
    given = {t: s.sha256 for t, s in data.sources.items()}
    assert data_fingerprint(folder, given) == fresh
    kept = fetch(sources["projects"].sql, keep=True)  # type: ignore[arg-type]
    assert take(sources["projects"].sql) is kept  # type: ignore[arg-type]
    assert take(sources["projects"].sql) is not kept  # type: ignore[arg-type]


def test_the_no_op_check_imports_no_pandas_and_no_sqlalchemy(tmp_path: Path) -> None:
    folder = sqlite_example(tmp_path / "data")
    code = (
        "import sys\nfrom pathlib import Path\nfrom pmovalue.quick import data_fingerprint\n"
        f"assert data_fingerprint(Path({str(folder)!r}))\n"
        "print(sorted(m for m in ('pandas', 'sqlalchemy', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
