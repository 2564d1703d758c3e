"""The example PPM database (examples/sqlite-ppm) built for real: the site equals the one built
from the same data as CSV files, and a rebuild follows the query's result, not the files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pmovalue.build import BuildResult, build
from tests.conftest import options, run_cli
from tests.databases import VERSION, csv_twin, differing_pages, sqlite_example

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def both_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, BuildResult]:
    """The example database and its CSV twin, each built on its own (no shared cache)."""
    tmp = tmp_path_factory.mktemp("sql-sites")
    sql = build(options(tmp / "sql", data_dir=sqlite_example(tmp / "sql-data")), log=print)
    csv = build(options(tmp / "csv", data_dir=csv_twin(tmp / "csv-data")), log=print)
    return sql, csv


def test_the_database_gives_the_site_the_csv_files_give(
    both_sites: tuple[BuildResult, BuildResult],
) -> None:
    sql, csv = (r.path for r in both_sites)
    assert sql.name == csv.name == VERSION
    for name in ("metrics.csv", "projects.csv"):
        assert (sql / "data" / name).read_bytes() == (csv / "data" / name).read_bytes(), name
    assert differing_pages(sql, csv) == []


def test_the_database_is_named_on_the_data_quality_page_and_in_the_manifest(
    both_sites: tuple[BuildResult, BuildResult],
) -> None:
    site = both_sites[0].path
    manifest = json.loads((site / "manifest.json").read_text())
    files = manifest["data_files"]
    assert set(files) == {"projects", "evm"}
    for table, rows in (("projects", 250), ("evm", 932)):
        entry = files[table]
        assert set(entry) == {"source", "query_sha256", "sha256", "rows", "read_seconds"}
        assert (entry["source"], entry["rows"]) == ("sqlite:///ppm.db", rows)
        assert entry["read_seconds"] >= 0
    page = (site / "data-quality.html").read_text()
    assert page.count("<td><code>sqlite:///ppm.db</code></td>") == 2
    assert files["projects"]["query_sha256"][:16] in page
    assert files["evm"]["sha256"][:16] in page


def _set_budget(db: Path, value: float) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("update projects set budget = ? where proj_code = 'RB-001'", (value,))
    conn.close()


def test_a_rebuild_follows_the_query_s_result(tmp_path: Path) -> None:
    """CLI as a user runs it: unchanged result -> up to date (even when the file changed);
    changed result -> other inputs; the job cache is keyed on the result."""
    data = sqlite_example(tmp_path / "data")
    db = data / "ppm.db"
    out = tmp_path / "site"
    argv = ["build", "--data", str(data), "--out", str(out), "--engine", "builtin"]
    first = run_cli(*argv)
    assert first.returncode == 0, first.stderr
    manifest = (out / VERSION / "manifest.json").read_bytes()

    with sqlite3.connect(db) as conn:  # the file changes, the query's result does not
        conn.execute("insert into departments values (99, 'Unused Department')")
    conn.close()
    again = run_cli(*argv)
    assert (again.returncode, again.stdout.strip()) == (0, f"{VERSION}: up to date")

    _set_budget(db, 2_500_000)  # one project's budget: another result
    changed = run_cli(*argv)
    assert changed.returncode == 2
    assert "other inputs" in changed.stderr and "--replace" in changed.stderr
    assert (out / VERSION / "manifest.json").read_bytes() == manifest

    state = tmp_path / "state"
    opts = options(tmp_path, data_dir=data, out=out, state_dir=state, replace=True)
    replaced = build(opts, log=lambda _m: None)
    assert not any(r.cached for r in replaced.results)
    _set_budget(db, 2_362_000)  # back to the first result: every job is in the cache
    build(opts, log=lambda _m: None)
    _set_budget(db, 2_500_000)
    cached = build(opts, log=lambda _m: None)
    assert cached.results and all(r.cached for r in cached.results)

    # A database that cannot be read stops the no-op check itself: one line, nothing touched.
    db.rename(data / "moved.db")
    published = (out / VERSION / "manifest.json").read_bytes()
    gone = run_cli(*argv)
    assert gone.returncode == 2
    assert gone.stderr.strip().splitlines() == [
        f"error: projects (query at {data / 'mapping.yml'}:6): SQLite database {db} not found"
    ]
    assert (out / VERSION / "manifest.json").read_bytes() == published
