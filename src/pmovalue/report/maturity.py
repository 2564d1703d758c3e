"""The maturity page (notebooks/maturity.ipynb): every unit's maturity profile, level (the
weakest link) and gaps to target, with findings and one radar of all units; and
`maturity_scores`, a unit's four dimension scores (also on the unit page)."""

from __future__ import annotations

import html

import pandas as pd

from pmovalue import charts
from pmovalue.config import Params
from pmovalue.markup import BLANK, badge, fmt_cell, is_blank, show_chart, show_missing, show_table
from pmovalue.metrics import catalog
from pmovalue.report.findings import listed
from pmovalue.report.views import PortfolioView


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
        return show_missing("unit")
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


def show_maturity_radars(view: PortfolioView) -> None:
    """Every unit's profile in one radar against the target, with the scores as a table."""
    m = view.unit_metrics
    if m.empty:
        return show_missing("maturity")
    scores: dict[str, dict[str, float]] = {}
    for (_, name), part in m.groupby(["unit_id", "unit_name"], sort=False):
        s = maturity_scores(part)
        if not all(pd.isna(v) for v in s.values()):
            scores[str(name)] = s
    if not scores:
        return show_missing("maturity")
    targets = view.params.maturity.targets
    dims = list(catalog.MATURITY_DIMENSIONS)
    table = pd.DataFrame(
        [
            {"Unit": u, **{d.capitalize(): s.get(d) for d in dims}}
            for u, s in [*scores.items(), ("Target", dict(targets))]
        ]
    ).round(2)
    show_chart(charts.maturity_comparison(scores, targets), table, "maturity-profiles.csv")
