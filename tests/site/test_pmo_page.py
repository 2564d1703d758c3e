"""The PMO-value page in a real build: in the navigation of every page, its figures those of
metrics.csv, and, without the pmo_services table, every section saying what to provide."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from pmovalue.build import build
from pmovalue.markup import signed
from pmovalue.metrics.pmo import PMO_METRICS
from pmovalue.report.pmo import MISSING
from tests.conftest import options

VERSION = "2026-Q3"


def test_every_page_links_to_the_pmo_page(sample_site: Path) -> None:
    for page in (sample_site / VERSION).rglob("*.html"):
        if page.name != "pmo-value.html" and "pagefind" not in page.parts:
            root = "../" * (len(page.relative_to(sample_site / VERSION).parts) - 1)
            assert f'href="{root}pmo-value.html"' in page.read_text(), page


def test_the_page_shows_the_portfolio_figures(sample_site: Path) -> None:
    m = pd.read_csv(sample_site / VERSION / "data" / "metrics.csv")
    portfolio = m[m["unit_id"] == "_portfolio"].set_index("metric")["value"]
    text = (sample_site / VERSION / "pmo-value.html").read_text()
    effect, low, high = (portfolio[f"pmo_effect_cpi{e}"] for e in ("", "_low", "_high"))
    assert f"95% interval {signed(low, 3)} to {signed(high, 3)}" in text
    assert f">{signed(effect, 3)}<" in text
    assert text.count('class="plotly-graph-div"') == 3  # CPI, SPI, cost avoided
    assert "Who was compared with whom" in text and "association, not proof" in text
    unit = (sample_site / VERSION / "units" / "digital-channels.html").read_text()
    assert "PMO support" in unit and 'href="../pmo-value.html"' in unit


def test_without_services_the_pages_say_what_to_provide(tmp_path: Path, repo: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(repo / "data" / "sample", data)
    (data / "pmo_services.csv").unlink()
    result = build(options(tmp_path, data_dir=data, units=["Risk & Compliance"]), log=print)
    # the notebook's Markdown, as the page renders it
    missing = "No pmo_services data was provided"
    page = (result.path / "pmo-value.html").read_text()
    assert page.count(missing) == 4  # headline, effects, cost avoided, services
    assert "Who was compared with whom" not in page and "association, not proof" in page
    unit = (result.path / "units" / "risk-compliance.html").read_text()
    assert missing in unit
    m = pd.read_csv(result.path / "data" / "metrics.csv")
    rows = m[m["metric"].isin(PMO_METRICS)]
    assert rows["value"].isna().all() and (rows["note"] == "no pmo_services data").all()
    assert "pmo_services.csv" in MISSING
