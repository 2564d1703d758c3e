import pandas as pd

from pmovalue.diff import metric_changes, published_trend


def frame(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "metric", "value", "status"]).assign(
        unit_name=lambda d: d["unit_id"].str.upper()
    )


def test_changes_directions() -> None:
    old = frame(
        [
            ("a", "cpi", 0.97, "green"),
            ("a", "spi", 0.9, "amber"),
            ("a", "nps", 10.0, "red"),
            ("b", "cpi", 1.0, "green"),
        ]
    )
    new = frame(
        [
            ("a", "cpi", 0.91, "amber"),
            ("a", "spi", 0.9, "red"),
            ("a", "nps", float("nan"), ""),
            ("c", "cpi", 1.1, "green"),
        ]
    )
    got = metric_changes(old, new).set_index(["unit_id", "metric"])["direction"].to_dict()
    assert got == {
        ("a", "cpi"): "down",
        ("a", "spi"): "status",
        ("a", "nps"): "gone",
        ("b", "cpi"): "gone",
        ("c", "cpi"): "new",
    }


def test_published_trend_oldest_first() -> None:
    frames = {
        v: frame([("_portfolio", "cpi", c, "")])
        for v, c in [("2026-Q3", 0.91), ("2026-Q1", 0.97), ("2026-Q2", 0.95)]
    }
    trend = published_trend(frames, metric_ids=["cpi"])
    assert list(trend["version"]) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert list(trend["cpi"]) == [0.97, 0.95, 0.91]
