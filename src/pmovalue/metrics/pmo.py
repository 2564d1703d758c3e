"""PMO value evidence from the `pmo_services` table: what the PMO's services cost, how many
projects they reached, and whether the projects it served did better afterwards than comparable
projects it did not serve. docs/pmo-value.md explains the method for readers; this is the
definition.

Cost and coverage, at report period P:

- a service row's cost is its `cost`, or `hours × pmo.hourly_rate` where `cost` is blank (a row
  with neither is left out of the sums, with a note);
- `pmo_cost` = Σ cost of the rows of P (0 when the table has no row in P);
- `pmo_cost_pct` = 100 · pmo_cost / project spend of P, the spend being Σ over projects of the
  growth of cumulative EVM actual cost in P (latest AC at or before P minus latest at or before
  the quarter before; a project's first row counts in full);
- `pmo_supported_pct` = 100 · active projects with a service in P-3..P / active projects.

Effect on CPI and SPI (`pmo_effect_cpi`, `pmo_effect_spi`): a difference-in-differences with the
comparison group matched within unit, quarter and prior band.

1. An *engagement* starts in quarter t when a project has a service in t and none in t-1 (a
   fresh start: its "before" value is not the result of help under way). Services in t+1 and
   t+2 belong to it; its service types are those given in t.
2. before = the index at the end of t-1, after = at the end of t+2 (the EVM rows of exactly
   those quarters); change = after - before. Without both rows (or with AC = 0 for CPI,
   PV = 0 for SPI) the engagement cannot be measured.
3. Comparison projects for quarter t: projects of the same unit with no service in t-1..t+1
   whose index is known at the end of t-1 and t+2. A service in t+2 itself is allowed: it
   cannot show yet in the value at the end of t+2, and leaving such projects out would keep
   mostly the comparison projects that recovered on their own (a PMO steps in when a project
   slips), which would make the estimate err low.
4. Band of the before value: floor((before - thresholds.index_amber_min) / pmo.band_width).
   With the defaults (0.90 and 0.05) the edges are ..., 0.85, 0.90, 0.95, 1.00, ...: a band
   never straddles the amber threshold (nor the green one at 0.95), and is narrow enough that
   served and comparison projects start from about the same value. PMOs help the projects in
   trouble, which drift back towards the mean anyway (regression to the mean): comparing with
   projects that started just as low removes that drift from the estimate.
5. Cell = (unit, t, band). In a cell with engagements and comparison projects:
   d = mean change of its engagements - mean change of its comparison projects.
6. Effect = Σ n·d / Σ n over the cells, n = the cell's engagements: the average effect on the
   served, each engagement counting once. Engagements in a cell without comparison projects
   are left out (counted in the note).
7. At report period P the estimate uses every engagement with t + 2 ≤ P (evidence to date).
8. Blank, with a note giving the numbers, below pmo.min_group_size distinct projects on either
   side.

Cost avoided (`pmo_cost_avoided`, CPI): for each matched engagement, the CPI it would have reached
at its cell's comparison trend is cf = before + mean change of the comparisons; avoided =
BAC / cf - BAC / after, the forecast at completion (EAC = BAC / CPI) at the comparison trend minus
the one it reached. The metric is the sum over engagements (an engagement whose cf is not
positive is left out). `pmo_return` = cost avoided / the cost of those engagements' services
(quarters t..t+2): both sides cover the same projects and quarters.

Intervals (`_low`, `_high`): a 95% percentile bootstrap resampling projects (clusters: a project
with several engagements, or serving as comparison in several quarters, is drawn as a whole).
Each draw gives every project a Poisson(1) weight (the Poisson bootstrap, which approximates
drawing the projects with replacement), a fixed function of the project's id, the draw's
number and `SEED`: the same data give the same interval in every build, on every unit page and
in every quarter's history, whatever the row order. `pmo.bootstrap_draws` draws; a draw that
leaves no cell with both sides is left out (counted in the note).
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pmovalue.data.units import service_slug
from pmovalue.metrics._common import (
    Result,
    Tables,
    distinct_text,
    num,
    parse_periods,
    period_index,
    statuses,
)

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

    from pmovalue.config import Params

SEED = 20260930
ALL = "all"  # the group of every engagement, whatever its services
INDICES = ("cpi", "spi")
SUPPORT_QUARTERS = 4  # pmo_supported_pct looks at the report quarter and the three before
BEFORE, AFTER = 1, 2  # before = end of t-1, after = end of t+2
WINDOW = 1  # no service in t-1 to start an engagement; none in t-1..t+1 to be a comparison
_CHUNK = 1 << 20  # draws x columns handled at once (bounds memory on large units)

PMO_METRICS = (
    "pmo_cost",
    "pmo_cost_pct",
    "pmo_supported_pct",
    "pmo_effect_cpi",
    "pmo_effect_cpi_low",
    "pmo_effect_cpi_high",
    "pmo_effect_spi",
    "pmo_effect_spi_low",
    "pmo_effect_spi_high",
    "pmo_cost_avoided",
    "pmo_cost_avoided_low",
    "pmo_cost_avoided_high",
    "pmo_return",
)


@dataclass(frozen=True)
class Settings:
    """The parameters of the method (params `pmo.*` and the amber threshold)."""

    hourly_rate: float = 85.0
    min_group_size: int = 5
    bootstrap_draws: int = 1000
    band_width: float = 0.05
    band_anchor: float = 0.90


# ----------------------------------------------------------------------------- services


def service_label(slug: str) -> str:
    """`health_check` -> `Health check`; the overall group reads `All services`."""
    return "All services" if slug == ALL else slug.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ServiceRows:
    """The service rows normalised: project id, quarter index (NaN if malformed), service
    slug, cost (`cost`, else hours × hourly_rate, else NaN)."""

    project_id: np.ndarray
    q: np.ndarray
    service: np.ndarray
    cost: np.ndarray

    @classmethod
    def of(cls, services: pd.DataFrame, hourly_rate: float) -> ServiceRows:
        codes, cleaned = distinct_text(services["service"], lower=False)
        slugs = np.asarray([service_slug(v) for v in cleaned], dtype=object)
        pcodes, pcleaned = distinct_text(services["period"], lower=False)
        cost = num(services, "cost").to_numpy(dtype="float64")
        hours = num(services, "hours").to_numpy(dtype="float64")
        return cls(
            _texts(services["project_id"]),
            parse_periods(pcleaned)[pcodes],
            slugs[codes],
            np.where(np.isnan(cost), hours * hourly_rate, cost),
        )

    def take(self, rows: np.ndarray) -> ServiceRows:
        return ServiceRows(self.project_id[rows], self.q[rows], self.service[rows], self.cost[rows])


def _texts(column: pd.Series) -> np.ndarray:
    """A text column as an object array, stripped, None for blanks."""
    codes, cleaned = distinct_text(column, lower=False)
    return cleaned[codes]


# ----------------------------------------------------------------------------- bootstrap weights

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SEED_MIX = np.uint64(SEED * 0x9E3779B97F4A7C15 % (1 << 64))


def _poisson_table(bits: int = 16) -> np.ndarray:
    """Poisson(1) by inverse CDF of a `bits`-bit uniform integer (the midpoint of its cell)."""
    u = (np.arange(1 << bits) + 0.5) / (1 << bits)
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(12)])
    return np.searchsorted(cdf, u, side="right").astype("float64")


_POISSON = {np.dtype(np.float64): _poisson_table()}
_POISSON[np.dtype(np.float32)] = _POISSON[np.dtype(np.float64)].astype(np.float32)


def project_keys(project_ids: np.ndarray) -> np.ndarray:
    """A 64-bit key per project id (BLAKE2b of its text): the seed of its bootstrap weights."""
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(str(p).encode(), digest_size=8).digest(), "little")
            for p in project_ids
        ),
        dtype=np.uint64,
        count=len(project_ids),
    )


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def bootstrap_weights(
    keys: np.ndarray, first: int, count: int, dtype: type = np.float64
) -> np.ndarray:
    """Poisson(1) weights of draws first..first+count-1 (rows) for the projects (columns).

    A project's weight in a draw depends only on its key, the draw's number and `SEED`: four
    draws come from each 64-bit hash, 16 bits each."""
    words = np.arange(first // 4, (first + count + 3) // 4, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = _splitmix((keys[None, :] ^ _SEED_MIX) + (words[:, None] + np.uint64(1)) * _GOLDEN)
    parts = np.stack([(x >> np.uint64(16 * i)) & np.uint64(0xFFFF) for i in range(4)], axis=1)
    u16 = parts.reshape(-1, len(keys))  # draw 4w+i is row w, part i
    start = first - 4 * (first // 4)
    return _POISSON[np.dtype(dtype)][u16[start : start + count].astype(np.intp)]


# ----------------------------------------------------------------------------- the evidence


@dataclass(frozen=True)
class Estimates:
    """One index's sums by group (rows), draw (0 = the data, 1.. = bootstrap) and evaluable
    service quarter (columns of `Evidence.q`), from which any report period's estimate
    follows."""

    num: np.ndarray  # (groups, draws + 1, quarters): Σ n·d of the matched cells
    den: np.ndarray  # the same shape: Σ n, the matched engagements (weighted)
    avoided: np.ndarray  # the same shape: Σ cost avoided (CPI; zeros for SPI)
    cost: np.ndarray  # (groups, quarters): cost of the matched engagements' services
    engagements: np.ndarray  # (groups, quarters): matched engagements
    unmatched: np.ndarray  # (groups, quarters): measurable engagements without comparison
    served_first: list[np.ndarray]  # per group: sorted first quarter of each served project
    compared_first: list[np.ndarray]  # per group: the same for the comparison projects


@dataclass(frozen=True)
class Evidence:
    """Everything the PMO-value metrics need, for any report period, computed once."""

    settings: Settings
    by_service: bool  # each service type estimated too (`groups` beyond ALL)
    groups: tuple[str, ...]  # ALL, then the service types (when asked for)
    q: np.ndarray  # absolute quarter index of each evaluable service quarter t
    cost_by_q: dict[int, float]  # Σ known service cost per quarter
    unknown_cost_by_q: dict[int, int]  # service rows without cost or hours per quarter
    spend_by_q: dict[int, float]  # project spend per quarter (EVM AC growth)
    served: np.ndarray  # project row x quarter (from `first_q`): a service
    first_q: int
    active: np.ndarray  # per project row: status active
    estimates: dict[str, Estimates]

    # -- the metrics of one report period

    def metrics(self, period: str) -> dict[str, Result]:
        """Every `PMO_METRICS` id at `period`."""
        p = period_index(period)
        r: dict[str, Result] = {}
        r["pmo_cost"], r["pmo_cost_pct"] = self._cost(p, period)
        r["pmo_supported_pct"] = self._supported(p)
        rows = {x: self.group_row(ALL, period, x) for x in INDICES}
        for x, row in rows.items():
            why = str(row["note"])
            r[f"pmo_effect_{x}"] = Result(_f(row["effect"]), why or str(row["caveat"]))
            r[f"pmo_effect_{x}_low"] = Result(_f(row["effect_low"]), why)
            r[f"pmo_effect_{x}_high"] = Result(_f(row["effect_high"]), why)
        cpi, why = rows["cpi"], str(rows["cpi"]["note"])
        r["pmo_cost_avoided"] = Result(_f(cpi["avoided"]), why or str(cpi["caveat"]))
        r["pmo_cost_avoided_low"] = Result(_f(cpi["avoided_low"]), why)
        r["pmo_cost_avoided_high"] = Result(_f(cpi["avoided_high"]), why)
        if why or not _f(cpi["service_cost"]) > 0:
            r["pmo_return"] = Result.blank(why or "the matched engagements cost nothing")
        else:
            r["pmo_return"] = Result(_f(cpi["return"]))
        return {m: r[m] for m in PMO_METRICS}

    def _cost(self, p: int, period: str) -> tuple[Result, Result]:
        cost = self.cost_by_q.get(p, 0.0)
        unknown = self.unknown_cost_by_q.get(p, 0)
        note = f"{unknown} service row(s) without cost or hours left out" if unknown else ""
        if p not in self.cost_by_q and not unknown:
            note = f"no PMO service recorded in {period}"
        spend = self.spend_by_q.get(p, math.nan)
        if math.isnan(spend) or spend <= 0:
            pct = Result.blank(f"no project spend recorded in {period} (EVM actual cost)")
        else:
            pct = Result(100.0 * cost / spend, note if unknown else "")
        return Result(cost, note), pct

    def _supported(self, p: int) -> Result:
        n = int(self.active.sum())
        if n == 0:
            return Result.blank("no active project")
        last = min(p - self.first_q + 1, self.served.shape[1])
        window = self.served[:, max(0, last - SUPPORT_QUARTERS) : max(0, last)]
        return Result(100.0 * float((window.any(axis=1) & self.active).sum()) / n)

    # -- estimates by group, for the metrics and the page

    def group_row(self, group: str, period: str, index: str = "cpi") -> dict[str, object]:
        """The estimate of one group and index at `period`: effect with its bounds, cost
        avoided with its bounds (CPI only), return, service cost of the matched engagements,
        engagements, served and comparison projects, engagements without comparison, draws
        left out; `note` says why the estimate is blank, `caveat` what it rests on."""
        g = self.groups.index(group)
        est = self.estimates[index]
        upto = int(np.searchsorted(self.q, period_index(period) - AFTER, side="right"))
        m = self.settings.min_group_size
        served = _count_upto(est.served_first[g], upto)
        compared = _count_upto(est.compared_first[g], upto)
        out: dict[str, object] = {
            "group": group,
            "index": index,
            "engagements": int(est.engagements[g, :upto].sum()),
            "served_projects": served,
            "comparison_projects": compared,
            "unmatched": int(est.unmatched[g, :upto].sum()),
            "service_cost": float(est.cost[g, :upto].sum()),
            "draws_left_out": 0,
            "note": "",
            "caveat": "",
        }
        for key in ("effect", "effect_low", "effect_high", "avoided", "avoided_low"):
            out[key] = math.nan
        out["avoided_high"] = out["return"] = math.nan
        if served == 0 and out["unmatched"] == 0:
            out["note"] = (
                f"no engagement measurable by {period} (a service needs EVM rows the quarter "
                "before it and two quarters after it)"
            )
            return out
        if served < m or compared < m:
            left = out["unmatched"]
            out["note"] = (
                f"too few projects to compare: {served} served and {compared} comparison "
                f"project(s) (at least {m} of each needed)"
                + (f"; {left} more engagement(s) had no comparison project" if left else "")
            )
            return out
        with np.errstate(invalid="ignore", divide="ignore"):
            effect = est.num[g, :, :upto].sum(axis=1) / est.den[g, :, :upto].sum(axis=1)
        kept = ~np.isnan(effect[1:])
        out["draws_left_out"] = int((~kept).sum())
        out["effect"] = float(effect[0])
        if kept.any():
            out["effect_low"], out["effect_high"] = _bounds(effect[1:][kept])
        if index == "cpi":
            avoided = est.avoided[g, :, :upto].sum(axis=1)
            out["avoided"] = float(avoided[0])
            if kept.any():
                out["avoided_low"], out["avoided_high"] = _bounds(avoided[1:][kept])
            if _f(out["service_cost"]) > 0:
                out["return"] = out["avoided"] / _f(out["service_cost"])
        notes = [
            f"{out['engagements']} engagement(s) of {served} served projects against "
            f"{compared} comparison projects"
        ]
        if out["unmatched"]:
            notes.append(f"{out['unmatched']} engagement(s) without comparison left out")
        if out["draws_left_out"]:
            notes.append(
                f"{out['draws_left_out']} of {len(kept)} bootstrap draws had no comparison"
            )
        out["caveat"] = "; ".join(notes)
        return out

    def table(self, period: str) -> pd.DataFrame:
        """`group_row` of every group and index at `period`, one row each."""
        return pd.DataFrame([self.group_row(g, period, x) for g in self.groups for x in INDICES])


def _f(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def _count_upto(first: np.ndarray, upto: int) -> int:
    """How many of the sorted first-quarter columns are below `upto`."""
    return int(np.searchsorted(first, upto, side="left"))


def _bounds(values: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def blank_metrics(reason: str) -> dict[str, Result]:
    return {m: Result.blank(reason) for m in PMO_METRICS}


# ----------------------------------------------------------------------------- preparation


def prepare_evidence(
    tables: Tables, settings: Settings, by_service: bool = False
) -> Evidence | None:
    """The evidence of the tables (None without a pmo_services or projects table).

    `by_service`: also estimate each service type (the PMO-value page); the metrics need only
    the overall group. Service rows of projects outside the projects table are ignored."""
    services, projects = tables.get("pmo_services"), tables.get("projects")
    if services is None or projects is None:
        return None
    pid = _texts(projects["project_id"])
    keep = ~pd.isna(pid) & ~pd.Index(pid).duplicated()  # first row of each id
    projects, pid = projects[keep], pid[keep]
    ids = pd.Index(pid)
    rows = ServiceRows.of(services, settings.hourly_rate)
    row_p = ids.get_indexer(rows.project_id)
    keep = (row_p >= 0) & ~np.isnan(rows.q)
    rows, row_p = rows.take(keep), row_p[keep]
    row_q = rows.q.astype(np.int64)

    evm = tables.get("evm")
    evm_rows, evm_p, evm_q = _evm_keys(evm, ids)
    all_q = np.concatenate([evm_q, row_q])
    q0 = int(all_q.min()) if all_q.size else 0
    n_q = int(all_q.max()) - q0 + 1 if all_q.size else 0

    known = ~np.isnan(rows.cost)
    cost = np.where(known, rows.cost, 0.0)
    cost_by_q = np.bincount(row_q - q0, cost, minlength=n_q)
    unknown_by_q = np.bincount(row_q - q0, ~known, minlength=n_q).astype(np.int64)
    has_rows = np.bincount(row_q - q0, minlength=n_q) > 0
    served = np.zeros((len(ids), n_q), dtype=bool)
    served[row_p, row_q - q0] = True
    cost_pq = np.zeros((len(ids), n_q))
    np.add.at(cost_pq, (row_p, row_q - q0), cost)
    types = sorted({s for s in rows.service if s is not None}) if by_service else []
    typed = np.zeros((len(types), len(ids), n_q), dtype=bool)
    if types:
        slot = pd.Index(types).get_indexer(rows.service)
        has = slot >= 0
        typed[slot[has], row_p[has], row_q[has] - q0] = True

    shape = (len(ids), n_q)
    matrix = {c: _evm_matrix(evm, evm_rows, evm_p, evm_q - q0, shape, c) for c in _EVM_COLUMNS}
    ev = matrix["earned_value"]
    index = {
        "cpi": _ratio(ev, matrix["actual_cost"]),
        "spi": _ratio(ev, matrix["planned_value"]),
    }
    units = pd.factorize(_texts(projects["unit_id"]), use_na_sentinel=False)[0]
    bac = num(projects, "budget_at_completion").to_numpy(dtype="float64")
    design = _Design.build(served, typed, cost_pq, np.asarray(units, dtype=np.int64), q0)
    panels = {x: design.panel(index[x], settings) for x in INDICES}
    draws = settings.bootstrap_draws + 1  # draw 0: the data as they are
    sums_ = _bootstrap(panels, bac, ids.to_numpy(dtype=object), draws, len(design.t))
    return Evidence(
        settings=settings,
        by_service=by_service,
        groups=(ALL, *types),
        q=design.q,
        cost_by_q={q0 + k: float(v) for k, v in enumerate(cost_by_q) if has_rows[k]},
        unknown_cost_by_q={q0 + k: int(v) for k, v in enumerate(unknown_by_q) if v},
        spend_by_q={q0 + k: float(v) for k, v in enumerate(_spend(matrix["actual_cost"]))},
        served=served,
        first_q=q0,
        active=(statuses(projects) == "active").to_numpy(dtype=bool),
        estimates={x: panels[x].estimates(*sums_[x]) for x in INDICES},
    )


_EVM_COLUMNS = ("planned_value", "earned_value", "actual_cost")


def _evm_keys(evm: pd.DataFrame | None, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, project row, quarter index) of the EVM rows of known projects and periods."""
    if evm is None or evm.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    codes, cleaned = distinct_text(evm["period"], lower=False)
    q = parse_periods(cleaned)[codes]
    p = ids.get_indexer(_texts(evm["project_id"]))
    rows = (p >= 0) & ~np.isnan(q)
    return rows, p[rows], q[rows].astype(np.int64)


def _evm_matrix(
    evm: pd.DataFrame | None,
    rows: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    shape: tuple[int, int],
    column: str,
) -> np.ndarray:
    """An EVM column by project row and quarter column (that quarter's row; NaN where none)."""
    out = np.full(shape, np.nan)
    if evm is not None and rows.any():
        out[p, q] = num(evm, column).to_numpy(dtype="float64")[rows]
    return out


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, NaN where bottom is not positive or either is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _spend(ac: np.ndarray) -> np.ndarray:
    """Σ growth of cumulative AC per quarter, each project's latest AC carried over quarters
    without a row; NaN for a quarter before any row."""
    if ac.shape[1] == 0:
        return np.zeros(0)
    filled = pd.DataFrame(ac.T).ffill().to_numpy().T
    before = np.concatenate([np.zeros((ac.shape[0], 1)), filled[:, :-1]], axis=1)
    spend = (np.nan_to_num(filled) - np.nan_to_num(before)).sum(axis=0)
    spend[np.isnan(filled).all(axis=0)] = np.nan
    return spend


@dataclass(frozen=True)
class _Design:
    """Who is served and who may be compared, by project row and evaluable quarter t."""

    q: np.ndarray  # absolute quarter index of each evaluable t
    t: np.ndarray  # column of each evaluable t in the project x quarter matrices
    starts: np.ndarray  # (groups, projects, len(t)): an engagement of the group starts
    clean: np.ndarray  # (projects, len(t)): no service in t-1..t+1
    cost: np.ndarray  # (projects, len(t)): service cost of quarters t..t+2
    units: np.ndarray  # unit code of each project row

    @classmethod
    def build(
        cls,
        served: np.ndarray,
        typed: np.ndarray,
        cost: np.ndarray,
        units: np.ndarray,
        q0: int,
    ) -> _Design:
        """`served`: project x quarter (any service); `typed`: type x project x quarter;
        `cost`: project x quarter service cost; quarter columns start at index q0."""
        n_p, n_q = served.shape
        t = np.arange(BEFORE, max(BEFORE, n_q - AFTER))
        pad = np.pad(served, ((0, 0), (WINDOW, WINDOW)))  # quarters outside the data: none
        c = t + WINDOW  # columns of t in `pad`
        fresh = pad[:, c].copy()
        for k in range(1, WINDOW + 1):
            fresh &= ~pad[:, c - k]
        busy = np.zeros((n_p, len(t)), dtype=bool)
        for k in range(-WINDOW, AFTER):
            busy |= pad[:, c + k]
        starts = np.concatenate([fresh[None], fresh[None] & typed[:, :, t]], axis=0)
        later = np.pad(cost, ((0, 0), (0, AFTER)))
        engagement_cost = np.zeros((n_p, len(t)))
        for k in range(AFTER + 1):
            engagement_cost += later[:, t + k]
        return cls(t + q0, t, starts, ~busy, engagement_cost, units)

    def panel(self, index: np.ndarray, s: Settings) -> _Panel:
        """The matched engagement and comparison rows of one index (project x quarter)."""
        n_g, n_t = self.starts.shape[0], len(self.t)
        before, after = index[:, self.t - BEFORE], index[:, self.t + AFTER]
        change = after - before
        known = ~np.isnan(change)
        cell = self._cells(before, known, s)
        ctrl_p, ctrl_t = np.nonzero(self.clean & known)
        tr_g, tr_p, tr_t = np.nonzero(self.starts & known[None])
        matched = np.intersect1d(cell[tr_p, tr_t], cell[ctrl_p, ctrl_t])
        ok = np.isin(cell[tr_p, tr_t], matched)
        unmatched = np.zeros((n_g, n_t), dtype=np.int64)
        np.add.at(unmatched, (tr_g[~ok], tr_t[~ok]), 1)
        tr_g, tr_p, tr_t = tr_g[ok], tr_p[ok], tr_t[ok]
        ok = np.isin(cell[ctrl_p, ctrl_t], matched)
        ctrl_p, ctrl_t = ctrl_p[ok], ctrl_t[ok]
        # rows by unit, so that each unit's rows are one slice
        order = np.argsort(self.units[ctrl_p], kind="stable")
        ctrl_p, ctrl_t = ctrl_p[order], ctrl_t[order]
        order = np.argsort(self.units[tr_p], kind="stable")
        tr_g, tr_p, tr_t = tr_g[order], tr_p[order], tr_t[order]
        return _Panel(
            n_g=n_g,
            n_t=n_t,
            ctrl_p=ctrl_p,
            ctrl_t=ctrl_t,
            ctrl_cell=cell[ctrl_p, ctrl_t],
            ctrl_change=change[ctrl_p, ctrl_t],
            ctrl_unit=self.units[ctrl_p],
            tr_g=tr_g,
            tr_p=tr_p,
            tr_t=tr_t,
            tr_cell=cell[tr_p, tr_t],
            tr_before=before[tr_p, tr_t],
            tr_after=after[tr_p, tr_t],
            tr_unit=self.units[tr_p],
            tr_cost=self.cost[tr_p, tr_t],
            unmatched=unmatched,
        )

    def _cells(self, before: np.ndarray, known: np.ndarray, s: Settings) -> np.ndarray:
        """Cell number of each project row and quarter: (quarter, unit, band)."""
        scaled = (np.where(known, before, s.band_anchor) - s.band_anchor) / s.band_width
        band = np.floor(scaled + 1e-9).astype(np.int64)  # 1e-9: 0.95 is on the edge, not below
        band -= band.min(initial=0)
        n_b = int(band.max(initial=0)) + 1
        n_u = int(self.units.max(initial=0)) + 1
        quarter = np.arange(len(self.t))[None, :]
        return (quarter * n_u + self.units[:, None]) * n_b + band


@dataclass(frozen=True)
class _Panel:
    """One index's matched rows: comparisons (project row, quarter column, cell, change,
    unit) and engagements (group, project row, quarter, cell, before, after, unit, service
    cost of t..t+2), each sorted by unit; and the measurable engagements left unmatched."""

    n_g: int
    n_t: int
    ctrl_p: np.ndarray
    ctrl_t: np.ndarray
    ctrl_cell: np.ndarray
    ctrl_change: np.ndarray
    ctrl_unit: np.ndarray
    tr_g: np.ndarray
    tr_p: np.ndarray
    tr_t: np.ndarray
    tr_cell: np.ndarray
    tr_before: np.ndarray
    tr_after: np.ndarray
    tr_unit: np.ndarray
    tr_cost: np.ndarray
    unmatched: np.ndarray

    def unit_slices(self, unit: int) -> tuple[slice, slice]:
        """The unit's comparison rows and engagement rows."""
        c = np.searchsorted(self.ctrl_unit, [unit, unit + 1])
        t = np.searchsorted(self.tr_unit, [unit, unit + 1])
        return slice(int(c[0]), int(c[1])), slice(int(t[0]), int(t[1]))

    def estimates(self, num_: np.ndarray, den: np.ndarray, avoided: np.ndarray) -> Estimates:
        shape = (self.n_g, self.n_t)
        engagements = np.zeros(shape, dtype=np.int64)
        np.add.at(engagements, (self.tr_g, self.tr_t), 1)
        cost = np.zeros(shape)
        np.add.at(cost, (self.tr_g, self.tr_t), self.tr_cost)
        served_first, compared_first = [], []
        cells = np.unique(self.ctrl_cell)
        ctrl_cell = np.searchsorted(cells, self.ctrl_cell)
        for g in range(self.n_g):
            mine = self.tr_g == g
            served_first.append(_first_quarters(self.tr_p[mine], self.tr_t[mine]))
            its_cells = np.zeros(cells.size, dtype=bool)
            its_cells[np.searchsorted(cells, self.tr_cell[mine])] = True
            theirs = its_cells[ctrl_cell]
            compared_first.append(_first_quarters(self.ctrl_p[theirs], self.ctrl_t[theirs]))
        return Estimates(
            num=num_,
            den=den,
            avoided=avoided,
            cost=cost,
            engagements=engagements,
            unmatched=self.unmatched,
            served_first=served_first,
            compared_first=compared_first,
        )


@functools.cache
def blas_threads() -> ThreadpoolController:
    """The BLAS thread pools of this process, found once (the kernels' zygote finds them
    before it forks the kernels: see `pmovalue.execute.kernels`)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _bootstrap(
    panels: dict[str, _Panel], bac: np.ndarray, ids: np.ndarray, draws: int, n_t: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`_bootstrap_sums` on one BLAS thread: a build already runs a job per core, and
    OpenBLAS's own threads, for products this small, only fought the other job (five times
    the wall time, measured on two busy cores)."""
    with blas_threads().limit(limits=1, user_api="blas"):
        return _bootstrap_sums(panels, bac, ids, draws, n_t)


def _bootstrap_sums(
    panels: dict[str, _Panel], bac: np.ndarray, ids: np.ndarray, draws: int, n_t: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per index: (num, den, avoided) of every group, draw and quarter (see `Estimates`).

    Cells never cross units, so each unit is one block: its projects' weights are drawn once
    for both indices. Within a unit, a draw's comparison sums per cell are one matrix product
    (weights x the comparisons' count and change by cell); each engagement then adds its
    weighted difference from its cell's comparison mean, where that cell kept comparisons."""
    out = {}
    for x, panel in panels.items():
        shape = (draws, panel.n_g * n_t)  # (group, quarter) flattened, as the blocks add
        out[x] = (np.zeros(shape), np.zeros(shape), np.zeros(shape))
    units = np.unique(np.concatenate([p.tr_unit for p in panels.values()]))
    for unit in units:
        slices = {x: panel.unit_slices(unit) for x, panel in panels.items()}
        members = [
            np.concatenate([panel.ctrl_p[slices[x][0]], panel.tr_p[slices[x][1]]])
            for x, panel in panels.items()
        ]
        projects = np.unique(np.concatenate(members))
        keys = project_keys(ids[projects])
        blocks = [
            _UnitBlock(panel, *slices[x], projects, bac if x == "cpi" else None)
            for x, panel in panels.items()
        ]
        # draw 0 (the data) in double precision; the resamples in single, twice as fast
        chunks = [(slice(0, 1), np.ones((1, projects.size)))]
        step = max(1, _CHUNK // max(1, projects.size))
        for first in range(1, draws, step):
            rows = slice(first, min(draws, first + step))
            chunks.append((rows, bootstrap_weights(keys, first, rows.stop - first, np.float32)))
        for rows, w in chunks:
            for x, block in zip(panels, blocks, strict=True):
                block.add(w, rows, *out[x])
    return {
        x: tuple(a.reshape(draws, panels[x].n_g, n_t).transpose(1, 0, 2) for a in sums)
        for x, sums in out.items()
    }


class _UnitBlock:
    """One index's rows of one unit, laid out for `_bootstrap`."""

    def __init__(
        self,
        panel: _Panel,
        ctrl: slice,
        tr: slice,
        projects: np.ndarray,
        bac: np.ndarray | None,
    ) -> None:
        cells, cc = np.unique(panel.ctrl_cell[ctrl], return_inverse=True)
        cp = np.searchsorted(projects, panel.ctrl_p[ctrl])
        self.n_c = cells.size
        by_cell = np.zeros((projects.size, 2 * cells.size))  # count | change
        by_cell[cp, cc] = 1.0
        by_cell[cp, cells.size + cc] = panel.ctrl_change[ctrl]
        self.by_cell = {np.dtype(np.float64): by_cell, np.dtype(np.float32): by_cell.astype("f4")}
        self.tp = np.searchsorted(projects, panel.tr_p[tr])
        self.tc = np.searchsorted(cells, panel.tr_cell[tr])
        self.g, self.t = panel.tr_g[tr], panel.tr_t[tr]  # group, quarter
        before, after = panel.tr_before[tr], panel.tr_after[tr]
        self.change = after - before
        self.before, self.after = before, after
        self.bac = bac[panel.tr_p[tr]] if bac is not None else None
        # engagements by (group, quarter), where their sums go
        slot = self.g * panel.n_t + self.t
        order = np.argsort(slot, kind="stable")
        self.tp, self.tc, slot = self.tp[order], self.tc[order], slot[order]
        self.change, self.before, self.after = (
            a[order] for a in (self.change, self.before, self.after)
        )
        if self.bac is not None:
            self.bac = self.bac[order]
        self.starts = np.flatnonzero(np.r_[True, slot[1:] != slot[:-1]]) if slot.size else slot
        self.slots = slot[self.starts]

    def add(
        self, w: np.ndarray, rows: slice, num_: np.ndarray, den: np.ndarray, avoided: np.ndarray
    ) -> None:
        if self.tp.size == 0:
            return
        r = w @ self.by_cell[w.dtype]
        n_ctrl, s_ctrl = r[:, : self.n_c], r[:, self.n_c :]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (s_ctrl / n_ctrl)[:, self.tc]  # each engagement's comparison mean
        kept = n_ctrl[:, self.tc] > 0  # its cell still has comparisons in this draw
        wt = w[:, self.tp]

        def add_to(out: np.ndarray, values: np.ndarray) -> None:
            out[rows, self.slots] += np.add.reduceat(values, self.starts, axis=1)

        add_to(num_, np.where(kept, wt * (self.change - mean), 0.0))
        add_to(den, np.where(kept, wt, 0.0))
        if self.bac is not None:
            # the forecast at completion at the comparison trend minus the one reached
            counterfactual = self.before + mean
            with np.errstate(invalid="ignore", divide="ignore"):
                each = self.bac / counterfactual - self.bac / self.after
            ok = kept & (counterfactual > 0) & np.isfinite(each)
            add_to(avoided, np.where(ok, wt * each, 0.0))


def _first_quarters(project: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The first quarter column of each distinct project, sorted."""
    if project.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.full(int(project.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, project, t)
    return np.sort(first[first != np.iinfo(np.int64).max])


def naive_before_after(index: np.ndarray, served: np.ndarray) -> float:
    """The estimate the method replaces: the mean change of the index from the end of t-1 to
    the end of t+2 over the engagements, with no comparison group. `index` and `served` are
    project x quarter matrices."""
    design = _Design.build(
        served,
        np.zeros((0, *served.shape), dtype=bool),
        np.zeros(served.shape),
        np.zeros(served.shape[0], dtype=np.int64),
        0,
    )
    change = index[:, design.t + AFTER] - index[:, design.t - BEFORE]
    mine = design.starts[0] & ~np.isnan(change)
    return float(change[mine].mean()) if mine.any() else math.nan


def evidence_of(
    tables: Tables, settings: Settings, given: Evidence | None = None, by_service: bool = False
) -> Evidence | None:
    """`prepare_evidence`, or `given` when it was prepared with the same settings (and by
    service type, if asked for). The build prepares every job's evidence once, in one warm
    process, and hands it to the job (`pmovalue.handoff`): prepared in each freshly started
    kernel it cost several times as much. The ALL group's estimates do not depend on whether
    the service types were estimated too."""
    if given is not None and given.settings == settings and (given.by_service or not by_service):
        return given
    return prepare_evidence(tables, settings, by_service)


def evidence_settings(params: Params) -> Settings:
    """`Settings` from validated parameters."""
    return Settings(
        hourly_rate=params.pmo.hourly_rate,
        min_group_size=params.pmo.min_group_size,
        bootstrap_draws=params.pmo.bootstrap_draws,
        band_width=params.pmo.band_width,
        band_anchor=params.thresholds.index_amber_min,
    )
