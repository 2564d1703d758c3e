from pathlib import Path

import pytest

from pmovalue.config import diff_params, load_params, parse_override
from pmovalue.errors import ParamsError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def params_dir(tmp_path: Path) -> Path:
    d = tmp_path / "params"
    write(d / "defaults.yml", "finance:\n  discount_rate: 0.035\ntargets:\n  nps: 20\n")
    write(
        d / "units" / "ops.yml", "name: Operations\npmo_type: directive\ntargets:\n  csat_pct: 80\n"
    )
    write(d / "scenarios" / "high-rate.yml", "finance:\n  discount_rate: 0.07\n")
    return d


def test_layers_merge_deep_and_last_wins(params_dir: Path) -> None:
    p = load_params(params_dir, "ops", "high-rate", ["thresholds.index_green_min=0.97"])
    assert p.finance.discount_rate == 0.07  # scenario beats defaults
    assert p.targets == {"nps": 20, "csat_pct": 80}  # unit file deep-merged into defaults
    assert p.thresholds.index_green_min == 0.97  # override last
    assert p.thresholds.index_amber_min == 0.90  # untouched default
    assert p.pmo_type == "directive"


def test_override_value_is_yaml_and_replaces_a_whole_mapping(params_dir: Path) -> None:
    p = load_params(params_dir, None, None, ["alignment.criteria={fit: 1.0}"])
    assert p.alignment.criteria == {"fit": 1.0}


def test_portfolio_ignores_unit_files(params_dir: Path) -> None:
    assert load_params(params_dir).targets == {"nps": 20}


def test_unknown_key_names_key_and_file(params_dir: Path) -> None:
    write(params_dir / "units" / "ops.yml", "finance:\n  discount_rat: 0.05\n")
    with pytest.raises(ParamsError) as err:
        load_params(params_dir, "ops")
    msg = str(err.value)
    assert "finance.discount_rat" in msg
    assert "units/ops.yml" in msg
    assert err.value.exit_code == 2


def test_wrong_type_from_override_names_override(params_dir: Path) -> None:
    with pytest.raises(ParamsError) as err:
        load_params(params_dir, None, None, ["finance.discount_rate=lots"])
    assert "finance.discount_rate" in str(err.value)
    assert "-p overrides" in str(err.value)


def test_weights_must_sum_to_one(params_dir: Path) -> None:
    with pytest.raises(ParamsError, match=r"value_index\.weights.*sum to 1"):
        load_params(
            params_dir,
            None,
            None,
            ["value_index.weights={financial: 0.5, strategic: 0.5, stakeholder: 0.5}"],
        )


def test_unknown_metric_target_is_an_error(params_dir: Path) -> None:
    with pytest.raises(ParamsError, match="unknown metric id"):
        load_params(params_dir, None, None, ["targets.cpii=1"])


def test_bad_yaml_names_file_and_line(params_dir: Path) -> None:
    write(params_dir / "defaults.yml", "finance:\n  discount_rate: [0.03\n")
    with pytest.raises(ParamsError, match=r"defaults\.yml:\d+"):
        load_params(params_dir)


def test_malformed_override() -> None:
    with pytest.raises(ParamsError, match=r"key\.path=value"):
        parse_override("finance.discount_rate")


def test_missing_scenario_file_without_overrides(params_dir: Path) -> None:
    with pytest.raises(ParamsError, match="scenario 'nope'"):
        load_params(params_dir, None, "nope")


def test_diff_lists_changed_leaves(params_dir: Path) -> None:
    changed = diff_params(load_params(params_dir), load_params(params_dir, None, "high-rate"))
    assert changed == {"finance.discount_rate": (0.035, 0.07)}


def test_shipped_params_are_valid(repo: Path) -> None:
    load_params(repo / "params")
    for unit in (repo / "params" / "units").glob("*.yml"):
        load_params(repo / "params", unit.stem)


def test_parameters_in_words_for_readers() -> None:
    from pmovalue.config import param_label

    assert param_label("finance.discount_rate") == "Finance: discount rate"
    assert param_label("targets.nps") == "Target: Net promoter score (NPS)"
    assert param_label("changes.material.cpi") == "Material change: Cost performance index (CPI)"
    assert param_label("owner") == "Owner"
    assert param_label("pmo.hourly_rate") == "PMO value: hourly rate"


def test_shipped_defaults_set_a_material_change_for_every_metric(repo: Path) -> None:
    """params/defaults.yml shows the analyst every metric's threshold, as the catalogue's
    defaults (used for a metric a project's file leaves out) set it."""
    import yaml

    from pmovalue.metrics.catalog import MATERIAL_CHANGE, METRICS

    shipped = yaml.safe_load((repo / "params" / "defaults.yml").read_text())
    assert shipped["changes"]["material"] == MATERIAL_CHANGE
    assert set(MATERIAL_CHANGE) == set(METRICS)
