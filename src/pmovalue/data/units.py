"""Business unit ids: one slug function turns names into URL and file names."""

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
