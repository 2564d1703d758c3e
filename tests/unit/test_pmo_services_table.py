"""The pmo_services table: loaded, mapped and checked like every other table."""

import re
import sqlite3
from pathlib import Path

import pandas as pd

from pmovalue.data.loading import load_dataset, validate_data
from pmovalue.site.generated import data_quality_html

PROJECTS = (
    "project_id,project_name,unit_id,budget_at_completion\n"
    "P1,Alpha,Field Ops,1000\n"
    "P2,Beta,Field Ops,2000\n"
)
EVM = (
    "project_id,period,planned_value,earned_value,actual_cost\n"
    "P1,2026-Q1,100,90,100\n"
    "P1,2026-Q2,200,180,210\n"
    "P2,2026-Q2,50,50,40\n"
)


def folder(tmp_path: Path, services: str, **files: str) -> Path:
    for name, text in {"projects": PROJECTS, "evm": EVM, **files}.items():
        (tmp_path / f"{name}.csv").write_text(text)
    (tmp_path / "pmo_services.csv").write_text(services)
    return tmp_path


def errors(data: Path) -> list[str]:
    return [str(p) for p in validate_data(data) if p.severity == "error"]


def test_services_load_slugged_with_blank_cost_kept(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        "project_id,period,service,hours,cost\n"
        "P1,2026-Q1,Health check,16,\n"
        "P2,2026-q2, Cost-Review ,,4500.50\n"
        "P1,2026-Q2,recovery,40,\n",
    )
    table = load_dataset(data).tables["pmo_services"]
    assert table["service"].tolist() == ["health_check", "cost_review", "recovery"]
    assert table["period"].tolist() == ["2026-Q1", "2026-Q2", "2026-Q2"]
    assert table["hours"].isna().tolist() == [False, True, False]
    assert table["cost"].isna().tolist() == [True, False, True]  # priced by the metrics
    assert table["cost"][1] == 4500.5


def test_unknown_project_negative_hours_and_periods_outside_the_data(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        "project_id,period,service,hours,cost\n"
        "P9,2026-Q1,Health check,16,\n"
        "P1,2026-Q2,Recovery,-4,\n"
        "P1,2025-Q4,Recovery,4,\n"
        "P2,2026-Q3,Stage gate,2,\n"
        "P2,2026-Q2,Stage gate,2,-1\n"
        "P2,2026-Q5,Stage gate,2,\n"
        "P2,2026-Q2,,2,\n",
    )
    file = f"{tmp_path}/pmo_services.csv"
    assert sorted(errors(data)) == sorted(
        [
            f"{file}:2:project_id: project 'P9' is not in the projects table",
            f"{file}:3:hours: -4.0 is below the minimum 0",
            f"{file}:4:period: period 2025-Q4 is outside the data (2026-Q1 to 2026-Q2); "
            "correct the period or add that quarter's data",
            f"{file}:5:period: period 2026-Q3 is outside the data (2026-Q1 to 2026-Q2); "
            "correct the period or add that quarter's data",
            f"{file}:6:cost: -1.0 is below the minimum 0",
            f"{file}:7:period: '2026-Q5' is not a period like 2026-Q3",
            f"{file}:8:service: a value is required here",
        ]
    )


def test_services_without_any_period_to_measure_against(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(PROJECTS)
    (tmp_path / "pmo_services.csv").write_text(
        "project_id,period,service,hours\nP1,2026-Q1,Coaching,3\n"
    )
    assert errors(tmp_path) == [
        f"{tmp_path}/pmo_services.csv: PMO services need periods to be measured "
        "against: add the evm table"
    ]


def test_a_time_sheet_export_read_through_mapping(tmp_path: Path) -> None:
    data = folder(tmp_path, "unused\n")
    (tmp_path / "pmo_services.csv").unlink()
    (tmp_path / "timesheet.csv").write_text(
        "Project,Quarter,Activity,Hours booked,Invoice\nP1,2026-Q1,HC,7.5,\nP2,2026-Q2,CR,12,900\n"
    )
    (tmp_path / "mapping.yml").write_text(
        "pmo_services:\n"
        "  file: timesheet.csv\n"
        "  columns: {project_id: Project, period: Quarter, service: Activity,"
        " hours: Hours booked, cost: Invoice}\n"
        "  values:\n"
        "    service: {HC: Health check, CR: Cost review}\n"
    )
    table = load_dataset(data).tables["pmo_services"]
    assert table["service"].tolist() == ["health_check", "cost_review"]
    pd.testing.assert_series_equal(
        table["hours"], pd.Series([7.5, 12.0], name="hours"), check_index=False
    )


def test_services_from_a_database_like_every_table(tmp_path: Path) -> None:
    """A time-sheet table in the PPM tool's database (SQLite here): mapped, slugged and
    checked as from a file, problems naming the query and the row of its result."""
    data = folder(tmp_path, "unused\n")
    (tmp_path / "pmo_services.csv").unlink()
    with sqlite3.connect(tmp_path / "ppm.db") as db:
        db.executescript(
            "create table bookings (proj text, qtr text, activity text, hrs numeric);"
            "insert into bookings values ('P1', '2026-Q1', 'Health check', 16),"
            " ('P2', '2026-Q2', 'Cost-Review', 12.5);"
        )
    db.close()
    (tmp_path / "mapping.yml").write_text(
        "pmo_services:\n"
        "  source: sqlite:///ppm.db\n"
        "  query: select proj, qtr, activity, hrs from bookings order by proj\n"
        "  columns: {project_id: proj, period: qtr, service: activity, hours: hrs}\n"
    )
    dataset = load_dataset(data)
    table = dataset.tables["pmo_services"]
    assert table["service"].tolist() == ["health_check", "cost_review"]
    assert table["hours"].tolist() == [16.0, 12.5] and table["cost"].isna().all()
    assert dataset.sources["pmo_services"].sql is not None
    with sqlite3.connect(tmp_path / "ppm.db") as db:
        db.execute("insert into bookings values ('P9', '2026-Q2', 'Recovery', -3)")
    db.close()
    where = f"pmo_services (query at {tmp_path / 'mapping.yml'}:3)"
    assert sorted(errors(data)) == [
        f"{where}: row 3: column hours (hrs): -3.0 is below the minimum 0",
        f"{where}: row 3: column project_id: project 'P9' is not in the projects table",
    ]


def test_services_of_a_project_left_out_go_with_it(tmp_path: Path) -> None:
    """`on_invalid: skip` leaves a project out: its service rows are left out and counted, as
    its EVM rows are, not reported as services of an unknown project."""
    data = folder(
        tmp_path,
        "project_id,period,service,hours,cost\n"
        "P1,2026-Q1,Health check,16,\n"
        "P2,2026-Q2,Recovery,4,\n",
        projects=PROJECTS.replace("P2,Beta,Field Ops,2000", "P2,Beta,Field Ops,TBC"),
    )
    (tmp_path / "mapping.yml").write_text(
        "projects:\n  file: projects.csv\n"
        "  columns: {project_id: project_id, project_name: project_name, unit_id: unit_id,"
        " budget_at_completion: budget_at_completion}\n"
        "  on_invalid: {budget_at_completion: skip}\n"
    )
    assert errors(data) == []
    dataset = load_dataset(data)
    assert dataset.tables["pmo_services"]["project_id"].tolist() == ["P1"]
    skipped = {(s.table, s.column): s for s in dataset.skipped}
    assert skipped[("pmo_services", "project_id")].examples == ("P2",)
    assert dataset.sources["pmo_services"].rows == 1


def test_the_data_quality_page_names_the_table_when_it_is_missing(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").write_text(PROJECTS)
    (tmp_path / "evm.csv").write_text(EVM)
    page = data_quality_html(load_dataset(tmp_path))
    assert re.search(r"Tables not provided: [^<]*PMO services", page)
