"""What a what-if scenario changes, first on its unit and portfolio pages: the page's metrics
computed with the official parameters from the same data (by the same job: see
`pmovalue.report.views`), against the scenario's. The parameters that differ are listed just
above, in the scenario banner of every page."""

from __future__ import annotations

import pandas as pd

from pmovalue.markup import show_html
from pmovalue.report.compare import changes_table, visible_changes
from pmovalue.report.views import PortfolioView, UnitView


def scenario_changes(view: UnitView | PortfolioView) -> pd.DataFrame:
    """The metrics that move under the scenario, judged (verdict, material); none for an
    official page."""
    if view.official is None:
        return pd.DataFrame()
    page = {"unit_id": "page", "unit_name": "page"}
    keep = ["metric", "value", "status"]
    return visible_changes(
        view.official[keep].assign(**page),
        view.metrics[keep].assign(**page),
        lambda _unit: view.params,
        view.params.report.currency,
        [],
    )


def scenario_html(view: UnitView | PortfolioView) -> str:
    if view.official is None:
        return ""
    rows = scenario_changes(view)
    head = (
        '<section class="scenario-effect" aria-label="What this scenario changes">'
        "<h2>What this scenario changes</h2>"
    )
    if rows.empty:
        return (
            f"{head}<p>No metric of this page moves: with the official parameters the same "
            "data gives the same numbers.</p></section>"
        )
    intro = (
        f"<p>{len(rows)} metric{'s' if len(rows) != 1 else ''} of this page "
        f"{'move' if len(rows) != 1 else 'moves'} against the "
        "official parameters (the parameters that differ are listed above), computed from the "
        "same data.</p>"
    )
    table = changes_table(
        rows,
        "Official",
        "Scenario",
        view.params.report.currency,
        "Official parameters against the scenario's, the worse first",
        "scenario-changes.csv",
        view.root,
        with_unit=False,
    )
    return f"{head}{intro}{table}</section>"


def show_scenario(view: UnitView | PortfolioView) -> None:
    markup = scenario_html(view)
    if markup:
        show_html(markup)
