"""The maturity page (notebooks/maturity.ipynb): every unit's maturity profile, level (the
weakest link) and gaps to target, with findings, as a heat table (each score with its RAG
status against target: readable on a phone, where a radar of every unit was not); and
`maturity_scores`, a unit's four dimension scores (also on the unit page)."""

from __future__ import annotations

import html

import pandas as pd

from pmovalue.config import Params
from pmovalue.markup import BLANK, badge, is_blank, metric_label_html, show_missing, show_table
from pmovalue.metrics import catalog
from pmovalue.metrics.catalog import METRICS
from pmovalue.report.compare import value_and_badge
from pmovalue.report.findings import listed
from pmovalue.report.views import PortfolioView

DIMENSION_IDS = [f"maturity_{d}" for d in catalog.MATURITY_DIMENSIONS]


def maturity_scores(metrics: pd.DataFrame) -> dict[str, float]:
    """The four dimension scores (1..4, blank when not assessed) of a metrics frame."""
    by = metrics.set_index("metric")["value"]
    return {d: float(by.get(f"maturity_{d}", float("nan"))) for d in catalog.MATURITY_DIMENSIONS}


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


def maturity_display(
    raw: pd.DataFrame, unit_metrics: pd.DataFrame, params: Params
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The maturity heat table for reading (scores with their RAG status against target, the
    level with its stage and status, the weakest link) and its linked column headers."""
    by = unit_metrics.drop_duplicates(["unit_name", "metric"]).set_index(["unit_name", "metric"])
    ids = [*DIMENSION_IDS, "maturity_profile", "maturity_level"]
    out = pd.DataFrame({"Unit": [html.escape(str(u)) for u in raw["unit"]]})
    for mid in ids:
        cells = []
        for unit, value in zip(raw["unit"], raw.get(mid, [float("nan")] * len(raw)), strict=True):
            status = str(by["status"].get((unit, mid), "") or "")
            if mid == "maturity_level" and not is_blank(value):
                stage = html.escape(catalog.MATURITY_STAGES.get(int(value), ""))
                cells.append(f'<span class="cell-value">{value:.0f} {stage}</span> {badge(status)}')
            else:
                cells.append(value_and_badge(mid, value, status))
        out[METRICS[mid].label] = cells
    levels = raw.get("maturity_level", pd.Series([float("nan")] * len(raw)))
    out["Weakest dimension"] = [
        BLANK if not w else html.escape(w) + ("" if not is_blank(lvl) else " (of those assessed)")
        for w, lvl in zip(raw["weakest_dimension"], levels, strict=True)
    ]
    headers = {METRICS[m].label: metric_label_html(m, "") for m in ids}
    return out, headers


def show_maturity_table(view: PortfolioView) -> None:
    if view.unit_metrics.empty:
        return show_missing("unit")
    raw = maturity_table(view)
    shown, headers = maturity_display(raw, view.unit_metrics, view.params)
    targets = {view.params.maturity.targets.get(d) for d in catalog.MATURITY_DIMENSIONS}
    one = targets.pop() if len(targets) == 1 else None
    aim = f" (target {one:g} in every dimension)" if one is not None else ""
    band = view.params.thresholds.target_amber_pct
    show_table(
        shown,
        f"Scores from 1 to 4 against target{aim}: green at or above it, amber up to {band:g}% "
        "below, red further below; the level is the weakest dimension's whole number",
        "maturity.csv",
        csv=raw,
        html_columns=shown.columns,
        numeric_columns=[c for c in shown.columns if c not in ("Unit", "Weakest dimension")],
        headers=headers,
        cards=True,
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
        names = listed([str(u) for u in reach["unit"]])
        out.append(
            f"{len(reach)} of {len(levels)} assessed units "
            f"{'reaches' if len(reach) == 1 else 'reach'} the target level {target:g}"
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
