"""mapping.yml: read real exports from PPM tools without editing them (DESIGN §6).

For each canonical table: the source `file`, a `columns` map (canonical column -> source header,
or a list of headers meaning "first non-empty"), optional `values` maps per column, `constants`
and `on_invalid: error|blank` per column. Raw files are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pmovalue.config import read_yaml
from pmovalue.data.schemas import TABLES
from pmovalue.errors import Problem, ValidationFailed

MAPPING_FILE = "mapping.yml"
_KEYS = {"file", "columns", "values", "constants", "on_invalid", "sheet"}


@dataclass
class TableMapping:
    table: str
    file: Path
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    on_invalid: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None


def read_mapping(data_dir: Path) -> dict[str, TableMapping]:
    """The table mappings of `data_dir/mapping.yml`, or {} when there is none."""
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return {}
    raw = read_yaml(path)
    problems: list[Problem] = []
    out: dict[str, TableMapping] = {}
    for table, spec in raw.items():
        where = f"{path}"
        if table not in TABLES:
            problems.append(
                Problem(
                    where,
                    f"{table!r} is not a canonical table; use one of {list(TABLES)}",
                )
            )
            continue
        if not isinstance(spec, dict) or "file" not in spec:
            problems.append(Problem(where, f"{table}: needs a 'file' and a 'columns' map"))
            continue
        unknown = set(spec) - _KEYS
        if unknown:
            problems.append(Problem(where, f"{table}: unknown key(s) {sorted(unknown)}"))
        canonical = set(TABLES[table].column_names)
        columns: dict[str, list[str]] = {}
        for col, headers in (spec.get("columns") or {}).items():
            if col not in canonical:
                problems.append(
                    Problem(where, f"{table}.columns: {col!r} is not a column of {table}")
                )
                continue
            columns[col] = [str(h) for h in (headers if isinstance(headers, list) else [headers])]
        for key in ("values", "constants", "on_invalid"):
            for col in spec.get(key) or {}:
                if col not in canonical:
                    problems.append(
                        Problem(where, f"{table}.{key}: {col!r} is not a column of {table}")
                    )
        for col, policy in (spec.get("on_invalid") or {}).items():
            if policy not in ("error", "blank"):
                problems.append(Problem(where, f"{table}.on_invalid.{col}: use 'error' or 'blank'"))
        file = Path(str(spec["file"]))
        out[table] = TableMapping(
            table=table,
            file=file if file.is_absolute() else data_dir / file,
            columns=columns,
            values={k: dict(v) for k, v in (spec.get("values") or {}).items()},
            constants=dict(spec.get("constants") or {}),
            on_invalid=dict(spec.get("on_invalid") or {}),
            sheet=spec.get("sheet"),
        )
    if problems:
        raise ValidationFailed(problems)
    return out


def apply_mapping(
    source: pd.DataFrame, mapping: TableMapping
) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical columns (as strings) from a raw export, plus problems with missing headers."""
    problems: list[Problem] = []
    out = pd.DataFrame(index=source.index)
    for col, headers in mapping.columns.items():
        missing = [h for h in headers if h not in source.columns]
        if missing:
            problems.append(
                Problem(
                    str(mapping.file),
                    f"header {missing[0]!r} (mapped to {mapping.table}.{col}) is not in the file; "
                    f"check mapping.yml against the file's first row",
                    column=missing[0],
                )
            )
            continue
        # A list of headers means "the first non-empty of these".
        value = source[headers[0]].astype("object")
        for h in headers[1:]:
            blank = value.isna() | (value.astype(str).str.strip() == "")
            value = value.where(~blank, source[h].astype("object"))
        out[col] = value
    for col, constant in mapping.constants.items():
        if col in out.columns:
            blank = out[col].isna() | (out[col].astype(str).str.strip() == "")
            out[col] = out[col].where(~blank, constant)
        else:
            out[col] = constant
    for col, table in mapping.values.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, t=table: t.get(v, t.get(str(v), v)))
    return out, problems


def header_names(mapping: TableMapping | None) -> dict[str, str]:
    """Canonical column -> the source header(s) it came from, for messages."""
    if mapping is None:
        return {}
    return {col: " / ".join(h) for col, h in mapping.columns.items()}
