"""methodology.html: every metric of the version's metrics.csv, generated from the metric
catalogue (`pmovalue.metrics.catalog`): its label, what it means, its formula, unit, which
way is better, the target and thresholds configured for this version, how big a change is
material, the tables it is computed from. Each metric's entry has the anchor `#<metric id>`,
which every metric label on the other pages links to. Also defined here: how a RAG status is
decided, the money at risk and a project's exposure (`pmovalue.metrics.exposure`), a material
change, and the value index's formula with its weights.
"""

from __future__ import annotations

import html
import re

from pmovalue.config import Params
from pmovalue.markdown import render_markdown
from pmovalue.markup import BLANK, UNIT, UNIT_LIST, fmt, target_text
from pmovalue.metrics import value_index_formula
from pmovalue.metrics.catalog import DIRECTIONS, LEVELS, METRICS, MetricInfo
from pmovalue.metrics.exposure import EXPOSURE, MONEY_AT_RISK
from pmovalue.site.generated import TABLE_TITLES

UNIT_WORDS = {
    "currency": "money",
    "count": "a count",
    "ratio": "a ratio",
    "pct": "percent (0 to 100)",
    "days": "days",
    "score": "a score",
    "index": "an index (1.0 is on plan)",
}


_BARE_ID = re.compile(r"(?<![`\w.])([a-z][a-z0-9]*(?:[._][a-z0-9]+)*_[a-z0-9]+)(?![`\w])")


def inline_markdown(text: str) -> str:
    """The catalogue's text (Markdown, `code` for ids) as an HTML fragment without its <p>;
    a column or parameter id written bare (budget_at_completion) is marked as code too: a
    name in the data files, not a word."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # outside `code` spans
        parts[i] = _BARE_ID.sub(r"`\1`", parts[i])
    out = render_markdown("`".join(parts)).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", out, flags=re.DOTALL)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def status_rule(info: MetricInfo, params: Params, currency: str) -> str:
    """How the metric's RAG status is decided with these parameters, in words."""
    t = params.thresholds
    if info.index:
        return (
            f"Green at {t.index_green_min:.2f} or more, amber from {t.index_amber_min:.2f}, "
            "red below."
        )
    target = target_text(info.id, params, currency)
    if target == BLANK:
        return "No target: shown for context, without a RAG status."
    return (
        f"Target {target}: green when met, amber when short of it by at most "
        f"{t.target_amber_pct:g}% of the target, red beyond."
    )


def unit_targets(info: MetricInfo, units: dict[str, str], unit_params: dict[str, Params]) -> str:
    """The units whose own parameters give this metric another target or thresholds, one
    item each, marked with its unit (a board pack for other units leaves it out)."""
    items = [
        f'<li {UNIT}="{_e(uid)}">{_e(name)}: {_e(status_rule(info, p, p.report.currency))}</li>'
        for uid, name in units.items()
        if (p := unit_params.get(uid)) is not None
    ]
    if not items:
        return ""
    listed = "".join(items)
    return f'<div class="unit-targets" {UNIT_LIST}>Units with their own:<ul>{listed}</ul></div>'


def material_rule(info: MetricInfo, params: Params, currency: str) -> str:
    threshold = params.changes.material.get(info.id)
    if threshold is None:
        return "Only a change of RAG status (the metric has no size threshold)."
    if isinstance(threshold, str):
        size = f"{threshold.strip()} of the previous value"
    elif info.unit == "pct":
        size = f"{threshold:g} percentage points"
    else:
        size = fmt(info.id, float(threshold), currency)
    return f"A change of at least {size}, or of RAG status."


def metric_entry(
    info: MetricInfo,
    params: Params,
    units: dict[str, str],
    unit_params: dict[str, Params],
) -> str:
    currency = params.report.currency
    direction = (
        "Higher is better (1.0 is on plan)." if info.index else DIRECTIONS[info.direction] + "."
    )
    rule = status_rule(info, params, currency)
    differ = {uid: p for uid, p in unit_params.items() if status_rule(info, p, currency) != rule}
    others = unit_targets(info, units, differ)
    sources = ", ".join(TABLE_TITLES.get(t, t) for t in info.sources) or BLANK
    rows = [
        ("Formula", inline_markdown(info.formula)),
        ("Unit", _e(UNIT_WORDS.get(info.unit, info.unit))),
        ("Better", _e(direction[:1].upper() + direction[1:])),
        ("Target and status", _e(rule) + others),
        ("Material change", _e(material_rule(info, params, currency))),
        ("Computed from", _e(sources)),
        ("What counts", inline_markdown(info.scope)),
        ("Blank or left out", inline_markdown(info.edge_cases)),
        ("In the data files", f"<code>{_e(info.id)}</code>"),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v)
    return (
        f'<section class="metric-def" id="{info.id}"><h3>{_e(info.label)}</h3>'
        f"<p>{inline_markdown(info.meaning)}</p><dl>{items}</dl></section>"
    )


def methodology_html(
    metric_ids: list[str],
    params: Params,
    units: dict[str, str],
    unit_params: dict[str, Params],
) -> str:
    """The page: the rules shared by every metric, then each metric of `metric_ids` (those of
    the version's metrics.csv), level by level in catalogue order. `params` are the
    portfolio's; `unit_params` each unit's, whose own targets are named where they differ."""
    t = params.thresholds
    weights = "".join(f"<li>{_e(line)}</li>" for line in value_index_formula(params).splitlines())
    parts = [
        "<p>How every number of this version is defined and judged, with the targets and "
        "thresholds of this version's parameters. Each metric's label on the other pages "
        "links here.</p>",
        '<h2 id="rag-status">How a status is decided</h2>',
        "<ul>"
        f"<li>Performance indices (CPI, SPI, median SPI(t)): green at "
        f"{t.index_green_min:.2f} or more, amber from {t.index_amber_min:.2f}, red below.</li>"
        "<li>Other metrics against their target: green when it is met, amber when short of it "
        f"by at most {t.target_amber_pct:g}% of the target, red beyond; a maturity dimension "
        "against its maturity target. A metric without a target has no status.</li></ul>",
        '<h2 id="money-at-risk">Money at risk</h2>',
        f"<p>{_e(MONEY_AT_RISK)}</p>",
        '<h2 id="exposure">Exposure of a project</h2>',
        f"<p>{_e(EXPOSURE)}</p>",
        '<h2 id="material-change">Material change</h2>',
        "<p>A change from the previous quarter is material when the metric's RAG status "
        "changes, when it becomes blank or can be computed again, or when it moves by at "
        "least its threshold (listed with each metric below). The changes page leads with "
        "material changes, and they weigh most in the executive summary.</p>",
        '<h2 id="value-index-formula">The value index</h2>',
        f"<ul>{weights}</ul>",
    ]
    wanted = [m for m in METRICS if m in set(metric_ids)]
    index = []
    for level, title in LEVELS.items():
        links = [
            f'<a href="#{m}">{_e(METRICS[m].label)}</a>'
            for m in wanted
            if METRICS[m].level == level
        ]
        if links:
            index.append(f"<li>{_e(title)}: {', '.join(links)}</li>")
    parts.insert(1, f'<nav class="toc" aria-label="Metrics"><ul>{"".join(index)}</ul></nav>')
    for level, title in LEVELS.items():
        entries = [
            metric_entry(METRICS[m], params, units, unit_params)
            for m in wanted
            if METRICS[m].level == level
        ]
        if entries:
            parts.append(f"<h2>{_e(title)}</h2>")
            parts.extend(entries)
    return "\n".join(parts)
