"""The data-quality page: built from the data, not from a notebook, in plain words (tables
and columns by name, not by their ids); first on it, once the metrics are known, what was left
out of them (`left_out_html`: a maturity dimension with too few answers, say)."""

from __future__ import annotations

import html

import pandas as pd

from pmovalue.data.loading import BlankedCount, Dataset, SourceFile
from pmovalue.markup import metric_label_html, table_html
from pmovalue.metrics.catalog import METRICS
from pmovalue.metrics.maturity import TOO_FEW_ANSWERS

# The canonical tables by name, for readers (the files keep their ids: projects.csv, evm.csv).
TABLE_TITLES = {
    "projects": "Projects",
    "evm": "Earned value",
    "benefits": "Benefits",
    "cashflows": "Cash flows",
    "alignment": "Strategic alignment",
    "survey": "Satisfaction survey",
    "maturity": "Maturity assessment",
    "pmo_services": "PMO services",
}


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _source_row(source: SourceFile) -> dict[str, object]:
    """One table's provenance: a file (name, content hash) or a database source (URL without
    credentials, query hash, result hash, read time)."""
    row: dict[str, object] = {
        "Table": table_title(source.table),
        "Source": source.origin,
        "Rows": source.rows,
        "Fingerprint (SHA-256)": source.sha256[:16],
    }
    if source.sql is not None:
        row["Query fingerprint (SHA-256)"] = source.sql.query_sha256[:16]
        row["Read in (s)"] = source.sql.seconds
    return row


def table_title(table: str) -> str:
    return TABLE_TITLES.get(table, column_title(table))


def column_title(column: str) -> str:
    """A column id in words: `budget_at_completion` -> `Budget at completion`, `unit_id` ->
    `Unit ID`."""
    words = column.replace("_", " ").strip().capitalize()
    return " ".join("ID" if w == "id" else w for w in words.split(" "))


def _counts(counts: list[BlankedCount], what: str) -> pd.DataFrame:
    """Blanked values or skipped rows per table column, in words: the table and column by
    name, the header in the source file, how many, examples."""
    return pd.DataFrame(
        [
            {
                "Table": table_title(c.table),
                "Column": column_title(c.column),
                "Header in the source file": c.source,
                what: c.count,
                "Examples": ", ".join(c.examples),
            }
            for c in counts
        ]
    )


def data_quality_html(dataset: Dataset) -> str:
    """Provenance of every table, warnings, values blanked and rows skipped by the mapping,
    completeness."""
    parts = ["<h2>Sources</h2>"]
    src = pd.DataFrame([_source_row(s) for s in dataset.sources.values()])
    # a file name or database URL is an identifier, shown as code (`pmo_services.csv`)
    shown = src.assign(Source=[f"<code>{html.escape(str(s))}</code>" for s in src["Source"]])
    parts.append(table_html(shown, csv_name="sources.csv", csv=src, html_columns=["Source"]))
    missing = [
        t
        for t in ("evm", "benefits", "cashflows", "alignment", "survey", "maturity", "pmo_services")
        if t not in dataset.tables
    ]
    if missing:
        parts.append(
            _p(
                f"Tables not provided: {', '.join(table_title(t) for t in missing)}. The "
                "sections that need them say so on each page."
            )
        )
    parts.append("<h2>Invalid values left blank</h2>")
    if dataset.blanked:
        blank = _counts(dataset.blanked, "Values left blank")
        total = int(blank["Values left blank"].sum())
        parts.append(
            _p(
                f"{total} invalid values were left blank, as the data's mapping file asks, "
                "and are not counted in any metric."
            )
        )
        parts.append(table_html(blank, csv_name="blanked-values.csv"))
    else:
        parts.append(_p("No value was left blank."))
    parts.append("<h2>Invalid rows skipped</h2>")
    if dataset.skipped:
        parts.append(
            _p(
                "Rows with an invalid value in a column the data's mapping file says to skip "
                "were left out of their table, counted here by the column that was invalid (a "
                "row invalid in two columns counts in both); rows of other tables about a "
                "skipped project went with it. None of them is counted in any metric."
            )
        )
        skipped = _counts(dataset.skipped, "Rows skipped")
        parts.append(table_html(skipped, csv_name="skipped-rows.csv"))
    else:
        parts.append(_p("No row was skipped."))
    parts.append("<h2>Warnings about the data files</h2>")
    if dataset.warnings:
        warn = pd.DataFrame(
            [
                {
                    "File": w.file,
                    "Row": w.row if w.row is not None else "",
                    "Column": column_title(w.column) if w.column else "",
                    "Warning": w.message,
                }
                for w in dataset.warnings
            ]
        )
        parts.append(table_html(warn, csv_name="warnings.csv"))
    else:
        parts.append(
            _p(
                "No data file raised a warning; what the metrics had to leave out is at the "
                "top of this page."
            )
        )
    parts.append("<h2>Completeness</h2>")
    parts.append(_p("Share of rows with a value, for each column of each table."))
    rows = []
    for name, frame in dataset.tables.items():
        for col in frame.columns:
            if col == "unit_name":
                continue
            filled = float(frame[col].notna().mean() * 100) if len(frame) else 0.0
            rows.append(
                {
                    "Table": table_title(name),
                    "Column": column_title(col),
                    "Rows": len(frame),
                    "Filled (%)": round(filled, 1),
                }
            )
    parts.append(table_html(pd.DataFrame(rows), csv_name="completeness.csv"))
    return "\n".join(parts)


def left_out_html(metrics: pd.DataFrame, root: str = "") -> str:
    """The metrics that could not be computed, with the reason, unit by unit; first, in words,
    the maturity dimensions left out because too few of their questions were answered."""
    blank = metrics[metrics["value"].isna() & metrics["metric"].isin(list(METRICS))]
    parts = ["<h2>Left out of the metrics</h2>"]
    if blank.empty:
        parts.append(_p("Every metric could be computed for every unit."))
        return "\n".join(parts)
    notes = blank["note"].fillna("").astype(str)
    dropped = blank[notes.str.contains(TOO_FEW_ANSWERS, regex=False)]
    for row in dropped.itertuples():
        dimension = str(row.metric).removeprefix("maturity_")
        parts.append(_p(f"{row.unit_name}: the maturity of {dimension} was left out ({row.note})."))
    shown = pd.DataFrame(
        {
            "Unit": [html.escape(str(u)) for u in blank["unit_name"]],
            "Metric": [metric_label_html(m, root) for m in blank["metric"]],
            "Why it is blank": [html.escape(n) or "–" for n in notes],
        }
    )
    parts.append(
        table_html(
            shown,
            f"{len(blank)} metric values could not be computed",
            "left-out.csv",
            csv=blank[["unit_id", "unit_name", "metric", "note"]],
            html_columns=["Unit", "Metric", "Why it is blank"],
            cards=True,
        )
    )
    return "\n".join(parts)
