"""Synthetic organisations for proving the PMO-effect method: the truth is known.

Each project has a lasting cost efficiency (its CPI level) plus quarter-to-quarter noise that
persists a little (AR(1)), plus a shock shared by its unit in each quarter; SPI likewise. The
PMO looks at the CPI of the quarter before and serves the worst projects of each unit far
more often than the others, so the projects it serves are partly those that were unlucky and
drift back towards their level anyway (regression to the mean). A project served in a quarter
may get a follow-up the quarter after, and is not served anew in that quarter; each new
engagement raises its CPI and SPI by `effect_cpi`/`effect_spi` from the quarter after the
service on, for good: every engagement's true effect two quarters on is exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FIRST_YEAR = 2023


@dataclass(frozen=True)
class Organisation:
    tables: dict[str, pd.DataFrame]
    cpi: np.ndarray  # project x quarter, as in the EVM table
    spi: np.ndarray
    served: np.ndarray  # project x quarter: a service row
    periods: list[str]

    @property
    def last(self) -> str:
        return self.periods[-1]


def periods(count: int) -> list[str]:
    return [f"{FIRST_YEAR + k // 4}-Q{k % 4 + 1}" for k in range(count)]


def organisation(
    seed: int,
    units: int = 4,
    per_unit: int = 150,
    quarters: int = 10,
    effect_cpi: float = 0.0,
    effect_spi: float = 0.0,
    worst_share: float = 0.2,
    help_worst: float = 0.6,
    help_others: float = 0.03,
    level_sd: float = 0.06,
    noise_sd: float = 0.04,
    persistence: float = 0.3,
    shock_sd: float = 0.01,
) -> Organisation:
    rng = np.random.default_rng(seed)
    n = units * per_unit
    unit = np.repeat(np.arange(units), per_unit)
    unit_level = rng.normal(0.95, 0.03, units)
    shocks = rng.normal(0, shock_sd, (units, quarters))

    def index_paths() -> np.ndarray:
        level = unit_level[unit] + rng.normal(0, level_sd, n)
        noise = np.zeros((n, quarters))
        noise[:, 0] = rng.normal(0, noise_sd, n)
        for k in range(1, quarters):
            fresh = rng.normal(0, noise_sd * np.sqrt(1 - persistence**2), n)
            noise[:, k] = persistence * noise[:, k - 1] + fresh
        return level[:, None] + noise + shocks[unit]

    cpi, spi = index_paths(), index_paths()
    served = np.zeros((n, quarters), dtype=bool)
    fresh = np.zeros((n, quarters), dtype=bool)  # an engagement starts
    for k in range(1, quarters):
        before = cpi[:, k - 1]
        worst = np.zeros(n, dtype=bool)
        for u in range(units):
            mine = unit == u
            worst[mine] = before[mine] <= np.quantile(before[mine], worst_share)
        chance = np.where(worst, help_worst, help_others)
        new = (rng.random(n) < chance) & ~served[:, k - 1]
        follow = fresh[:, k - 1] & (rng.random(n) < 0.3)
        served[:, k] = new | follow
        fresh[:, k] = new
        # the effect, from the next quarter on, is in the CPI the PMO looks at next
        cpi[new, k + 1 :] += effect_cpi
        spi[new, k + 1 :] += effect_spi

    bac = np.round(rng.lognormal(np.log(500_000), 0.6, n), -2)
    progress = (np.arange(quarters)[None, :] + 1) / (quarters + 1)
    ev = bac[:, None] * progress
    ids = [f"P{i:05d}" for i in range(n)]
    names = periods(quarters)
    evm = pd.DataFrame(
        {
            "project_id": np.repeat(ids, quarters),
            "period": np.tile(names, n),
            "planned_value": (ev / spi).ravel(),
            "earned_value": ev.ravel(),
            "actual_cost": (ev / cpi).ravel(),
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": ids,
            "project_name": ids,
            "unit_id": [f"unit-{u}" for u in unit],
            "status": "active",
            "budget_at_completion": bac,
        }
    )
    p, k = np.nonzero(served)
    services = pd.DataFrame(
        {
            "project_id": np.asarray(ids)[p],
            "period": np.asarray(names)[k],
            "service": np.where(rng.random(len(p)) < 0.5, "health_check", "recovery"),
            "hours": 40.0,
            "cost": np.nan,
        }
    )
    return Organisation(
        {"projects": projects, "evm": evm, "pmo_services": services}, cpi, spi, served, names
    )
