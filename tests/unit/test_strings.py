"""The build's processes store text as Python objects (pmovalue.strings): the numbers and
pages must not depend on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmovalue.config import load_params
from pmovalue.data.loading import load_dataset
from pmovalue.metrics import all_metrics
from pmovalue.strings import STORAGE

REPO = Path(__file__).resolve().parents[2]


def _computed(storage: str) -> dict[str, pd.DataFrame]:
    with pd.option_context("mode.string_storage", storage):
        dataset = load_dataset(REPO / "data" / "sample")
        params = load_params(REPO / "params")
        period = dataset.latest_period()
        assert period is not None
        frames: dict[str, pd.DataFrame] = {}
        for unit in [None, *dataset.units]:
            tables = dataset.tables if unit is None else dataset.for_unit(unit)
            m = all_metrics(tables, params, period, dataset.periods)
            for name in ("metrics", "projects", "history"):
                frames[f"{unit}/{name}"] = getattr(m, name)
        return frames


@pytest.mark.parametrize("other", ["pyarrow"])
def test_metrics_are_the_same_whatever_the_string_storage(other: str) -> None:
    ours, theirs = _computed(STORAGE), _computed(other)
    assert ours.keys() == theirs.keys()
    for key, frame in ours.items():
        expected = theirs[key]
        assert list(frame.columns) == list(expected.columns), key
        assert [str(t) for t in frame.dtypes] == [str(t) for t in expected.dtypes], key
        for col in frame.columns:
            a, b = frame[col].to_numpy(), expected[col].to_numpy()
            if a.dtype.kind == "f":
                # to the last bit, NaN where NaN
                assert np.array_equal(a, b, equal_nan=True), (key, col)
            else:
                assert [None if pd.isna(x) else x for x in a] == [
                    None if pd.isna(x) else x for x in b
                ], (key, col)


def test_importing_pmovalue_leaves_the_setting_alone() -> None:
    """Only the build's process and the zygote set it: a notebook or program that imports
    pmovalue keeps pandas' own default."""
    import subprocess
    import sys

    def storage(imports: str) -> str:
        code = f"import pandas as pd{imports}\nprint(pd.options.mode.string_storage)\n"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    default = storage("")
    assert default != STORAGE  # pandas 3: Arrow when pyarrow is installed
    assert storage(", pmovalue.report, pmovalue.build, pmovalue.execute.kernels") == default
