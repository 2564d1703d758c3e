"""Exposure of each project and the money at risk, worked out by hand from a small table."""

from __future__ import annotations

import math

import pandas as pd

from pmovalue.metrics.exposure import exposure_columns, money_at_risk, needs_attention

NAN = float("nan")
AMBER = 0.90


def projects() -> pd.DataFrame:
    rows = [
        # id, status, rating, cpi, spi, spi_t, bac, eac, pv, ev, benefits due, realized
        ("A", "active", "green", 0.80, 1.00, 1.00, 100.0, 125.0, 50.0, 50.0, NAN, NAN),
        ("B", "on_hold", "red", 1.00, 1.00, 1.00, 200.0, 190.0, 80.0, 60.0, 40.0, 10.0),
        ("C", "closed", "green", 0.70, 1.00, 1.00, 100.0, 140.0, 100.0, 100.0, 30.0, NAN),
        ("D", "active", "green", 1.00, 1.00, 1.00, 100.0, 130.0, 60.0, 40.0, 20.0, 25.0),
        ("E", "", "amber", NAN, 0.85, NAN, 50.0, NAN, 30.0, 20.0, NAN, NAN),
    ]
    cols = ["project_id", "status", "rating", "cpi", "spi", "spi_t", "bac", "eac", "pv", "ev"]
    frame = pd.DataFrame(rows, columns=[*cols, "benefits_baseline", "benefits_realized"])
    return frame.set_index("project_id")


def test_exposure_parts_by_hand() -> None:
    parts = exposure_columns(projects())
    # A: overrun 125 - 100 = 25; on plan.
    # B: under budget; 80 - 60 = 20 of planned work not done; benefits 40 - 10 = 30 short.
    # C: closed: its overrun is spent and its work done; 30 of benefits due, none measured.
    # D: overrun 30, 20 of planned work not done; benefits over-realized: no shortfall.
    # E: blank status is active; no EAC; 10 of planned work not done.
    assert parts["overrun"].to_dict() == {"A": 25.0, "B": 0.0, "C": 0.0, "D": 30.0, "E": 0.0}
    assert parts["unearned"].to_dict() == {"A": 0.0, "B": 20.0, "C": 0.0, "D": 20.0, "E": 10.0}
    assert parts["benefits_shortfall"].to_dict() == {
        "A": 0.0,
        "B": 30.0,
        "C": 30.0,
        "D": 0.0,
        "E": 0.0,
    }
    assert parts["exposure"].to_dict() == {"A": 25.0, "B": 50.0, "C": 30.0, "D": 50.0, "E": 10.0}


def test_who_needs_attention() -> None:
    # A and C red on cost, B rated red, E red on schedule (SPI); D is on plan by its indices.
    assert needs_attention(projects(), AMBER).to_dict() == {
        "A": True,
        "B": True,
        "C": True,
        "D": False,
        "E": True,
    }


def test_money_at_risk_by_hand() -> None:
    risk = money_at_risk(projects(), AMBER)
    # Overrun of the open projects that need attention: only A (25); D overruns but is not
    # red, C's overrun is spent. Benefits short on every project: B 30 + C 30.
    assert (risk.overrun, risk.overrun_projects) == (25.0, 1)
    assert (risk.shortfall, risk.shortfall_projects) == (60.0, 2)
    assert risk.total == 85.0


def test_no_project_no_money_at_risk() -> None:
    empty = projects().iloc[:0]
    assert money_at_risk(empty, AMBER).total == 0.0
    only_names = pd.DataFrame({"status": ["active"]})
    parts = exposure_columns(only_names)  # columns the table lacks count as nothing
    assert parts["exposure"].tolist() == [0.0]
    assert not math.isnan(money_at_risk(only_names, AMBER).total)
