"""The data files of a version: metrics.csv, metrics.xlsx and projects.csv (see README.md and
docs/metrics.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

METRICS_COLUMNS = ["version", "period", "unit_id", "unit_name", "metric", "value", "status", "note"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}


def neutralise(value: object) -> object:
    """A text cell starting with = + - @ tab or CR would run as a formula in a spreadsheet
    (OWASP's CSV-injection rule): prefix a quote. Numbers are left alone (a negative number is
    not text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell and header `neutralise`d: what every CSV and workbook we
    write goes through (the data files, each table's "Download CSV"). The frame itself is
    returned when nothing needs it; number columns are never touched."""
    out = frame
    for col in frame.columns:
        column = frame[col]
        if column.dtype != object and not pd.api.types.is_string_dtype(column):
            continue
        values = column.to_numpy(dtype=object)
        if any(isinstance(v, str) and v.startswith(FORMULA_START) for v in values):
            if out is frame:
                out = frame.copy()
            out[col] = column.astype(object).map(neutralise)
    if any(isinstance(c, str) and c.startswith(FORMULA_START) for c in frame.columns):
        out = out.rename(columns=neutralise)
    return out


def write_metrics(folder: Path, metrics: pd.DataFrame, projects: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    safe = spreadsheet_safe(metrics[METRICS_COLUMNS])
    safe.to_csv(folder / "metrics.csv", index=False)
    spreadsheet_safe(projects).to_csv(folder / "projects.csv", index=False)
    # The workbook holds the metrics; per-project rows stay in projects.csv (a cell at a time,
    # 50,000 projects of 38 columns would take tens of seconds).
    # XlsxWriter: a third of openpyxl's import time and two thirds of its writing time, the
    # same numbers (16 significant digits, as openpyxl); openpyxl still reads .xlsx inputs.
    # Text stays text: no formulas, no links made from it.
    with pd.ExcelWriter(folder / "metrics.xlsx", engine="xlsxwriter", engine_kwargs=XLSX) as xl:
        safe.to_excel(xl, sheet_name="metrics", index=False)


def read_metrics(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, keep_default_na=False, na_values=[""], dtype={"status": str, "note": str}
    ).fillna({"status": "", "note": ""})
