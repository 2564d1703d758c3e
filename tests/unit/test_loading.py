from pathlib import Path

import pandas as pd
import pytest

from pmovalue.data.loading import load_dataset, validate_data
from pmovalue.data.units import slugify
from pmovalue.errors import ValidationFailed


def csv(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text(text)
    return path


PROJECTS = (
    "project_id,project_name,unit_id,status,budget_at_completion,rating\n"
    "P1,Alpha,Field Ops,active,1000,Red\n"
    "P2,Beta,Field Ops,On Hold,2000,\n"
    "P3,Gamma,Head Office,closed,500,green\n"
)


def messages(problems: list) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


def test_bad_number_and_duplicate_are_located(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "projects",
        "project_id,project_name,unit_id,budget_at_completion\n"
        "P1,A,Ops,1000\nP2,B,Ops,12k\nP1,C,Ops,5\n",
    )
    errors = messages(validate_data(tmp_path))
    assert any(
        e.startswith(f"{tmp_path}/projects.csv:3:budget_at_completion:") and "'12k'" in e
        for e in errors
    )
    assert any(":4:project_id:" in e and "duplicate" in e and "row 2" in e for e in errors)
    assert len(errors) == 2


def test_types_defaults_and_unit_slugs(tmp_path: Path) -> None:
    csv(tmp_path, "projects", PROJECTS)
    ds = load_dataset(tmp_path)
    p = ds.tables["projects"]
    assert list(p["status"]) == ["active", "on_hold", "closed"]
    assert p["rating"].isna().tolist() == [False, True, False]
    assert p["budget_at_completion"].dtype == "float64"
    assert ds.units == {"field-ops": "Field Ops", "head-office": "Head Office"}
    assert list(p["unit_id"]) == ["field-ops", "field-ops", "head-office"]
    assert list(p["unit_name"]) == ["Field Ops", "Field Ops", "Head Office"]


def test_xlsx_and_parquet_load_like_csv(tmp_path: Path) -> None:
    frame = pd.read_csv(csv(tmp_path / "c", "projects", PROJECTS), dtype=str)
    (tmp_path / "x").mkdir()
    frame.to_excel(tmp_path / "x" / "projects.xlsx", index=False)
    (tmp_path / "q").mkdir()
    frame.to_parquet(tmp_path / "q" / "projects.parquet")
    base = load_dataset(tmp_path / "c").tables["projects"]
    for sub in ("x", "q"):
        other = load_dataset(tmp_path / sub).tables["projects"]
        pd.testing.assert_frame_equal(base, other)


def test_required_column_missing(tmp_path: Path) -> None:
    csv(tmp_path, "projects", "project_id,unit_id\nP1,Ops\n")
    errors = messages(validate_data(tmp_path))
    assert errors == [
        f"{tmp_path}/projects.csv: required column project_name is missing; "
        "add it or map it in mapping.yml"
    ]


def test_projects_table_is_required(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    with pytest.raises(ValidationFailed, match="projects table is required"):
        load_dataset(tmp_path)


def test_impossible_values(tmp_path: Path) -> None:
    csv(tmp_path, "projects", PROJECTS.replace("2000", "-5"))
    csv(
        tmp_path,
        "evm",
        "project_id,period,planned_value,earned_value,actual_cost\n"
        "P1,2026-Q1,500,1200,300\nP9,2026-Q1,1,1,1\nP3,2026-13,1,1,1\n",
    )
    csv(tmp_path, "alignment", "project_id,criterion,score\nP1,strategy_fit,7\n")
    errors = messages(validate_data(tmp_path))
    text = "\n".join(errors)
    assert "projects.csv:3:budget_at_completion: -5.0 is below the minimum 0" in text
    assert "evm.csv:2:earned_value: earned value 1,200.00 exceeds" in text
    assert "evm.csv:3:project_id: project 'P9' is not in the projects table" in text
    assert "evm.csv:4:period: '2026-13' is not a period like 2026-Q3" in text
    assert "alignment.csv:2:score: 7.0 is above the maximum 5" in text


def test_survey_for_unknown_unit_is_a_warning(tmp_path: Path) -> None:
    csv(tmp_path, "projects", PROJECTS)
    csv(
        tmp_path,
        "survey",
        "unit_id,period,instrument,score\nField Ops,2026-Q1,nps,9\nNowhere,2026-Q1,nps,3\n",
    )
    ds = load_dataset(tmp_path)
    assert len(ds.tables["survey"]) == 1
    assert any("Nowhere" in w.message and w.row == 3 for w in ds.warnings)
    assert ds.latest_period() == "2026-Q1"


def test_two_files_for_one_table(tmp_path: Path) -> None:
    csv(tmp_path, "projects", PROJECTS)
    pd.read_csv(tmp_path / "projects.csv").to_parquet(tmp_path / "projects.parquet")
    with pytest.raises(Exception, match="keep only one"):
        load_dataset(tmp_path)


def test_sample_data_is_valid(repo: Path) -> None:
    ds = load_dataset(repo / "data" / "sample")
    assert len(ds.units) == 6
    assert ds.latest_period() == "2026-Q3"
    assert not [w for w in ds.warnings if w.severity == "error"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Department for Transport", "department-for-transport"),
        ("R&D (EU)", "r-d-eu"),
        ("Café Ops", "cafe-ops"),
        ("  ", "unit"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_quick_check_knows_every_table() -> None:
    from pmovalue.data.schemas import TABLE_ORDER
    from pmovalue.quick import TABLE_NAMES

    assert TABLE_NAMES == TABLE_ORDER


def _for_unit_by_definition(ds, unit_id: str) -> dict[str, pd.DataFrame]:
    """The plain definition: rows with the unit's id, or of one of the unit's projects."""
    projects = ds.tables["projects"]
    ids = set(projects.loc[projects["unit_id"] == unit_id, "project_id"])
    out = {}
    for name, frame in ds.tables.items():
        keep = frame["unit_id"] == unit_id if "unit_id" in frame else frame["project_id"].isin(ids)
        out[name] = frame[keep].reset_index(drop=True)
    return out


def test_for_unit_is_the_plain_definition(tmp_path: Path) -> None:
    import shutil

    repo = Path(__file__).resolve().parents[2]
    data = tmp_path / "data"
    shutil.copytree(repo / "data" / "sample", data)
    # Units interleaved in the file, rows in no particular order.
    flows = pd.read_csv(data / "cashflows.csv")
    flows.sample(frac=1.0, random_state=7).to_csv(data / "cashflows.csv", index=False)
    ds = load_dataset(data)
    for unit in [*ds.units, "no-such-unit"]:
        got, expected = ds.for_unit(unit), _for_unit_by_definition(ds, unit)
        assert list(got) == list(expected)
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True, obj=name)
    assert sum(len(ds.for_unit(u)["cashflows"]) for u in ds.units) == len(flows)
    # A unit's size (which orders the jobs) is the rows it gets, over all its tables.
    expected_sizes = {
        u: sum(len(t) for t in _for_unit_by_definition(ds, u).values()) for u in ds.units
    }
    assert ds.unit_sizes() == expected_sizes
    assert len(set(expected_sizes.values())) > 1  # the sample's units differ in size


def test_jobs_of_the_largest_units_go_first() -> None:
    from pmovalue.execute.plan import UNIT, Job, largest_first

    def unit_job(uid: str) -> Job:
        return Job(f"unit-{uid}", UNIT, Path("n.ipynb"), f"units/{uid}.html", uid, unit_id=uid)

    jobs = [unit_job(u) for u in ("a", "b", "c", "d")]
    ordered = largest_first(jobs, {"a": 10, "b": 300, "c": 10, "d": 42})
    assert [j.unit_id for j in ordered] == ["b", "d", "a", "c"]  # ties keep their order
