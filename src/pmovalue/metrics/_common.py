"""Shared pieces of the metric families: the result type, period arithmetic, safe sums and ratios.

Conventions used by every family:

- A metric value is a float; a value that cannot be computed is NaN with the reason in `note`,
  never 0 or infinity.
- A total over values that are all missing is blank, not 0.
- Text columns may come as pandas "string" (pd.NA) or the default "str" dtype (NaN); every
  comparison here is NA-safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmovalue.errors import UsageError

Tables = Mapping[str, pd.DataFrame]
"""Canonical tables (docs/data.md) by name; a table the user did not provide is absent."""

PERIOD_RE = re.compile(r"^(\d{4})-Q([1-4])$")

OPEN_STATUSES = ("active", "on_hold")
"""Projects with work still to do (TCPI is about them)."""

NOT_DELIVERING = ("proposed", "cancelled")
"""Projects that will not deliver: left out of on-budget / on-time / slip / SPI(t) judgements."""


@dataclass(frozen=True)
class Result:
    """One metric value with its note (the reason when blank, or a short caveat)."""

    value: float
    note: str = ""

    @classmethod
    def blank(cls, note: str) -> Result:
        return cls(math.nan, note)

    @property
    def is_blank(self) -> bool:
        return math.isnan(self.value)

    def with_note(self, extra: str) -> Result:
        return Result(self.value, join_notes(self.note, extra))


def join_notes(*notes: str) -> str:
    """Join non-empty notes with "; ", dropping duplicates, keeping order."""
    seen: list[str] = []
    for n in notes:
        if n and n not in seen:
            seen.append(n)
    return "; ".join(seen)


def check_period(period: str) -> str:
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise UsageError(f"period must look like 2026-Q3, not {period!r}")
    return period


def period_index(period: str) -> int:
    """Quarter number since year 0: `2026-Q3` -> 2026*4 + 2. Consecutive quarters differ by 1."""
    m = PERIOD_RE.match(str(period))
    if m is None:
        raise UsageError(f"period must look like 2026-Q3, not {period!r}")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def period_indices(periods: pd.Series) -> pd.Series:
    """`period_index` of each value; NA or malformed periods give NaN (float).

    Each distinct value is parsed once (a column holds a handful of periods).
    """
    codes, cleaned = distinct_text(periods, lower=False)
    return pd.Series(parse_periods(cleaned)[codes], index=periods.index, dtype="float64")


def parse_periods(cleaned: np.ndarray) -> np.ndarray:
    """period_index of each cleaned text (object array, None = blank) as float, NaN if malformed."""
    parts = pd.Series(cleaned, dtype="object").str.extract(r"^(\d{4})-Q([1-4])$")
    year = pd.to_numeric(parts[0], errors="coerce")
    quarter = pd.to_numeric(parts[1], errors="coerce")
    return (year * 4 + quarter - 1).to_numpy(dtype="float64")


def num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column as float64 (NaN = blank); an absent column is all NaN."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _clean(v: object, lower: bool) -> str | None:
    """One text cell: None for blanks (NA, NaN, empty after stripping), else str(v).strip()."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    if not s:
        return None
    return s.lower() if lower else s


def _is_text(series: pd.Series) -> bool:
    """True for a string dtype, or an object column holding only str (and blanks)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    )


def distinct_text(series: pd.Series, lower: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(codes, cleaned): the column as `cleaned[codes]`, each distinct value cleaned once.

    `cleaned` is an object array of the cleaned distinct values (see `text_col`) followed by a
    final None that blank cells (code -1) point to. Columns that are not text (numbers, mixed
    objects) are cleaned cell by cell.
    """
    if _is_text(series):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        values = uniques.to_numpy(dtype="object")
    else:
        values = series.tolist()
        codes = np.arange(len(values), dtype="intp")
    cleaned = np.empty(len(values) + 1, dtype="object")
    cleaned[:-1] = [_clean(v, lower) for v in values]
    return np.asarray(codes, dtype="intp"), cleaned


def text_col(series: pd.Series, lower: bool = True) -> pd.Series:
    """A text column as object dtype with None for blanks, stripped (and lowercased)."""
    codes, cleaned = distinct_text(series, lower)
    return pd.Series(cleaned[codes], index=series.index, dtype="object")


def text(frame: pd.DataFrame, column: str, lower: bool = True) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return text_col(frame[column], lower=lower)


def dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")


def statuses(projects: pd.DataFrame) -> pd.Series:
    """Project status, lowercase; blank means `active` (docs/data.md)."""
    status = text(projects, "status")
    return status.where(status.notna(), "active").astype("object")


def total(values: pd.Series | np.ndarray, what: str) -> Result:
    """Σ of the present values; blank ("no <what>") when every value is missing or none exist.

    When some values are missing the sum of the others is given with a caveat naming how many
    were left out.
    """
    values = float_values(values)
    kept = _kept(values)
    if kept.size == 0:
        return Result.blank(f"no {what}")
    missing = len(values) - len(kept)
    note = f"{missing} of {len(values)} without {what}: left out" if missing else ""
    # numpy's sum of the kept values: what pandas computes for them, to the last bit
    return Result(float(kept.sum()), note)


def ratio(numerator: float, denominator: float, zero_reason: str) -> Result:
    """numerator / denominator; blank with `zero_reason` when the denominator is 0 or missing."""
    if _missing(numerator) or _missing(denominator):
        return Result.blank(zero_reason)
    if denominator == 0:
        return Result.blank(zero_reason)
    value = float(numerator) / float(denominator)
    if not math.isfinite(value):
        return Result.blank("ratio out of range (denominator too close to 0)")
    return Result(value)


def floats(values: pd.Series) -> pd.Series:
    """The values as float64 (NaN = blank or not a number); float64 values as they are."""
    if values.dtype == "float64":
        return values  # the conversion below would give them back unchanged, at some cost
    return pd.to_numeric(values, errors="coerce").astype("float64")


def float_values(values: pd.Series | np.ndarray) -> np.ndarray:
    """`floats` as a numpy array (a float64 array is taken as it is)."""
    if isinstance(values, np.ndarray) and values.dtype == "float64":
        return values
    return floats(pd.Series(values) if isinstance(values, np.ndarray) else values).to_numpy()


def _kept(values: np.ndarray) -> np.ndarray:
    """The present (non-NaN) values, in order: what pandas sums or takes the median of."""
    return values[~np.isnan(values)]


def present(*columns: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Mask of the rows where every column has a value.

    Float arrays, and columns on one index (the usual case: columns of one frame), are checked
    in numpy, which spares pandas' cost per operation; others are aligned on their index as
    pandas does."""
    first = columns[0]
    if all(isinstance(c, np.ndarray) for c in columns):
        mask = np.ones(len(first), dtype=bool)
        for c in columns:
            mask &= ~np.isnan(c)
        return mask
    series: list[pd.Series] = [c for c in columns if isinstance(c, pd.Series)]
    assert len(series) == len(columns), "Series or float arrays, not both"
    head = series[0]
    if all(c.index is head.index or c.index.equals(head.index) for c in series[1:]):
        mask = np.ones(len(head), dtype=bool)
        for c in series:
            mask &= ~(np.isnan(c.to_numpy()) if c.dtype == "float64" else c.isna().to_numpy())
        return mask
    aligned = head.notna()
    for c in series[1:]:
        aligned = aligned & c.notna()
    return aligned


def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ratio of float arrays; NaN where the denominator is 0, either side is
    missing, or the quotient overflows."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        quotient = numerator / np.where(denominator != 0, denominator, np.nan)
    quotient[~np.isfinite(quotient)] = np.nan
    return quotient


def safe_divide(
    numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray
) -> pd.Series | np.ndarray:
    """`divide`, for Series (aligned on their index) or float arrays."""
    if isinstance(numerator, np.ndarray) and isinstance(denominator, np.ndarray):
        return divide(numerator, denominator)
    assert isinstance(numerator, pd.Series) and isinstance(denominator, pd.Series)
    if (
        numerator.dtype == "float64"
        and denominator.dtype == "float64"
        and numerator.index.equals(denominator.index)
    ):
        # The common case, in numpy: the same IEEE operations as below, without ~1 ms of
        # pandas overhead per call (a unit page makes dozens of these calls).
        quotient = divide(numerator.to_numpy(), denominator.to_numpy())
        name = numerator.name if numerator.name == denominator.name else None
        return pd.Series(quotient, index=numerator.index, name=name, dtype="float64")
    num_ = pd.to_numeric(numerator, errors="coerce").astype("float64")
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    den = den.where(den != 0)
    out = (num_ / den).astype("float64")
    return out.where(np.isfinite(out))


def median(values: pd.Series | np.ndarray, what: str) -> Result:
    kept = _kept(float_values(values))
    if kept.size == 0:
        return Result.blank(f"no {what}")
    return Result(float(np.nanmedian(kept)))  # pandas' own call for the median of floats


def share_pct(flags: pd.Series, what: str) -> Result:
    """100 · (number of True) / (number of True or False); NA flags are left out.

    Blank ("no <what>") when no flag is known.
    """
    known = flags.notna().to_numpy(dtype=bool)
    return share_pct_of(flags.to_numpy(dtype=bool, na_value=False), known, what)


def share_pct_of(flag: np.ndarray, known: np.ndarray, what: str) -> Result:
    """`share_pct` of boolean arrays: `flag` counts where `known`."""
    n = int(known.sum())
    if n == 0:
        return Result.blank(f"no {what}")
    missing = len(known) - n
    note = f"{missing} of {len(known)} project(s) undetermined: left out" if missing else ""
    return Result(100.0 * float((flag & known).sum()) / n, note)


def table(tables: Tables, name: str) -> pd.DataFrame | None:
    frame = tables.get(name)
    return None if frame is None else frame


def _missing(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def ids(values: Iterable[object]) -> str:
    """A short list of ids for a note: `P1, P2, P3 and 4 more`."""
    items = [str(v) for v in values]
    if len(items) <= 3:
        return ", ".join(items)
    return f"{', '.join(items[:3])} and {len(items) - 3} more"
