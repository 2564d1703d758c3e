"""Pages built from data rather than from a notebook: data quality and changes."""

from __future__ import annotations

import html

import pandas as pd

from pmovalue.data.loading import BlankedCount, Dataset, SourceFile
from pmovalue.markup import fmt, table_html
from pmovalue.metrics.catalog import METRICS


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _source_row(source: SourceFile) -> dict[str, object]:
    """One table's provenance: a file (name, content hash) or a database source (URL without
    credentials, query hash, result hash, read time)."""
    row: dict[str, object] = {
        "table": source.table,
        "source": source.origin,
        "rows": source.rows,
        "sha256": source.sha256[:16],
    }
    if source.sql is not None:
        row["query sha256"] = source.sql.query_sha256[:16]
        row["read (s)"] = source.sql.seconds
    return row


def _counts(counts: list[BlankedCount], what: str) -> pd.DataFrame:
    """Blanked values or skipped rows per table column, with the source header and examples."""
    return pd.DataFrame(
        [
            {
                "table": c.table,
                "column": c.column,
                "source header": c.source,
                what: c.count,
                "examples": ", ".join(c.examples),
            }
            for c in counts
        ]
    )


def data_quality_html(dataset: Dataset) -> str:
    """Provenance of every table, warnings, values blanked and rows skipped by the mapping,
    completeness."""
    parts = ["<h2>Sources</h2>"]
    src = pd.DataFrame([_source_row(s) for s in dataset.sources.values()])
    parts.append(table_html(src, csv_name="sources.csv"))
    missing = [
        t
        for t in ("evm", "benefits", "cashflows", "alignment", "survey", "maturity")
        if t not in dataset.tables
    ]
    if missing:
        parts.append(
            _p(
                f"Tables not provided: {', '.join(missing)}. The sections that need them "
                "say so on each page."
            )
        )
    parts.append("<h2>Values set blank by mapping.yml</h2>")
    if dataset.blanked:
        blank = _counts(dataset.blanked, "values blanked")
        total = int(blank["values blanked"].sum())
        parts.append(
            _p(
                f"{total} invalid values were set blank (on_invalid: blank) and are "
                "not counted in any metric."
            )
        )
        parts.append(table_html(blank, csv_name="blanked-values.csv"))
    else:
        parts.append(_p("No value was set blank."))
    parts.append("<h2>Rows skipped by mapping.yml</h2>")
    if dataset.skipped:
        parts.append(
            _p(
                "Rows with an invalid value in a column set to on_invalid: skip were left out "
                "of their table, counted here by the column that was invalid (a row invalid in "
                "two columns counts in both); rows of other tables about a skipped project were "
                "left out with it. None of them is counted in any metric."
            )
        )
        skipped = _counts(dataset.skipped, "rows skipped")
        parts.append(table_html(skipped, csv_name="skipped-rows.csv"))
    else:
        parts.append(_p("No row was skipped."))
    parts.append("<h2>Validation warnings</h2>")
    if dataset.warnings:
        warn = pd.DataFrame(
            [
                {
                    "where": f"{w.file}:{w.row or ''}:{w.column or ''}".rstrip(":"),
                    "warning": w.message,
                }
                for w in dataset.warnings
            ]
        )
        parts.append(table_html(warn, csv_name="warnings.csv"))
    else:
        parts.append(_p("No warnings."))
    parts.append("<h2>Completeness</h2>")
    parts.append(_p("Share of rows with a value, for each column of each table."))
    rows = []
    for name, frame in dataset.tables.items():
        for col in frame.columns:
            if col == "unit_name":
                continue
            filled = float(frame[col].notna().mean() * 100) if len(frame) else 0.0
            rows.append(
                {"table": name, "column": col, "rows": len(frame), "filled %": round(filled, 1)}
            )
    parts.append(table_html(pd.DataFrame(rows), csv_name="completeness.csv"))
    return "\n".join(parts)


def trend_html(trend: pd.DataFrame | None, currency: str) -> str:
    """The portfolio's key metrics in every published official version, as published."""
    if trend is None or len(trend) < 2:
        return ""
    show = pd.DataFrame({"version": trend["version"]})
    for m in trend.columns[1:]:
        show[METRICS[m].label] = [fmt(m, v, currency) for v in trend[m]]
    return "\n".join(
        [
            "<h2>Across published versions</h2>",
            _p("The portfolio's key metrics as each official version published them."),
            table_html(show, csv_name="published-trend.csv"),
        ]
    )


def changes_html(
    changes: pd.DataFrame | None,
    previous: str | None,
    currency: str,
    trend: pd.DataFrame | None = None,
) -> str:
    """Metrics up and down since the previous version of the same kind, and the trend."""
    if changes is None or previous is None:
        return _p(
            "This is the first published version: there is nothing to compare with yet."
        ) + trend_html(trend, currency)
    parts = [_p(f"Compared with version {previous}.")]
    if changes.empty:
        parts.append(_p("No metric changed."))
        return "\n".join(parts)
    ups = int((changes["direction"] == "up").sum())
    downs = int((changes["direction"] == "down").sum())
    rag = changes[changes["old_status"] != changes["new_status"]]
    parts.append(
        _p(f"{ups} metric values went up, {downs} went down, and {len(rag)} changed RAG status.")
    )
    show = pd.DataFrame(
        {
            "unit": changes["unit_name"],
            "metric": changes["metric"].map(lambda m: METRICS[m].label if m in METRICS else m),
            "before": [
                fmt(m, v, currency) for m, v in zip(changes["metric"], changes["old"], strict=True)
            ],
            "now": [
                fmt(m, v, currency) for m, v in zip(changes["metric"], changes["new"], strict=True)
            ],
            "direction": changes["direction"],
            "status": [
                f"{a.upper() or '-'} → {b.upper() or '-'}"
                for a, b in zip(changes["old_status"], changes["new_status"], strict=True)
            ],
        }
    )
    if len(rag):
        parts.append("<h2>RAG status changes</h2>")
        parts.append(table_html(show.loc[rag.index], csv_name="rag-changes.csv"))
    parts.append("<h2>All metric changes</h2>")
    parts.append(table_html(show, csv_name="metric-changes.csv"))
    parts.append(trend_html(trend, currency))
    return "\n".join(parts)
