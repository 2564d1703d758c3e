"""Ids from names: business units (URL and file names) and PMO services (slugs)."""

from __future__ import annotations

import re
import unicodedata

PORTFOLIO_ID = "_portfolio"
UNIT_METRICS_FILE = "unit_metrics"  # input of portfolio-level jobs: every unit job's metrics


def slugify(name: str) -> str:
    """`Department for Transport` -> `department-for-transport`; `R&D (EU)` -> `r-d-eu`."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "unit"


def service_slug(name: object) -> str | None:
    """`Health check` -> `health_check`, `Cost-Review ` -> `cost_review`; blank -> None.

    The PMO's service catalogue as ids. Letters lose their accents; a name with no ASCII
    letter or digit at all is kept, lowercased, with underscores for spaces."""
    # None, NaN or pandas' NA, told apart without importing pandas: the no-op check imports
    # this module and must stay light.
    if (
        name is None
        or type(name).__name__ == "NAType"
        or (isinstance(name, float) and name != name)
    ):
        return None
    raw = str(name).strip().lower()
    if not raw:
        return None
    ascii_name = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    return slug or re.sub(r"\s+", "_", raw)
