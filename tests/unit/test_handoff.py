"""Tables handed between the build's processes come back as they went, exactly as parquet (the
format they had before) gave them back: every table a unit job is given and every results
table a job records, from the sample organisation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pmovalue import handoff
from pmovalue.config import load_params
from pmovalue.data.loading import load_dataset
from pmovalue.metrics import all_metrics
from pmovalue.strings import STORAGE

REPO = Path(__file__).resolve().parents[2]


def handed_tables() -> dict[str, pd.DataFrame]:
    """A unit's input tables (odd row labels: the unit's rows of the whole tables) and its
    results (floats with NaN, dates, text with blanks, flags)."""
    with pd.option_context("mode.string_storage", STORAGE):
        dataset = load_dataset(REPO / "data" / "sample")
        unit = next(iter(dataset.units))
        tables = dataset.for_unit(unit)
        period = dataset.latest_period()
        assert period is not None
        computed = all_metrics(tables, load_params(REPO / "params"), period, dataset.periods)
    results = {n: getattr(computed, n) for n in ("metrics", "projects", "history")}
    return {**{f"input-{k}": v for k, v in tables.items()}, **results}


TABLES = handed_tables()


@pytest.mark.parametrize("name", list(TABLES))
def test_a_table_comes_back_as_it_was_written(name: str, tmp_path: Path) -> None:
    frame = TABLES[name]
    assert len(frame) and frame.columns.size > 1
    path = tmp_path / f"{name}{handoff.SUFFIX}"
    with pd.option_context("mode.string_storage", STORAGE):
        handoff.write_table(frame, path)
        back = handoff.read_table(path)
        frame.to_parquet(tmp_path / "table.parquet", index=False)
        parquet = pd.read_parquet(tmp_path / "table.parquet")
    # values and dtypes exactly as parquet's; row labels are not kept (index=False there)
    pd.testing.assert_frame_equal(back, parquet, check_exact=True)
    # and the values as written (text held as objects comes back as pandas' text dtype)
    pd.testing.assert_frame_equal(
        back, frame.reset_index(drop=True), check_exact=True, check_dtype=False
    )
    # the same bytes for the same table: job cache keys hash the input files
    again = tmp_path / f"again{handoff.SUFFIX}"
    handoff.write_table(frame.copy(), again)
    assert again.read_bytes() == path.read_bytes()


def test_a_folder_of_tables(tmp_path: Path) -> None:
    tables = {name: TABLES[name] for name in ("metrics", "projects")}
    handoff.write_tables(tmp_path / "results", tables)
    (tmp_path / "results" / "notes.txt").write_text("not a table")
    with pd.option_context("mode.string_storage", STORAGE):
        back = handoff.read_tables(tmp_path / "results")
        assert list(back) == ["metrics", "projects"]
        for name in tables:
            one = handoff.read_table(handoff.table_path(tmp_path / "results", name))
            pd.testing.assert_frame_equal(back[name], one, check_exact=True)
