"""The metric catalogue: the one source of what each metric is called, measured in and means.

Every metric id the package computes is here, in the order of the site's metrics.csv, with:

- `label`, `level` (delivery | kpi | outcome | maturity | composite), `unit` (currency |
  count | ratio | pct | days | score | index);
- `direction`, which drives RAG status against `targets`: "higher" (more is better), "lower"
  (less is better), "zero" (closer to zero is better) or None (context only, never coloured);
  `index` metrics (CPI, SPI, median SPI(t)) use the index thresholds instead of targets;
- for readers: `meaning` (plain words), `formula` (as text), `sources` (the tables it is
  computed from), `scope` (which projects or answers count), `edge_cases` (when it is blank,
  what is capped or left out) and `example` (a hand-computed case, recomputed by
  tests/unit/metrics/test_reference_cases.py).

docs/metrics.md is generated from this catalogue (`scripts/metric_docs.py`; a test fails when
it is out of date), and so can any page that explains the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

MATURITY_DIMENSIONS = ("people", "process", "technology", "governance")
MATURITY_STAGES = {1: "ad hoc", 2: "evolving", 3: "operationalizing", 4: "optimizing"}

LEVELS = {
    "delivery": "Level 1: delivery (cost, schedule, quality)",
    "kpi": "Level 2: KPIs of the period against budget and forecast",
    "outcome": "Level 3: outcomes (benefits, financial value, alignment, satisfaction)",
    "maturity": "PMO maturity",
    "pmo": "PMO value: what the PMO's services cost and what they achieve",
    "composite": "Composite: the value index",
}
UNITS = {
    "currency": "money, in `report.currency`",
    "count": "a count",
    "ratio": "a ratio",
    "pct": "percent, 0 to 100",
    "days": "days",
    "score": "a score",
    "index": "an index (1.0 is on plan)",
    "delta": "a change of an index (CPI or SPI), beyond that of comparison projects",
}
DIRECTIONS = {
    "higher": "higher is better",
    "lower": "lower is better",
    "zero": "closer to zero is better",
    None: "context only: no RAG status",
}

# Which projects count, shared by many metrics (blank status counts as active).
MONEY = "projects of every status except `proposed` (their budgets are not approved spend)"
DELIVERING = (
    "projects of every status except `proposed` and `cancelled` (those will not deliver); "
    "closed projects are judged on their actual finish and final estimate"
)
WITH_EVM = (
    MONEY + " whose latest EVM row up to the report period has PV, EV and AC; closed and "
    "cancelled projects keep their cumulative EVM"
)
NO_EVM = "Blank with the reason when there is no evm table, or no EVM row up to the report period."
EV_OVER_BAC = (
    "EV above BAC is a data error: validation refuses it, and should it reach the metrics "
    "their note names the projects; it is never clamped."
)


@dataclass(frozen=True)
class MetricInfo:
    id: str
    label: str
    level: str
    unit: str
    direction: str | None = None
    index: bool = False  # RAG from thresholds.index_*; 1.0 is on plan
    meaning: str = ""
    formula: str = ""
    sources: tuple[str, ...] = ()
    scope: str = ""
    edge_cases: str = ""
    example: str = ""

    @property
    def unit_text(self) -> str:
        return UNITS[self.unit]

    @property
    def direction_text(self) -> str:
        if self.index:
            return "higher is better; RAG from `thresholds.index_green_min` and `index_amber_min`"
        return DIRECTIONS[self.direction]


def _maturity_dimension(d: str) -> MetricInfo:
    return MetricInfo(
        f"maturity_{d}",
        f"Maturity: {d}",
        "maturity",
        "score",
        "higher",
        meaning=f"How mature the PMO's {d} practices are, from 1 (ad hoc) to 4 (optimizing), "
        "as the unit's own assessment scores them.",
        formula=f"mean of the answered {d} item scores of the unit's latest assessment",
        sources=("maturity",),
        scope="each unit's latest assessment up to the report period (the note names its "
        "period when it is older); the portfolio pools every unit's latest assessment",
        edge_cases="Blank when the dimension has no item, no answered item, or its coverage "
        "(answered item slots / item slots) is below `maturity.min_coverage`. With "
        "respondent_id the slots are every item of the dimension for every respondent of the "
        "assessment, so an item missing from the file counts as unanswered; a blank score is "
        "an unanswered slot.",
        example="10 item slots, 9 answered with scores summing to 27: coverage 90 % ≥ 80 %, "
        "score 27 / 9 = 3.00. With 7 answered: coverage 70 % < 80 %, blank.",
    )


def _maturity_gap(d: str) -> MetricInfo:
    return MetricInfo(
        f"maturity_gap_{d}",
        f"Maturity gap to target: {d}",
        "maturity",
        "score",
        "lower",
        meaning=f"How far the {d} score falls short of its target; 0 when it meets it.",
        formula=f"max(0, maturity.targets.{d} − maturity_{d})",
        sources=("maturity",),
        scope=f"as maturity_{d}",
        edge_cases=f"Blank when maturity_{d} is blank or no target is set for {d}. Never "
        "negative: a score above its target has gap 0.",
        example="Target 3: a score of 2.50 has gap 0.50; a score of 3.50 has gap 0.",
    )


_PMO_SOURCES = ("pmo_services", "evm", "projects")
_PMO_SCOPE = (
    "engagements of the unit's projects (the portfolio: of every project) with t + 2 up to the "
    "report period, each against comparison projects of its unit, quarter and band"
)
_PMO_BLANK = (
    "Blank without the pmo_services table (“no pmo_services data”), before any engagement can "
    "be measured (a service needs EVM rows the quarter before it and two quarters after it), "
    "and below `pmo.min_group_size` served or comparison projects: the note then gives both "
    "numbers."
)
# The served-weighted case of tests/unit/metrics/test_pmo.py, and one of its engagements.
_EFFECT_CASE = (
    "Cell 1: five served changes +.05 +.04 +.06 +.03 +.02 (mean +.04) against comparisons "
    "+.01 +.02 0 +.03 −.01 (mean +.01): +.03; cell 2: one served +.02 against 0 and +.01: "
    "+.015. (5 × .03 + 1 × .015) ÷ 6 = +0.0275."
)


def _pmo_estimate(index: str) -> list[MetricInfo]:
    """The effect on an index and the ends of its 95% interval."""
    name = index.upper()
    estimate = MetricInfo(
        f"pmo_effect_{index}",
        f"PMO effect on {name}",
        "pmo",
        "delta",
        "higher",
        meaning=f"How much more the {name} of the projects the PMO served improved, over the "
        "two quarters after a service, than that of comparable projects it did not serve: an "
        "association, not proof.",
        formula=f"Σ_c n_c · (mean change of the cell's engagements − mean change of its "
        f"comparison projects) ÷ Σ_c n_c; change = {name} at the end of t+2 − {name} at the "
        "end of t−1 for an engagement starting in quarter t (a service in t, none in t−1); "
        "cell c = (unit, t, band of the value before, `pmo.band_width` wide from "
        "`thresholds.index_amber_min`); comparison projects: no service in t−1..t+1; "
        "n_c = the cell's engagements",
        sources=_PMO_SOURCES,
        scope=_PMO_SCOPE,
        edge_cases=_PMO_BLANK + " Engagements in a cell without comparison projects are left "
        "out and counted in the note; the PMO-value page explains the method (docs/"
        "pmo-value.md).",
        example=_EFFECT_CASE if index == "cpi" else f"As for CPI, with {name}.",
    )
    return [estimate, *(_pmo_bound(estimate, side) for side in ("low", "high"))]


def _pmo_bound(of: MetricInfo, side: str) -> MetricInfo:
    lower = side == "low"
    value = {"delta": ("−0.004", "+0.036"), "currency": ("−109,000", "1,346,000")}[of.unit]
    return MetricInfo(
        f"{of.id}_{side}",
        f"{of.label} (95% {side})",
        "pmo",
        of.unit,
        meaning=f"The {'lower' if lower else 'upper'} end of the 95% interval of "
        f"{of.id}: the true value is likely to lie between the two ends.",
        formula=f"the {'2.5th' if lower else '97.5th'} percentile of {of.id} over "
        "`pmo.bootstrap_draws` resamples of the projects (each project, with all its quarters, "
        "drawn as a whole: Poisson weights fixed by its id, so the same data give the same "
        "interval)",
        sources=_PMO_SOURCES,
        scope=f"as {of.id}",
        edge_cases=_PMO_BLANK + " Resamples that leave no cell with both sides are left "
        f"out; {of.id}'s note counts them.",
        example=f"Of 1,000 resamples, the 25th smallest {of.id} is {value[0]} and the 975th "
        f"{value[1]}: {value[0] if lower else value[1]} (the percentile interpolates between "
        "neighbouring resamples).",
    )


def _pmo_metrics() -> list[MetricInfo]:
    cost_avoided = MetricInfo(
        "pmo_cost_avoided",
        "Cost avoided by PMO services",
        "pmo",
        "currency",
        "higher",
        meaning="What the served projects would have been forecast to cost had they followed "
        "their comparison projects' trend, less what they are forecast to cost now.",
        formula="Σ over the engagements of pmo_effect_cpi of BAC ÷ (CPI before + mean change "
        "of the cell's comparison projects) − BAC ÷ CPI after (EAC = BAC ÷ CPI)",
        sources=_PMO_SOURCES,
        scope="the engagements of pmo_effect_cpi",
        edge_cases=_PMO_BLANK + " An engagement whose CPI at the comparison trend is not "
        "positive is left out.",
        example="BAC 1,000, CPI 0.86 before and 0.91 after, comparisons +0.01: 1,000 ÷ 0.87 − "
        "1,000 ÷ 0.91 = 50.52.",
    )
    return [
        MetricInfo(
            "pmo_cost",
            "PMO service cost",
            "pmo",
            "currency",
            meaning="What the PMO's services to projects cost in the quarter.",
            formula="Σ cost of the pmo_services rows of the period; a row without cost costs "
            "hours × `pmo.hourly_rate`",
            sources=("pmo_services",),
            scope="services to the unit's projects (the portfolio: to every project)",
            edge_cases="0, noted “no PMO service recorded”, when the table has no row in the "
            "period; rows with neither cost nor hours are left out and counted in the note; "
            "blank without the pmo_services table.",
            example="Six services of 10 hours at 100 an hour and one costing 500: 6,500.",
        ),
        MetricInfo(
            "pmo_cost_pct",
            "PMO cost as share of project spend",
            "pmo",
            "pct",
            meaning="The PMO's cost as a share of what the projects spent in the quarter.",
            formula="100 · pmo_cost / Σ over projects of the growth of cumulative EVM actual "
            "cost in the period (latest AC up to the period − latest AC up to the quarter "
            "before; a project's first row counts in full)",
            sources=("pmo_services", "evm"),
            scope="as pmo_cost; the spend of every project with EVM rows",
            edge_cases="Blank when no project spend is recorded in the period, or without the "
            "pmo_services table.",
            example="Services of 6,000 while 13 projects' AC grew from 10,000 to 15,000 each: "
            "100 · 6,000 / 65,000 = 9.2 %.",
        ),
        MetricInfo(
            "pmo_supported_pct",
            "Active projects supported by the PMO",
            "pmo",
            "pct",
            meaning="How many of the active projects the PMO has served lately.",
            formula="100 · active projects with a service in the period or the three quarters "
            "before / active projects",
            sources=("pmo_services", "projects"),
            scope="projects with status `active` (a blank status is `active`)",
            edge_cases="Blank when there is no active project, or without the pmo_services table.",
            example="6 of 12 active projects served in the last four quarters: 50 %.",
        ),
        *_pmo_estimate("cpi"),
        *_pmo_estimate("spi"),
        cost_avoided,
        *(_pmo_bound(cost_avoided, side) for side in ("low", "high")),
        MetricInfo(
            "pmo_return",
            "Return on PMO services (cost avoided / cost)",
            "pmo",
            "ratio",
            "higher",
            meaning="The cost avoided for each unit of money the measured services cost.",
            formula="pmo_cost_avoided / the cost of the services of its engagements (quarters "
            "t..t+2)",
            sources=_PMO_SOURCES,
            scope="the engagements of pmo_cost_avoided",
            edge_cases=_PMO_BLANK + " Blank when those services cost nothing.",
            example="Cost avoided 50.52 by services that cost 20: 2.53.",
        ),
    ]


METRICS: dict[str, MetricInfo] = {
    m.id: m
    for m in [
        # ------------------------------------------------------------- level 1: delivery
        MetricInfo(
            "project_count",
            "Projects",
            "delivery",
            "count",
            meaning="How many projects the unit has, whatever their status.",
            formula="number of projects in the projects table",
            sources=("projects",),
            scope="every project (a row without project_id is not a project)",
            edge_cases="Blank when there is no projects table; 0 when it has no project.",
            example="P1 active, P2 proposed, P3 closed: 3.",
        ),
        MetricInfo(
            "active_project_count",
            "Active projects",
            "delivery",
            "count",
            meaning="How many projects are under way.",
            formula="number of projects with status `active`",
            sources=("projects",),
            scope="projects with status `active` (a blank status is `active`); not on_hold",
            edge_cases="Blank when there is no projects table.",
            example="P1 active, P2 proposed, P3 closed, P4 with a blank status: 2.",
        ),
        MetricInfo(
            "bac_total",
            "Budget at completion (BAC)",
            "delivery",
            "currency",
            meaning="The approved budget of the projects, in total.",
            formula="Σ budget_at_completion",
            sources=("projects",),
            scope=MONEY,
            edge_cases="Projects without a budget are left out and the note counts them; blank "
            "(not 0) when no project has one.",
            example="P1 BAC 100, P2 proposed with BAC 200, P3 closed without BAC: 100, note "
            "“1 of 2 without BAC: left out”.",
        ),
        MetricInfo(
            "eac_total",
            "Estimate at completion (EAC)",
            "delivery",
            "currency",
            "lower",
            meaning="What the projects are now expected to cost in total when they finish.",
            formula="Σ project EAC; a project's EAC is its forecast_at_completion where "
            "reported, else BAC / CPI from its latest EVM row up to the report period",
            sources=("projects", "evm"),
            scope=MONEY,
            edge_cases="A project with neither a forecast nor a CPI (no EVM row, or AC = 0) "
            "has no EAC: it is left out and the note counts it; blank when no project has one.",
            example="P1 reports a forecast of 120; P2 has BAC 100, EV 40 and AC 50, so CPI "
            "0.80 and EAC 100 / 0.80 = 125: 245.",
        ),
        MetricInfo(
            "cv_total",
            "Cost variance (CV)",
            "delivery",
            "currency",
            "higher",
            meaning="The value of the work done less what it cost: negative means over cost.",
            formula="ΣEV − ΣAC",
            sources=("evm", "projects"),
            scope=WITH_EVM,
            edge_cases=NO_EVM + " " + EV_OVER_BAC,
            example="BAC 100,000, PV 50,000, EV 40,000, AC 45,000: CV = 40,000 − 45,000 = −5,000.",
        ),
        MetricInfo(
            "sv_total",
            "Schedule variance (SV)",
            "delivery",
            "currency",
            "higher",
            meaning="The value of the work done less the value planned by now, in money: "
            "negative means behind plan.",
            formula="ΣEV − ΣPV",
            sources=("evm", "projects"),
            scope=WITH_EVM,
            edge_cases=NO_EVM,
            example="PV 50,000, EV 40,000: SV = 40,000 − 50,000 = −10,000.",
        ),
        MetricInfo(
            "cpi",
            "Cost performance index (CPI)",
            "delivery",
            "index",
            "higher",
            index=True,
            meaning="Value earned per unit of money spent: below 1 the work costs more than "
            "planned.",
            formula="ΣEV / ΣAC (a ratio of sums over the projects, never a mean of their CPIs)",
            sources=("evm", "projects"),
            scope=WITH_EVM,
            edge_cases=NO_EVM + " Blank when ΣAC = 0 (no actual cost yet), never 0 or "
            "infinity. " + EV_OVER_BAC,
            example="EV 40,000, AC 45,000: 40,000 / 45,000 = 0.8889. Roll-up: project X with "
            "EV 90 and AC 100, project Y with EV 10 and AC 5: (90 + 10) / (100 + 5) = 0.9524 "
            "(green at the default thresholds), not the mean of the two CPIs (1.45).",
        ),
        MetricInfo(
            "spi",
            "Schedule performance index (SPI)",
            "delivery",
            "index",
            "higher",
            index=True,
            meaning="Value earned against value planned by now: below 1 the work is behind plan.",
            formula="ΣEV / ΣPV",
            sources=("evm", "projects"),
            scope=WITH_EVM,
            edge_cases=NO_EVM + " Blank when ΣPV = 0 (nothing planned yet). SPI returns to 1 at "
            "the end of every finished project, late or not: see median SPI(t).",
            example="EV 40,000, PV 50,000: 40,000 / 50,000 = 0.80.",
        ),
        MetricInfo(
            "tcpi",
            "To-complete performance index (TCPI)",
            "delivery",
            "index",
            "lower",
            meaning="How efficiently the remaining work must be done to finish within budget: "
            "above 1 means better than so far.",
            formula="(ΣBAC − ΣEV) / (ΣBAC − ΣAC)",
            sources=("evm", "projects"),
            scope="open projects (active, on_hold) with BAC and an EVM row up to the report "
            "period: the others have no work left to finance",
            edge_cases=NO_EVM + " Blank when ΣBAC − ΣAC ≤ 0: the budget is used up and TCPI to "
            "BAC has no meaning (read EAC instead). No default target, so no RAG status "
            "unless `targets.tcpi` is set.",
            example="BAC 100,000, EV 40,000, AC 45,000: (100,000 − 40,000) / (100,000 − "
            "45,000) = 1.0909.",
        ),
        MetricInfo(
            "spi_t_median",
            "Median SPI(t) (earned schedule)",
            "delivery",
            "index",
            "higher",
            index=True,
            meaning="Schedule performance in time for the typical project: below 1 the project "
            "is late, even when its SPI has returned to 1.",
            formula="median over projects of SPI(t) = ES / AT. ES (earned schedule) = C + (EV "
            "− PV_C) / (PV_C+1 − PV_C), where PV is the project's cumulative planned value by "
            "quarter (the baseline, from its EVM rows, cut where PV first reaches BAC: the "
            "planned duration) and C the last quarter with PV_C ≤ EV; AT = quarters from the "
            "project's first EVM period to its status period, both included",
            sources=("evm", "projects"),
            scope=DELIVERING + ", with an EVM row up to the report period",
            edge_cases=NO_EVM + " ES never exceeds the planned duration. Gaps between reported "
            "quarters are bridged linearly; when the PV rows stop before BAC, the baseline is "
            "closed at BAC in the baseline_finish quarter. A project whose EV lies beyond a "
            "baseline that never reaches BAC has no ES (note says why) and is left out.",
            example="Cumulative PV by quarter 1 to 6 = 10, 25, 45, 70, 90, 100 (BAC 100, "
            "planned duration 6); EV = 50 at AT = 4: C = 3, ES = 3 + (50 − 45) / (70 − 45) = "
            "3.20, SPI(t) = 3.20 / 4 = 0.80 (and SV(t) = ES − AT = −0.80 quarters).",
        ),
        MetricInfo(
            "on_budget_pct",
            "Projects on budget",
            "delivery",
            "pct",
            "higher",
            meaning="The share of projects expected to finish within budget (and its tolerance).",
            formula="100 · on budget / judged, where a project is on budget when EAC ≤ BAC · "
            "(1 + tolerances.budget_pct / 100)",
            sources=("projects", "evm"),
            scope=DELIVERING,
            edge_cases="A project without EAC or BAC cannot be judged: left out, and the note "
            "counts it. Blank when no project can be judged.",
            example="Tolerance 5 %: BAC 100 with EAC 104 (on), BAC 100 with EAC 106 (off), a "
            "third without EAC: 100 · 1 / 2 = 50 %, note “1 of 3 project(s) undetermined: "
            "left out”.",
        ),
        MetricInfo(
            "on_time_pct",
            "Projects on time",
            "delivery",
            "pct",
            "higher",
            meaning="The share of projects finishing (or expected to finish) by their baseline "
            "date, within the tolerance.",
            formula="100 · on time / judged, where a project is on time when its slip (finish − "
            "baseline_finish, in days; finish = actual_finish, else forecast_finish) is at "
            "most tolerances.schedule_days",
            sources=("projects",),
            scope=DELIVERING,
            edge_cases="A project without a baseline finish, or without an actual or forecast "
            "finish, is left out and counted in the note. Blank when no project can be judged.",
            example="Tolerance 30 days, baseline finish 31 March: one finishes 20 April (20 "
            "days: on time), one 31 May (61 days: late): 50 %.",
        ),
        MetricInfo(
            "schedule_slip_days_median",
            "Median schedule slip",
            "delivery",
            "days",
            "lower",
            meaning="How late the typical project finishes against its baseline; negative "
            "means early.",
            formula="median of (finish − baseline_finish) in days, finish = actual_finish, "
            "else forecast_finish",
            sources=("projects",),
            scope=DELIVERING,
            edge_cases="Projects without both dates are left out; blank when none has both. "
            "Early finishes count as negative slips.",
            example="Slips of −10, 20 and 61 days: 20 days.",
        ),
        MetricInfo(
            "rating_red_count",
            "Red-rated projects",
            "delivery",
            "count",
            "lower",
            meaning="How many projects their managers rate red.",
            formula="number of projects with rating `red`",
            sources=("projects",),
            scope="every project, whatever its status",
            edge_cases="Blank when no project is rated (red, amber or green).",
            example="Ratings red, amber, amber, green and one blank: 1.",
        ),
        MetricInfo(
            "rating_amber_count",
            "Amber-rated projects",
            "delivery",
            "count",
            meaning="How many projects their managers rate amber.",
            formula="number of projects with rating `amber`",
            sources=("projects",),
            scope="every project, whatever its status",
            edge_cases="Blank when no project is rated.",
            example="Ratings red, amber, amber, green and one blank: 2.",
        ),
        MetricInfo(
            "rating_green_count",
            "Green-rated projects",
            "delivery",
            "count",
            meaning="How many projects their managers rate green.",
            formula="number of projects with rating `green`",
            sources=("projects",),
            scope="every project, whatever its status",
            edge_cases="Blank when no project is rated.",
            example="Ratings red, amber, amber, green and one blank: 1.",
        ),
        MetricInfo(
            "rating_red_amber_pct",
            "Red or amber projects",
            "delivery",
            "pct",
            "lower",
            meaning="The share of rated projects that their managers rate red or amber.",
            formula="100 · (red + amber) / rated projects",
            sources=("projects",),
            scope="every rated project, whatever its status; unrated projects are not counted",
            edge_cases="Blank when no project is rated.",
            example="Ratings red, amber, amber, green and one blank: 100 · 3 / 4 = 75 %.",
        ),
        # ------------------------------------------------------------- level 2: KPIs
        MetricInfo(
            "period_budget_total",
            "Period budget",
            "kpi",
            "currency",
            meaning="What the projects may spend in the period.",
            formula="Σ period_budget",
            sources=("projects",),
            scope=MONEY + " that report a period budget",
            edge_cases="Blank when no project reports one. The projects table is a snapshot: "
            "this value does not change with the report period.",
            example="Period budgets 100 and 200: 300.",
        ),
        MetricInfo(
            "period_forecast_total",
            "Period forecast",
            "kpi",
            "currency",
            meaning="What the projects now expect to spend in the period.",
            formula="Σ period_forecast",
            sources=("projects",),
            scope=MONEY + " that report a period forecast",
            edge_cases="Blank when no project reports one; a snapshot, as the period budget.",
            example="Period forecasts 110 and 180: 290.",
        ),
        MetricInfo(
            "period_variance_pct",
            "Period forecast vs budget",
            "kpi",
            "pct",
            "zero",
            meaning="How far the period's forecast spend is from its budget: positive is "
            "overspend, negative underspend.",
            formula="100 · (Σperiod_forecast − Σperiod_budget) / Σperiod_budget",
            sources=("projects",),
            scope=MONEY + " that report both a period budget and a period forecast, so that a "
            "project with only one of them does not distort the variance",
            edge_cases="Projects with only one of the two are left out and counted in the "
            "note. Blank when no project reports both, or their Σperiod_budget is 0. Its "
            "target is a tolerance either side of 0: green within ±target.",
            example="Budgets 100 and 200, forecasts 110 and 180: 100 · (290 − 300) / 300 = −3.3 %.",
        ),
        # ------------------------------------------------------------- level 3: outcomes
        MetricInfo(
            "benefits_baseline_total",
            "Benefits baseline forecast",
            "outcome",
            "currency",
            meaning="The benefits the projects' business cases forecast up to now.",
            formula="Σ baseline_forecast over benefit rows with period ≤ the report period",
            sources=("benefits", "projects"),
            scope=MONEY + "; benefit rows are amounts for their period, summed to date (a row "
            "without a period counts in the report period)",
            edge_cases="Negative amounts are disbenefits and count as negative. Blank when "
            "there is no benefits table or no row up to the report period.",
            example="Rows of 150 (2026-Q2) and 250 (2026-Q3), reported in 2026-Q3: 400.",
        ),
        MetricInfo(
            "benefits_realized_total",
            "Benefits realized",
            "outcome",
            "currency",
            "higher",
            meaning="The benefits actually realized up to now.",
            formula="Σ realized over benefit rows with period ≤ the report period",
            sources=("benefits", "projects"),
            scope="as benefits_baseline_total, rows with a realized value",
            edge_cases="Blank (not 0) when no row up to the report period has a realized "
            "value yet.",
            example="Realized 100 (2026-Q2) and 200 (2026-Q3): 300.",
        ),
        MetricInfo(
            "benefits_realization_pct",
            "Benefits realization",
            "outcome",
            "pct",
            "higher",
            meaning="How much of the forecast benefit has been realized, where it has been "
            "measured.",
            formula="100 · Σrealized / Σbaseline_forecast, both over the rows (to date) that "
            "have a realized value",
            sources=("benefits", "projects"),
            scope="as benefits_baseline_total; a row not yet measured counts neither as 0 nor "
            "as achieved (the note counts such rows)",
            edge_cases="Blank when no row has a realized value, or when the measured baseline "
            "is 0 or negative (a net disbenefit has no realization percentage).",
            example="Realized 300 of a baseline forecast of 400: 75 %. A baseline of 0: blank.",
        ),
        MetricInfo(
            "npv_total",
            "Net present value (NPV)",
            "outcome",
            "currency",
            "higher",
            meaning="The projects' benefits less their costs, in today's money.",
            formula="Σ over projects of Σ_y (benefit_y − cost_y) / (1 + finance.discount_rate)^y"
            ", year 0 (each project's decision year) not discounted",
            sources=("cashflows", "projects"),
            scope=MONEY + "; the cash flows are not period-stamped, so the value does not "
            "change with the report period",
            edge_cases="Rows without an amount or year, or of another kind than cost or "
            "benefit, are ignored. Blank when there is no cashflows table or no cash flow "
            "for these projects. Each project is discounted to its own year 0.",
            example="A cost of 1,000 in year 0 and benefits of 250 in years 1 to 5, at 3.5 %: "
            "−1,000 + 250 · (1/1.035 + … + 1/1.035⁵) = 128.76. (124.41 would mean year 0 was "
            "discounted too, as a spreadsheet's NPV() does.)",
        ),
        MetricInfo(
            "roi_pct",
            "Return on investment (ROI)",
            "outcome",
            "pct",
            "higher",
            meaning="The net benefit as a share of the cost, undiscounted.",
            formula="100 · (Σbenefit − Σcost) / Σcost, undiscounted",
            sources=("cashflows", "projects"),
            scope="as npv_total",
            edge_cases="Blank when Σcost = 0 or there are no cash flows.",
            example="Cost 1,000, benefits 5 × 250 = 1,250: 100 · (1,250 − 1,000) / 1,000 = 25 %.",
        ),
        MetricInfo(
            "bcr",
            "Benefit-cost ratio (BCR)",
            "outcome",
            "ratio",
            "higher",
            meaning="Benefits per unit of cost, both in today's money: above 1 the benefits "
            "outweigh the costs.",
            formula="PV(benefits) / PV(costs), discounted as for NPV (sums over the projects, "
            "never a mean of their ratios)",
            sources=("cashflows", "projects"),
            scope="as npv_total",
            edge_cases="Blank when PV(costs) = 0 or there are no cash flows.",
            example="The NPV case: PV(benefits) 1,128.76 / PV(costs) 1,000 = 1.1288.",
        ),
        MetricInfo(
            "aligned_spend_pct",
            "Spend on aligned projects",
            "outcome",
            "pct",
            "higher",
            meaning="The share of budget going to projects that serve the strategy well enough.",
            formula="100 · ΣBAC(projects with score ≥ alignment.aligned_threshold) / ΣBAC(scored "
            "projects); a project's score = Σ_c w_c · s_c / Σ_c w_c over the criteria c of "
            "alignment.criteria it is scored on (weights w_c, scores s_c from 1 to 5)",
            sources=("alignment", "projects"),
            scope=MONEY + " that have a score and a BAC",
            edge_cases="A project scored on only some criteria is scored on those, weights "
            "renormalised (noted); several rows for one criterion are averaged; criteria not "
            "in alignment.criteria are ignored (noted); scored projects without BAC are left "
            "out (noted). Blank when no scored project has a BAC or their ΣBAC is 0.",
            example="Weights 0.4, 0.3, 0.2, 0.1: project A scored 5, 4, 3, 1 → 0.4·5 + 0.3·4 "
            "+ 0.2·3 + 0.1·1 = 3.9; project B scored 2 on every criterion → 2.0. BAC 300 and "
            "100, threshold 3.0: 100 · 300 / 400 = 75 %.",
        ),
        MetricInfo(
            "alignment_score_mean",
            "Mean alignment score",
            "outcome",
            "score",
            "higher",
            meaning="How well the budget as a whole serves the strategy, from 1 to 5.",
            formula="ΣBAC · score / ΣBAC (a BAC-weighted mean of the project scores)",
            sources=("alignment", "projects"),
            scope="as aligned_spend_pct",
            edge_cases="As aligned_spend_pct.",
            example="The aligned spend case: (300 · 3.9 + 100 · 2.0) / 400 = 3.425.",
        ),
        MetricInfo(
            "nps",
            "Net promoter score (NPS)",
            "outcome",
            "score",
            "higher",
            meaning="Whether stakeholders would recommend the PMO: −100 (all detractors) to "
            "+100 (all promoters).",
            formula="% promoters (answers 9 to 10) − % detractors (answers 0 to 6) among the "
            "`nps` answers of the report period",
            sources=("survey",),
            scope="answers of the report period only; passives (7 to 8) count in the "
            "denominator only; the portfolio pools every unit's answers",
            edge_cases="Blank when the period has no NPS answer. The note says “few responses” "
            "below 10 answers.",
            example="50 promoters, 30 passives, 20 detractors: 50 % − 20 % = +30.",
        ),
        MetricInfo(
            "csat_pct",
            "Customer satisfaction (CSAT)",
            "outcome",
            "pct",
            "higher",
            meaning="The share of stakeholders satisfied with the PMO.",
            formula="100 · answers of 4 or 5 / answers, among the `csat` answers (1 to 5 "
            "scale) of the report period",
            sources=("survey",),
            scope="answers of the report period only; the portfolio pools every unit's",
            edge_cases="Blank when the period has no CSAT answer; “few responses” below 10.",
            example="Answers 5, 5, 4, 4, 4, 3, 2, 1: 100 · 5 / 8 = 62.5 %, note “few "
            "responses (n = 8)”.",
        ),
        MetricInfo(
            "survey_responses",
            "Survey responses",
            "outcome",
            "count",
            meaning="How many people answered the survey in the period: how far to trust NPS "
            "and CSAT.",
            formula="distinct respondent_id among the period's answers of both instruments, "
            "plus one for each answer without a respondent_id",
            sources=("survey",),
            scope="answers of the report period only",
            edge_cases="Blank when the period has no answer; “few responses” below 10.",
            example="r1 answers NPS and CSAT, r2 answers NPS, and two answers have no "
            "respondent_id: 2 + 2 = 4.",
        ),
        # ------------------------------------------------------------- maturity
        *[_maturity_dimension(d) for d in MATURITY_DIMENSIONS],
        MetricInfo(
            "maturity_profile",
            "Maturity profile (mean)",
            "maturity",
            "score",
            "higher",
            meaning="The PMO's maturity across its four dimensions, on average (1 to 4).",
            formula="mean of the dimension scores that are not blank",
            sources=("maturity",),
            scope="as the dimension scores",
            edge_cases="Blank when every dimension is blank; the note names the dimensions "
            "left out.",
            example="People 3.0, process 2.5, technology 3.5, governance blank: (3.0 + 2.5 + "
            "3.5) / 3 = 3.0, note “mean of 3 of 4 dimensions (without governance)”.",
        ),
        MetricInfo(
            "maturity_level",
            "Maturity level (weakest link)",
            "maturity",
            "score",
            "higher",
            meaning="The stage the PMO has reached as a whole: 1 ad hoc, 2 evolving, "
            "3 operationalizing, 4 optimizing. One weak dimension holds the whole PMO back.",
            formula="min over the four dimensions of the whole part of the score",
            sources=("maturity",),
            scope="as the dimension scores",
            edge_cases="Blank when any dimension is blank (the weakest link could be the one "
            "not measured). The note names the stage.",
            example="People 3.2, process 2.9, technology 3.8, governance 3.0: min(3, 2, 3, 3) = "
            "2 (evolving).",
        ),
        *[_maturity_gap(d) for d in MATURITY_DIMENSIONS],
        # ------------------------------------------------------------- PMO value
        *_pmo_metrics(),
        # ------------------------------------------------------------- composite
        MetricInfo(
            "value_index",
            "Value index",
            "composite",
            "score",
            "higher",
            meaning="Financial, strategic and stakeholder value in one number from 0 to 100.",
            formula="Σ_k w_k · S_k / Σ_k w_k over the sub-scores S_k that can be computed, "
            "weights w_k from value_index.weights: financial = mean of 100 · min(CPI, 1) and "
            "benefits_realization_pct; strategic = aligned_spend_pct; stakeholder = mean of "
            "(NPS + 100) / 2 and csat_pct",
            sources=("evm", "benefits", "alignment", "survey", "projects"),
            scope="the unit's (or portfolio's) metrics above",
            edge_cases="Every part is capped to 0 to 100 first (over-performance earns no "
            "more). A sub-score is the mean of the parts available; a blank sub-score leaves "
            "the others with renormalised weights (noted). Blank when no sub-score with a "
            "weight above 0 can be computed.",
            example="Weights 0.4, 0.35, 0.25; CPI 0.90 and realization 75 % → financial "
            "(90 + 75) / 2 = 82.5; aligned spend 75 % → strategic 75; NPS +30 and CSAT 62.5 % "
            "→ stakeholder (65 + 62.5) / 2 = 63.75: 0.4·82.5 + 0.35·75 + 0.25·63.75 = 75.2. "
            "Without survey data: (0.4·82.5 + 0.35·75) / 0.75 = 79.0.",
        ),
    ]
}

METRIC_IDS: tuple[str, ...] = tuple(METRICS)

# How big a change from one quarter to the next must be to be material: a number is in the
# metric's own unit (0.02 of CPI, 5 percentage points, 10 days); "N%" is N percent of the
# previous value; None: never by its size (totals that grow every quarter by nature, counts
# that are context, gaps that mirror a score). The defaults of `changes.material`
# (params/defaults.yml lists them; a project may set any of them). A change of RAG status, or
# a value that goes blank or comes back, is always material.
MATERIAL_CHANGE: dict[str, float | str | None] = {
    "project_count": "10%",
    "active_project_count": "10%",
    "bac_total": "5%",
    "eac_total": "2%",
    "cv_total": "25%",
    "sv_total": "25%",
    "cpi": 0.02,
    "spi": 0.02,
    "tcpi": 0.05,
    "spi_t_median": 0.02,
    "on_budget_pct": 5,
    "on_time_pct": 5,
    "schedule_slip_days_median": 10,
    "rating_red_count": "10%",
    "rating_amber_count": None,
    "rating_green_count": None,
    "rating_red_amber_pct": 5,
    "period_budget_total": "10%",
    "period_forecast_total": "10%",
    "period_variance_pct": 2,
    "benefits_baseline_total": None,
    "benefits_realized_total": None,
    "benefits_realization_pct": 5,
    "npv_total": "5%",
    "roi_pct": 5,
    "bcr": 0.1,
    "aligned_spend_pct": 5,
    "alignment_score_mean": 0.2,
    "nps": 5,
    "csat_pct": 5,
    "survey_responses": None,
    **{f"maturity_{d}": 0.25 for d in MATURITY_DIMENSIONS},
    "maturity_profile": 0.2,
    "maturity_level": 1,
    **{f"maturity_gap_{d}": None for d in MATURITY_DIMENSIONS},
    "value_index": 2,
    # PMO value: the estimates move with every quarter's engagements; their bounds follow them
    "pmo_cost": "20%",
    "pmo_cost_pct": "20%",
    "pmo_supported_pct": 5,
    "pmo_effect_cpi": 0.02,
    "pmo_effect_cpi_low": None,
    "pmo_effect_cpi_high": None,
    "pmo_effect_spi": 0.02,
    "pmo_effect_spi_low": None,
    "pmo_effect_spi_high": None,
    "pmo_cost_avoided": "25%",
    "pmo_cost_avoided_low": None,
    "pmo_cost_avoided_high": None,
    "pmo_return": "25%",
}
