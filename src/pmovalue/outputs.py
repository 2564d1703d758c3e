"""The data files of a version: metrics.csv, metrics.xlsx and projects.csv (see README.md and
docs/metrics.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

METRICS_COLUMNS = ["version", "period", "unit_id", "unit_name", "metric", "value", "status", "note"]
# metrics.xlsx, for people: metrics.csv's columns with, next to the metric id, its label, the
# unit of its value, and its target (as a reader says it: `≥ 80.0%`).
WORKBOOK_COLUMNS = [
    "version",
    "period",
    "unit_id",
    "unit_name",
    "metric",
    "label",
    "unit",
    "value",
    "target",
    "status",
    "note",
]
WORKBOOK_WIDTHS = {
    "label": 34,
    "note": 60,
    "unit_name": 24,
    "unit_id": 22,
    "metric": 26,
    "value": 14,
}
# Number formats by the catalogue's unit of a metric (percentages are 0..100, not fractions).
NUMBER_FORMATS = {
    "currency": "#,##0",
    "count": "#,##0",
    "days": "#,##0",
    "pct": '0.0"%"',
    "index": "0.00",
    "ratio": "0.00",
    "score": "0.00",
}
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


def write_metrics(
    folder: Path,
    metrics: pd.DataFrame,
    projects: pd.DataFrame,
    described: pd.DataFrame | None = None,
) -> None:
    """metrics.csv and projects.csv (for programs), metrics.xlsx (for people: `described`,
    the metrics with their label, unit and target, see `WORKBOOK_COLUMNS`)."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = spreadsheet_safe(metrics[METRICS_COLUMNS])
    safe.to_csv(folder / "metrics.csv", index=False)
    spreadsheet_safe(projects).to_csv(folder / "projects.csv", index=False)
    # The workbook holds the metrics; per-project rows stay in projects.csv (a cell at a time,
    # 50,000 projects of 38 columns would take tens of seconds).
    write_workbook(folder / "metrics.xlsx", metrics if described is None else described)


def write_workbook(path: Path, rows: pd.DataFrame) -> None:
    """A sheet people can read: bold header frozen in place, a filter on every column, widths
    to fit, each value in its metric's number format (no 33.333333333333336), text as text
    (never a formula or a link, and neutralised). XlsxWriter: a third of openpyxl's import
    time; the numbers are kept whole (16 significant digits), only their display is formatted."""
    import xlsxwriter

    from pmovalue.metrics.catalog import METRICS

    columns = [c for c in WORKBOOK_COLUMNS if c in rows.columns]
    book = xlsxwriter.Workbook(str(path), XLSX["options"])
    try:
        sheet = book.add_worksheet("metrics")
        bold = book.add_format({"bold": True, "bottom": 1})
        formats = {unit: book.add_format({"num_format": f}) for unit, f in NUMBER_FORMATS.items()}
        value_col = columns.index("value")
        for j, name in enumerate(columns):
            sheet.write_string(0, j, name, bold)
        records = rows[columns].itertuples(index=False, name=None)
        for i, record in enumerate(records, start=1):
            for j, v in enumerate(record):
                if j == value_col:
                    info = METRICS.get(record[columns.index("metric")])
                    if v is None or pd.isna(v):
                        sheet.write_blank(i, j, None)
                    else:
                        sheet.write_number(i, j, float(v), formats.get(info.unit if info else ""))
                elif isinstance(v, str):
                    sheet.write_string(i, j, str(neutralise(v)))
                elif v is None or (isinstance(v, float) and pd.isna(v)):
                    sheet.write_blank(i, j, None)
                else:
                    sheet.write(i, j, v)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
        for j, name in enumerate(columns):
            values = rows[name].astype(str) if len(rows) else pd.Series([""])
            fit = max(len(name), int(values.str.len().quantile(0.9))) + 2
            sheet.set_column(j, j, min(WORKBOOK_WIDTHS.get(name, 40), max(fit, 8)))
    finally:
        book.close()


def read_metrics(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, keep_default_na=False, na_values=[""], dtype={"status": str, "note": str}
    ).fillna({"status": "", "note": ""})
