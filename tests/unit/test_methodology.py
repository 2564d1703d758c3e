"""methodology.html, generated from the metric catalogue: every metric with its anchor and
definition, the targets of this version's parameters (and the units that differ), and the
definitions the other pages link to."""

from __future__ import annotations

import re

from pmovalue.config import Params
from pmovalue.metrics.catalog import METRICS
from pmovalue.site.methodology import inline_markdown, methodology_html

PORTFOLIO = Params.model_validate(
    {"targets": {"on_time_pct": 75, "nps": 20}, "changes": {"material": {"nps": "10%"}}}
)
UNITS = {"risk": "Risk & Compliance", "ops": "Ops"}
UNIT_PARAMS = {
    "risk": Params.model_validate({"targets": {"on_time_pct": 85, "nps": 20}}),
    "ops": Params.model_validate({"targets": {"on_time_pct": 75, "nps": 20}}),
}


def page(ids: list[str] | None = None) -> str:
    return methodology_html(ids or list(METRICS), PORTFOLIO, UNITS, UNIT_PARAMS)


def entry(html: str, metric_id: str) -> str:
    match = re.search(rf'<section class="metric-def" id="{metric_id}">(.*?)</section>', html, re.S)
    assert match, metric_id
    return match.group(1)


def test_every_metric_has_its_entry_and_anchor_in_catalogue_order() -> None:
    html = page()
    found = re.findall(r'<section class="metric-def" id="(\w+)">', html)
    assert found == list(METRICS)
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]  # an index at the top
    assert re.findall(r'href="#(\w+)"', toc) == list(METRICS)
    for m in METRICS.values():
        text = entry(html, m.id)
        assert f"<h3>{m.label.replace('&', '&amp;')}</h3>" in text
        for field in ("Formula", "Unit", "Better", "Target and status", "Computed from"):
            assert f"<dt>{field}</dt>" in text, (m.id, field)
        assert f"<code>{m.id}</code>" in text  # the id, for the data files


def test_only_the_metrics_of_the_version() -> None:
    html = page(["nps", "cpi"])
    assert re.findall(r'class="metric-def" id="(\w+)"', html) == ["cpi", "nps"]


def test_targets_as_configured_for_this_version() -> None:
    html = page()
    on_time = entry(html, "on_time_pct")
    assert "Target ≥\u00a075.0%: green when met, amber when short of it by at most 10%" in (on_time)
    assert "Units with their own:" in on_time
    # Each marked with its unit: a board pack for other units leaves it out.
    assert '<li data-unit="risk">Risk &amp; Compliance: Target ≥\u00a085.0%' in on_time
    assert "Ops:" not in on_time  # the same as the portfolio's: not repeated
    assert "Green at 0.95 or more, amber from 0.90, red below." in entry(html, "cpi")
    assert "No target: shown for context" in entry(html, "bac_total")
    assert "Higher is better" in entry(html, "cpi") and "Lower is better" in entry(
        html, "eac_total"
    )
    assert "Closer to zero is better" in entry(html, "period_variance_pct")


def test_material_change_thresholds() -> None:
    html = page()
    assert "A change of at least 10% of the previous value, or of RAG status." in entry(html, "nps")
    assert "at least 0.02, or of RAG status" in entry(html, "cpi")
    assert "at least 5 percentage points" in entry(html, "on_time_pct")
    assert "Only a change of RAG status" in entry(html, "benefits_baseline_total")


def test_the_definitions_other_pages_link_to() -> None:
    html = page()
    for anchor in ("money-at-risk", "exposure", "material-change", "rag-status"):
        assert f'id="{anchor}"' in html
    assert "forecast overrun of the open projects that need attention" in html
    assert "0.4 × financial + 0.35 × strategic + 0.25 × stakeholder" in html


def test_ids_in_the_text_are_marked_as_code() -> None:
    assert inline_markdown("Σ budget_at_completion, `proposed` and maturity.min_coverage") == (
        "Σ <code>budget_at_completion</code>, <code>proposed</code> and "
        "<code>maturity.min_coverage</code>"
    )
    outside_code = re.sub(r"<code>.*?</code>", "", page())
    words = re.sub(r"<[^>]+>", " ", outside_code)
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", words)  # no snake_case id as a word
