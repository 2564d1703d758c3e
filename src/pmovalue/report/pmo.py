"""The PMO-value page (notebooks/pmo_value.ipynb) and the PMO-support section of unit pages:
what the PMO's services cost, whom they reached, and whether the projects served did better
afterwards than comparable projects. Every number comes from `pmovalue.metrics.pmo`; this
module shows them, and says what to provide when the pmo_services table is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pmovalue import charts, handoff
from pmovalue.config import Params
from pmovalue.data.units import UNIT_METRICS_FILE
from pmovalue.markup import (
    BLANK,
    fmt,
    metric_label_html,
    money_compact,
    show_chart,
    show_html,
    show_markdown,
    show_table,
    signed,
    table_html,
)
from pmovalue.metrics import pmo, rag_status
from pmovalue.metrics._common import num, period_index
from pmovalue.metrics.pmo import ALL, Evidence, ServiceRows, service_label
from pmovalue.report.findings import findings_html
from pmovalue.report.headline import headline_html
from pmovalue.report.views import UnitView

MISSING = (
    "_No pmo_services data was provided, so this section is empty. To measure what the PMO's "
    "services cost and whether the projects it serves do better, add `pmo_services.csv` (or "
    ".xlsx, .parquet) to the data folder: one row per service given to a project in a "
    "quarter, with `project_id`, `period` (YYYY-Qn), `service` (your own catalogue, e.g. "
    "*Health check*, *Cost review*), `hours` and `cost` (blank: hours × `pmo.hourly_rate`). "
    "A time-sheet export can be read as it is through `mapping.yml`._"
)
HEADLINE = [
    "pmo_cost",
    "pmo_cost_pct",
    "pmo_supported_pct",
    "pmo_effect_cpi",
    "pmo_effect_spi",
    "pmo_cost_avoided",
    "pmo_return",
]
INDEX_LABELS = {"cpi": "CPI", "spi": "SPI"}


@dataclass
class PmoView:
    """What the PMO-value page shows, computed once from the job's inputs."""

    period: str
    params: Params
    tables: dict[str, pd.DataFrame]
    unit_metrics: pd.DataFrame  # every unit job's recorded metrics
    evidence: Evidence | None  # None without the pmo_services table
    metrics: pd.DataFrame  # the organisation's PMO metrics: metric, value, status, note
    estimates: pd.DataFrame  # `Evidence.table`, with each group's label

    @property
    def currency(self) -> str:
        return self.params.report.currency


def pmo_view(input_dir: str | Path, period: str, params: dict[str, Any]) -> PmoView:
    """The organisation's PMO evidence, estimated overall and for each service type."""
    tables = handoff.read_tables(input_dir)
    units = tables.pop(UNIT_METRICS_FILE, pd.DataFrame())
    p = Params.model_validate(params)
    given = handoff.read_evidence(input_dir)
    evidence = pmo.evidence_of(tables, pmo.evidence_settings(p), given, by_service=True)
    results = (
        evidence.metrics(period)
        if evidence is not None
        else pmo.blank_metrics("no pmo_services data")
    )
    metrics = pd.DataFrame(
        {
            "metric": list(results),
            "value": [r.value for r in results.values()],
            "status": [rag_status(m, r.value, p) for m, r in results.items()],
            "note": [r.note for r in results.values()],
        }
    )
    estimates = evidence.table(period) if evidence is not None else pd.DataFrame()
    if not estimates.empty:
        estimates.insert(0, "label", [service_label(g) for g in estimates["group"]])
    return PmoView(period, p, tables, units, evidence, metrics, estimates)


def _interval(low: float, high: float, digits: int = 3) -> str:
    return f"95% interval {signed(low, digits)} to {signed(high, digits)}"


def _money_interval(low: float, high: float, currency: str) -> str:
    return f"95% interval {money_compact(low, currency)} to {money_compact(high, currency)}"


def _return_interval(row: pd.Series) -> str:
    """The return's 95% interval: the cost avoided's bounds over the same services' cost
    (a fixed sum: the cost avoided is the only uncertain part)."""
    cost = row["service_cost"]
    return f"95% interval {row['avoided_low'] / cost:.1f} to {row['avoided_high'] / cost:.1f}"


def _card_notes(view: PmoView) -> pd.DataFrame:
    """The headline's metrics, an estimate's note giving its interval and group sizes."""
    m = view.metrics.set_index("metric")
    out = view.metrics.copy()
    notes = dict(zip(out["metric"], out["note"], strict=True))
    for x in pmo.INDICES:
        mid = f"pmo_effect_{x}"
        if not math.isnan(m.at[mid, "value"]):
            row = _row(view, ALL, x)
            notes[mid] = (
                f"{_interval(m.at[f'{mid}_low', 'value'], m.at[f'{mid}_high', 'value'])}; "
                f"{row['served_projects']} served, {row['comparison_projects']} comparison "
                "projects"
            )
    if not math.isnan(m.at["pmo_cost_avoided", "value"]):
        notes["pmo_cost_avoided"] = _money_interval(
            m.at["pmo_cost_avoided_low", "value"], m.at["pmo_cost_avoided_high", "value"],
            view.currency,
        )  # fmt: skip
    if not math.isnan(m.at["pmo_return", "value"]):
        row = _row(view, ALL, "cpi")
        notes["pmo_return"] = (
            f"{_return_interval(row)}; cost avoided ÷ "
            f"{money_compact(row['service_cost'], view.currency)} of services"
        )
    out["note"] = out["metric"].map(notes)
    return out


def _row(view: PmoView, group: str, index: str) -> pd.Series:
    e = view.estimates
    return e[(e["group"] == group) & (e["index"] == index)].iloc[0]


# ---- the PMO-value page -----------------------------------------------------------------------


def show_pmo_headline(view: PmoView) -> None:
    if view.evidence is None:
        return show_markdown(MISSING)
    show_html(headline_html(_card_notes(view), HEADLINE, view.currency))


def pmo_findings(view: PmoView) -> list[str]:
    """What the PMO cost and covered, and what its services did, in sentences that always
    give an estimate with its interval."""
    if view.evidence is None:
        return []
    cur = view.currency
    m = view.metrics.set_index("metric")["value"]
    out = []
    cost, pct, covered = m["pmo_cost"], m["pmo_cost_pct"], m["pmo_supported_pct"]
    share = f", {pct:.1f}% of the quarter's project spend" if not math.isnan(pct) else ""
    cover = (
        f"; {covered:.0f}% of active projects had a service in the last four quarters"
        if not math.isnan(covered)
        else ""
    )
    out.append(
        f"The PMO's services cost {money_compact(cost, cur)} in {view.period}{share}{cover}."
    )
    for x in pmo.INDICES:
        row = _row(view, ALL, x)
        label = INDEX_LABELS[x]
        if math.isnan(row["effect"]):
            out.append(f"No estimate of the effect on {label} yet: {row['note']}.")
            continue
        verdict = (
            "an effect this size is unlikely to be chance"
            if row["effect_low"] > 0 or row["effect_high"] < 0
            else "the data cannot yet tell it from no effect"
        )
        out.append(
            f"Projects the PMO served changed their {label} by {signed(row['effect'], 3)} "
            f"more than comparable projects ({_interval(row['effect_low'], row['effect_high'])}"
            f"; {row['served_projects']} served, {row['comparison_projects']} comparison "
            f"projects): {verdict}."
        )
    row = _row(view, ALL, "cpi")
    if not math.isnan(row["avoided"]):
        ret = (
            f": {row['return']:.1f} for each {cur} spent ({_return_interval(row)})"
            if not math.isnan(row["return"])
            else ""
        )
        out.append(
            f"At the comparison projects' cost trend the served projects would have been "
            f"forecast to cost {money_compact(row['avoided'], cur)} more "
            f"({_money_interval(row['avoided_low'], row['avoided_high'], cur)}), against "
            f"{money_compact(row['service_cost'], cur)} of services{ret}."
        )
    clear = view.estimates[
        (view.estimates["group"] != ALL)
        & (view.estimates["index"] == "cpi")
        & (view.estimates["effect_low"] > 0)
    ]
    if len(clear):
        names = ", ".join(
            f"{r.label} ({signed(r.effect, 3)}, {_interval(r.effect_low, r.effect_high)})"
            for r in clear.itertuples()
        )
        out.append(f"Services whose effect on CPI is clear of zero: {names}.")
    return out


def show_pmo_findings(view: PmoView) -> None:
    if view.evidence is not None:
        show_html(findings_html(pmo_findings(view)))


def _estimate_table(rows: pd.DataFrame, index: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table for reading, raw CSV) of the groups' estimates for one index."""
    shown = pd.DataFrame(
        {
            "Services": rows["label"],
            "Effect": [fmt(f"pmo_effect_{index}", v, blank=BLANK) for v in rows["effect"]],
            "95% low": [fmt(f"pmo_effect_{index}", v, blank=BLANK) for v in rows["effect_low"]],
            "95% high": [fmt(f"pmo_effect_{index}", v, blank=BLANK) for v in rows["effect_high"]],
            "Served": rows["served_projects"],
            "Compared": rows["comparison_projects"],
            "Engagements": rows["engagements"],
            "Note": [n or c or BLANK for n, c in zip(rows["note"], rows["caveat"], strict=True)],
        }
    )
    raw = rows.drop(columns=["avoided", "avoided_low", "avoided_high", "return"])
    return shown, raw


def show_pmo_effects(view: PmoView) -> None:
    """The forest plot of each index (groups with an estimate) and every group's numbers."""
    if view.evidence is None:
        return show_markdown(MISSING)
    for index, label in INDEX_LABELS.items():
        rows = view.estimates[view.estimates["index"] == index]
        shown, raw = _estimate_table(rows, index)
        known = rows.dropna(subset=["effect", "effect_low", "effect_high"])
        if known.empty:
            show_markdown(f"_No group has enough projects for an estimate on {label} yet._")
            show_table(shown, f"Effect on {label}", f"pmo-effect-{index}.csv", csv=raw)
            continue
        show_chart(
            charts.pmo_forest(known, label),
            shown,
            f"pmo-effect-{index}.csv",
            csv=raw,
            numeric_columns=["Effect", "95% low", "95% high", "Served", "Compared"],
        )


def show_pmo_cost_avoided(view: PmoView) -> None:
    if view.evidence is None:
        return show_markdown(MISSING)
    rows = view.estimates[view.estimates["index"] == "cpi"].dropna(subset=["avoided"])
    if rows.empty:
        return show_markdown("_Too few projects to estimate the cost avoided yet._")
    cur = view.currency
    shown = pd.DataFrame(
        {
            "Services": rows["label"],
            f"PMO cost ({cur})": [fmt("pmo_cost", v) for v in rows["service_cost"]],
            f"Cost avoided ({cur})": [fmt("pmo_cost_avoided", v) for v in rows["avoided"]],
            "95% low": [fmt("pmo_cost_avoided", v) for v in rows["avoided_low"]],
            "95% high": [fmt("pmo_cost_avoided", v) for v in rows["avoided_high"]],
            "Return": [fmt("pmo_return", v, blank=BLANK) for v in rows["return"]],
        }
    )
    raw = rows[["group", "service_cost", "avoided", "avoided_low", "avoided_high", "return"]]
    show_chart(
        charts.pmo_cost_and_avoided(rows, cur),
        shown,
        "pmo-cost-avoided.csv",
        csv=raw,
        numeric_columns=list(shown.columns[1:]),
    )


def services_table(view: PmoView) -> pd.DataFrame:
    """Each service type: rows and cost in the period, projects served in the last four
    quarters, hours and cost to date (raw values)."""
    rows = ServiceRows.of(view.tables["pmo_services"], view.params.pmo.hourly_rate)
    p = period_index(view.period)
    frame = pd.DataFrame(
        {
            "service": rows.service,
            "project_id": rows.project_id,
            "q": rows.q,
            "hours": num(view.tables["pmo_services"], "hours").to_numpy(),
            "cost": rows.cost,
        }
    )
    frame = frame[frame["q"] <= p]
    now = frame[frame["q"] == p].groupby("service")
    recent = frame[frame["q"] > p - pmo.SUPPORT_QUARTERS].groupby("service")["project_id"]
    to_date = frame.groupby("service")
    out = pd.DataFrame(
        {
            "services_in_period": now.size(),
            "cost_in_period": now["cost"].sum(min_count=1),
            "projects_last_4_quarters": recent.nunique(),
            "hours_to_date": to_date["hours"].sum(min_count=1),
            "cost_to_date": to_date["cost"].sum(min_count=1),
        }
    ).reindex(sorted(frame["service"].dropna().unique()))
    out["services_in_period"] = out["services_in_period"].fillna(0).astype(int)
    out["cost_in_period"] = out["cost_in_period"].where(out["services_in_period"] > 0, 0.0)
    out["projects_last_4_quarters"] = out["projects_last_4_quarters"].fillna(0).astype(int)
    return out.rename_axis("service").reset_index()


def show_pmo_services(view: PmoView) -> None:
    if view.evidence is None:
        return show_markdown(MISSING)
    raw = services_table(view)
    cur = view.currency
    shown = pd.DataFrame(
        {
            "Service": [service_label(s) for s in raw["service"]],
            f"Given in {view.period}": raw["services_in_period"],
            f"Cost in {view.period} ({cur})": [fmt("pmo_cost", v) for v in raw["cost_in_period"]],
            "Projects, last 4 quarters": raw["projects_last_4_quarters"],
            "Hours to date": [fmt("pmo_cost", v) for v in raw["hours_to_date"]],
            f"Cost to date ({cur})": [fmt("pmo_cost", v) for v in raw["cost_to_date"]],
        }
    )
    show_table(
        shown,
        "The PMO's services by type",
        "pmo-services.csv",
        csv=raw,
        numeric_columns=list(shown.columns[1:]),
    )
    show_pmo_units(view)


UNIT_COLUMNS = {
    "pmo_cost": "PMO cost",
    "pmo_cost_pct": "Share of spend (%)",
    "pmo_supported_pct": "Active projects supported (%)",
    "pmo_effect_cpi": "Effect on CPI (95% interval)",
}


def show_pmo_units(view: PmoView) -> None:
    """Each unit's PMO figures, as its page gives them."""
    m = view.unit_metrics
    if m.empty or "metric" not in m:
        return
    rows, raw = [], []
    for (uid, name), part in m.groupby(["unit_id", "unit_name"], sort=False):
        v = part.drop_duplicates("metric").set_index("metric")
        effect = v["value"].get("pmo_effect_cpi", math.nan)
        low, high = v["value"].get("pmo_effect_cpi_low"), v["value"].get("pmo_effect_cpi_high")
        cell = (
            f"{signed(effect, 3)} ({signed(low, 3)} to {signed(high, 3)})"
            if not math.isnan(effect)
            else str(v["note"].get("pmo_effect_cpi") or BLANK)
        )
        rows.append(
            {
                "Unit": name,
                f"{UNIT_COLUMNS['pmo_cost']} ({view.currency})": fmt(
                    "pmo_cost", v["value"].get("pmo_cost", math.nan)
                ),
                UNIT_COLUMNS["pmo_cost_pct"]: fmt(
                    "pmo_supported_pct", v["value"].get("pmo_cost_pct", math.nan)
                ).removesuffix("%"),
                UNIT_COLUMNS["pmo_supported_pct"]: fmt(
                    "pmo_supported_pct", v["value"].get("pmo_supported_pct", math.nan)
                ).removesuffix("%"),
                UNIT_COLUMNS["pmo_effect_cpi"]: cell,
            }
        )
        raw.append(
            {"unit_id": uid, "unit": name, **{k: v["value"].get(k) for k in pmo.PMO_METRICS}}
        )
    shown = pd.DataFrame(rows)
    show_table(
        shown,
        "By unit (each unit's own comparison groups)",
        "pmo-by-unit.csv",
        csv=pd.DataFrame(raw),
        numeric_columns=list(shown.columns[1:4]),
        cards=True,  # a phone shows each unit as a card: the notes are long
    )


def method_html(view: PmoView) -> str:
    """The method in plain words, its limits, the group sizes and the parameters in force."""
    s = view.params.pmo
    t = view.params.thresholds
    parts = [
        "<p>For each project the PMO served in a quarter (with no service the quarter "
        "before: a fresh engagement), we take its CPI and SPI at the end of the quarter "
        "before the service and at the end of the second quarter after it, and compare that "
        "change with the change, over the same quarters, of <em>comparison projects</em>: "
        "projects of the <strong>same unit</strong>, not served from the quarter before to "
        "the quarter after the service, whose index was in the <strong>same band</strong> "
        f"before (bands {s.band_width:g} wide, with edges at the amber threshold "
        f"{t.index_amber_min:.2f} and every {s.band_width:g} from it). The effect is the "
        "served projects' change minus the comparison projects' change, averaged over the "
        "engagements: a <em>difference-in-differences</em>.</p>",
        "<p>Why the bands: a PMO helps projects in trouble, and projects in trouble tend to "
        "drift back towards their usual performance anyway (regression to the mean). A "
        "simple before-and-after of the served projects would credit the PMO with that "
        "drift; comparison projects that started just as low share it, so the difference "
        "leaves it out.</p>",
        "<p>The 95% interval comes from resampling projects "
        f"{s.bootstrap_draws:,} times (a project, with all its quarters, is drawn as a "
        "whole; the draws are fixed, so the same data always give the same interval). "
        "Cost avoided is, for each served project, its forecast cost at completion (budget "
        "÷ CPI) at the comparison projects' trend minus its forecast with the CPI it "
        "reached; the return divides it by what those services cost (service rows without "
        f"a cost are priced at {view.currency} {s.hourly_rate:,.2f} an hour).</p>",
        "<h3>Limits</h3><ul>"
        "<li>This is an <strong>association, not proof</strong>: the PMO may choose projects "
        "for reasons the data do not show (a new sponsor, a change of manager), and those "
        "reasons, not the service, may explain the difference.</li>"
        "<li>Comparison projects can only be found where unserved projects started in the "
        "same band: engagements without one are left out and counted below.</li>"
        "<li>Where the PMO steps in as soon as a project slips, the comparison projects that "
        "remain unserved tend to be those that recovered on their own, so the estimate errs "
        "on the low side.</li>"
        f"<li>A figure needs at least {s.min_group_size} served and {s.min_group_size} "
        "comparison projects; below that it is left blank, with the numbers.</li>"
        "<li>Effects on a unit's page use that unit's projects only, and are less certain "
        "than the organisation's.</li></ul>",
    ]
    if view.evidence is not None and not view.estimates.empty:
        e = view.estimates
        sizes = pd.DataFrame(
            {
                "Services": e["label"],
                "Index": e["index"].str.upper(),
                "Engagements compared": e["engagements"],
                "Served projects": e["served_projects"],
                "Comparison projects": e["comparison_projects"],
                "Engagements without comparison": e["unmatched"],
            }
        )
        parts.append("<h3>Who was compared with whom</h3>")
        parts.append(table_html(sizes, csv_name="pmo-group-sizes.csv"))
    items = "".join(
        f"<li>{metric_label_html(m, '')} <code>{m}</code></li>" for m in pmo.PMO_METRICS
    )
    parts.append(
        "<h3>The metrics</h3><p>Each is defined, with its formula and what counts, on the "
        "methodology page; in <code>data/metrics.csv</code> under its id.</p>"
        f'<ul class="pmo-metrics">{items}</ul>'
    )
    return "\n".join(parts)


def show_pmo_method(view: PmoView) -> None:
    show_html(method_html(view))


# ---- the unit page's PMO support section ------------------------------------------------------


def unit_support_sentences(view: UnitView) -> list[str]:
    """The unit's PMO figures in sentences (its metrics, as recorded)."""
    m = view.metrics.set_index("metric")
    cur = view.params.report.currency
    cost, pct = m.at["pmo_cost", "value"], m.at["pmo_cost_pct", "value"]
    covered = m.at["pmo_supported_pct", "value"]
    out = [
        f"PMO services to this unit's projects cost {money_compact(cost, cur)} in {view.period}"
        + (f" ({pct:.1f}% of their spend)" if not math.isnan(pct) else "")
        + (
            f"; {covered:.0f}% of its active projects had a service in the last four quarters."
            if not math.isnan(covered)
            else "."
        )
    ]
    effect = m.at["pmo_effect_cpi", "value"]
    if math.isnan(effect):
        out.append(f"Effect on CPI: no estimate for this unit ({m.at['pmo_effect_cpi', 'note']}).")
    else:
        low, high = m.at["pmo_effect_cpi_low", "value"], m.at["pmo_effect_cpi_high", "value"]
        out.append(
            f"Served projects changed their CPI by {signed(effect, 3)} more than comparable "
            f"projects of the unit ({_interval(low, high)})."
        )
    return out


def show_pmo_support(view: UnitView) -> None:
    """A short section: the unit's PMO cost, coverage and effect, and its services by type
    in the last four quarters; the method is on the PMO-value page."""
    services = view.tables.get("pmo_services")
    if services is None:
        return show_markdown(MISSING)
    show_html(findings_html(unit_support_sentences(view)))
    rows = ServiceRows.of(services, view.params.pmo.hourly_rate)
    p = period_index(view.period)
    recent = pd.DataFrame({"service": rows.service, "project_id": rows.project_id, "q": rows.q,
                           "cost": rows.cost})  # fmt: skip
    recent = recent[(recent["q"] <= p) & (recent["q"] > p - pmo.SUPPORT_QUARTERS)]
    if recent.empty:
        show_markdown(
            f"_No PMO service to this unit's projects in the four quarters to {view.period}._"
        )
    else:
        by = recent.groupby("service")
        table = pd.DataFrame(
            {
                "Service": [service_label(s) for s in by.size().index],
                "Services given": by.size().to_numpy(),
                "Projects served": by["project_id"].nunique().to_numpy(),
                f"Cost ({view.params.report.currency})": [
                    fmt("pmo_cost", v) for v in by["cost"].sum(min_count=1)
                ],
            }
        )
        show_table(
            table,
            "PMO services in the last four quarters",
            f"{view.unit_id}-pmo-services.csv",
            numeric_columns=list(table.columns[1:]),
        )
    show_html(
        '<p class="see-also">How the effect is estimated, its limits and the whole '
        'organisation: <a href="../pmo-value.html">PMO value</a>.</p>'
    )
