"""What notebooks call: load a job's inputs, compute through the metrics package, record results,
and show each section of a page (headline, findings, charts, tables) as HTML that survives
nbconvert and works offline. How values, tables and charts are written out: `pmovalue.markup`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmovalue import charts, handoff
from pmovalue.config import Params
from pmovalue.data.units import UNIT_METRICS_FILE
from pmovalue.markup import (
    BLANK,
    badge,
    fmt,
    fmt_cell,
    is_blank,
    money,
    money_compact,
    rag_badge,
    show_chart,
    show_html,
    show_markdown,
    show_table,
    signed,
    table_html,
    target_text,
)
from pmovalue.metrics import (
    all_metrics,
    catalog,
    value_index_formula,
)
from pmovalue.metrics.catalog import METRICS

OPEN_STATUSES = ("active", "on_hold", "")  # projects that can still be steered


def load_tables(input_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The canonical tables a job was given (one file per table, see `pmovalue.handoff`)."""
    return handoff.read_tables(input_dir)


@dataclass
class UnitView:
    """Everything a unit page shows, computed once from the job's inputs."""

    unit_id: str
    unit_name: str
    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    projects: pd.DataFrame
    history: pd.DataFrame
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def value(self, metric_id: str) -> float:
        return metric_value(self.metrics, metric_id)

    def status(self, metric_id: str) -> str:
        row = self.metrics.loc[self.metrics["metric"] == metric_id, "status"]
        return str(row.iloc[0]) if len(row) and pd.notna(row.iloc[0]) else ""


def metric_value(metrics: pd.DataFrame, metric_id: str) -> float:
    row = metrics.loc[metrics["metric"] == metric_id, "value"]
    return float(row.iloc[0]) if len(row) and pd.notna(row.iloc[0]) else float("nan")


def unit_view(
    input_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
) -> UnitView:
    """Compute a unit's metrics, per-project metrics and history; record them in results_dir."""
    tables = load_tables(input_dir)
    peers = tables.pop("peers", pd.DataFrame())
    p = Params.model_validate(params)
    periods = sorted(set(tables["evm"]["period"])) if "evm" in tables else [period]
    periods = [x for x in periods if x <= period] or [period]
    computed = all_metrics(tables, p, period, periods)
    view = UnitView(
        unit_id=unit_id,
        unit_name=unit_name,
        period=period,
        params=p,
        tables=tables,
        metrics=computed.metrics,
        projects=computed.projects,
        history=computed.history,
        peers=peers,
    )
    if results_dir is not None:
        record(results_dir, unit_id, unit_name, period, view.metrics, view.projects, view.history)
    return view


def record(
    results_dir: str | Path,
    unit_id: str,
    unit_name: str,
    period: str,
    metrics: pd.DataFrame,
    projects: pd.DataFrame,
    history: pd.DataFrame,
) -> None:
    """Save a job's metrics as data: the site's metrics.csv is assembled from these files."""
    stamp = {"unit_id": unit_id, "unit_name": unit_name}
    handoff.write_tables(
        Path(results_dir),
        {
            "metrics": metrics.assign(period=period, **stamp),
            "projects": projects,
            "history": history.assign(**stamp),
        },
    )


# ---- headline ---------------------------------------------------------------------------------


def _card_value(mid: str, value: float, currency: str) -> tuple[str, str]:
    """(inner HTML of the value, full value for its title attribute) of a headline card."""
    if METRICS[mid].unit == "currency" and not is_blank(value):
        short = money_compact(value, "")
        cur = f'<span class="cur">{html.escape(currency)}</span> ' if currency else ""
        return f"{cur}{html.escape(short)}", money(value, currency)
    text = fmt(mid, value, currency)
    return html.escape(text), text


def _delta(mid: str, now: float, before: float, before_period: str, currency: str) -> str:
    """`up 0.02 since 2026-Q2` / `down GBP 1.2m since 2026-Q2` / `unchanged since 2026-Q2`."""
    if is_blank(now) or is_blank(before) or not before_period:
        return ""
    unit = METRICS[mid].unit
    diff = now - before
    if unit == "currency":
        size = money_compact(abs(diff), currency)
    elif unit == "pct":
        size = f"{abs(diff):.1f} pts"
    elif mid in ("nps", "maturity_level") or unit == "count":
        size = f"{abs(diff):.0f}"
    elif mid == "value_index":
        size = f"{abs(diff):.1f}"
    else:
        size = f"{abs(diff):.2f}"
    if float(re.sub(r"[^0-9.]", "", size) or 0) == 0:
        return f"unchanged since {before_period}"
    return f"{'up' if diff > 0 else 'down'} {size} since {before_period}"


def headline_html(
    metrics: pd.DataFrame,
    ids: list[str],
    currency: str,
    history: pd.DataFrame | None = None,
    period: str | None = None,
) -> str:
    """The strip of key metrics: value (money compact, in full on hover), RAG status written
    out, change since the previous quarter, and the metric's note."""
    cards = []
    by_id = metrics.set_index("metric")
    for mid in ids:
        if mid not in by_id.index:
            continue
        row = by_id.loc[mid]
        inner, full = _card_value(mid, row["value"], currency)
        title = f' title="{html.escape(full)}"' if html.escape(full) != inner else ""
        delta = ""
        if history is not None and period is not None and len(history):
            before, when = previous_value(history, mid, period)
            change = html.escape(_delta(mid, row["value"], before, when, currency))
            if change:  # the period never breaks at its hyphen
                period_html = f'<span class="nw">{html.escape(when)}</span>'
                change = change.replace(html.escape(when), period_html)
                delta = f'<span class="delta">{change}</span>'
        note = str(row["note"]) if pd.notna(row["note"]) else ""
        note_html = f'<span class="note">{html.escape(note)}</span>' if note else ""
        cards.append(
            f'<div class="kpi" data-metric="{mid}"><span class="label">'
            f"{html.escape(METRICS[mid].label)}</span>"
            f'<span class="value"{title}>{inner}</span>'
            f"{rag_badge(str(row['status']))}{delta}{note_html}</div>"
        )
    return f'<div class="headline">{"".join(cards)}</div>'


HEADLINE = [
    "cpi",
    "spi",
    "eac_total",
    "benefits_realization_pct",
    "npv_total",
    "nps",
    "maturity_level",
    "value_index",
]


def show_headline(view: UnitView) -> None:
    show_html(
        headline_html(
            view.metrics, HEADLINE, view.params.report.currency, view.history, view.period
        )
    )


def findings_html(sentences: list[str]) -> str:
    if not sentences:
        return '<p class="findings">No findings.</p>'
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f'<ul class="findings">{items}</ul>'


def show_findings(sentences: list[str]) -> None:
    show_html(findings_html(sentences))


# ---- findings ---------------------------------------------------------------------------------


def previous_value(history: pd.DataFrame, metric_id: str, period: str) -> tuple[float, str]:
    """The metric's latest non-blank value before `period`, and that period ('' if none)."""
    if history.empty:
        return float("nan"), ""
    # A page asks this for a dozen metrics of a ~600-row history: plain arrays, not a
    # filtered and sorted frame each time.
    periods = history["period"].to_numpy(dtype=object)
    values = history["value"].to_numpy(dtype="float64")
    mine = (history["metric"].to_numpy(dtype=object) == metric_id) & ~np.isnan(values)
    best = -1
    for i in np.flatnonzero(mine):
        p = periods[i]
        if isinstance(p, str) and p < period and (best < 0 or p >= periods[best]):
            best = i
    if best < 0:
        return float("nan"), ""
    return float(values[best]), str(periods[best])


def _previous(history: pd.DataFrame, metric_id: str, period: str) -> float:
    return previous_value(history, metric_id, period)[0]


def change_sentence(
    label: str,
    before: float,
    now: float,
    digits: int = 2,
    fmt_value: Callable[[float], str] | None = None,
) -> str:
    """`CPI fell from 0.97 to 0.91` / `rose` / `held at` (equal as shown, to `digits`)."""
    show = fmt_value or (lambda v: f"{v:.{digits}f}")
    if is_blank(now):
        return f"{label} cannot be computed this quarter"
    if is_blank(before):
        return f"{label} is {show(now)}"
    if round(now, digits) == round(before, digits):
        return f"{label} held at {show(now)}"
    word = "rose" if now > before else "fell"
    return f"{label} {word} from {show(before)} to {show(now)}"


def index_band(status: str, green_min: float, amber_min: float) -> str:
    """`red: below 0.90` / `amber: 0.90 to 0.95` / `green: 0.95 or more`."""
    return {
        "red": f"red: below {amber_min:.2f}",
        "amber": f"amber: {amber_min:.2f} to {green_min:.2f}",
        "green": f"green: {green_min:.2f} or more",
    }.get(status, "no status")


def count_below(values: pd.Series, threshold: float) -> tuple[int, int]:
    """(how many of the non-blank values are below threshold, how many are non-blank)."""
    known = pd.to_numeric(values, errors="coerce").dropna()
    return int((known < threshold).sum()), len(known)


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _names(names: list[str], limit: int = 3) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _forecast_sentence(projects: pd.DataFrame, currency: str) -> str | None:
    """Forecast cost at completion against budget, over the projects that have both."""
    if not {"bac", "eac"} <= set(projects.columns):
        return None
    both = projects.dropna(subset=["bac", "eac"])
    if both.empty or both["bac"].sum() <= 0:
        return None
    bac, eac = float(both["bac"].sum()), float(both["eac"].sum())
    diff = eac - bac
    pct = 100 * diff / bac
    if round(pct, 1) == 0:
        verdict = "on budget"
    else:
        verdict = f"{money_compact(abs(diff), currency)} ({abs(pct):.1f}%) " + (
            "over" if diff > 0 else "under"
        )
    return (
        f"The {len(both)} projects with a forecast expect to cost "
        f"{money_compact(eac, currency)} against budgets of {money_compact(bac, currency)}: "
        f"{verdict}."
    )


def delivery_findings(
    projects: pd.DataFrame, green_min: float, amber_min: float, currency: str
) -> list[str]:
    """Counts of projects red on cost and on schedule, and the forecast against budget."""
    out: list[str] = []
    if "cpi" in projects:
        red, n = count_below(projects["cpi"], amber_min)
        if n:
            out.append(
                f"{red} of {n} projects with earned value data {_are(red)} red on cost "
                f"(CPI below {amber_min:.2f})."
            )
    if "spi_t" in projects:
        late, n = count_below(projects["spi_t"], amber_min)
        if n:
            out.append(
                f"{late} of {n} projects {_are(late)} red on schedule by earned schedule "
                f"(SPI(t) below {amber_min:.2f})."
            )
    forecast = _forecast_sentence(projects, currency)
    if forecast:
        out.append(forecast)
    return out


def index_change_findings(
    metrics: pd.DataFrame, history: pd.DataFrame, period: str, params: Params
) -> list[str]:
    """`CPI fell from 0.86 to 0.85 (red: below 0.90).` for CPI and SPI."""
    t = params.thresholds
    out = []
    for mid, label in (("cpi", "CPI"), ("spi", "SPI")):
        now = metric_value(metrics, mid)
        before = _previous(history, mid, period)
        row = metrics.loc[metrics["metric"] == mid, "status"]
        status = str(row.iloc[0]) if len(row) else ""
        band = index_band(status, t.index_green_min, t.index_amber_min)
        out.append(f"{change_sentence(label, before, now)} ({band}).")
    return out


def unit_findings(view: UnitView) -> list[str]:
    """Short sentences stating a unit's findings with their numbers, most important first."""
    t = view.params.thresholds
    cur = _currency(view)
    out = index_change_findings(view.metrics, view.history, view.period, view.params)
    out += delivery_findings(view.projects, t.index_green_min, t.index_amber_min, cur)
    red, amber = view.value("rating_red_count"), view.value("rating_amber_count")
    green = view.value("rating_green_count")
    if not any(is_blank(v) for v in (red, amber, green)) and red + amber + green > 0:
        out.append(
            f"Project managers rate {red:.0f} of {red + amber + green:.0f} projects red "
            f"and {amber:.0f} amber."
        )
    real = view.value("benefits_realization_pct")
    if not is_blank(real):
        target = view.params.targets.get("benefits_realization_pct")
        aim = f" (target {target:.0f}%)" if target is not None else ""
        out.append(f"Benefits realized to date are {real:.0f}% of the baseline forecast{aim}.")
    nps = view.value("nps")
    if not is_blank(nps):
        before = _previous(view.history, "nps", view.period)
        out.append(change_sentence("NPS", before, nps, 0, lambda v: signed(v, 0)) + ".")
    level = view.value("maturity_level")
    scores = maturity_scores(view.metrics)
    known = {d: v for d, v in scores.items() if not is_blank(v)}
    if not is_blank(level) and known:
        weakest = min(known, key=lambda d: known[d])
        stage = catalog.MATURITY_STAGES.get(int(level), "")
        out.append(
            f"PMO maturity is level {level:.0f} ({stage}), held back by {weakest} "
            f"({known[weakest]:.2f})."
        )
    return out


# ---- unit page sections (each handles a missing table by saying so) ---------------------------


def _missing(what: str) -> None:
    show_markdown(f"_No {what} data was provided, so this section is empty._")


def _currency(view: UnitView) -> str:
    return view.params.report.currency


def show_evm_curves(view: UnitView) -> None:
    evm = view.tables.get("evm")
    if evm is None or evm.empty:
        return _missing("earned value (EVM)")
    evm = evm[evm["period"] <= view.period]
    cur = _currency(view)
    sums = evm.groupby("period", as_index=False)[
        ["planned_value", "earned_value", "actual_cost"]
    ].sum()
    table = sums.rename(
        columns={
            "period": "Quarter",
            "planned_value": f"Planned value PV ({cur})",
            "earned_value": f"Earned value EV ({cur})",
            "actual_cost": f"Actual cost AC ({cur})",
        }
    )
    show_chart(charts.evm_curves(evm, cur), table, f"{view.unit_id}-evm.csv")


def show_quadrant(view: UnitView) -> None:
    t = view.params.thresholds
    data = view.projects.dropna(subset=["cpi", "spi"])
    if data.empty:
        return _missing("earned value (EVM)")
    status = [
        charts.worst_index_status(c, s, t.index_green_min, t.index_amber_min)
        for c, s in zip(data["cpi"], data["spi"], strict=True)
    ]
    table = pd.DataFrame(
        {
            "Project": data["project_id"].astype(str),
            "Name": data["project_name"].astype(str),
            "CPI": data["cpi"].round(2),
            "SPI": data["spi"].round(2),
            "Worse index": [s.upper() for s in status],
        }
    ).sort_values(["CPI"])
    show_chart(
        charts.cpi_spi_quadrant(data, t.index_green_min, t.index_amber_min),
        table,
        f"{view.unit_id}-cpi-spi.csv",
    )


ATTENTION_COLUMNS = [
    "project_id",
    "project_name",
    "reason",
    "status",
    "rating",
    "cpi",
    "spi",
    "spi_t",
    "bac",
    "eac",
    "vac",
    "slip_days",
]
ATTENTION_SHOWN = 10


def _below(label: str, value: float, threshold: float) -> str:
    limit = f"{threshold:.2f}"
    digits = 2
    while digits < 6 and float(f"{value:.{digits}f}") >= float(limit):
        digits += 1  # 0.8999 must not read "0.90 < 0.90"
    return f"{label} {value:.{digits}f} < {limit}"


def attention_reason(row: Mapping[str, Any], amber_min: float) -> str:
    """Why a project is on the attention list: `CPI 0.78 < 0.90; rated red`."""
    parts = []
    for col, label in (("cpi", "CPI"), ("spi", "SPI"), ("spi_t", "SPI(t)")):
        v = row.get(col)
        if not is_blank(v) and v < amber_min:
            parts.append(_below(label, float(v), amber_min))
    if str(row.get("rating") or "").lower() == "red":
        parts.append("rated red")
    return "; ".join(parts)


def attention_rows(projects: pd.DataFrame, amber_min: float) -> pd.DataFrame:
    """Projects red on CPI, SPI or SPI(t) (below `amber_min`) or rated red, each with the
    reason. Open projects (active, on hold) come first, then the worst index first."""
    p = projects.copy()
    for col in ("cpi", "spi", "spi_t"):
        if col not in p:
            p[col] = float("nan")
    if "rating" not in p:
        p["rating"] = ""
    p["reason"] = [attention_reason(r, amber_min) for r in p.to_dict("records")]
    p = p[p["reason"] != ""]
    status = p["status"].fillna("").astype(str).str.lower() if "status" in p else ""
    p = p.assign(
        _closed=~pd.Series(status, index=p.index).isin(OPEN_STATUSES),
        _worst=p[["cpi", "spi", "spi_t"]].min(axis=1, skipna=True),
    )
    p = p.sort_values(["_closed", "_worst"], na_position="last", kind="stable")
    cols = [c for c in ATTENTION_COLUMNS if c in p.columns]
    return p[cols].reset_index(drop=True)


def attention_projects(view: UnitView) -> pd.DataFrame:
    """The unit's attention list (all rows, raw numbers)."""
    return attention_rows(view.projects, view.params.thresholds.index_amber_min)


def attention_display(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The attention list for reading: readable headers, formatted numbers, the reason early."""

    def col(name: str, kind: str) -> list[str]:
        values = rows[name] if name in rows else pd.Series([None] * len(rows))
        return [fmt_cell(v, kind) for v in values]

    over = rows["eac"] - rows["bac"] if {"eac", "bac"} <= set(rows.columns) else None
    return pd.DataFrame(
        {
            "Project": [
                f'<span class="pid">{html.escape(str(i))}</span> {html.escape(str(n))}'
                for i, n in zip(rows["project_id"], rows["project_name"], strict=True)
            ],
            "Why listed": [
                "; ".join(f'<span class="nw">{html.escape(p)}</span>' for p in r.split("; "))
                for r in rows["reason"]
            ],
            "CPI": col("cpi", "index"),
            "SPI": col("spi", "index"),
            "SPI(t)": col("spi_t", "index"),
            f"EAC − BAC ({currency})": [fmt_cell(v, "signed_money") for v in over]
            if over is not None
            else BLANK,
            "Slip (days)": col("slip_days", "days"),
            "Status": rows["status"].fillna("").astype(str).str.replace("_", "\u00a0"),
            "Rating": rows["rating"].fillna("").astype(str),
            f"BAC ({currency})": col("bac", "money"),
            f"EAC ({currency})": col("eac", "money"),
        }
    )


def attention_html(view: UnitView, limit: int = ATTENTION_SHOWN) -> str:
    """The attention list: the worst `limit` projects shown, all of them in the CSV."""
    rows = attention_projects(view)
    if rows.empty:
        return "<p>No project is red on cost or schedule or rated red this quarter.</p>"
    cur = _currency(view)
    shown = attention_display(rows.head(limit), cur)
    more = len(rows) - len(shown)
    caption = (
        f"{len(rows)} projects need attention"
        + (f": the first {len(shown)} shown" if more > 0 else "")
        + " (open projects first, then the lowest index)"
    )
    note = f"{more} more in the CSV, which lists all {len(rows)}." if more > 0 else ""
    numeric = ["CPI", "SPI", "SPI(t)", f"EAC − BAC ({cur})", "Slip (days)", f"BAC ({cur})"]
    return table_html(
        shown,
        caption,
        f"{view.unit_id}-attention.csv",
        csv=rows.round(4),
        numeric_columns=[*numeric, f"EAC ({cur})"],
        html_columns=["Project", "Why listed"],
        note=note,
    )


def show_attention(view: UnitView, limit: int = ATTENTION_SHOWN) -> None:
    show_html(attention_html(view, limit))


def metric_table(
    metrics: pd.DataFrame, level: str, params: Params
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw rows for the CSV) of one level's metrics. The table is HTML
    (escaped here): a metric's note is written under its name, which keeps the table four
    columns wide, narrow enough for a phone."""
    cur = params.report.currency
    rows = metrics[metrics["metric"].map(lambda m: METRICS[m].level == level)]

    def name(metric_id: str, note: object) -> str:
        label = html.escape(METRICS[metric_id].label)
        if isinstance(note, str) and note:
            return f'{label}<span class="cell-note">{html.escape(note)}</span>'
        return label

    shown = pd.DataFrame(
        {
            "Metric": [name(m, n) for m, n in zip(rows["metric"], rows["note"], strict=True)],
            "Value": [
                fmt(m, v, cur, blank=BLANK)
                for m, v in zip(rows["metric"], rows["value"], strict=True)
            ],
            "Status": [badge(s) for s in rows["status"]],
            "Target": [html.escape(target_text(m, params, cur)) for m in rows["metric"]],
        }
    )
    raw = rows[["metric", "value", "status", "note"]].assign(
        label=[METRICS[m].label for m in rows["metric"]],
        target=[params.targets.get(m) for m in rows["metric"]],
    )
    return shown, raw


METRIC_TABLE_CAPTIONS = {
    "delivery": "All delivery metrics",
    "kpi": "KPIs against budget and target",
    "outcome": "All outcome metrics",
    "maturity": "All maturity metrics",
}


def show_metric_table(view: UnitView, level: str) -> None:
    shown, raw = metric_table(view.metrics, level, view.params)
    show_table(
        shown,
        METRIC_TABLE_CAPTIONS.get(level, ""),
        csv_name=f"{view.unit_id}-{level}.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=["Value"],
    )


def show_benefits(view: UnitView) -> None:
    b = view.tables.get("benefits")
    if b is None or b.empty:
        return _missing("benefits")
    b = b[b["period"] <= view.period]
    cur = _currency(view)
    table = b.groupby("period", as_index=False)[["baseline_forecast", "realized"]].sum()
    table.columns = ["Quarter", f"Baseline forecast ({cur})", f"Realized ({cur})"]
    show_chart(charts.benefits_chart(b, cur), table, f"{view.unit_id}-benefits.csv")


def show_alignment(view: UnitView) -> None:
    data = view.projects.dropna(subset=["alignment_score", "npv"])
    if data.empty:
        return _missing("alignment or cash flow")
    cur = _currency(view)
    table = pd.DataFrame(
        {
            "Project": data["project_id"].astype(str),
            "Name": data["project_name"].astype(str),
            "Alignment (1-5)": data["alignment_score"].round(2),
            f"NPV ({cur})": data["npv"].round(0),
            f"BAC ({cur})": data["bac"].round(0),
        }
    ).sort_values("Alignment (1-5)")
    show_chart(
        charts.alignment_bubble(data, cur, view.params.alignment.aligned_threshold),
        table,
        f"{view.unit_id}-alignment.csv",
    )


def show_satisfaction(view: UnitView) -> None:
    h = view.history[view.history["metric"].isin(["nps", "csat_pct"])]
    if h["value"].isna().all():
        return _missing("survey")
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    table.columns.name = None
    table = table.rename(columns={"period": "Quarter", "nps": "NPS", "csat_pct": "CSAT (%)"})
    show_chart(charts.satisfaction_trend(h), table.round(1), f"{view.unit_id}-satisfaction.csv")


def maturity_scores(metrics: pd.DataFrame) -> dict[str, float]:
    by = metrics.set_index("metric")["value"]
    return {d: float(by.get(f"maturity_{d}", float("nan"))) for d in catalog.MATURITY_DIMENSIONS}


def show_maturity(view: UnitView) -> None:
    scores = maturity_scores(view.metrics)
    if all(pd.isna(v) for v in scores.values()):
        return _missing("maturity assessment")
    targets = view.params.maturity.targets
    table = pd.DataFrame(
        {
            "Dimension": [d.capitalize() for d in scores],
            "Score (1-4)": list(scores.values()),
            "Target": [targets.get(d) for d in scores],
        }
    ).round(2)
    show_chart(
        charts.maturity_radar(scores, targets, view.unit_name),
        table,
        f"{view.unit_id}-maturity.csv",
    )
    level = view.value("maturity_level")
    if not pd.isna(level):
        stage = catalog.MATURITY_STAGES.get(int(level), "")
        weakest = min((v, d) for d, v in scores.items() if not pd.isna(v))[1]
        show_markdown(
            f"Maturity level **{int(level)} ({stage})**: the level of the weakest "
            f"dimension, here **{weakest}**."
        )


TREND_METRICS = ["cpi", "spi", "spi_t_median"]


def _trend_table(h: pd.DataFrame) -> pd.DataFrame:
    table = h.pivot_table(index="period", columns="metric", values="value").reset_index()
    table.columns.name = None
    cols = ["period", *[m for m in TREND_METRICS if m in table.columns]]
    return table[cols].rename(
        columns={"period": "Quarter", **{m: charts.SHORT_LABELS.get(m, m) for m in TREND_METRICS}}
    )


def show_trends(view: UnitView) -> None:
    h = view.history[view.history["metric"].isin(TREND_METRICS)]
    if h["value"].isna().all():
        return _missing("history")
    show_chart(
        charts.metric_trends(h, TREND_METRICS),
        _trend_table(h).round(3),
        f"{view.unit_id}-trends.csv",
    )


PEER_METRICS = [
    "value_index",
    "cpi",
    "spi",
    "benefits_realization_pct",
    "aligned_spend_pct",
    "nps",
    "maturity_profile",
]
# Column headers of comparison tables: short, with the unit of the numbers below them.
COLUMN_HEADERS = {
    "value_index": "Value index (0-100)",
    "cpi": "CPI",
    "spi": "SPI",
    "on_budget_pct": "On budget (%)",
    "on_time_pct": "On time (%)",
    "benefits_realization_pct": "Benefits realized (%)",
    "aligned_spend_pct": "Aligned spend (%)",
    "nps": "NPS (-100 to 100)",
    "maturity_profile": "Maturity (1-4)",
    "maturity_level": "Maturity level (1-4)",
}


def _value_and_badge(mid: str, value: float, status: str) -> str:
    text = html.escape(fmt(mid, value, blank=BLANK).removesuffix("%"))
    mark = badge(status) if status in ("green", "amber", "red") else ""
    return f'<span class="cell-value">{text}</span> {mark}'.strip()


def comparison_tables(
    unit_metrics: pd.DataFrame, metric_ids: list[str], highlight: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw CSV) of units (rows) by metrics: each cell the value with its
    RAG badge; units ranked by value index, best first."""
    shown_rows, raw_rows = [], []
    for (uid, name), part in unit_metrics.groupby(["unit_id", "unit_name"], sort=False):
        by = part.drop_duplicates("metric").set_index("metric")
        label = html.escape(str(name))
        if name == highlight:
            label = f"<strong>{label}</strong> (this unit)"
        shown: dict[str, Any] = {"Unit": label}
        raw: dict[str, Any] = {"unit_id": uid, "unit": name}
        for mid in metric_ids:
            value = by["value"].get(mid, float("nan"))
            status = str(by["status"].get(mid, "") or "")
            shown[COLUMN_HEADERS.get(mid, METRICS[mid].label)] = _value_and_badge(
                mid, value, status
            )
            raw[mid] = value
            raw[f"{mid}_status"] = status
        shown_rows.append(shown)
        raw_rows.append(raw)
    raw_frame = pd.DataFrame(raw_rows)
    shown_frame = pd.DataFrame(shown_rows)
    if "value_index" in raw_frame:
        order = raw_frame["value_index"].sort_values(ascending=False, na_position="last").index
        raw_frame, shown_frame = raw_frame.loc[order], shown_frame.loc[order]
    return shown_frame.reset_index(drop=True), raw_frame.reset_index(drop=True)


def show_peers(view: UnitView) -> None:
    """This unit against the others, all measured with the organisation's default parameters."""
    if view.peers.empty:
        return _missing("peer")
    shown, raw = comparison_tables(view.peers, PEER_METRICS, highlight=view.unit_name)
    show_table(
        shown,
        "Compared with the other units (default parameters), best value index first",
        f"{view.unit_id}-peers.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c != "Unit"],
    )


def show_value_index_formula(view: UnitView) -> None:
    lines = value_index_formula(view.params).splitlines()
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    show_html(
        '<details class="formula"><summary>How the value index is computed</summary>'
        f"<ul>{items}</ul></details>"
    )


# ---- portfolio and maturity pages ------------------------------------------------------------

LEAGUE_METRICS = [
    "value_index",
    "cpi",
    "spi",
    "on_budget_pct",
    "on_time_pct",
    "benefits_realization_pct",
    "aligned_spend_pct",
    "nps",
    "maturity_level",
]


@dataclass
class PortfolioView:
    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    unit_metrics: pd.DataFrame  # rows of every unit job's metrics (with unit_id, unit_name)
    metrics: pd.DataFrame  # the _portfolio metrics
    history: pd.DataFrame
    projects: pd.DataFrame = field(default_factory=pd.DataFrame)  # per-project metrics


def portfolio_view(
    input_dir: str | Path,
    period: str,
    params: dict[str, Any],
    results_dir: str | Path | None = None,
    compute: bool = True,
) -> PortfolioView:
    """Portfolio metrics from the whole organisation's data, plus every unit's recorded metrics."""
    tables = load_tables(input_dir)
    units = tables.pop(UNIT_METRICS_FILE, pd.DataFrame())
    tables.pop("peers", None)
    p = Params.model_validate(params)
    metrics = history = projects = pd.DataFrame()
    if compute:
        periods = sorted(set(tables["evm"]["period"])) if "evm" in tables else [period]
        computed = all_metrics(tables, p, period, [x for x in periods if x <= period] or [period])
        metrics, projects, history = computed.metrics, computed.projects, computed.history
    if results_dir is not None and compute:
        from pmovalue.data.units import PORTFOLIO_ID

        record(results_dir, PORTFOLIO_ID, "Portfolio", period, metrics, projects, history)
    return PortfolioView(period, p, tables, units, metrics, history, projects)


def league_table(view: PortfolioView) -> pd.DataFrame:
    """Units ranked by value index (raw values and statuses, one row per unit)."""
    return comparison_tables(view.unit_metrics, LEAGUE_METRICS)[1]


def show_league(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return _missing("unit")
    shown, raw = comparison_tables(view.unit_metrics, LEAGUE_METRICS)
    shown["Unit"] = [f'<span class="rank">{i}</span> {u}' for i, u in enumerate(shown["Unit"], 1)]
    show_table(
        shown,
        "Units ranked by value index, best first",
        "league-table.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c != "Unit"],
    )


def show_heatmap(view: PortfolioView) -> None:
    m = view.unit_metrics
    if m.empty:
        return _missing("unit")
    statuses = m.pivot_table(
        index="unit_name", columns="metric", values="status", aggfunc="first"
    ).fillna("")
    order = list(dict.fromkeys(m["unit_name"]))
    ranked = comparison_tables(m, LEAGUE_METRICS)[1]["unit"].tolist()
    statuses = statuses.loc[[u for u in ranked if u in statuses.index] or order]
    cols = [c for c in LEAGUE_METRICS if c in statuses.columns]
    table = statuses[cols].map(lambda s: charts.RAG_LABELS.get(s, "n/a"))
    table = table.rename(columns={c: charts.SHORT_LABELS.get(c, c) for c in cols})
    table.columns.name = None
    table = table.reset_index().rename(columns={"unit_name": "Unit"})
    show_chart(charts.units_heatmap(statuses[cols]), table, "rag-status.csv")


def show_portfolio_headline(view: PortfolioView) -> None:
    show_html(
        headline_html(
            view.metrics, HEADLINE, view.params.report.currency, view.history, view.period
        )
    )


def portfolio_findings(view: PortfolioView) -> list[str]:
    """The portfolio in a few sentences: the indices' change, units and projects in the red,
    the spread of the value index, the forecast against budget."""
    t = view.params.thresholds
    out: list[str] = []
    if not view.metrics.empty:
        out += index_change_findings(view.metrics, view.history, view.period, view.params)
    m = view.unit_metrics
    if not m.empty:
        cpi = m[m["metric"] == "cpi"].dropna(subset=["value"])
        red = cpi[cpi["value"] < t.index_amber_min]
        names = _names([str(n) for n in red["unit_name"]])
        out.append(
            f"{len(red)} of {len(cpi)} units {_are(len(red))} red on cost "
            f"(CPI below {t.index_amber_min:.2f})" + (f": {names}." if len(red) else ".")
        )
        vi = m[m["metric"] == "value_index"].dropna(subset=["value"]).sort_values("value")
        if len(vi) >= 2:
            low, high = vi.iloc[0], vi.iloc[-1]
            out.append(
                f"The value index ranges from {low['value']:.1f} ({low['unit_name']}) "
                f"to {high['value']:.1f} ({high['unit_name']})."
            )
    if not view.projects.empty:
        out += delivery_findings(
            view.projects, t.index_green_min, t.index_amber_min, view.params.report.currency
        )
    return out


def show_portfolio_trends(view: PortfolioView) -> None:
    h = view.history[view.history["metric"].isin(TREND_METRICS)] if len(view.history) else None
    if h is None or h.empty or h["value"].isna().all():
        return _missing("history")
    show_chart(charts.metric_trends(h, TREND_METRICS), _trend_table(h).round(3), "trends.csv")


def show_portfolio_totals(view: PortfolioView) -> None:
    rows = view.metrics[view.metrics["metric"].map(lambda x: METRICS[x].unit == "currency")]
    cur = view.params.report.currency
    out = pd.DataFrame(
        {
            "Metric": [METRICS[x].label for x in rows["metric"]],
            f"Value ({cur})": [fmt_cell(v, "money") for v in rows["value"]],
            "Note": [n if isinstance(n, str) and n else BLANK for n in rows["note"]],
        }
    )
    show_table(
        out,
        "Portfolio totals",
        "portfolio-totals.csv",
        csv=rows[["metric", "value", "note"]],
        numeric_columns=[f"Value ({cur})"],
    )


def maturity_table(view: PortfolioView) -> pd.DataFrame:
    """Each unit's maturity profile, level (weakest link) and gaps to target (raw values)."""
    m = view.unit_metrics
    ids = (
        [f"maturity_{d}" for d in catalog.MATURITY_DIMENSIONS]
        + ["maturity_profile", "maturity_level"]
        + [f"maturity_gap_{d}" for d in catalog.MATURITY_DIMENSIONS]
    )
    wide = m[m["metric"].isin(ids)].pivot_table(
        index="unit_name", columns="metric", values="value", aggfunc="first", dropna=False
    )
    wide = wide.reindex(columns=[c for c in ids if c in wide.columns]).round(2)
    dims = [f"maturity_{d}" for d in catalog.MATURITY_DIMENSIONS if f"maturity_{d}" in wide]
    wide["weakest_dimension"] = [
        min(((v, d) for d, v in row.items() if pd.notna(v)), default=(0, ""))[1].removeprefix(
            "maturity_"
        )
        for row in wide[dims].to_dict("records")
    ]
    wide.columns.name = None
    return wide.reset_index().rename(columns={"unit_name": "unit"})


def maturity_display(raw: pd.DataFrame, unit_metrics: pd.DataFrame, params: Params) -> pd.DataFrame:
    """The maturity table for reading: scores, level with its stage and status, weakest link."""
    targets = params.maturity.targets
    status = (
        unit_metrics[unit_metrics["metric"] == "maturity_level"]
        .drop_duplicates("unit_name")
        .set_index("unit_name")["status"]
    )
    out = pd.DataFrame({"Unit": [html.escape(str(u)) for u in raw["unit"]]})
    same = len({targets.get(d) for d in catalog.MATURITY_DIMENSIONS}) == 1
    for d in catalog.MATURITY_DIMENSIONS:
        target = targets.get(d)
        head = d.capitalize() + (f" (target {target:g})" if target is not None and not same else "")
        out[head] = [fmt_cell(v, "score") for v in raw.get(f"maturity_{d}", [])]
    out["Profile (mean)"] = [fmt_cell(v, "score") for v in raw.get("maturity_profile", [])]
    levels = raw.get("maturity_level", pd.Series([float("nan")] * len(raw)))
    out["Level (1-4)"] = [
        BLANK
        if is_blank(v)
        else f"{v:.0f} {html.escape(catalog.MATURITY_STAGES.get(int(v), ''))} "
        + badge(str(status.get(u, "")))
        for u, v in zip(raw["unit"], levels, strict=True)
    ]
    out["Weakest"] = [
        BLANK if not w else html.escape(w) + ("" if not is_blank(lvl) else " (of those assessed)")
        for w, lvl in zip(raw["weakest_dimension"], levels, strict=True)
    ]
    return out


def show_maturity_table(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return _missing("unit")
    raw = maturity_table(view)
    shown = maturity_display(raw, view.unit_metrics, view.params)
    targets = {view.params.maturity.targets.get(d) for d in catalog.MATURITY_DIMENSIONS}
    one = targets.pop() if len(targets) == 1 else None
    aim = f"; target {one:g} in every dimension" if one is not None else ""
    show_table(
        shown,
        f"Scores 1-4 by dimension{aim}; the level is the weakest dimension's whole number",
        "maturity.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c not in ("Unit", "Weakest", "Level (1-4)")],
    )


def maturity_findings(view: PortfolioView) -> list[str]:
    """How many units reach the target level, and which dimension holds them back most."""
    if view.unit_metrics.empty:
        return []
    raw = maturity_table(view)
    if "maturity_level" not in raw:
        return []
    out = []
    target = view.params.targets.get("maturity_level")
    levels = raw.dropna(subset=["maturity_level"])
    if target is not None and len(levels):
        reach = levels[levels["maturity_level"] >= target]
        names = _names([str(u) for u in reach["unit"]])
        out.append(
            f"{len(reach)} of {len(levels)} assessed units "
            f"{'reaches' if len(reach) == 1 else 'reach'} the target level {target:.0f}"
            + (f": {names}." if len(reach) else ".")
        )
    weakest = levels["weakest_dimension"][levels["weakest_dimension"] != ""].value_counts()
    if len(weakest):
        count = int(weakest.iloc[0])
        dims = sorted(str(d) for d, c in weakest.items() if c == count)
        what = " and ".join(dims).capitalize()
        verb = "is the weakest dimension" if len(dims) == 1 else "are each the weakest dimension"
        out.append(f"{what} {verb} in {count} of {len(levels)} assessed units.")
    for _, row in raw[raw["maturity_level"].isna()].iterrows():
        out.append(f"{row['unit']} has no maturity level: not every dimension was assessed.")
    return out


def show_maturity_radars(view: PortfolioView) -> None:
    """Every unit's profile in one radar against the target, with the scores as a table."""
    m = view.unit_metrics
    if m.empty:
        return _missing("maturity")
    scores: dict[str, dict[str, float]] = {}
    for (_, name), part in m.groupby(["unit_id", "unit_name"], sort=False):
        s = maturity_scores(part)
        if not all(pd.isna(v) for v in s.values()):
            scores[str(name)] = s
    if not scores:
        return _missing("maturity")
    targets = view.params.maturity.targets
    dims = list(catalog.MATURITY_DIMENSIONS)
    table = pd.DataFrame(
        [
            {"Unit": u, **{d.capitalize(): s.get(d) for d in dims}}
            for u, s in [*scores.items(), ("Target", dict(targets))]
        ]
    ).round(2)
    show_chart(charts.maturity_comparison(scores, targets), table, "maturity-profiles.csv")
