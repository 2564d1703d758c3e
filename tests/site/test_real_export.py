"""A real PPM export read as it is: the US Federal IT Dashboard projects (2,468 rows, 26 agencies).

The export is public data kept outside the repository (never copied in) and read in place
through the mapping of examples/us-it-dashboard/mapping.yml; only that mapping's `file:` is
pointed at it. To run these tests, set PMOVALUE_REAL_EXPORT to the CSV's path:

    PMOVALUE_REAL_EXPORT=/path/to/us-it-dashboard-projects.csv .venv/bin/python -m pytest \
        tests/site/test_real_export.py

Expected numbers come from pandas reading the CSV directly, not through pmovalue.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.build import build
from pmovalue.data.loading import Dataset, load_dataset
from tests.conftest import REPO, options

ENV = "PMOVALUE_REAL_EXPORT"
REAL = Path(os.environ.get(ENV, "")).expanduser()
EXAMPLE = REPO / "examples" / "us-it-dashboard" / "mapping.yml"
PERIOD = "2012-Q2"  # a snapshot export has no period tables: the build is given one
AGENCIES = ["Department of Agriculture", "Department of Labor", "Nuclear Regulatory Commission"]


def _why_skipped() -> str:
    if ENV in os.environ:
        return (
            f"{ENV}={os.environ[ENV]} is not a file: point it at the US Federal IT Dashboard "
            "export, us-it-dashboard-projects.csv"
        )
    return (
        "needs the US Federal IT Dashboard export (us-it-dashboard-projects.csv, 2,468 projects, "
        f"kept outside the repository): set {ENV}=/path/to/us-it-dashboard-projects.csv"
    )


pytestmark = pytest.mark.skipif(not REAL.is_file(), reason=_why_skipped())


def data_folder(tmp: Path) -> Path:
    """A data folder holding only the example mapping, its `file:` set to the real CSV."""
    text, n = re.subn(r"(?m)^(\s+file:).*$", rf"\1 {REAL}", EXAMPLE.read_text())
    assert n == 1, "the example mapping should have exactly one file: line"
    folder = tmp / "data"
    folder.mkdir()
    (folder / "mapping.yml").write_text(text)
    return folder


def expected() -> pd.DataFrame:
    """Per agency, straight from the CSV with pandas' own parsing ($ M -> $)."""
    raw = pd.read_csv(REAL)
    return raw.groupby("Agency Name").agg(
        projects=("Project ID", "size"),
        planned=("Planned Cost ($ M)", lambda s: s.sum() * 1_000_000),
        without_cost=("Planned Cost ($ M)", lambda s: int(s.isna().sum())),
    )


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_dataset(data_folder(tmp_path_factory.mktemp("real")))


def test_real_export_loads_as_it_is(dataset: Dataset) -> None:
    raw = pd.read_csv(REAL, dtype=str, keep_default_na=False)
    p = dataset.tables["projects"]
    assert len(p) == len(raw) == 2468
    assert dataset.sources["projects"].path == REAL  # read in place
    assert sorted(f.name for f in dataset.data_dir.iterdir()) == ["mapping.yml"]
    # "Unique Project ID" repeats, so the mapping keys projects on "Project ID".
    assert raw["Unique Project ID"].duplicated().any()
    assert list(p["project_id"]) == list(raw["Project ID"])
    assert p["project_id"].is_unique
    # Dates such as 2011-01-10T00:00:00Z; baseline = planned (B2), else the B1 date.
    start = pd.to_datetime(raw["Start Date"]).dt.tz_localize(None)
    assert (p["start_date"] == start).all()
    b2 = pd.to_datetime(raw["Planned Project Completion Date (B2)"].replace("", None))
    b1 = pd.to_datetime(raw["Completion Date (B1)"])
    assert (p["baseline_finish"] == b2.fillna(b1).dt.tz_localize(None)).all()
    assert p["forecast_finish"].isna().sum() == 921
    # This export has no invalid cell: nothing is set blank, no warning.
    assert dataset.blanked == []
    assert dataset.warnings == []


def test_counts_and_planned_cost_per_agency(dataset: Dataset) -> None:
    p = dataset.tables["projects"]
    got = p.groupby("unit_name").agg(
        projects=("project_id", "size"),
        planned=("budget_at_completion", "sum"),
        without_cost=("budget_at_completion", lambda s: int(s.isna().sum())),
    )
    want = expected()
    assert len(dataset.units) == len(want) == 26
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    assert got["projects"].tolist() == want["projects"].tolist()
    assert got["without_cost"].tolist() == want["without_cost"].tolist()
    assert got["without_cost"].sum() == 17  # projects with no cost are kept, cost blank
    assert got["planned"].tolist() == pytest.approx(want["planned"].tolist(), rel=1e-12)
    assert got["planned"].sum() == pytest.approx(50_301.821979e6, rel=1e-12)


@pytest.mark.slow
def test_site_from_the_real_export(tmp_path: Path, dataset: Dataset) -> None:
    result = build(
        options(
            tmp_path,
            data_dir=data_folder(tmp_path),
            period=PERIOD,
            units=AGENCIES,
            overrides=["report.currency=USD"],
        ),
        log=lambda _m: None,
    )
    assert result.status == "published"
    site = result.path
    assert site.name == PERIOD
    slugs = {u: s for s, u in dataset.units.items() if u in AGENCIES}
    for slug in slugs.values():
        assert (site / "units" / f"{slug}.html").is_file()
    # The site's per-unit metrics agree with pandas reading the CSV.
    metrics = pd.read_csv(site / "data" / "metrics.csv")
    want = expected()
    for agency in AGENCIES:
        mine = metrics[metrics["unit_name"] == agency].set_index("metric")["value"]
        assert mine["project_count"] == want.at[agency, "projects"]
        assert mine["bac_total"] == pytest.approx(want.at[agency, "planned"], rel=1e-9)
    # The data-quality page names the source file and lists every blanked-value count.
    page = (site / "data-quality.html").read_text()
    assert REAL.name in page
    assert dataset.blanked == []
    assert "No value was left blank." in page
    for b in dataset.blanked:  # kept generic should a future export have invalid cells
        row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if b.source in r)
        assert re.search(rf"<td[^>]*>{b.count}</td>", row), row
