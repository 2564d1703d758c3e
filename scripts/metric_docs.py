"""Write the metric reference of docs/metrics.md from the metric catalogue.

The part of the page between the two marker lines is generated from
`pmovalue.metrics.catalog`; the rest is written by hand. Run it after changing the catalogue:

    .venv/bin/python scripts/metric_docs.py          # rewrites docs/metrics.md
    .venv/bin/python scripts/metric_docs.py --check  # exit 1 when the page is out of date

The test suite runs the check, so the page cannot drift from the catalogue.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pmovalue.metrics.catalog import LEVELS, MATERIAL_CHANGE, METRICS, MetricInfo

PAGE = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
BEGIN = (
    "<!-- The metric reference below is generated from src/pmovalue/metrics/catalog.py by "
    "scripts/metric_docs.py: edit the catalogue, then run the script. -->"
)
END = "<!-- End of the generated metric reference. -->"


def material(m: MetricInfo) -> str:
    """The default size of a material change from one quarter to the next, in words."""
    threshold = MATERIAL_CHANGE.get(m.id)
    if threshold is None:
        return "only a change of RAG status"
    if isinstance(threshold, str):
        return f"{threshold} of the previous value, or a change of RAG status"
    unit = " percentage points" if m.unit == "pct" else " days" if m.unit == "days" else ""
    return f"{threshold:g}{unit}, or a change of RAG status"


def metric_markdown(m: MetricInfo) -> str:
    sources = ", ".join(f"`{t}`" for t in m.sources)
    return "\n".join(
        [
            f"### `{m.id}`: {m.label}",
            "",
            m.meaning,
            "",
            f"- **Formula**: {m.formula}.",
            f"- **Unit**: {m.unit_text}; **direction**: {m.direction_text}.",
            f"- **Computed from**: {sources}; **what counts**: {m.scope}.",
            f"- **Blank, caps, left out**: {m.edge_cases}",
            f"- **Material change** (default of `changes.material`): {material(m)}.",
            f"- **Example**: {m.example}",
            "",
        ]
    )


def reference() -> str:
    """The generated part of the page: every metric, level by level, in catalogue order."""
    parts = [BEGIN, ""]
    for level, title in LEVELS.items():
        parts += [f"## {title}", ""]
        parts += [metric_markdown(m) for m in METRICS.values() if m.level == level]
    parts.append(END)
    return "\n".join(parts)


def updated(page: str) -> str:
    """`page` with its generated part replaced by the current reference."""
    if page.count(BEGIN) != 1 or page.count(END) != 1:
        raise SystemExit(f"{PAGE}: needs the marker lines once each:\n{BEGIN}\n{END}")
    head, rest = page.split(BEGIN)
    _, tail = rest.split(END)
    return head + reference() + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date")
    args = parser.parse_args(argv)
    page = PAGE.read_text(encoding="utf-8")
    new = updated(page)
    if args.check:
        if new != page:
            print(f"{PAGE} is out of date: run scripts/metric_docs.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(new, encoding="utf-8")
    print(f"wrote the metric reference of {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
