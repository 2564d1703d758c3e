"""The executive summary at the top of the portfolio page and of each unit page: the money at
risk as one figure (`pmovalue.metrics.exposure`), then at most five sentences across the four
levels and maturity, the most material first, each with its number.

Each candidate sentence is about one metric and weighs what a board would weigh: its RAG
status (red 3, amber 2, green 1, none 0.5), plus 1.5 when it changed materially for the worse
since the previous quarter (0.5 for the better; `changes.material`). Each area (the four
levels and maturity) gives its heaviest sentence, so the summary covers them all; an area
without data leaves its place to the heaviest sentence left, whatever its area. The PMO's
measured effect can take such a place, and, as every estimate, only with its 95% interval. The
summary is in `<section class="exec-summary">`, which other outputs (the board pack) can take
as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from pmovalue.diff import is_material, verdict
from pmovalue.markup import (
    change_size,
    fmt,
    is_blank,
    metric_label_html,
    money_compact,
    show_html,
    shows_change,
    target_text,
)
from pmovalue.metrics import catalog
from pmovalue.metrics.exposure import MoneyAtRisk, money_at_risk
from pmovalue.report.findings import count_below, previous_value
from pmovalue.report.maturity import maturity_scores
from pmovalue.report.views import PortfolioView, UnitView

View = UnitView | PortfolioView
MOST = 5
AREAS = ("delivery", "kpi", "outcome", "sustained", "maturity")
STATUS_WEIGHT = {"red": 3.0, "amber": 2.0, "green": 1.0, "": 0.5}
OUTCOME_METRICS = (
    "benefits_realization_pct",
    "npv_total",
    "roi_pct",
    "aligned_spend_pct",
    "nps",
    "csat_pct",
)


@dataclass(frozen=True)
class Statement:
    area: str  # one of AREAS
    metric: str
    weight: float
    html: str  # one sentence, escaped, its metric's label linked to its definition


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


class _Writer:
    """Sentences about a view's metrics: value, status against target, change since the
    previous quarter."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.currency = view.params.report.currency

    def label(self, mid: str) -> str:
        return metric_label_html(mid, self.view.root)

    def value(self, mid: str) -> str:
        return _esc(fmt(mid, self.view.value(mid), self.currency))

    def status_clause(self, mid: str) -> str:
        """` (red, target ≥ 0.95)` / ` (green)` / `` when it has no status."""
        status = self.view.status(mid)
        if not status:
            return ""
        target = target_text(mid, self.view.params, self.currency)
        aim = f", target {target}" if target != "–" else ""
        return _esc(f" ({status}{aim})")

    def change(self, mid: str) -> tuple[str, float]:
        """(`, down 0.03 since 2026-Q2`, its weight) from the metric's history."""
        now = self.view.value(mid)
        before, when = previous_value(self.view.history, mid, self.view.period)
        if is_blank(now) or is_blank(before) or not when:
            return "", 0.0
        diff = now - before
        if not shows_change(mid, diff, self.currency):
            return _esc(f", unchanged since {when}"), 0.0
        word = "up" if diff > 0 else "down"
        text = _esc(f", {word} {change_size(mid, diff, self.currency)} since {when}")
        status = self.view.status(mid)
        if not is_material(mid, before, now, status, status, self.view.params):
            return text, 0.0
        return text, 1.5 if verdict(mid, before, now, "", "") == "worse" else 0.5

    def interval(self, mid: str) -> str | None:
        """` (95% interval <low> to <high>)` for an estimate whose bounds the catalogue has
        (`<id>_low`, `<id>_high`); '' for any other metric; None when the bounds are blank:
        an estimate is never cited without its interval."""
        low, high = f"{mid}_low", f"{mid}_high"
        if low not in catalog.METRICS or high not in catalog.METRICS:
            return ""
        a, b = self.view.value(low), self.view.value(high)
        if is_blank(a) or is_blank(b):
            return None
        return _esc(
            f" (95% interval {fmt(low, a, self.currency)} to {fmt(high, b, self.currency)})"
        )

    def statement(
        self, area: str, mid: str, extra: str = "", after_value: str = ""
    ) -> Statement | None:
        """`<label> is <value><after_value> (<status>, target …), <change><extra>.` (None
        when the metric is blank); an estimate gives its 95% interval after its value (None
        without one)."""
        interval = self.interval(mid)
        if is_blank(self.view.value(mid)) or interval is None:
            return None
        after_value = interval + after_value
        change, moved = self.change(mid)
        weight = STATUS_WEIGHT.get(self.view.status(mid), 0.5) + moved
        text = (
            f"{self.label(mid)} is {self.value(mid)}{after_value}{self.status_clause(mid)}{change}"
        )
        return Statement(area, mid, weight, f"{text}{extra}.")


def _projects_red(view: View, column: str, what: str) -> str:
    projects = view.projects
    if column not in projects:
        return ""
    red, n = count_below(projects[column], view.params.thresholds.index_amber_min)
    return _esc(f"; {red} of {n} projects are red on {what}") if n else ""


def _delivery(w: _Writer) -> list[Statement | None]:
    return [
        w.statement("delivery", "cpi", _projects_red(w.view, "cpi", "cost")),
        w.statement("delivery", "spi_t_median", _projects_red(w.view, "spi_t", "schedule")),
        w.statement("delivery", "spi"),
        w.statement("delivery", "on_budget_pct"),
        w.statement("delivery", "on_time_pct"),
    ]


def _totals(w: _Writer, first: str, second: str, text: str) -> str:
    """`text` with `{first}` and `{second}` the two metrics as compact money, escaped; '' when
    either is blank (the sentence then says no more than its metric)."""
    a, b = w.view.value(first), w.view.value(second)
    if is_blank(a) or is_blank(b):
        return ""
    return _esc(
        text.format(first=money_compact(a, w.currency), second=money_compact(b, w.currency))
    )


def _kpi(w: _Writer) -> list[Statement | None]:
    extra = _totals(
        w,
        "period_forecast_total",
        "period_budget_total",
        ": {first} forecast against a budget of {second} this quarter",
    )
    return [w.statement("kpi", "period_variance_pct", extra)]


def _outcomes(w: _Writer) -> list[Statement | None]:
    extras = {
        "benefits_realization_pct": _totals(
            w,
            "benefits_realized_total",
            "benefits_baseline_total",
            ": {first} realized of {second} forecast to date",
        )
    }
    return [w.statement("outcome", m, extras.get(m, "")) for m in OUTCOME_METRICS]


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _sustained(w: _Writer) -> list[Statement | None]:
    """The value index, with where the unit ranks among its peers (all measured with the
    organisation's parameters), or the spread across units for the portfolio."""
    v = w.view
    others = v.peers if isinstance(v, UnitView) else v.unit_metrics
    extra = ""
    if not others.empty:
        vi = others[others["metric"] == "value_index"].dropna(subset=["value"])
        vi = vi.drop_duplicates("unit_name").sort_values("value", ascending=False)
        names = [str(n) for n in vi["unit_name"]]
        if isinstance(v, UnitView) and v.unit_name in names and len(names) > 1:
            rank = names.index(v.unit_name) + 1
            where = (
                "the highest"
                if rank == 1
                else "the lowest"
                if rank == len(names)
                else f"{_ordinal(rank)}"
            )
            extra = _esc(f"; {where} of {len(names)} units")
        elif isinstance(v, PortfolioView) and len(names) > 1:
            high, low = vi.iloc[0], vi.iloc[-1]
            extra = _esc(
                f"; units range from {low['value']:.1f} ({low['unit_name']}) "
                f"to {high['value']:.1f} ({high['unit_name']})"
            )
    return [w.statement("sustained", "value_index", extra)]


def _maturity(w: _Writer) -> list[Statement | None]:
    v = w.view
    level = v.value("maturity_level")
    scores = {d: s for d, s in maturity_scores(v.metrics).items() if not is_blank(s)}
    extra = stage = ""
    if not is_blank(level) and scores:
        weakest = min(scores, key=lambda d: scores[d])
        stage = _esc(f", {catalog.MATURITY_STAGES.get(int(level), '')}")
        extra = _esc(f"; the weakest dimension is {weakest} ({scores[weakest]:.2f})")
    return [w.statement("maturity", "maturity_level", extra, stage)]


def _pmo(w: _Writer) -> list[Statement | None]:
    """The PMO's measured effect on CPI, with its interval (pmovalue.metrics.pmo). Not one of
    `AREAS`: it takes a place only when an area leaves one."""
    return [w.statement("pmo", "pmo_effect_cpi")]


SOURCES: tuple[Callable[[_Writer], list[Statement | None]], ...] = (
    _delivery,
    _kpi,
    _outcomes,
    _sustained,
    _maturity,
    _pmo,
)


def summary_statements(view: View, most: int = MOST) -> list[Statement]:
    """At most `most` sentences, the most material first (see the module docstring)."""
    w = _Writer(view)
    candidates = [s for source in SOURCES for s in source(w) if s is not None]
    ranked = sorted(candidates, key=lambda s: -s.weight)  # stable: catalogue order on ties
    chosen: list[Statement] = []
    for area in AREAS:  # each area's heaviest sentence: the summary covers every level
        best = next((s for s in ranked if s.area == area), None)
        if best is not None:
            chosen.append(best)
    chosen = sorted(chosen, key=lambda s: -s.weight)[:most]
    for s in ranked:  # an area with nothing to say leaves its place to the heaviest left
        if len(chosen) >= most:
            break
        if s not in chosen:
            chosen.append(s)
    return sorted(chosen, key=lambda s: -s.weight)


def money_at_risk_of(view: View) -> MoneyAtRisk:
    return money_at_risk(view.projects, view.params.thresholds.index_amber_min)


def money_at_risk_html(view: View) -> str:
    """The one figure, its two parts, and where it is defined."""
    risk = money_at_risk_of(view)
    cur = view.params.report.currency
    parts = (
        f"{money_compact(risk.overrun, cur)} forecast overrun on {risk.overrun_projects} open "
        f"project{'s' if risk.overrun_projects != 1 else ''} that need attention, and "
        f"{money_compact(risk.shortfall, cur)} of benefits due to date not realized"
    )
    return (
        '<div class="money-at-risk">'
        f'<a class="label" href="{view.root}methodology.html#money-at-risk">Money at risk</a>'
        f'<span class="value">{_esc(money_compact(risk.total, cur))}</span>'
        f'<span class="parts">{_esc(parts)}</span></div>'
    )


def unit_facts_html(view: View) -> str:
    """Who is accountable for the unit's portfolio, and its kind of PMO (when known)."""
    if not isinstance(view, UnitView):
        return ""
    facts = []
    if view.params.owner:
        facts.append(f"Owner: <strong>{_esc(view.params.owner)}</strong>")
    if view.params.pmo_type:
        facts.append(f"{_esc(view.params.pmo_type.capitalize())} PMO")
    return f'<p class="unit-facts">{" · ".join(facts)}</p>' if facts else ""


_PERIOD = re.compile(r"\b\d{4}-Q[1-4]\b")


def summary_html(view: View) -> str:
    statements = summary_statements(view)
    items = "".join(
        f'<li data-metric="{s.metric}">{_PERIOD.sub(_nowrap, s.html)}</li>' for s in statements
    )
    sentences = f'<ul class="summary">{items}</ul>' if items else "<p>No metric to report.</p>"
    return (
        '<section class="exec-summary" aria-label="Executive summary">'
        f"<h2>Executive summary</h2>{unit_facts_html(view)}"
        f"{money_at_risk_html(view)}{sentences}</section>"
    )


def _nowrap(match: re.Match[str]) -> str:
    return f'<span class="nw">{match.group(0)}</span>'


def show_summary(view: View) -> None:
    show_html(summary_html(view))
