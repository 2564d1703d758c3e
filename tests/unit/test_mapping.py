"""mapping.yml (docs/data.md): real exports read as they are, through small hand-made exports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pmovalue.data.loading import load_dataset, validate_data
from pmovalue.data.mapping import read_mapping
from pmovalue.errors import ValidationFailed
from pmovalue.site.generated import data_quality_html

# A PPM tool's export: its own headers, RAG words, $ thousands, two finish columns.
EXPORT = (
    "Proj #,Title,Dept,RAG Status,Budget ($ K),Rebaselined Finish,Original Finish,Done?\n"
    "A-1,Alpha,Field Ops,Red,12.5,,2026-03-31,Yes\n"
    "A-2,Beta,Field Ops, green ,1.25,2026-09-30,2026-06-30,no\n"
    "A-3,Gamma,Head Office,AMBER,,N/A,2026-12-31,\n"
    "A-4,Delta,Head Office,Not rated,0,,,\n"
)

MAPPING = """\
projects:
  file: export.csv
  columns:
    project_id: "Proj #"  # quoted: in YAML " #" starts a comment
    project_name: Title
    unit_id: Dept
    rating: RAG Status
    budget_at_completion: Budget ($ K)
    baseline_finish: [Rebaselined Finish, Original Finish]
    objectives_met: Done?
  values:
    rating: {Red: red, Amber: amber, Green: green, Not rated: null}
    objectives_met: {Yes: true, No: false}
  constants:
    category: Run the business
  scale:
    budget_at_completion: 1000
"""


def write(folder: Path, mapping: str, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yml").write_text(mapping)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return folder


def errors(folder: Path) -> list[str]:
    return [str(p) for p in validate_data(folder) if p.severity == "error"]


def mapping_errors(folder: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as exc:
        read_mapping(folder)
    return [str(p) for p in exc.value.problems]


def test_columns_values_constants_lists_and_scale(tmp_path: Path) -> None:
    ds = load_dataset(write(tmp_path, MAPPING, {"export.csv": EXPORT}))
    p = ds.tables["projects"]
    assert list(p["project_id"]) == ["A-1", "A-2", "A-3", "A-4"]
    assert list(p["unit_id"]) == ["field-ops", "field-ops", "head-office", "head-office"]
    # Values match exactly, then ignoring case and spaces; `null` means blank.
    assert p["rating"].tolist()[:3] == ["red", "green", "amber"]
    assert pd.isna(p.at[3, "rating"])
    # YAML reads the keys Yes/No as booleans: they still match the words in the file.
    assert p["objectives_met"].tolist()[:2] == [True, False]
    assert p["objectives_met"].isna().tolist()[2:] == [True, True]
    # $ thousands -> currency units, blanks stay blank.
    assert p["budget_at_completion"].tolist()[:2] == [12500.0, 1250.0]
    assert pd.isna(p.at[2, "budget_at_completion"])
    assert p.at[3, "budget_at_completion"] == 0.0
    # First non-empty header, row by row ("N/A" counts as empty).
    assert p["baseline_finish"].tolist()[:3] == [
        pd.Timestamp("2026-03-31"),
        pd.Timestamp("2026-09-30"),
        pd.Timestamp("2026-12-31"),
    ]
    assert pd.isna(p.at[3, "baseline_finish"])
    assert set(p["category"]) == {"Run the business"}
    assert list(p["status"]) == ["active"] * 4  # not mapped: the canonical default
    assert ds.blanked == []
    assert ds.sources["projects"].path == tmp_path / "export.csv"


def test_xlsx_export_with_a_sheet(tmp_path: Path) -> None:
    frame = pd.read_csv(pd.io.common.StringIO(EXPORT), dtype=str, keep_default_na=False)
    with pd.ExcelWriter(tmp_path / "export.xlsx") as xl:
        pd.DataFrame({"notes": ["cover sheet"]}).to_excel(xl, sheet_name="Cover", index=False)
        frame.to_excel(xl, sheet_name="Projects", index=False)
    mapping = MAPPING.replace("file: export.csv", "file: export.xlsx\n  sheet: Projects")
    from_xlsx = load_dataset(write(tmp_path / "x", mapping.replace("export.", "../export.")))
    from_csv = load_dataset(write(tmp_path / "c", MAPPING, {"export.csv": EXPORT}))
    pd.testing.assert_frame_equal(from_xlsx.tables["projects"], from_csv.tables["projects"])


def test_exact_match_comes_before_the_case_insensitive_one(tmp_path: Path) -> None:
    mapping = MAPPING.replace(
        "rating: {Red: red, Amber: amber, Green: green, Not rated: null}",
        "rating: {Red: red, RED: amber, AMBER: amber, ' green ': green, Not rated: null}",
    )
    export = EXPORT.replace("A-4,Delta,Head Office,Not rated", "A-4,Delta,Head Office,RED")
    p = load_dataset(write(tmp_path, mapping, {"export.csv": export})).tables["projects"]
    # "Red" and "RED" map differently: each exact; "green" matches ' green ' loosely.
    assert p["rating"].tolist() == ["red", "green", "amber", "amber"]


def test_on_invalid_blank_counts_and_lists_values(tmp_path: Path) -> None:
    export = (
        "Proj #,Title,Dept,RAG Status,Budget ($ K),Original Finish\n"
        "A-1,Alpha,Ops,Purple,12k,someday\n"
        "A-2,Beta,Ops,Red,-3,2026-06-30\n"
        "A-3,Gamma,Ops,Purple,TBC,31/13/2026\n"
        "A-4,Delta,Ops,Green,7,soon\n"
    )
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: "Proj #"  # quoted: in YAML " #" starts a comment
    project_name: Title
    unit_id: Dept
    rating: RAG Status
    budget_at_completion: Budget ($ K)
    baseline_finish: Original Finish
  scale: {budget_at_completion: 1000}
  on_invalid: {rating: blank, budget_at_completion: blank, baseline_finish: blank}
"""
    ds = load_dataset(write(tmp_path, mapping, {"export.csv": export}))
    p = ds.tables["projects"]
    assert p["rating"].isna().tolist() == [True, False, True, False]
    assert p["rating"].dropna().tolist() == ["red", "green"]
    # Not numbers, and a negative amount (money >= 0, checked after scaling): all blank.
    assert p["budget_at_completion"].isna().tolist() == [True, True, True, False]
    assert p.at[3, "budget_at_completion"] == 7000.0
    assert p["baseline_finish"].isna().tolist() == [True, False, True, True]
    got = {b.column: b for b in ds.blanked}
    assert set(got) == {"rating", "budget_at_completion", "baseline_finish"}
    assert got["rating"].count == 2
    assert got["rating"].examples == ("Purple",)  # distinct, as written in the file
    assert got["rating"].source == "RAG Status"
    assert got["budget_at_completion"].count == 3
    assert set(got["budget_at_completion"].examples) == {"12k", "TBC", "-3"}
    assert got["baseline_finish"].count == 3
    assert got["baseline_finish"].examples == ("someday", "31/13/2026", "soon")
    # The data-quality page lists every count, with the source header and examples.
    html = data_quality_html(ds)
    assert "8 invalid values were left blank" in html
    for b in ds.blanked:
        row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if b.source in r)
        assert re.search(rf"<td[^>]*>{b.count}</td>", row), row  # the count on its own row
        assert b.source in html
        assert b.examples[0] in html


def test_on_invalid_error_names_file_row_and_header(tmp_path: Path) -> None:
    export = (
        "Proj #,Title,Dept,RAG Status,Budget ($ K)\n"
        "A-1,Alpha,Ops,Red,12\n"
        "A-2,Beta,Ops,Purple,12k\n"
        "A-2,Gamma,Ops,Green,-1\n"
    )
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: "Proj #"  # quoted: in YAML " #" starts a comment
    project_name: Title
    unit_id: Dept
    rating: RAG Status
    budget_at_completion: Budget ($ K)
  scale: {budget_at_completion: 1000}
  on_invalid: {rating: error}
"""
    found = errors(write(tmp_path, mapping, {"export.csv": export}))
    src = f"{tmp_path / 'export.csv'}"
    assert f"{src}:3:budget_at_completion (Budget ($ K)): '12k' is not a number" in "\n".join(found)
    assert f"{src}:3:rating (RAG Status): 'purple' is not one of red, amber, green" in found
    assert f"{src}:4:budget_at_completion (Budget ($ K)): -1000.0 is below the minimum 0" in found
    assert any(
        e.startswith(f"{src}:4:project_id (Proj #): duplicate project_id 'A-2' (first in row 3)")
        for e in found
    )
    assert len(found) == 4


def test_missing_header_is_named_with_the_closest_one(tmp_path: Path) -> None:
    export = "ID,Name,Agency,Lifecycle Cost  ($ M)\n1,A,Ops,1.5\n"
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: ID
    project_name: Name
    unit_id: Agency
    budget_at_completion: Lifecycle Cost ($ M)
"""
    found = errors(write(tmp_path, mapping, {"export.csv": export}))
    assert found == [
        f"{tmp_path / 'export.csv'}::Lifecycle Cost ($ M): header 'Lifecycle Cost ($ M)' "
        "(mapped to projects.budget_at_completion in mapping.yml) is not in the file; headers "
        "must match its first row exactly; did you mean 'Lifecycle Cost  ($ M)'?"
    ]
    # With the header exactly as in the file (two spaces) it loads.
    write(tmp_path, mapping.replace("Lifecycle Cost ($ M)", "Lifecycle Cost  ($ M)"))
    assert load_dataset(tmp_path).tables["projects"].at[0, "budget_at_completion"] == 1.5


def test_mapping_mistakes_are_all_reported(tmp_path: Path) -> None:
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: "Proj #"  # quoted: in YAML " #" starts a comment
    project_name: Title
    unit_id: Dept
    budget: Budget ($ K)
    start_date: Start
  values:
    rating: {Red: red}
  scale:
    start_date: 1000
    forecast_at_completion: 0
  on_invalid:
    project_id: blank
    start_date: drop
  colums: {}
budgets:
  file: export.csv
"""
    found = mapping_errors(write(tmp_path, mapping, {"export.csv": EXPORT}))
    where = f"{tmp_path / 'mapping.yml'}: "
    assert all(e.startswith(where) for e in found)
    text = "\n".join(e.removeprefix(where) for e in found)
    assert "projects.columns: 'budget' is not a column of projects; use one of [" in text
    assert "projects.values.rating: rating is not mapped in 'columns'" in text
    assert "projects.scale.start_date: only number columns" in text
    assert "projects.scale.forecast_at_completion: must be a positive number" in text
    assert "projects.on_invalid.project_id: project_id is required" in text
    assert "projects.on_invalid.start_date: use 'error', 'blank' or 'skip', not 'drop'" in text
    assert "projects: unknown key(s) ['colums']" in text
    assert "'budgets' is not a canonical table" in text
    assert len(found) == 8


def test_missing_source_file(tmp_path: Path) -> None:
    write(tmp_path, MAPPING.replace("export.csv", "nowhere.csv"))
    assert errors(tmp_path) == [
        f"{tmp_path / 'nowhere.csv'}: file for table projects (mapping.yml) not found; "
        "check its file: (a relative path starts from the data folder)"
    ]


def test_one_export_feeds_projects_and_benefits(tmp_path: Path) -> None:
    export = (
        "Ref,Project,Division,Budget,Planned saving,Saving to date\n"
        "R1,Alpha,Ops,100,40,10\n"
        "R2,Beta,Ops,200,,\n"
        "R3,Gamma,Sales,300,90,95\n"
    )
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: Ref
    project_name: Project
    unit_id: Division
    budget_at_completion: Budget
benefits:
  file: export.csv
  columns:
    project_id: Ref
    baseline_forecast: Planned saving
    realized: Saving to date
  constants:
    category: financial
    period: 2026-Q2
    baseline_forecast: 0
"""
    ds = load_dataset(write(tmp_path, mapping, {"export.csv": export}))
    assert ds.sources["projects"].path == ds.sources["benefits"].path == tmp_path / "export.csv"
    b = ds.tables["benefits"]
    assert list(b["benefit_id"]) == ["R1", "R2", "R3"]  # default: the project id
    assert list(b["baseline_forecast"]) == [40.0, 0.0, 90.0]  # the constant fills the blank
    assert list(b["category"]) == ["financial"] * 3
    assert ds.periods == ["2026-Q2"]
    assert list(ds.tables["projects"]["budget_at_completion"]) == [100.0, 200.0, 300.0]


def test_on_invalid_skip_leaves_rows_out_counts_and_lists_them(tmp_path: Path) -> None:
    """Real annual-report exports put "N/A" or text in required money columns."""
    export = (
        "Proj #,Title,Dept,Budget ($ K),RAG Status\n"
        "A-1,Alpha,Ops,12,Red\n"
        "A-2,Beta,Ops,N/A,Green\n"  # an optional column: "N/A" is a blank, kept
        "A-3,Gamma,Ops,TBC,Purple\n"  # invalid in two columns: counted in both
        "A-4,Delta,Ops,inf,Amber\n"  # not a finite number
        "A-5,Epsilon,Ops,7,Mauve\n"
    )
    evm = (
        "project_id,period,planned_value,earned_value,actual_cost\n"
        "A-1,2026-Q1,5,4,4\n"
        "A-2,2026-Q1,5,4,4\n"
        "A-3,2026-Q1,5,4,4\n"  # about a project left out: left out with it
    )
    mapping = """\
projects:
  file: export.csv
  columns:
    project_id: "Proj #"
    project_name: Title
    unit_id: Dept
    budget_at_completion: Budget ($ K)
    rating: RAG Status
  on_invalid: {budget_at_completion: skip, rating: skip}
evm:
  file: evm.csv
  columns: {project_id: project_id, period: period, planned_value: planned_value,
            earned_value: earned_value, actual_cost: actual_cost}
"""
    ds = load_dataset(write(tmp_path, mapping, {"export.csv": export, "evm.csv": evm}))
    assert ds.tables["projects"]["project_id"].tolist() == ["A-1", "A-2"]
    assert ds.tables["evm"]["project_id"].tolist() == ["A-1", "A-2"]
    assert ds.sources["projects"].rows == 2 and ds.sources["evm"].rows == 2
    got = {(s.table, s.column): s for s in ds.skipped}
    assert got[("projects", "budget_at_completion")].count == 2  # TBC, inf
    assert set(got[("projects", "budget_at_completion")].examples) == {"TBC", "inf"}
    assert got[("projects", "rating")].count == 2  # Purple, Mauve
    assert got[("projects", "rating")].source == "RAG Status"
    assert got[("evm", "project_id")].count == 1
    assert got[("evm", "project_id")].examples == ("A-3",)
    html = data_quality_html(ds)
    assert "<h2>Invalid rows skipped</h2>" in html
    for s in ds.skipped:
        row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if s.source in r)
        assert re.search(rf"<td[^>]*>{s.count}</td>", row), row
    # Nothing was set blank: skipping is not blanking.
    assert ds.blanked == []


def test_on_invalid_skip_on_a_required_column_skips_blanks_and_text(tmp_path: Path) -> None:
    export = "id,name,unit,score\nP1,One,Ops,\n"
    alignment = "Project,Criterion,Score\nP1,fit,4\nP1,value,N/A\nP1,risk,high\nP1,cost,\n"
    mapping = """\
projects:
  file: export.csv
  columns: {project_id: id, project_name: name, unit_id: unit}
alignment:
  file: alignment.csv
  columns: {project_id: Project, criterion: Criterion, score: Score}
  on_invalid: {score: skip}
"""
    ds = load_dataset(write(tmp_path, mapping, {"export.csv": export, "alignment.csv": alignment}))
    assert ds.tables["alignment"]["criterion"].tolist() == ["fit"]
    (skipped,) = ds.skipped
    assert (skipped.table, skipped.column, skipped.count) == ("alignment", "score", 3)
    assert set(skipped.examples) == {"(blank)", "N/A", "high"}


def test_numbers_that_are_not_finite_are_blanked_under_on_invalid_blank(tmp_path: Path) -> None:
    export = (
        "id,name,unit,cost\nP1,One,Ops,inf\nP2,Two,Ops,-inf\nP3,Three,Ops,1e400\n"
        "P4,Four,Ops,NaN\nP5,Five,Ops,12\nP6,Six,Ops,N/A\n"
    )
    mapping = """\
projects:
  file: export.csv
  columns: {project_id: id, project_name: name, unit_id: unit, actual_cost: cost}
  on_invalid: {actual_cost: blank}
"""
    ds = load_dataset(write(tmp_path, mapping, {"export.csv": export}))
    cost = ds.tables["projects"]["actual_cost"]
    assert cost.isna().tolist() == [True, True, True, True, False, True]
    (blanked,) = ds.blanked
    assert blanked.count == 4  # "N/A" is a blank, not an invalid value
    assert set(blanked.examples) == {"inf", "-inf", "1e400", "NaN"}
