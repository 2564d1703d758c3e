"""The catalogue of bad input: one case per mistake a user makes, in every table, mapping.yml,
the parameters and the command line. Each runs the real command on a copy of the sample
project and asserts the exit code, a message that names the place (file, row, column or key)
and says what to do, no traceback, and a published site left byte-identical."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_server import CliServer
from tests.conftest import REPO, SAMPLE
from tests.site.test_publish import snapshot

pytestmark = pytest.mark.slow

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    setup: Setup
    says: tuple[str, ...]  # what the message must hold: the place, and what to do
    args: tuple[str, ...] = ("build",)
    code: int = 2


# ---- making bad input in a copy of the sample project -------------------------------------------


def data(project: Path, name: str) -> Path:
    return project / "data" / name


def rows(project: Path, table: str) -> list[list[str]]:
    with data(project, f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def save(project: Path, table: str, table_rows: list[list[str]]) -> None:
    with data(project, f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table_rows)


def cell(table: str, row: int, column: str, value: str) -> Setup:
    """Set one cell; `row` as in a spreadsheet (header = row 1)."""

    def setup(project: Path) -> None:
        table_rows = rows(project, table)
        table_rows[row - 1][table_rows[0].index(column)] = value
        save(project, table, table_rows)

    return setup


def drop_column(table: str, column: str) -> Setup:
    def setup(project: Path) -> None:
        table_rows = rows(project, table)
        i = table_rows[0].index(column)
        save(project, table, [r[:i] + r[i + 1 :] for r in table_rows])

    return setup


def add_row(table: str, copy_of: int, **values: str) -> Setup:
    def setup(project: Path) -> None:
        table_rows = rows(project, table)
        new = list(table_rows[copy_of - 1])
        for column, value in values.items():
            new[table_rows[0].index(column)] = value
        save(project, table, [*table_rows, new])

    return setup


def replace_file(name: str, content: bytes | Callable[[Path], bytes], remove: str = "") -> Setup:
    """Write data/<name> (bytes, or bytes made from the project), removing data/<remove>."""

    def setup(project: Path) -> None:
        body = content(project) if callable(content) else content
        if remove:
            data(project, remove).unlink()
        data(project, name).write_bytes(body)

    return setup


def write_text(relative: str, text: str) -> Setup:
    def setup(project: Path) -> None:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return setup


def both(*steps: Setup) -> Setup:
    def setup(project: Path) -> None:
        for step in steps:
            step(project)

    return setup


def nothing(project: Path) -> None:
    """The project as it is: the mistake is on the command line."""


def workbook(project: Path, table: str = "projects") -> bytes:
    frame = pd.read_csv(data(project, f"{table}.csv"), dtype=str, keep_default_na=False)
    out = io.BytesIO()
    frame.to_excel(out, index=False, sheet_name="Projects")
    return out.getvalue()


def parquet(project: Path) -> bytes:
    out = io.BytesIO()
    pd.read_csv(data(project, "projects.csv"), dtype=str).to_parquet(out)
    return out.getvalue()


def encrypted(project: Path) -> bytes:
    """A genuinely password-protected workbook, as Excel writes one (agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook(project))).encrypt("secret", out)
    return out.getvalue()


def legacy_xls(project: Path) -> bytes:
    """A compound-document file that is not an encrypted workbook: what an old .xls is."""
    marker = "EncryptionInfo".encode("utf-16-le")
    return encrypted(project).replace(marker, "WorkbookStream".encode("utf-16-le"))


def projects_in(encoding: str, bom: bool = False) -> Callable[[Path], bytes]:
    def make(project: Path) -> bytes:
        text = data(project, "projects.csv").read_text(encoding="utf-8")
        text = text.replace("Branch Network Redesign", "Réseau d'agences")
        body = text.encode(encoding)
        return ({"utf-16-le": b"\xff\xfe"}.get(encoding, b"") if bom else b"") + body

    return make


MAPPING = """\
projects:
  file: export.csv
  columns:
    project_id: project_id
    project_name: project_name
    unit_id: unit_id
    budget_at_completion: budget_at_completion
"""


def mapped(
    mapping: str,
    export: bytes | Callable[[Path], bytes] | None = None,
    name: str = "export.csv",
) -> Setup:
    """The projects table read through mapping.yml from an export `name` (default: a copy of
    projects.csv)."""

    def setup(project: Path) -> None:
        source = data(project, "projects.csv")
        body = export(project) if callable(export) else export
        data(project, name).write_bytes(body if body is not None else source.read_bytes())
        source.unlink()
        data(project, "mapping.yml").write_text(mapping, encoding="utf-8")

    return setup


def params_file(relative: str, text: str) -> Setup:
    return write_text(f"params/{relative}", text)


def defaults_with(old: str, new: str) -> Setup:
    def setup(project: Path) -> None:
        path = project / "params" / "defaults.yml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    return setup


FINITE = "is not a finite number"
P = "data/projects.csv"

CASES = [
    # ---- projects ----
    Case(
        "projects-inf",
        cell("projects", 2, "budget_at_completion", "inf"),
        (f"{P}:2:budget_at_completion", FINITE, "leave the cell blank"),
    ),
    Case(
        "projects-minus-inf",
        cell("projects", 3, "actual_cost", "-inf"),
        (f"{P}:3:actual_cost", FINITE),
    ),
    Case(
        "projects-1e400",
        cell("projects", 4, "forecast_at_completion", "1e400"),
        (f"{P}:4:forecast_at_completion", FINITE),
    ),
    Case(
        "projects-nan-text",
        cell("projects", 5, "period_budget", "NaN"),
        (f"{P}:5:period_budget", FINITE),
    ),
    Case(
        "projects-text-number",
        cell("projects", 2, "period_forecast", "about 5k"),
        (f"{P}:2:period_forecast", "is not a number (plain digits"),
    ),
    Case(
        "projects-negative-money",
        cell("projects", 2, "budget_at_completion", "-5"),
        (f"{P}:2:budget_at_completion", "below the minimum 0"),
    ),
    Case(
        "projects-missing-column",
        drop_column("projects", "project_name"),
        (P, "required column project_name is missing; add it or map it"),
    ),
    Case(
        "projects-blank-id",
        cell("projects", 3, "project_id", ""),
        (f"{P}:3:project_id", "a value is required"),
    ),
    Case(
        "projects-duplicate-id",
        cell("projects", 3, "project_id", "RB-001"),
        (f"{P}:3:project_id", "duplicate project_id 'RB-001' (first in row 2)"),
    ),
    Case(
        "projects-status",
        cell("projects", 2, "status", "paused"),
        (f"{P}:2:status", "'paused' is not one of proposed, active"),
    ),
    Case(
        "projects-rating",
        cell("projects", 2, "rating", "purple"),
        (f"{P}:2:rating", "is not one of red, amber, green"),
    ),
    Case(
        "projects-date",
        cell("projects", 2, "start_date", "31/13/2026"),
        (f"{P}:2:start_date", "is not a date (e.g. 2026-03-31)"),
    ),
    Case(
        "projects-bool",
        cell("projects", 2, "objectives_met", "maybe"),
        (f"{P}:2:objectives_met", "is not true or false"),
    ),
    Case(
        "projects-absent",
        lambda p: data(p, "projects.csv").unlink(),
        (P, "the projects table is required: add projects.csv, .xlsx or .parquet"),
    ),
    Case(
        "projects-two-files",
        replace_file("projects.xlsx", workbook),
        ("projects.csv, projects.xlsx all hold table projects; keep only one",),
    ),
    Case(
        "csv-empty",
        replace_file("projects.csv", b""),
        (P, "the file is empty; export the table again"),
    ),
    Case(
        "csv-header-only-blank-lines",
        replace_file("projects.csv", b"\n\n"),
        (P, "cannot be read as CSV"),
    ),
    Case(
        "csv-ragged-row",
        lambda p: (
            data(p, "projects.csv")
            .open("a")
            .write("ZZ-1,Extra,Ops,active,x,,,,,1,2,3,4,5,red,,,\n")
        ),
        (P, "cannot be read as CSV", "line 252", "check the quoting and commas"),
    ),
    Case(
        "csv-utf16-without-mark",
        replace_file("projects.csv", projects_in("utf-16-le")),
        (P, "UTF-16 text without its byte-order mark", "export it again as CSV UTF-8"),
    ),
    Case(
        "csv-latin1",
        replace_file("projects.csv", projects_in("latin-1")),
        (f"{P}:2: is not UTF-8 text (byte 0xe9 on line 2", "save it as CSV UTF-8"),
    ),
    Case(
        "csv-cp1252",
        replace_file("projects.csv", projects_in("cp1252")),
        (f"{P}:2:", "Latin-1 / Windows-1252", "CSV UTF-8"),
    ),
    Case(
        "csv-really-xlsx",
        replace_file("projects.csv", workbook),
        (P, "is really an Excel workbook (.xlsx)", "rename it to projects.xlsx"),
    ),
    Case(
        "csv-really-parquet",
        replace_file("projects.csv", parquet),
        (P, "is really a Parquet file", "rename it to projects.parquet"),
    ),
    Case(
        "csv-really-encrypted-workbook",
        replace_file("projects.csv", encrypted),
        (P, "password-protected", "remove the password"),
    ),
    Case(
        "xlsx-corrupt",
        replace_file("projects.xlsx", b"PK\x03\x04 not a zip at all", "projects.csv"),
        ("data/projects.xlsx", "cannot be read as an Excel workbook", "save it again as .xlsx"),
    ),
    Case(
        "xlsx-garbage",
        replace_file("projects.xlsx", bytes(range(256)) * 4, "projects.csv"),
        ("data/projects.xlsx", "neither CSV text, an Excel workbook nor Parquet"),
    ),
    Case(
        "xlsx-empty-file",
        replace_file("projects.xlsx", b"", "projects.csv"),
        ("data/projects.xlsx", "the file is empty"),
    ),
    Case(
        "xlsx-password",
        replace_file("projects.xlsx", encrypted, "projects.csv"),
        ("data/projects.xlsx", "is a password-protected workbook", "remove the password"),
    ),
    Case(
        "xlsx-legacy-xls",
        replace_file("projects.xlsx", legacy_xls, "projects.csv"),
        ("data/projects.xlsx", "old Excel 97-2003 workbook (.xls)", "save it as .xlsx"),
    ),
    Case(
        "xlsx-really-csv",
        lambda p: data(p, "projects.csv").rename(data(p, "projects.xlsx")),
        ("data/projects.xlsx", "is really text (CSV?)", "rename it to projects.csv"),
    ),
    Case(
        "xlsx-empty-sheet",
        replace_file("projects.xlsx", lambda p: _empty_workbook(), "projects.csv"),
        ("data/projects.xlsx", "has no header row"),
    ),
    Case(
        "parquet-really-csv",
        lambda p: data(p, "projects.csv").rename(data(p, "projects.parquet")),
        ("data/projects.parquet", "is really text (CSV?)", "rename it to projects.csv"),
    ),
    Case(
        "parquet-cut-short",
        replace_file("projects.parquet", lambda p: parquet(p)[:300], "projects.csv"),
        ("data/projects.parquet", "cannot be read as Parquet", "export it again"),
    ),
    Case(
        "parquet-really-xlsx",
        replace_file("projects.parquet", workbook, "projects.csv"),
        ("data/projects.parquet", "rename it to projects.xlsx"),
    ),
    # ---- evm ----
    Case(
        "evm-inf", cell("evm", 2, "planned_value", "inf"), ("data/evm.csv:2:planned_value", FINITE)
    ),
    Case(
        "evm-period",
        cell("evm", 2, "period", "2026-Q5"),
        ("data/evm.csv:2:period", "is not a period like 2026-Q3"),
    ),
    Case(
        "evm-over-bac",
        cell("evm", 3, "earned_value", "99999999"),
        ("data/evm.csv:3:earned_value", "exceeds the project's budget at completion"),
    ),
    Case(
        "evm-unknown-project",
        cell("evm", 2, "project_id", "NOPE-1"),
        ("data/evm.csv:2:project_id", "'NOPE-1' is not in the projects table"),
    ),
    Case(
        "evm-duplicate",
        cell("evm", 3, "period", "2026-Q2"),
        ("data/evm.csv:3:project_id", "duplicate project_id/period"),
    ),
    Case(
        "evm-missing-column",
        drop_column("evm", "actual_cost"),
        ("data/evm.csv", "required column actual_cost is missing"),
    ),
    Case(
        "evm-negative",
        cell("evm", 2, "actual_cost", "-1"),
        ("data/evm.csv:2:actual_cost", "below the minimum 0"),
    ),
    # ---- benefits ----
    Case(
        "benefits-nan",
        cell("benefits", 2, "baseline_forecast", "nan"),
        ("data/benefits.csv:2:baseline_forecast", FINITE),
    ),
    Case(
        "benefits-category",
        cell("benefits", 2, "category", "other"),
        ("data/benefits.csv:2:category", "is not one of financial, strategic"),
    ),
    Case(
        "benefits-1e400",
        cell("benefits", 2, "realized", "1e400"),
        ("data/benefits.csv:2:realized", FINITE),
    ),
    # ---- cashflows ----
    Case(
        "cashflows-fraction-year",
        cell("cashflows", 2, "year", "1.5"),
        ("data/cashflows.csv:2:year", "is not a whole number"),
    ),
    Case(
        "cashflows-kind",
        cell("cashflows", 2, "kind", "income"),
        ("data/cashflows.csv:2:kind", "is not one of cost, benefit"),
    ),
    Case(
        "cashflows-minus-inf",
        cell("cashflows", 2, "amount", "-inf"),
        ("data/cashflows.csv:2:amount", FINITE),
    ),
    Case(
        "cashflows-negative-year",
        cell("cashflows", 2, "year", "-1"),
        ("data/cashflows.csv:2:year", "below the minimum 0"),
    ),
    # ---- alignment ----
    Case(
        "alignment-above-max",
        cell("alignment", 2, "score", "6"),
        ("data/alignment.csv:2:score", "above the maximum 5"),
    ),
    Case(
        "alignment-inf",
        cell("alignment", 2, "score", "Infinity"),
        ("data/alignment.csv:2:score", FINITE),
    ),
    # ---- survey ----
    Case(
        "survey-instrument",
        cell("survey", 2, "instrument", "ces"),
        ("data/survey.csv:2:instrument", "is not one of nps, csat"),
    ),
    Case(
        "survey-score",
        cell("survey", 2, "score", "11"),
        ("data/survey.csv:2:score", "above the maximum 10"),
    ),
    Case(
        "survey-period",
        cell("survey", 2, "period", "Q3 2026"),
        ("data/survey.csv:2:period", "is not a period like 2026-Q3"),
    ),
    # ---- maturity ----
    Case(
        "maturity-dimension",
        cell("maturity", 2, "dimension", "culture"),
        ("data/maturity.csv:2:dimension", "is not one of people, process"),
    ),
    Case(
        "maturity-score",
        cell("maturity", 2, "score", "5"),
        ("data/maturity.csv:2:score", "above the maximum 4"),
    ),
    Case(
        "maturity-nan", cell("maturity", 2, "score", "NaN"), ("data/maturity.csv:2:score", FINITE)
    ),
    # ---- mapping.yml ----
    Case(
        "mapping-yaml-syntax",
        mapped("projects:\n  file: export.csv\n columns: [\n"),
        ("data/mapping.yml:", "not valid YAML", "fix the syntax there"),
    ),
    Case(
        "mapping-a-list",
        mapped("- projects\n- evm\n"),
        ("data/mapping.yml", "must be a mapping of keys to values"),
    ),
    Case(
        "mapping-unknown-table",
        mapped(MAPPING + "budgets:\n  file: x.csv\n"),
        ("data/mapping.yml", "'budgets' is not a canonical table; use one of"),
    ),
    Case(
        "mapping-no-file",
        mapped("projects:\n  columns: {project_id: project_id}\n"),
        (
            "data/mapping.yml",
            "projects: needs a 'file' (or a database 'source') and a 'columns' map",
        ),
    ),
    Case(
        "mapping-file-missing",
        mapped(MAPPING.replace("export.csv", "nowhere.csv")),
        ("data/nowhere.csv", "file for table projects (mapping.yml) not found", "check its file"),
    ),
    Case(
        "mapping-header-missing",
        mapped(
            MAPPING.replace(
                "budget_at_completion: budget_at_completion",
                "budget_at_completion: Budget at completion",
            )
        ),
        ("data/export.csv", "header 'Budget at completion'", "did you mean"),
    ),
    Case(
        "mapping-on-invalid-word",
        mapped(MAPPING + "  on_invalid: {budget_at_completion: ignore}\n"),
        (
            "data/mapping.yml",
            "projects.on_invalid.budget_at_completion",
            "use 'error', 'blank' or 'skip'",
        ),
    ),
    Case(
        "mapping-blank-required",
        mapped(MAPPING + "  on_invalid: {project_id: blank}\n"),
        ("data/mapping.yml", "projects.on_invalid.project_id", "use 'skip'"),
    ),
    Case(
        "mapping-sheet-missing",
        mapped(
            MAPPING.replace("export.csv", "export.xlsx") + "  sheet: Portfolio\n",
            workbook,
            "export.xlsx",
        ),
        ("data/export.xlsx", "has no sheet 'Portfolio'", "its sheets are 'Projects'"),
    ),
    Case(
        "mapping-scale",
        mapped(MAPPING + "  scale: {budget_at_completion: -1}\n"),
        ("data/mapping.yml", "projects.scale.budget_at_completion: must be a positive number"),
    ),
    Case(
        "mapping-values-not-map",
        mapped(MAPPING + "  values: {unit_id: Ops}\n"),
        ("data/mapping.yml", "projects.values.unit_id: must be a map"),
    ),
    Case(
        "mapping-unsupported-type",
        mapped(MAPPING.replace("export.csv", "export.txt"), name="export.txt"),
        ("data/export.txt", "unsupported file type .txt; use .csv, .xlsx or .parquet"),
    ),
    Case(
        "mapping-mapped-cell-inf",
        mapped(
            MAPPING,
            lambda p: data(p, "projects.csv").read_bytes().replace(b",2362000.00,", b",inf,", 1),
        ),
        ("data/export.csv:2:budget_at_completion", FINITE),
    ),
    # ---- parameters ----
    Case(
        "params-yaml-syntax",
        params_file("defaults.yml", "report:\n  title: [unclosed\n"),
        ("params/defaults.yml:", "not valid YAML", "fix the syntax"),
    ),
    Case(
        "params-not-utf8",
        lambda p: (p / "params/defaults.yml").write_bytes(b"title: caf\xe9\n"),
        ("params/defaults.yml", "is not UTF-8 text; save it as UTF-8"),
    ),
    Case(
        "params-unknown-key",
        defaults_with("discount_rate:", "discount_rat:"),
        ("params/defaults.yml", "finance.discount_rat", "unknown key; check the spelling"),
    ),
    Case(
        "params-wrong-type",
        defaults_with("discount_rate: 0.035", "discount_rate: high"),
        ("params/defaults.yml", "finance.discount_rate", "valid number"),
    ),
    Case(
        "params-weights",
        defaults_with("innovation: 0.1", "innovation: 0.3"),
        ("params/defaults.yml", "alignment.criteria", "weights must sum to 1"),
    ),
    Case(
        "params-maturity-target-high",
        defaults_with("people: 3,", "people: 4.5,"),
        ("params/defaults.yml", "maturity.targets", "a number from 1 to 4"),
    ),
    Case(
        "params-maturity-target-bool",
        defaults_with("people: 3,", "people: yes,"),
        ("params/defaults.yml", "maturity.targets", "a number from 1 to 4, not True"),
    ),
    Case(
        "params-unit-file",
        params_file("units/digital-channels.yml", "pmo_type: advisory\n"),
        ("params/units/digital-channels.yml", "pmo_type", "'controlling', 'supportive'"),
    ),
    Case(
        "params-thresholds",
        defaults_with("index_amber_min: 0.90", "index_amber_min: 0.99"),
        ("params/defaults.yml", "thresholds", "must not be above index_green_min"),
    ),
    Case(
        "params-unknown-metric",
        defaults_with("  nps: 20", "  npss: 20"),
        ("params/defaults.yml", "targets", "unknown metric id(s) ['npss']"),
    ),
    Case(
        "params-period",
        defaults_with("report:", "period: 2026Q3\nreport:"),
        ("params/defaults.yml", "period", "must look like 2026-Q3"),
    ),
    Case(
        "params-folder-missing",
        nothing,
        ("nowhere", "no such parameter folder"),
        args=("build", "--params", "nowhere"),
    ),
    # ---- the command line ----
    Case(
        "cli-override-shape",
        nothing,
        ("-p", "must look like key.path=value"),
        args=("build", "-p", "finance.discount_rate"),
    ),
    Case(
        "cli-override-yaml",
        nothing,
        ("-p", "finance.discount_rate", "not valid YAML"),
        args=("build", "-p", "finance.discount_rate=[1,"),
    ),
    Case(
        "cli-override-unknown",
        nothing,
        ("-p", "finance.rate", "unknown key"),
        args=("build", "-p", "finance.rate=0.04"),
    ),
    Case(
        "cli-override-type",
        nothing,
        ("-p", "finance.discount_rate", "less than 1"),
        args=("build", "-p", "finance.discount_rate=7"),
    ),
    Case(
        "cli-scenario-missing",
        nothing,
        ("params/scenarios/nope.yml", "create the file"),
        args=("build", "--scenario", "nope"),
    ),
    Case(
        "cli-scenario-name",
        nothing,
        ("scenario name 'High Rate'", "'high-rate'"),
        args=("build", "--scenario", "High Rate"),
    ),
    Case(
        "cli-period",
        nothing,
        ("period 2030-Q1 is not in the data", "--period"),
        args=("build", "--period", "2030-Q1"),
    ),
    Case(
        "cli-units",
        nothing,
        ("--units: unit 'Atlantis' is not in the data", "known units"),
        args=("build", "--units", "Atlantis"),
    ),
    Case(
        "cli-data-missing",
        nothing,
        ("no-data", "no such data folder; give --data"),
        args=("build", "--data", "no-data"),
    ),
    Case(
        "cli-notebooks-missing",
        nothing,
        ("nb/unit_report.ipynb", "notebook not found"),
        args=("build", "--notebooks", "nb"),
    ),
    Case("cli-quarto-absent", nothing, ("quarto",), args=("build", "--engine", "quarto")),
    Case(
        "cli-dask-no-scheduler",
        nothing,
        ("--executor dask needs --scheduler",),
        args=("build", "--executor", "dask", "--period", "2026-Q2"),
    ),
    Case(
        "cli-jobs-not-a-number",
        nothing,
        ("argument --jobs", "invalid int value"),
        args=("build", "--jobs", "many"),
    ),
    Case("cli-unknown-command", nothing, ("invalid choice: 'publish'",), args=("publish",)),
    Case(
        "validate-bad-cell",
        cell("projects", 2, "actual_cost", "inf"),
        (f"{P}:2:actual_cost", FINITE, "fix them and run again"),
        args=("validate",),
    ),
    Case(
        "validate-bad-params",
        defaults_with("discount_rate:", "discount_rat:"),
        ("params/defaults.yml", "finance.discount_rat"),
        args=("validate",),
    ),
    Case(
        "diff-unpublished",
        nothing,
        ("version 2019-Q1 is not published", "pmovalue versions"),
        args=("diff", "2019-Q1", "2026-Q3", "--out", "{site}"),
    ),
    Case(
        "serve-no-site",
        nothing,
        ("empty-site holds no published site", "pmovalue build"),
        args=("serve", "--out", "empty-site"),
    ),
    Case(
        "serve-port-range",
        nothing,
        ("--port 70000", "0 to 65535"),
        args=("serve", "--out", "{site}", "--port", "70000"),
    ),
    Case(
        "init-not-empty",
        nothing,
        ("data is not empty; choose a new folder",),
        args=("init", "data"),
    ),
]


def _empty_workbook() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliServer]:
    s = CliServer(tmp_path_factory.mktemp("cli-output"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def published(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    site = tmp_path_factory.mktemp("published") / "site"
    shutil.copytree(sample_site, site)
    return site, snapshot(site)


def environment() -> dict[str, str]:
    """The user's environment, without Quarto on PATH (as on CI), and with kernels started
    plainly: no case gets as far as a notebook, so no kernel zygote is forked for nothing."""
    path = [
        d for d in os.environ.get("PATH", "").split(os.pathsep) if not Path(d, "quarto").exists()
    ]
    return {**os.environ, "PATH": os.pathsep.join(path), "PMOVALUE_KERNELS": "plain"}


def project(tmp_path: Path) -> Path:
    """A copy of the sample project: data, parameters, notebooks, _quarto.yml."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root / "data")
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    shutil.copy2(REPO / "_quarto.yml", root / "_quarto.yml")
    return root


def check(case: Case, code: int, out: str, err: str, site: Path, before: dict[str, str]) -> None:
    assert "Traceback" not in err + out, err
    assert code == case.code, f"exit {code}, expected {case.code}: {err}"
    assert err.startswith(("error: ", "usage: ")) or err.startswith(tuple(case.says)), err
    for needle in case.says:
        assert needle in err, f"{needle!r} not in: {err}"
    assert "published" not in out
    assert snapshot(site) == before  # nothing published, nothing changed


def test_the_catalogue_has_every_kind_of_mistake() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    kinds = {c.id.split("-")[0] for c in CASES}
    every = {"projects", "evm", "benefits", "cashflows", "alignment", "survey", "maturity"}
    assert every | {"mapping", "params", "cli", "csv", "xlsx", "parquet"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(
    case: Case, server: CliServer, published: tuple[Path, dict], tmp_path: Path
) -> None:
    site, before = published
    root = project(tmp_path)
    case.setup(root)
    args = [a.replace("{site}", str(site)) for a in case.args]
    if args[0] in ("build", "validate") and "--data" not in args:
        args += ["--data", "data"]
    if args[0] == "build":
        args += ["--out", str(site), "--jobs", "2"]
        if "--engine" not in args:
            args += ["--engine", "builtin"]
    code, out, err = server.run(args, root, environment())
    check(case, code, out, err, site, before)


# ---- what needs the command as a user starts it ----------------------------------------------


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pmovalue", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_serve_on_a_port_in_use_names_it(published: tuple[Path, dict]) -> None:
    site, before = published
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = command("serve", "--out", str(site), "--port", str(port))
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert f"port {port} is already in use" in err
    assert f"--port {port + 1}" in err and "--port 0 for any free port" in err
    assert snapshot(site) == before


def test_diff_into_a_closed_pipe_ends_quietly(published: tuple[Path, dict]) -> None:
    """`pmovalue diff A B | head`: the reader may be gone before we write. Here it is gone
    before we start (its end of the pipe closed), so that every write meets a closed pipe."""
    site, _ = published
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pmovalue", "diff", "2026-Q3", "2026-Q3", "--out", str(site)],
            cwd=REPO,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert proc.stderr == ""  # no BrokenPipeError, nothing at all
    assert proc.returncode == 141  # 128 + SIGPIPE: what a shell shows for a Unix tool


INJECTED = (
    "import sys, pmovalue.diff as d\n"
    "def broken(*a, **k):\n"
    "    raise KeyError('a bug')\n"
    "d.metric_changes = broken\n"
    "from pmovalue.cli import entry\n"
    "sys.argv = ['pmovalue', *sys.argv[1:]]\n"
    "entry()\n"
)


@pytest.mark.parametrize("debug", ["", "--debug", "PMOVALUE_DEBUG=1"])
def test_an_unexpected_error_is_one_line_unless_debugging(
    published: tuple[Path, dict], debug: str
) -> None:
    """A bug (injected here: the diff function raises) is one line and exit 1; the traceback
    only with --debug or PMOVALUE_DEBUG=1."""
    site, _ = published
    args = ["diff", "2026-Q3", "2026-Q3", "--out", str(site)]
    if debug == "--debug":
        args.append("--debug")
    env = {**os.environ, "PMOVALUE_DEBUG": "1" if debug.startswith("PMOVALUE") else "0"}
    proc = subprocess.run(
        [sys.executable, "-c", INJECTED, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: unexpected KeyError: 'a bug'")
    assert "--debug" in last and "report it" in last
    if debug:
        assert "Traceback (most recent call last)" in proc.stderr
        assert "in broken" in proc.stderr
    else:
        assert proc.stderr.strip() == last  # one line, nothing else
