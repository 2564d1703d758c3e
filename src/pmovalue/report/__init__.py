"""What the notebooks call: `from pmovalue import report as r`, then `r.unit_view(...)` and
`r.show_...(view)`, one call per section. One module per page kind (`unit`, `portfolio`,
`maturity`, `pmo`), on shared parts (`views`: what a page is computed from and what a job
records; `summary` (the executive summary), `commentary`, `scenario`, `headline`, `findings`,
`attention`, `compare`, `trends`). How values, tables and charts are written out is
`pmovalue.markup`."""

from pmovalue.report.attention import show_attention
from pmovalue.report.commentary import show_commentary
from pmovalue.report.findings import show_findings
from pmovalue.report.headline import show_headline
from pmovalue.report.maturity import maturity_findings, show_maturity_table
from pmovalue.report.pmo import (
    PmoView,
    pmo_view,
    show_pmo_cost_avoided,
    show_pmo_effects,
    show_pmo_findings,
    show_pmo_headline,
    show_pmo_method,
    show_pmo_services,
    show_pmo_support,
)
from pmovalue.report.portfolio import (
    portfolio_findings,
    show_heatmap,
    show_league,
    show_portfolio_headline,
    show_portfolio_totals,
    show_portfolio_trends,
)
from pmovalue.report.scenario import show_scenario
from pmovalue.report.summary import show_summary
from pmovalue.report.unit import (
    show_alignment,
    show_benefits,
    show_evm_curves,
    show_maturity,
    show_metric_table,
    show_peers,
    show_quadrant,
    show_satisfaction,
    show_trends,
    show_value_index_formula,
    unit_findings,
)
from pmovalue.report.views import PortfolioView, UnitView, portfolio_view, unit_view

__all__ = [
    "PmoView",
    "PortfolioView",
    "UnitView",
    "maturity_findings",
    "pmo_view",
    "portfolio_findings",
    "portfolio_view",
    "show_alignment",
    "show_attention",
    "show_benefits",
    "show_commentary",
    "show_evm_curves",
    "show_findings",
    "show_headline",
    "show_heatmap",
    "show_league",
    "show_maturity",
    "show_maturity_table",
    "show_metric_table",
    "show_peers",
    "show_pmo_cost_avoided",
    "show_pmo_effects",
    "show_pmo_findings",
    "show_pmo_headline",
    "show_pmo_method",
    "show_pmo_services",
    "show_pmo_support",
    "show_portfolio_headline",
    "show_portfolio_totals",
    "show_portfolio_trends",
    "show_quadrant",
    "show_satisfaction",
    "show_scenario",
    "show_summary",
    "show_trends",
    "show_value_index_formula",
    "unit_findings",
    "unit_view",
]
