"""Make ppm.db: the database of a (made-up) PPM tool, holding the sample organisation.

The PPM tool keeps its data as such tools do, not as pmovalue's tables: departments in their
own table, projects by numeric id with the department's id, the status and RAG health as a
history of changes (the current one is the latest), and EVM snapshots per quarter under the
tool's own names. `mapping.yml` beside this script reads it in place.

    python examples/sqlite-ppm/make_db.py                  # writes examples/sqlite-ppm/ppm.db
    python examples/sqlite-ppm/make_db.py --out /tmp/ppm.db --sample data/sample

The data are the projects and EVM rows of `data/sample` (the demo organisation), so the site
built from this database equals the one built from those two CSV files. The statements are
plain SQL that PostgreSQL runs too (the tests load the same rows into a PostgreSQL server).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[1] / "data" / "sample"

SCHEMA = [
    """create table departments (
        dept_id integer primary key,
        dept_name text not null unique
    )""",
    """create table projects (
        proj_id integer primary key,
        proj_code text not null unique,
        title text not null,
        dept_id integer not null references departments (dept_id),
        portfolio_category text,
        start_date date,
        baseline_end date,
        forecast_end date,
        actual_end date,
        budget numeric(14, 2),
        estimate_at_completion numeric(14, 2),
        cost_to_date numeric(14, 2),
        budget_this_quarter numeric(14, 2),
        forecast_this_quarter numeric(14, 2),
        objectives_met boolean
    )""",
    """create table status_history (
        proj_id integer not null references projects (proj_id),
        changed_on date not null,
        status text not null,
        health text,
        primary key (proj_id, changed_on)
    )""",
    """create table evm_snapshots (
        proj_id integer not null references projects (proj_id),
        quarter text not null,
        pv numeric(14, 2) not null,
        ev numeric(14, 2) not null,
        ac numeric(14, 2) not null,
        primary key (proj_id, quarter)
    )""",
    """create view project_evm as
        select p.proj_code, e.quarter, e.pv, e.ev, e.ac
        from evm_snapshots e join projects p on p.proj_id = e.proj_id
        order by e.proj_id, e.quarter""",
]

# pmovalue's status -> the PPM tool's wording; its RAG is a letter.
STATUS = {
    "proposed": "Proposed",
    "active": "In Progress",
    "on_hold": "On Hold",
    "closed": "Completed",
    "cancelled": "Cancelled",
}
HEALTH = {"red": "R", "amber": "A", "green": "G", "": None}


def _number(text: str) -> float | None:
    return float(text) if text else None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def sample_rows(sample: Path = SAMPLE) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each table, from the sample's projects.csv and evm.csv."""
    projects = _read(sample / "projects.csv")
    departments: dict[str, int] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {
        "departments": [],
        "projects": [],
        "status_history": [],
        "evm_snapshots": [],
    }
    ids: dict[str, int] = {}
    for n, p in enumerate(projects, start=1):
        if p["unit_id"] not in departments:
            departments[p["unit_id"]] = len(departments) + 1
            rows["departments"].append((departments[p["unit_id"]], p["unit_id"]))
        ids[p["project_id"]] = n
        met = {"true": True, "false": False}.get(p["objectives_met"].lower())
        rows["projects"].append(
            (
                n,
                p["project_id"],
                p["project_name"],
                departments[p["unit_id"]],
                p["category"] or None,
                *(p[c] or None for c in ("start_date", "baseline_finish")),
                *(p[c] or None for c in ("forecast_finish", "actual_finish")),
                *(
                    _number(p[c])
                    for c in (
                        "budget_at_completion",
                        "forecast_at_completion",
                        "actual_cost",
                        "period_budget",
                        "period_forecast",
                    )
                ),
                met,
            )
        )
        # The history: registered as a proposal, maybe paused once, then its current state.
        start = dt.date.fromisoformat(p["start_date"])
        history = [(start - dt.timedelta(days=90), "Proposed", None)]
        if p["status"] != "proposed" and n % 5 == 0:
            history.append((start - dt.timedelta(days=30), "On Hold", "A"))
        history.append((start, STATUS[p["status"]], HEALTH[p["rating"]]))
        if p["status"] == "proposed":
            history = history[-1:]
        rows["status_history"] += [(n, day.isoformat(), s, h) for day, s, h in history]
    for e in _read(sample / "evm.csv"):
        rows["evm_snapshots"].append(
            (
                ids[e["project_id"]],
                e["period"],
                *(float(e[c]) for c in ("planned_value", "earned_value", "actual_cost")),
            )
        )
    return rows


def insert_statement(table: str, width: int, placeholder: str = "?") -> str:
    return f"insert into {table} values ({', '.join([placeholder] * width)})"


def make_db(out: Path, sample: Path = SAMPLE) -> Path:
    """Write the database to `out` (replacing it); returns `out`."""
    out.unlink(missing_ok=True)
    with sqlite3.connect(out) as db:
        for statement in SCHEMA:
            db.execute(statement)
        for table, rows in sample_rows(sample).items():
            db.executemany(insert_statement(table, len(rows[0])), rows)
    db.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "ppm.db")
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="the CSV folder to copy")
    args = ap.parse_args()
    print(f"wrote {make_db(args.out, args.sample)}")


if __name__ == "__main__":
    main()
