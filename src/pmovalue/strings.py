"""How the processes pmovalue owns store pandas text: Python objects, not Arrow.

pandas 3 keeps its default `str` columns in pyarrow arrays when pyarrow is installed. Our
tables are small (hundreds to tens of thousands of rows) and the reports read them a value at
a time (table cells, labels, notes), where each Arrow access costs a conversion: Python
storage made a unit page's work ~15% cheaper. Only the storage changes: the dtypes, values,
sorts and comparisons are the same, so results do not depend on it (tests/unit/test_strings.py).

Set only in the build's own process and in the kernel zygote (so in every forked kernel),
never on import: a notebook or program that imports pmovalue keeps its own setting.
"""

from __future__ import annotations

STORAGE = "python"


def use_python_strings() -> None:
    import pandas as pd

    pd.options.mode.string_storage = STORAGE
