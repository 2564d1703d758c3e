"""Generate the shipped demo organisation into ``data/sample/``.

Northwind Group (GBP): six business units, 250 projects and eight quarters of
history, 2024-Q4 to 2026-Q3 (the report period, ending 2026-09-30). The files
follow the canonical tables of docs/data.md and are shaped to exercise the
metrics of docs/metrics.md:

- "Risk & Compliance" is well run (CPI and SPI about 1.0-1.05, mostly green);
  "Digital Channels" is in trouble (CPI and SPI about 0.85, many red and amber
  projects, late finishers, benefits under-delivered); the others lie between.
- The PMO serves troubled projects (CPI below 0.90 the quarter before) far more often than
  the others, and its cost reviews, recoveries and health checks really do make the later work
  of a served project cheaper (``PMO_SERVICES``): pmo_services.csv records the services, and
  the EVM actual cost of a served project after its service carries the effect.
  ``pmo_engagements()`` gives the effect each engagement truly had, for the tests.
- Edge cases: a late project whose earned value has caught up with planned value
  (SPI = 1, SPI(t) < 1), projects whose first quarter has PV > 0 but AC = 0,
  disbenefits, benefits not reported yet, a survey with four responses, and a
  maturity survey whose technology items are mostly unanswered.

The output is deterministic: one fixed seed, no use of today's date, money and
scores rounded to two decimals, UTF-8 with ``\\n`` line endings, so the bytes are
the same on every platform. Regenerate from the repository root with::

    python scripts/make_sample_data.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260930


# --- calendar -------------------------------------------------------------------


def _quarter_end(year: int, quarter: int) -> date:
    month = 3 * quarter
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _periods(first_year: int, first_quarter: int, count: int) -> list[tuple[str, date]]:
    out = []
    year, quarter = first_year, first_quarter
    for _ in range(count):
        out.append((f"{year}-Q{quarter}", _quarter_end(year, quarter)))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


_CALENDAR = _periods(2024, 4, 8)
PERIODS: list[str] = [label for label, _ in _CALENDAR]
PERIOD_ENDS: list[date] = [end for _, end in _CALENDAR]
N_PERIODS = len(PERIODS)
LAST = N_PERIODS - 1
WINDOW_START = date(2024, 10, 1)
REPORT_END = PERIOD_ENDS[LAST]  # 2026-09-30


def period_index(day: date) -> int:
    """Index into PERIODS of the quarter holding ``day`` (< 0 before, > LAST after)."""
    return day.year * 4 + (day.month - 1) // 3 - (2024 * 4 + 3)


# --- the organisation -----------------------------------------------------------

CATEGORIES = ("Regulatory", "Growth", "Efficiency", "Infrastructure", "Customer")
KINDS = (
    "Programme",
    "Upgrade",
    "Migration",
    "Replacement",
    "Uplift",
    "Automation",
    "Rollout",
    "Redesign",
)
DIMENSIONS = ("people", "process", "technology", "governance")
CRITERIA = ("strategy_fit", "customer_value", "risk_reduction", "innovation")
# How each category tends to score on CRITERIA (added to the project's base score).
CRITERIA_TILT: dict[str, tuple[float, float, float, float]] = {
    "Regulatory": (0.2, -0.5, 1.2, -0.9),
    "Growth": (0.5, 0.8, -0.6, 0.8),
    "Efficiency": (0.3, 0.0, 0.1, 0.0),
    "Infrastructure": (0.0, -0.4, 0.7, 0.0),
    "Customer": (0.3, 1.0, -0.5, 0.4),
}


@dataclass(frozen=True)
class Unit:
    """How a business unit behaves; every table draws around these means."""

    name: str
    prefix: str
    n_projects: int
    cpi: float  # mean cost performance of its projects
    slip: float  # mean actual / planned duration (1 = on time)
    realization: float  # share of baseline benefits actually realised
    benefit_ratio: float  # median business-case benefits / costs, undiscounted
    objectives_p: float  # chance that a closed project met its objectives
    alignment: float  # mean alignment score before category tilts
    satisfaction: float  # mean latent stakeholder satisfaction, 0..1
    sat_trend: float  # change of satisfaction per quarter
    maturity: tuple[float, float, float, float]  # DIMENSIONS levels in 2024-Q4
    maturity_drift: float  # change of maturity per quarter
    category_mix: tuple[float, float, float, float, float]  # weights of CATEGORIES
    topics: tuple[str, ...]


UNITS: tuple[Unit, ...] = (
    # Middle of the road, growth-minded.
    Unit(
        name="Retail Banking",
        prefix="RB",
        n_projects=48,
        cpi=0.96,
        slip=1.03,
        realization=0.88,
        benefit_ratio=1.6,
        objectives_p=0.8,
        alignment=3.4,
        satisfaction=0.73,
        sat_trend=0.004,
        maturity=(2.6, 2.8, 2.5, 2.7),
        maturity_drift=0.04,
        category_mix=(0.15, 0.3, 0.2, 0.1, 0.25),
        topics=(
            "Mortgage Origination",
            "Branch Network",
            "Current Account",
            "Savings Platform",
            "Credit Card",
            "Customer Onboarding",
            "Loan Servicing",
            "Overdraft Pricing",
            "Collections",
            "ATM Estate",
            "Personal Lending",
            "Fraud Alerts",
        ),
    ),
    # Slightly slower than plan; thin satisfaction.
    Unit(
        name="Corporate Banking",
        prefix="CB",
        n_projects=37,
        cpi=0.94,
        slip=1.03,
        realization=0.85,
        benefit_ratio=1.5,
        objectives_p=0.75,
        alignment=3.3,
        satisfaction=0.72,
        sat_trend=0.003,
        maturity=(2.5, 2.6, 2.4, 2.6),
        maturity_drift=0.03,
        category_mix=(0.15, 0.35, 0.2, 0.1, 0.2),
        topics=(
            "Trade Finance",
            "Cash Management",
            "Treasury Dashboard",
            "Syndicated Lending",
            "Corporate Onboarding",
            "FX Pricing",
            "Liquidity Reporting",
            "Supply Chain Finance",
            "Client Portal",
            "Credit Workflow",
            "Payments Hub",
            "Relationship CRM",
        ),
    ),
    # Fairly steady; the report quarter's survey had few responses.
    Unit(
        name="Wealth Management",
        prefix="WM",
        n_projects=29,
        cpi=0.97,
        slip=1.01,
        realization=0.9,
        benefit_ratio=1.55,
        objectives_p=0.8,
        alignment=3.4,
        satisfaction=0.75,
        sat_trend=0.004,
        maturity=(2.7, 2.6, 2.6, 2.8),
        maturity_drift=0.035,
        category_mix=(0.2, 0.3, 0.15, 0.05, 0.3),
        topics=(
            "Advisor Workstation",
            "Portfolio Rebalancing",
            "Client Reporting",
            "Discretionary Mandates",
            "Pension Transfer",
            "Suitability Checks",
            "Model Portfolios",
            "Estate Planning",
            "Investment Research",
            "Fee Billing",
            "Custody Integration",
            "Client App",
        ),
    ),
    # Infrastructure-heavy; leaves the technology maturity items open in 2026-Q3.
    Unit(
        name="Operations & Technology",
        prefix="OT",
        n_projects=58,
        cpi=0.95,
        slip=1.02,
        realization=0.87,
        benefit_ratio=1.45,
        objectives_p=0.75,
        alignment=3.2,
        satisfaction=0.71,
        sat_trend=0.004,
        maturity=(2.5, 2.7, 2.9, 2.5),
        maturity_drift=0.045,
        category_mix=(0.1, 0.05, 0.35, 0.45, 0.05),
        topics=(
            "Data Centre",
            "Cloud Landing Zone",
            "Network Refresh",
            "Identity Management",
            "Mainframe",
            "Service Desk",
            "Data Warehouse",
            "Backup and Recovery",
            "Laptop Estate",
            "Integration Platform",
            "Observability",
            "Core Ledger",
            "Document Management",
            "Batch Scheduling",
        ),
    ),
    # Well run: on budget, on time, benefits delivered, level 3 maturity.
    Unit(
        name="Risk & Compliance",
        prefix="RC",
        n_projects=33,
        cpi=1.025,
        slip=0.975,
        realization=0.97,
        benefit_ratio=1.4,
        objectives_p=0.92,
        alignment=3.6,
        satisfaction=0.8,
        sat_trend=0.004,
        maturity=(3.0, 3.2, 2.9, 3.3),
        maturity_drift=0.02,
        category_mix=(0.6, 0.02, 0.15, 0.18, 0.05),
        topics=(
            "Basel 3.1",
            "AML Screening",
            "Consumer Duty",
            "Operational Resilience",
            "Model Risk",
            "Sanctions Screening",
            "Regulatory Reporting",
            "Conduct Risk",
            "Stress Testing",
            "KYC Refresh",
            "Records Retention",
            "Climate Risk",
        ),
    ),
    # In trouble: overspends, slips, under-delivers, weak governance.
    Unit(
        name="Digital Channels",
        prefix="DC",
        n_projects=45,
        cpi=0.85,
        slip=1.12,
        realization=0.62,
        benefit_ratio=1.25,
        objectives_p=0.5,
        alignment=3.0,
        satisfaction=0.6,
        sat_trend=-0.005,
        maturity=(2.1, 2.0, 2.3, 1.5),
        maturity_drift=0.0,
        category_mix=(0.05, 0.4, 0.1, 0.1, 0.35),
        topics=(
            "Mobile App",
            "Online Banking",
            "Chatbot",
            "Digital Onboarding",
            "Web Redesign",
            "Push Notifications",
            "Open Banking API",
            "Personalisation Engine",
            "Digital Mortgages",
            "Accessibility",
            "Card Controls",
            "Customer Messaging",
        ),
    ),
)


@dataclass
class Project:
    """A project's plan and latent performance; the tables are derived from it."""

    project_id: str
    name: str
    unit: Unit
    status: str
    category: str
    bac: float
    cpi: float  # latent cost performance (AC = EV / cpi)
    start: date
    baseline_finish: date  # PV reaches BAC in the quarter holding this day
    work_done: date | None = None  # EV reaches BAC in the quarter holding this day
    finish: date | None = None  # forecast finish, or actual finish when closed
    stop: date | None = None  # cancellation day
    hold_from: int | None = None  # first period without progress (on hold)
    idle_first: bool = False  # first period planned but nothing spent or earned
    in_cashflows: bool = True  # business case written to cashflows.csv
    costs: list[float] = field(default_factory=list)  # by year 0, 1, ...
    benefits: list[float] = field(default_factory=list)  # by year 0, 1, ...
    evm: list[tuple[int, float, float, float]] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------


def _money(value: float) -> float:
    # "+ 0.0" turns -0.0 into 0.0 so a rounded tiny disbenefit never prints "-0.00".
    return float(np.round(value, 2)) + 0.0


def _s_curve(share: float) -> float:
    """Cumulative share of work at time ``share``: slow start, fast middle, slow end."""
    x = min(max(share, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _elapsed(at: date, start: date, finish: date) -> float:
    """Share of start..finish (both days inclusive) elapsed at the end of ``at``."""
    return ((at - start).days + 1) / ((finish - start).days + 1)


def _day(start: date, days: int) -> date:
    return start + timedelta(days=days)


# --- the portfolio (latent plan, shared by the tables) --------------------------


def _status_mix(n: int, rng: np.random.Generator) -> list[str]:
    # Fixed counts per unit (then shuffled) so every unit shows every status.
    counts = {
        "proposed": max(1, round(0.05 * n)),
        "on_hold": max(1, round(0.05 * n)),
        "cancelled": max(1, round(0.04 * n)),
        "closed": round(0.22 * n),
    }
    counts["active"] = n - sum(counts.values())
    statuses = [status for status, count in counts.items() for _ in range(count)]
    return [statuses[i] for i in rng.permutation(n)]


def _project_names(unit: Unit, rng: np.random.Generator) -> list[str]:
    combos = [f"{topic} {kind}" for topic in unit.topics for kind in KINDS]
    return [combos[i] for i in rng.choice(len(combos), size=unit.n_projects, replace=False)]


def _make_project(
    unit: Unit, project_id: str, name: str, status: str, rng: np.random.Generator
) -> Project:
    category = CATEGORIES[int(rng.choice(len(CATEGORIES), p=unit.category_mix))]
    bac = round(float(np.clip(rng.lognormal(np.log(600_000), 0.85), 50_000, 5e6)), -3)
    cpi = float(np.clip(rng.normal(unit.cpi, 0.05), 0.65, 1.15))
    slip = max(0.9, float(rng.normal(unit.slip, 0.07)))
    planned = int(rng.integers(180, 900))
    actual = round(planned * slip)
    p = Project(project_id, name, unit, status, category, bac, cpi, WINDOW_START, WINDOW_START)

    if status == "proposed":
        p.start = _day(REPORT_END, int(rng.integers(15, 200)))
    elif status == "closed":
        # Finished inside the history window, so its whole EVM curve is in the data;
        # shorter on average (150..540 planned days), so benefits have time to flow.
        planned = 150 + (planned - 180) * 390 // 720
        actual = round(planned * slip)
        if actual > 640:
            planned = int(planned * 640 / actual)
            actual = round(planned * slip)
        latest = _day(REPORT_END, -5 - actual)
        p.start = _day(WINDOW_START, int(rng.integers(0, (latest - WINDOW_START).days + 1)))
        p.work_done = p.finish = _day(p.start, actual - 1)
    elif status == "cancelled":
        p.cpi = max(0.65, p.cpi - 0.07)  # troubled projects are the ones stopped
        latest = _day(REPORT_END, -int(0.3 * actual) - 1)
        p.start = _day(WINDOW_START, int(rng.integers(0, (latest - WINDOW_START).days)))
        p.work_done = _day(p.start, actual - 1)
        stop = _day(p.start, int(rng.uniform(0.25, 0.7) * actual))
        p.stop = min(stop, _day(REPORT_END, -1))
    else:  # active or on_hold: somewhere in the middle of the run at the report date
        share = rng.uniform(0.3, 0.8) if status == "on_hold" else rng.uniform(0.04, 0.95)
        p.start = max(_day(REPORT_END, -int(share * actual)), WINDOW_START)
        p.work_done = p.finish = _day(p.start, actual - 1)
        if p.finish <= REPORT_END:
            p.work_done = p.finish = _day(REPORT_END, int(rng.integers(10, 60)))
        if status == "on_hold":
            first = period_index(p.start)
            # Paused within the last three quarters (long pauses get cancelled).
            earliest = max(first + 1, LAST - 2)
            p.hold_from = int(rng.integers(earliest, N_PERIODS)) if first < LAST else LAST
            paused = (REPORT_END - PERIOD_ENDS[p.hold_from - 1]).days
            p.finish = _day(p.work_done, paused + 90)  # resumes next quarter at best
    p.baseline_finish = _day(p.start, planned - 1)
    return p


def _business_case(p: Project, rng: np.random.Generator) -> None:
    # Build cost in years 0-1, running cost and benefits in years 1-5.
    build_now = p.bac * rng.uniform(0.55, 0.9)
    run = p.bac * rng.uniform(0.03, 0.08)
    p.costs = [build_now, p.bac - build_now + run, run, run, run, run]
    ramp = [0.0, 0.5, 0.9, 1.0, 1.0, 1.0]
    ratio = rng.lognormal(np.log(p.unit.benefit_ratio), 0.3)
    annual = ratio * sum(p.costs) / sum(ramp)
    p.benefits = [annual * r for r in ramp]
    p.in_cashflows = p.status != "cancelled" and rng.random() < 0.9


def _special_cases(projects: list[Project]) -> None:
    """Pin the edge cases the report must handle, on fixed projects."""

    def first_active(prefix: str) -> Project:
        return next(p for p in projects if p.status == "active" and p.project_id.startswith(prefix))

    # Late but caught up: PV reached BAC in 2026-Q1, EV only in 2026-Q3, still
    # closing down. SPI = 1 at the report date, SPI(t) < 1.
    late = first_active("OT-")
    late.start, late.baseline_finish = date(2025, 4, 14), date(2026, 3, 27)
    late.work_done, late.finish = date(2026, 9, 18), date(2026, 10, 30)
    # Planned to start in the report quarter but nothing spent yet (AC = 0, CPI blank).
    idle = first_active("DC-")
    idle.start, idle.baseline_finish = date(2026, 8, 3), date(2027, 9, 10)
    idle.work_done = idle.finish = date(2027, 11, 26)
    idle.idle_first = True
    # Started a quarter late against its plan: first row PV > 0, AC = 0, then spends.
    first_active("CB-").idle_first = True


def build_portfolio(rng: np.random.Generator) -> list[Project]:
    projects: list[Project] = []
    for unit in UNITS:
        statuses = _status_mix(unit.n_projects, rng)
        names = _project_names(unit, rng)
        for number, (status, name) in enumerate(zip(statuses, names, strict=True), 1):
            project_id = f"{unit.prefix}-{number:03d}"
            projects.append(_make_project(unit, project_id, name, status, rng))
    _special_cases(projects)
    for p in projects:
        if p.status != "proposed":
            _business_case(p, rng)
    return projects


def simulate_evm(projects: list[Project], rng: np.random.Generator) -> None:
    """Fill ``Project.evm`` with cumulative (period, PV, EV, AC) at each quarter end."""
    for p in projects:
        if p.status == "proposed":
            continue
        assert p.work_done is not None
        first = period_index(p.start)
        last = LAST
        if p.status == "closed" and p.finish is not None:
            last = period_index(p.finish)
        elif p.status == "cancelled" and p.stop is not None:
            last = period_index(p.stop)
        ev_prev = ac_prev = 0.0
        for k in range(first, last + 1):
            end = PERIOD_ENDS[k]
            # PV: S-curve over the baseline, exactly BAC from the planned finish on.
            pv = _money(p.bac * _s_curve(_elapsed(end, p.start, p.baseline_finish)))
            if (p.idle_first and k == first) or (p.hold_from is not None and k >= p.hold_from):
                ev, ac = ev_prev, ac_prev  # no progress, no spend
            else:
                upto = end if p.stop is None else min(end, p.stop)
                done = _elapsed(upto, p.start, p.work_done)
                if done >= 1:
                    ev = p.bac
                else:  # a little noise, but never complete before the work is done
                    ev = min(p.bac * _s_curve(done) * rng.normal(1, 0.02), 0.995 * p.bac)
                ac = ev / (p.cpi * rng.normal(1, 0.02))
            # Cumulative figures never go down.
            ev_prev = max(_money(ev), ev_prev)
            ac_prev = max(_money(ac), ac_prev)
            p.evm.append((k, pv, ev_prev, ac_prev))


# --- PMO services ---------------------------------------------------------------

# Service as written in the PMO's time sheets: (hours low, hours high, effect). The effect is
# how much cheaper the project's later work becomes: its spend after the service quarter is
# divided by 1 + effect. Routine services (stage gates, coaching, benefits reviews) change
# nothing; schedule reviews change nothing on cost either.
PMO_SERVICES: dict[str, tuple[int, int, float]] = {
    "Health check": (16, 40, 0.06),
    "Cost review": (40, 90, 0.15),
    "Recovery": (120, 320, 0.20),
    "Schedule review": (24, 60, 0.0),
    "Risk workshop": (12, 30, 0.04),
    "Stage gate": (8, 20, 0.0),
    "Coaching": (10, 40, 0.0),
    "Benefits review": (16, 32, 0.0),
}
TROUBLED = (("Health check", 0.3), ("Cost review", 0.25), ("Recovery", 0.2),
            ("Schedule review", 0.15), ("Risk workshop", 0.1))  # fmt: skip
ROUTINE = (("Stage gate", 0.4), ("Coaching", 0.3), ("Benefits review", 0.2),
           ("Risk workshop", 0.1))  # fmt: skip
TROUBLED_BELOW = 0.90  # CPI the quarter before: the PMO's eye is on these projects
HELP_TROUBLED, HELP_OTHERS, FOLLOW_UP = 0.35, 0.08, 0.3  # chances per quarter
EXTERNAL_SHARE = 0.15  # rows priced by an outside consultant: their cost is given


@dataclass(frozen=True)
class Engagement:
    """A PMO service that starts an engagement, and what it truly did to CPI two quarters on."""

    project_id: str
    period: int  # index into PERIODS
    service: str
    cpi_with: float  # CPI at the end of period + 2, as in the data (nan if not measured)
    cpi_without: float  # the same had this engagement not happened


def _cpi_at(p: Project, k: int) -> float | None:
    row = next((r for r in p.evm if r[0] == k), None)
    return row[2] / row[3] if row is not None and row[3] > 0 else None


def _cheaper_after(p: Project, k: int, effect: float) -> None:
    """The project's spend after period k divided by 1 + effect (cumulative AC re-based)."""
    base = next((r[3] for r in p.evm if r[0] == k), None)
    if base is None or effect == 0:
        return
    p.evm = [
        (j, pv, ev, _money(base + (ac - base) / (1 + effect)) if j > k else ac)
        for j, pv, ev, ac in p.evm
    ]
    p.cpi *= 1 + effect  # the forecasts of its project manager follow the better trend


def _choose(mix: tuple[tuple[str, float], ...], rng: np.random.Generator) -> str:
    names, weights = zip(*mix, strict=True)
    return str(names[int(rng.choice(len(names), p=weights))])


def simulate_pmo(
    projects: list[Project], rng: np.random.Generator
) -> tuple[pd.DataFrame, list[Engagement]]:
    """The PMO's services quarter by quarter, and their effect on the served projects' EVM.

    In each quarter a project in progress (an EVM row with spend, not paused) that had no
    service in the two quarters before may start an engagement: with HELP_TROUBLED when its
    CPI the quarter before was below TROUBLED_BELOW, else with HELP_OTHERS. The next quarter
    may bring a follow-up of the same service. Mutates the projects' EVM and latent CPI."""
    rows: list[tuple[str, str, str, float, float]] = []
    engagements: list[tuple[Project, int, str, float | None]] = []
    served: dict[str, set[int]] = {}

    def record(p: Project, k: int, service: str) -> None:
        low, high, _ = PMO_SERVICES[service]
        hours = float(rng.integers(low, high + 1))
        cost = _money(hours * rng.uniform(110, 150)) if rng.random() < EXTERNAL_SHARE else np.nan
        rows.append((p.project_id, PERIODS[k], service, hours, cost))
        served.setdefault(p.project_id, set()).add(k)

    for k in range(N_PERIODS):
        for p in projects:
            row = next((r for r in p.evm if r[0] == k), None)
            if row is None or row[3] == 0 or (p.hold_from is not None and k >= p.hold_from):
                continue
            mine = served.get(p.project_id, set())
            if k - 1 in mine or k - 2 in mine:
                if k - 1 in mine and k - 2 not in mine and rng.random() < FOLLOW_UP:
                    record(p, k, next(s for j, s in _last(rows, p) if j == PERIODS[k - 1]))
                continue
            before = _cpi_at(p, k - 1)
            troubled = before is not None and before < TROUBLED_BELOW
            if rng.random() >= (HELP_TROUBLED if troubled else HELP_OTHERS):
                continue
            service = _choose(TROUBLED if troubled else ROUTINE, rng)
            record(p, k, service)
            after_without = _cpi_at(p, k + 2)
            _cheaper_after(p, k, PMO_SERVICES[service][2])
            engagements.append((p, k, service, after_without))
    table = pd.DataFrame(rows, columns=["project_id", "period", "service", "hours", "cost"])
    truth = [
        Engagement(p.project_id, k, service, _nan(_cpi_at(p, k + 2)), _nan(without))
        for p, k, service, without in engagements
    ]
    return table, truth


def _last(rows: list[tuple[str, str, str, float, float]], p: Project) -> list[tuple[str, str]]:
    """(period, service) of the project's service rows, latest first."""
    return [(r[1], r[2]) for r in reversed(rows) if r[0] == p.project_id]


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


# --- tables ---------------------------------------------------------------------


def evm_table(projects: list[Project]) -> pd.DataFrame:
    rows = [(p.project_id, PERIODS[k], pv, ev, ac) for p in projects for k, pv, ev, ac in p.evm]
    columns = ["project_id", "period", "planned_value", "earned_value", "actual_cost"]
    return pd.DataFrame(rows, columns=columns)


def _rating(p: Project, rng: np.random.Generator) -> str:
    _, pv, ev, ac = p.evm[-1]
    indices = [ev / ac] if ac > 0 else []
    if pv > 0:
        indices.append(ev / pv)
    score = sum(indices) / len(indices) if indices else 1.0
    if p.status == "cancelled":
        score = min(score, 0.89)
    elif p.finish is not None and (p.finish - p.baseline_finish).days > 30:
        score = min(score, 0.93)  # a slipping finish date is at least amber
    level = 2 if score >= 0.95 else 1 if score >= 0.88 else 0
    # Project managers lean optimistic more often than pessimistic.
    draw = rng.random()
    if draw < 0.12:
        level = min(2, level + 1)
    elif draw < 0.17:
        level = max(0, level - 1)
    return ("red", "amber", "green")[level]


def projects_table(projects: list[Project], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for p in projects:
        row: dict[str, object] = {
            "project_id": p.project_id,
            "project_name": p.name,
            "unit_id": p.unit.name,
            "status": p.status,
            "category": p.category,
            "start_date": p.start.isoformat(),
            "baseline_finish": p.baseline_finish.isoformat(),
            "forecast_finish": None,
            "actual_finish": None,
            "budget_at_completion": p.bac,
            "forecast_at_completion": np.nan,
            "actual_cost": np.nan,
            "period_budget": np.nan,
            "period_forecast": np.nan,
            "rating": None,
            "objectives_met": None,
        }
        if p.status != "proposed":
            _, _, ev, ac = p.evm[-1]
            row["actual_cost"] = ac  # cost to date, equal to the latest EVM AC
            row["rating"] = _rating(p, rng)
            reported = rng.random() < 0.8  # the rest fall back to EAC = BAC / CPI
            if p.status == "cancelled":
                row["forecast_at_completion"] = ac  # nothing more will be spent
            elif p.status == "closed" and p.finish is not None:
                row["forecast_finish"] = row["actual_finish"] = p.finish.isoformat()
                if reported:
                    row["forecast_at_completion"] = ac
                row["objectives_met"] = "true" if rng.random() < p.unit.objectives_p else "false"
            elif p.finish is not None:  # active, on_hold
                row["forecast_finish"] = p.finish.isoformat()
                if reported:  # forecasts are a touch more hopeful than the trend
                    hopeful_cpi = p.cpi * rng.uniform(1.0, 1.06)
                    row["forecast_at_completion"] = _money(ac + (p.bac - ev) / hopeful_cpi)
            if p.status == "active":
                # This quarter's budget is the planned value it adds; the forecast
                # is close to what was spent.
                before = p.evm[-2] if len(p.evm) > 1 else (0, 0.0, 0.0, 0.0)
                row["period_budget"] = _money(p.evm[-1][1] - before[1])
                spent = p.evm[-1][3] - before[3]
                row["period_forecast"] = _money(spent * rng.uniform(0.97, 1.03))
        rows.append(row)
    return pd.DataFrame(rows)


def _benefit_start(p: Project, rng: np.random.Generator) -> int | None:
    """First period in which the project's outputs produce benefits."""
    phased = rng.random() < 0.55  # drawn for every project to keep the stream stable
    if p.status == "closed" and p.finish is not None:
        return period_index(p.finish) + 1  # the quarter after go-live
    if p.status == "active" and phased:  # releases value before the end
        for k, _, ev, _ in p.evm:
            if ev >= 0.4 * p.bac:
                return k + 1
    return None


def benefits_table(projects: list[Project], rng: np.random.Generator) -> pd.DataFrame:
    categories = ("strategic", "stakeholder", "operational", "financial")
    disbenefit_units = {"Retail Banking", "Operations & Technology", "Digital Channels"}
    rows = []
    for p in projects:
        if p.status == "proposed":
            continue
        first = _benefit_start(p, rng)
        if first is None or first > LAST:
            continue
        quarterly = p.benefits[3] / 4  # steady-state benefit of the business case
        if p.status == "active":
            quarterly *= 0.5  # only the first release is live
        count = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
        shares = rng.dirichlet(np.full(count, 3.0))
        specs: list[tuple[str, str, float, float]] = []
        for i, share in enumerate(shares):
            if i == 0:
                category = "financial" if rng.random() < 0.8 else "strategic"
            else:
                category = categories[int(rng.integers(len(categories)))]
            delivery = p.unit.realization * rng.normal(1, 0.1)
            specs.append((f"{p.project_id}-B{i + 1}", category, quarterly * share, delivery))
        if p.status == "closed" and p.unit.name in disbenefit_units:
            # A disbenefit (e.g. higher running cost), usually worse than feared.
            disbenefit_units.discard(p.unit.name)
            amount = -0.08 * quarterly
            specs.append((f"{p.project_id}-B{count + 1}", "operational", amount, 1.15))
        for benefit_id, category, amount, delivery in specs:
            for k in range(first, N_PERIODS):
                baseline = amount * min(1.0, 0.5 + 0.25 * (k - first))  # ramp-up
                realized = baseline * delivery * rng.normal(1, 0.1)
                if baseline > 0:
                    realized = max(realized, 0.0)
                # Latest quarter: some benefit owners have not reported yet.
                unreported = rng.random() < (0.12 if k == LAST else 0.01)
                rows.append(
                    (
                        p.project_id,
                        benefit_id,
                        category,
                        PERIODS[k],
                        _money(baseline),
                        np.nan if unreported else _money(realized),
                    )
                )
    columns = [
        "project_id",
        "benefit_id",
        "category",
        "period",
        "baseline_forecast",
        "realized",
    ]
    return pd.DataFrame(rows, columns=columns)


def cashflows_table(projects: list[Project]) -> pd.DataFrame:
    rows = []
    for p in projects:
        if not p.costs or not p.in_cashflows:
            continue
        for year, (cost, benefit) in enumerate(zip(p.costs, p.benefits, strict=True)):
            rows.append((p.project_id, year, "cost", _money(cost)))
            if benefit > 0:
                rows.append((p.project_id, year, "benefit", _money(benefit)))
    return pd.DataFrame(rows, columns=["project_id", "year", "kind", "amount"])


def alignment_table(projects: list[Project], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for p in projects:
        if p.status == "proposed" or rng.random() >= 0.85:
            continue
        base = rng.normal(p.unit.alignment, 0.6)
        for criterion, tilt in zip(CRITERIA, CRITERIA_TILT[p.category], strict=True):
            score = int(np.clip(np.rint(base + tilt + rng.normal(0, 0.6)), 1, 5))
            rows.append((p.project_id, criterion, score))
    return pd.DataFrame(rows, columns=["project_id", "criterion", "score"])


def survey_table(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    respondent = 0
    for unit in UNITS:
        for k, period in enumerate(PERIODS):
            thin = unit.name == "Wealth Management" and k == LAST
            count = 4 if thin else int(rng.integers(15, 41))
            for _ in range(count):
                respondent += 1
                respondent_id = f"S-{respondent:06d}"
                # One latent satisfaction per respondent drives both answers.
                mood = rng.normal(unit.satisfaction + unit.sat_trend * k, 0.15)
                nps = int(np.clip(np.rint(10 * mood + rng.normal(0, 0.8)), 0, 10))
                csat = int(np.clip(np.rint(1 + 4 * mood + rng.normal(0, 0.5)), 1, 5))
                rows.append((unit.name, period, "nps", nps, respondent_id))
                rows.append((unit.name, period, "csat", csat, respondent_id))
    columns = ["unit_id", "period", "instrument", "score", "respondent_id"]
    return pd.DataFrame(rows, columns=columns)


def maturity_table(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for unit in UNITS:
        for k, period in enumerate(PERIODS):
            # Operations & Technology left most technology items open in the report
            # quarter: 8 of its 15 technology answers blank (coverage 7/15 < 0.8).
            skipped: set[int] = set()
            if unit.name == "Operations & Technology" and k == LAST:
                skipped = {int(i) for i in rng.choice(15, size=8, replace=False)}
            tech_cell = 0
            blanks = dict.fromkeys(DIMENSIONS, 0)
            for r in range(1, 4):
                respondent_id = f"M-{unit.prefix}-{r}"
                for d, dimension in enumerate(DIMENSIONS):
                    level = unit.maturity[d] + unit.maturity_drift * k
                    for i in range(1, 6):
                        score = int(np.clip(np.rint(level + rng.normal(0, 0.55)), 1, 4))
                        # ~5% not answered, at most 2 of 15 per dimension, so only the
                        # case above falls under the coverage threshold.
                        blank = rng.random() < 0.05 and blanks[dimension] < 2
                        blanks[dimension] += blank
                        if skipped and dimension == "technology":
                            blank = tech_cell in skipped
                            tech_cell += 1
                        value = pd.NA if blank else score
                        item_id = f"{dimension}-{i:02d}"
                        rows.append((unit.name, period, dimension, item_id, value, respondent_id))
    columns = ["unit_id", "period", "dimension", "item_id", "score", "respondent_id"]
    table = pd.DataFrame(rows, columns=columns)
    table["score"] = table["score"].astype("Int64")  # integers with blanks
    return table


# --- output ---------------------------------------------------------------------


def write_csv(table: pd.DataFrame, path: Path) -> None:
    # Fixed float format and line ending: identical bytes on every platform.
    table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.2f")


def _simulate() -> tuple[dict[str, pd.DataFrame], list[Engagement]]:
    root = np.random.default_rng(SEED)
    # One independent stream per concern, so changing one table leaves the others.
    streams = root.spawn(8)
    projects = build_portfolio(streams[0])
    simulate_evm(projects, streams[1])
    services, engagements = simulate_pmo(projects, streams[7])
    return {
        "projects": projects_table(projects, streams[2]),
        "evm": evm_table(projects),
        "benefits": benefits_table(projects, streams[3]),
        "cashflows": cashflows_table(projects),
        "alignment": alignment_table(projects, streams[4]),
        "survey": survey_table(streams[5]),
        "maturity": maturity_table(streams[6]),
        "pmo_services": services,
    }, engagements


def build_tables() -> dict[str, pd.DataFrame]:
    """All sample tables, keyed by canonical table name."""
    return _simulate()[0]


def pmo_engagements() -> pd.DataFrame:
    """Every engagement of the sample's PMO with the effect it truly had on CPI at the end of
    the second quarter after its service (cpi_with - cpi_without; nan where not measured)."""
    frame = pd.DataFrame([e.__dict__ for e in _simulate()[1]])
    frame["period"] = [PERIODS[k] for k in frame["period"]]
    frame["effect"] = frame["cpi_with"] - frame["cpi_without"]
    return frame


def main(out_dir: Path = Path("data/sample")) -> None:
    """Write the sample tables as CSV files into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in build_tables().items():
        path = out_dir / f"{name}.csv"
        write_csv(table, path)
        print(f"wrote {path} ({len(table)} rows)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/sample"))
