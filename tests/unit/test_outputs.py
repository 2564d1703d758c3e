"""metrics.xlsx for people: the metrics with their label, unit and target next to the id, a
bold frozen header with a filter, widths to fit, and each value in its metric's format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pmovalue.assembly import describe_metrics
from pmovalue.config import Params
from pmovalue.outputs import METRICS_COLUMNS, WORKBOOK_COLUMNS, write_metrics


def metrics() -> pd.DataFrame:
    rows = [
        ("u", "Unit U", "cpi", 0.8488504, "red", ""),
        ("u", "Unit U", "on_time_pct", 100 / 3, "red", ""),
        ("u", "Unit U", "eac_total", 51_202_854.4, "", ""),
        ("u", "Unit U", "schedule_slip_days_median", 12.0, "green", ""),
        ("_portfolio", "=HYPERLINK(1)", "nps", float("nan"), "", "-no answers"),
    ]
    frame = pd.DataFrame(
        rows, columns=["unit_id", "unit_name", "metric", "value", "status", "note"]
    )
    return frame.assign(version="2026-Q3", period="2026-Q3")[METRICS_COLUMNS]


def test_workbook_for_people(tmp_path: Path) -> None:
    params = {"u": Params.model_validate({"targets": {"on_time_pct": 85}}), "_portfolio": Params()}
    described = describe_metrics(metrics(), lambda u: params[u])
    write_metrics(tmp_path, metrics(), pd.DataFrame({"project_id": ["p"]}), described)
    # metrics.csv keeps exactly its columns; the workbook adds the columns for readers.
    assert list(pd.read_csv(tmp_path / "metrics.csv").columns) == METRICS_COLUMNS
    sheet = load_workbook(tmp_path / "metrics.xlsx")["metrics"]
    header = [c.value for c in sheet[1]]
    assert header == WORKBOOK_COLUMNS
    assert header.index("label") == header.index("metric") + 1  # next to the id
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:K{len(metrics()) + 1}"
    rows = {r[4].value: r for r in sheet.iter_rows(min_row=2)}
    col = {name: i for i, name in enumerate(header)}

    def cell(metric: str, name: str):  # type: ignore[no-untyped-def]
        return rows[metric][col[name]]

    assert cell("cpi", "label").value == "Cost performance index (CPI)"
    assert cell("cpi", "target").value == "≥ 0.95" and cell("cpi", "unit").value == "index"
    assert cell("on_time_pct", "target").value == "≥ 85.0%"  # the unit's own target
    assert cell("on_time_pct", "unit").value == "%"
    assert cell("eac_total", "unit").value == "GBP"
    # Numbers are kept whole; only their display is formatted, by the metric's unit.
    assert cell("on_time_pct", "value").value == pytest.approx(100 / 3, rel=1e-15)  # 16 digits
    assert cell("on_time_pct", "value").number_format == '0.0"%"'
    assert cell("cpi", "value").number_format == "0.00"
    assert cell("eac_total", "value").number_format == "#,##0"
    assert cell("schedule_slip_days_median", "value").number_format == "#,##0"
    assert cell("nps", "value").value is None  # blank, not 0 or NaN
    # Text stays text: neutralised, never a formula.
    assert cell("nps", "unit_name").value == "'=HYPERLINK(1)"
    assert cell("nps", "note").value == "'-no answers"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["F"] > widths["A"]  # the label column is wider than the version's
