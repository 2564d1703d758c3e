"""The shipped demo data (data/sample) is reproducible and keeps the data contract.

If a byte comparison fails after an intended change to the generator, regenerate the
files with ``python scripts/make_sample_data.py`` from the repository root.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_sample_data.py"
SAMPLE = ROOT / "data" / "sample"

# The tables of docs/data.md, in order.
COLUMNS = {
    "projects": [
        "project_id",
        "project_name",
        "unit_id",
        "status",
        "category",
        "start_date",
        "baseline_finish",
        "forecast_finish",
        "actual_finish",
        "budget_at_completion",
        "forecast_at_completion",
        "actual_cost",
        "period_budget",
        "period_forecast",
        "rating",
        "objectives_met",
    ],
    "evm": ["project_id", "period", "planned_value", "earned_value", "actual_cost"],
    "benefits": [
        "project_id",
        "benefit_id",
        "category",
        "period",
        "baseline_forecast",
        "realized",
    ],
    "cashflows": ["project_id", "year", "kind", "amount"],
    "alignment": ["project_id", "criterion", "score"],
    "survey": ["unit_id", "period", "instrument", "score", "respondent_id"],
    "maturity": ["unit_id", "period", "dimension", "item_id", "score", "respondent_id"],
    "pmo_services": ["project_id", "period", "service", "hours", "cost"],
}
PERIODS = [
    "2024-Q4",
    "2025-Q1",
    "2025-Q2",
    "2025-Q3",
    "2025-Q4",
    "2026-Q1",
    "2026-Q2",
    "2026-Q3",
]
REPORT = "2026-Q3"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    _load_script().main(out)
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(SAMPLE / f"{name}.csv") for name in COLUMNS}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_regenerated_bytes_equal_committed_files(regenerated: Path, name: str) -> None:
    fresh = (regenerated / f"{name}.csv").read_bytes()
    shipped = (SAMPLE / f"{name}.csv").read_bytes()
    assert fresh == shipped, f"{name}.csv is stale: run scripts/make_sample_data.py"


def test_generator_writes_exactly_the_canonical_tables(regenerated: Path) -> None:
    assert sorted(p.name for p in regenerated.iterdir()) == sorted(
        f"{name}.csv" for name in COLUMNS
    )


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns_follow_the_contract(tables: dict[str, pd.DataFrame], name: str) -> None:
    assert list(tables[name].columns) == COLUMNS[name]
    assert b"\r" not in (SAMPLE / f"{name}.csv").read_bytes()


def test_units_and_projects(tables: dict[str, pd.DataFrame]) -> None:
    projects = tables["projects"]
    assert projects["unit_id"].nunique() == 6
    assert 230 <= len(projects) <= 270
    assert projects["project_id"].is_unique
    assert set(projects["status"]) == {
        "proposed",
        "active",
        "on_hold",
        "closed",
        "cancelled",
    }
    closed = projects["status"] == "closed"
    assert projects.loc[closed, "actual_finish"].notna().all()
    assert projects.loc[closed, "objectives_met"].notna().all()
    assert projects.loc[~closed, "objectives_met"].isna().all()
    assert projects.loc[projects["status"] == "proposed", "rating"].isna().all()
    assert set(projects["rating"].dropna()) <= {"red", "amber", "green"}


def test_evm_is_cumulative_and_within_bac(tables: dict[str, pd.DataFrame]) -> None:
    evm = tables["evm"]
    assert sorted(evm["period"].unique()) == PERIODS
    bac = tables["projects"].set_index("project_id")["budget_at_completion"]
    project_bac = evm["project_id"].map(bac)
    assert (evm["earned_value"] <= project_bac).all()
    assert (evm["planned_value"] <= project_bac).all()
    assert (evm["actual_cost"] >= 0).all()
    by_project = evm.groupby("project_id", sort=False)
    for column in ("planned_value", "earned_value", "actual_cost"):
        assert (by_project[column].diff().dropna() >= 0).all(), column
    assert not evm.duplicated(["project_id", "period"]).any()
    proposed = tables["projects"].query("status == 'proposed'")["project_id"]
    assert not evm["project_id"].isin(proposed).any()


def test_every_project_reference_exists(tables: dict[str, pd.DataFrame]) -> None:
    known = set(tables["projects"]["project_id"])
    for name in ("evm", "benefits", "cashflows", "alignment", "pmo_services"):
        assert set(tables[name]["project_id"]) <= known, name


def test_scores_and_amounts_in_range(tables: dict[str, pd.DataFrame]) -> None:
    alignment = tables["alignment"]
    assert alignment["score"].between(1, 5).all()
    assert (alignment.groupby("project_id").size() == 4).all()
    survey = tables["survey"]
    nps = survey[survey["instrument"] == "nps"]["score"]
    csat = survey[survey["instrument"] == "csat"]["score"]
    assert len(nps) + len(csat) == len(survey)
    assert nps.between(0, 10).all() and csat.between(1, 5).all()
    maturity = tables["maturity"]["score"].dropna()
    assert maturity.between(1, 4).all() and (maturity == maturity.round()).all()
    assert (tables["cashflows"]["amount"] >= 0).all()


def test_edge_cases_the_report_relies_on(tables: dict[str, pd.DataFrame]) -> None:
    projects = tables["projects"].set_index("project_id")
    evm = tables["evm"].join(projects[["budget_at_completion"]], on="project_id")
    # Late but caught up: complete (EV = PV = BAC) while finishing after baseline.
    done = evm[evm["earned_value"] == evm["budget_at_completion"]]
    done = done[done["planned_value"] == done["budget_at_completion"]]
    finish = projects["forecast_finish"].reindex(done["project_id"]).to_numpy()
    baseline = projects["baseline_finish"].reindex(done["project_id"]).to_numpy()
    assert (finish > baseline).any()
    # A first EVM period that is planned but has nothing spent yet.
    first = evm.groupby("project_id").head(1)
    assert ((first["planned_value"] > 0) & (first["actual_cost"] == 0)).any()
    benefits = tables["benefits"]
    disbenefits = benefits[benefits["baseline_forecast"] < 0]
    assert len(disbenefits) > 0 and set(disbenefits["category"]) == {"operational"}
    assert benefits["realized"].isna().any()
    survey = tables["survey"]
    thin = survey[(survey["unit_id"] == "Wealth Management") & (survey["period"] == REPORT)]
    assert thin["respondent_id"].nunique() == 4
    maturity = tables["maturity"].query("period == @REPORT")
    coverage = maturity.groupby(["unit_id", "dimension"])["score"].apply(lambda s: s.notna().mean())
    assert coverage[("Operations & Technology", "technology")] < 0.8
    assert (coverage.drop(("Operations & Technology", "technology")) >= 0.8).all()


def test_the_pmo_serves_troubled_projects_first(tables: dict[str, pd.DataFrame]) -> None:
    evm = tables["evm"].assign(cpi=lambda e: e["earned_value"] / e["actual_cost"])
    order = {p: i for i, p in enumerate(PERIODS)}
    before = evm.assign(k=evm["period"].map(order) + 1).set_index(["project_id", "k"])["cpi"]
    services = tables["pmo_services"]
    keys = zip(services["project_id"], services["period"].map(order), strict=True)
    served_cpi = before.reindex(list(keys)).dropna()
    everyone = evm[evm["period"].map(order) < order[REPORT]]["cpi"]
    # most services go to projects in trouble, though only a minority of projects is
    assert (served_cpi < 0.90).mean() > 0.5 > (everyone < 0.90).mean()
    assert set(services["service"]) == set(_load_script().PMO_SERVICES)


def test_the_pmo_effect_found_in_the_sample_is_the_one_put_in() -> None:
    from pmovalue.config import load_params
    from pmovalue.data.loading import load_dataset
    from pmovalue.metrics.pmo import ALL, evidence_settings, prepare_evidence

    truth = _load_script().pmo_engagements().dropna(subset=["effect"])
    params = load_params(ROOT / "params")
    evidence = prepare_evidence(
        load_dataset(SAMPLE).tables, evidence_settings(params), by_service=True
    )
    assert evidence is not None
    cpi = evidence.group_row(ALL, REPORT, "cpi")
    assert cpi["effect_low"] <= truth["effect"].mean() <= cpi["effect_high"]
    assert cpi["avoided"] > 0
    spi = evidence.group_row(ALL, REPORT, "spi")  # the PMO's help changed no schedule
    assert spi["effect_low"] <= 0 <= spi["effect_high"]
    # what the sample site can say for sure: cost reviews pay
    reviews = evidence.group_row("cost_review", REPORT, "cpi")
    assert reviews["effect_low"] > 0
    assert reviews["effect_low"] <= truth.query("service == 'Cost review'")["effect"].mean()
