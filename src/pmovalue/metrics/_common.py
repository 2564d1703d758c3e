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
"""Canonical tables of DESIGN §6 by name; a table the user did not provide is absent."""

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
    """`period_index` of each value; NA or malformed periods give NaN (float)."""
    text = text_col(periods, lower=False)
    parts = text.str.extract(r"^(\d{4})-Q([1-4])$")
    year = pd.to_numeric(parts[0], errors="coerce")
    quarter = pd.to_numeric(parts[1], errors="coerce")
    return (year * 4 + quarter - 1).astype("float64")


def num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column as float64 (NaN = blank); an absent column is all NaN."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def text_col(series: pd.Series, lower: bool = True) -> pd.Series:
    """A text column as object dtype with None for blanks, stripped (and lowercased)."""

    def clean(v: object) -> str | None:
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        s = str(v).strip()
        if not s:
            return None
        return s.lower() if lower else s

    return pd.Series([clean(v) for v in series.tolist()], index=series.index, dtype="object")


def text(frame: pd.DataFrame, column: str, lower: bool = True) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return text_col(frame[column], lower=lower)


def dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")


def statuses(projects: pd.DataFrame) -> pd.Series:
    """Project status, lowercase; blank means `active` (the DESIGN default)."""
    status = text(projects, "status")
    return pd.Series(
        ["active" if v is None else v for v in status.tolist()], index=status.index, dtype="object"
    )


def total(values: pd.Series, what: str) -> Result:
    """Σ of the present values; blank ("no <what>") when every value is missing or none exist.

    When some values are missing the sum of the others is given with a caveat naming how many
    were left out.
    """
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    present = values.dropna()
    if present.empty:
        return Result.blank(f"no {what}")
    missing = len(values) - len(present)
    note = f"{missing} of {len(values)} without {what}: left out" if missing else ""
    return Result(float(present.sum()), note)


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


def safe_divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Element-wise ratio; NaN where the denominator is 0, either side is missing, or the
    quotient overflows."""
    num_ = pd.to_numeric(numerator, errors="coerce").astype("float64")
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    den = den.where(den != 0)
    out = (num_ / den).astype("float64")
    return out.where(np.isfinite(out))


def median(values: pd.Series, what: str) -> Result:
    values = pd.to_numeric(values, errors="coerce").astype("float64").dropna()
    if values.empty:
        return Result.blank(f"no {what}")
    return Result(float(values.median()))


def share_pct(flags: pd.Series, what: str) -> Result:
    """100 · (number of True) / (number of True or False); NA flags are left out.

    Blank ("no <what>") when no flag is known.
    """
    known = flags.dropna()
    if known.empty:
        return Result.blank(f"no {what}")
    missing = len(flags) - len(known)
    note = f"{missing} of {len(flags)} project(s) undetermined: left out" if missing else ""
    return Result(100.0 * float(known.astype(bool).sum()) / len(known), note)


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
