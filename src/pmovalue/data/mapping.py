"""mapping.yml: read real exports from PPM tools without editing them (docs/data.md).

`mapping.yml` sits in the data folder; each top-level key is a canonical table (`projects`,
`evm`, `benefits`, ...) read from any source file, so one export can feed several tables::

    projects:
      file: ppm-export.csv          # relative to the data folder, or absolute; .csv/.xlsx/.parquet
      sheet: Projects               # .xlsx only (default: the first sheet)
      columns:                      # canonical column -> source header, exactly as in the file
        project_id: Project ID
        unit_id: Agency Name
        baseline_finish: [Planned Finish (B2), Completion Date (B1)]   # first non-empty
        budget_at_completion: Planned Cost ($ M)
        rating: RAG
      values:                       # source value -> canonical value, per column
        rating: {Red: red, Amber: amber, Green: green, "Not rated": null}
      constants:                    # a fixed value for a column (fills blanks if it is mapped)
        status: active
      scale:                        # multiply a number column after it is read
        budget_at_completion: 1000000   # the export is in $ millions
      on_invalid:                   # error (default) | blank | skip, per column
        rating: blank
        budget_at_completion: skip  # a row with "N/A" or text here is left out

Rules:

* Headers must match the file's first row exactly (spaces and case included); a missing header
  is reported with the closest header of the file. Only mapped columns are read. Quote a header
  that YAML would cut or change: `"Proj #"` (` #` starts a comment), `"Cost: total"`, `"Yes"`.
* A list of headers means "the first non-empty of these", row by row.
* `values` keys match exactly first, then ignoring case and surrounding/repeated spaces (unless
  two keys differ only so and map to different values). A value with no key passes through
  unchanged and is checked like any other. A key that YAML reads as
  true/false (`Yes`, `No`, `On`, `Off`) matches those spellings; `null` as a value means blank.
  `values` apply to source values before `constants` fill blanks.
* `scale` (number columns only) multiplies every value of the column after it is read as a
  number and before its rules (e.g. money >= 0) are checked; constants in that column are in the
  file's unit and are scaled too.
* `on_invalid: blank` sets a cell that is not of the column's type or breaks its rules (choices,
  range, period format, a number that is not finite) to blank instead of failing; such cells
  are counted per column and listed, with examples, on the data-quality page. Required columns
  cannot be blanked.
* `on_invalid: skip` leaves the whole row out of that table instead, also for required columns
  (where a blank cell is invalid too). Rows of evm, benefits, cashflows and alignment whose
  project was left out of projects are left out with it. Skipped rows are counted per table and
  column and listed, with examples, on the data-quality page next to the blanked values.
* Messages name the source file, its row (as in a spreadsheet, header = row 1) and the header.
* Instead of `file`, a table may name a database: `source` (a SQLAlchemy URL) with `query` or
  `table`; the result's column names play the part of headers (see `pmovalue.data.sql`).

Raw files are never modified.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pmovalue.config import read_yaml
from pmovalue.data.schemas import TABLES
from pmovalue.data.sql import SQL_KEYS, SqlSource, mapping_sources, spec_problems
from pmovalue.errors import Problem, ValidationFailed

MAPPING_FILE = "mapping.yml"
BLANKS = {"", "na", "n/a", "nan", "null", "none", "nat"}  # cells read as "no value"
_KEYS = {"file", "columns", "values", "constants", "on_invalid", "sheet", "scale", *SQL_KEYS}
_YAML_TRUE = {"true", "yes", "on"}
_YAML_FALSE = {"false", "no", "off"}


@dataclass
class TableMapping:
    table: str
    file: Path
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    on_invalid: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None
    scale: dict[str, float] = field(default_factory=dict)
    sql: SqlSource | None = None  # a database instead of a file (`file` is then mapping.yml)

    @property
    def where(self) -> str:
        """How messages name the source: its file, or its table and query in mapping.yml."""
        return self.sql.where if self.sql else str(self.file)


def _norm(value: object) -> str:
    """A value as compared by `values` maps when there is no exact match."""
    return " ".join(str(value).split()).casefold()


def _key_spellings(key: object) -> list[str]:
    if isinstance(key, bool):  # YAML 1.1 reads Yes/No/On/Off/True/False keys as booleans
        return sorted(_YAML_TRUE if key else _YAML_FALSE)
    return [_norm(key)]


def is_blank(value: object) -> bool:
    """A source cell that means "no value"."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return str(value).strip().lower() in BLANKS


def read_mapping(data_dir: Path) -> dict[str, TableMapping]:
    """The table mappings of `data_dir/mapping.yml`, or {} when there is none."""
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return {}
    raw = read_yaml(path)
    problems: list[Problem] = []
    out: dict[str, TableMapping] = {}
    where = str(path)

    def bad(message: str) -> None:
        problems.append(Problem(where, message))

    for table, spec in raw.items():
        if table not in TABLES:
            bad(f"{table!r} is not a canonical table; use one of {list(TABLES)}")
            continue
        if not isinstance(spec, dict) or ("file" not in spec and "source" not in spec):
            bad(f"{table}: needs a 'file' (or a database 'source') and a 'columns' map")
            continue
        for message in spec_problems(table, spec):
            bad(message)
        unknown = set(spec) - _KEYS
        if unknown:
            bad(f"{table}: unknown key(s) {sorted(unknown)}; use {sorted(_KEYS)}")
        maps: dict[str, dict[Any, Any]] = {}
        for key in ("columns", "values", "constants", "on_invalid", "scale"):
            value = spec.get(key)
            if value is None:
                maps[key] = {}
            elif isinstance(value, dict):
                maps[key] = value
            else:
                bad(f"{table}.{key}: must be a map of canonical column -> value")
                maps[key] = {}
        if not maps["columns"]:
            bad(f"{table}: needs a 'columns' map (canonical column -> source header)")
        by_name = {c.name: c for c in TABLES[table].columns}
        for key, entries in maps.items():
            for col in entries:
                if col not in by_name:
                    bad(
                        f"{table}.{key}: {col!r} is not a column of {table}; "
                        f"use one of {list(by_name)}"
                    )
        columns: dict[str, list[str]] = {}
        for col, headers in maps["columns"].items():
            if col not in by_name:
                continue
            listed = headers if isinstance(headers, list) else [headers]
            if not listed or any(h is None or isinstance(h, (dict, list)) for h in listed):
                bad(f"{table}.columns.{col}: give a source header or a list of headers")
                continue
            columns[col] = [str(h) for h in listed]
        values: dict[str, dict[Any, Any]] = {}
        for col, table_map in maps["values"].items():
            if col not in by_name:
                continue
            if not isinstance(table_map, dict):
                bad(f"{table}.values.{col}: must be a map of source value -> canonical value")
                continue
            if col not in columns:
                bad(f"{table}.values.{col}: {col} is not mapped in 'columns', so no value is read")
                continue
            values[col] = dict(table_map)
        on_invalid: dict[str, str] = {}
        for col, policy in maps["on_invalid"].items():
            if col not in by_name:
                continue
            if policy not in ("error", "blank", "skip"):
                bad(f"{table}.on_invalid.{col}: use 'error', 'blank' or 'skip', not {policy!r}")
            elif policy == "blank" and by_name[col].required:
                bad(
                    f"{table}.on_invalid.{col}: {col} is required, so it cannot be set blank; "
                    "use 'skip' to leave such rows out"
                )
            else:
                on_invalid[col] = policy
        scale: dict[str, float] = {}
        for col, factor in maps["scale"].items():
            if col not in by_name:
                continue
            if by_name[col].kind != "float":
                bad(f"{table}.scale.{col}: only number columns of money or values can be scaled")
            elif (
                isinstance(factor, bool)
                or not isinstance(factor, (int, float))
                or not math.isfinite(factor)
                or factor <= 0
            ):
                bad(f"{table}.scale.{col}: must be a positive number (e.g. 1000000), not {factor}")
            else:
                scale[col] = float(factor)
        sheet = spec.get("sheet")
        if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
            bad(f"{table}.sheet: give the sheet's name (or its number from 0), not {sheet!r}")
        if "file" in spec and (not isinstance(spec["file"], str) or not spec["file"].strip()):
            bad(f"{table}.file: give the source file's name, not {spec['file']!r}")
            continue
        file = Path(str(spec.get("file", MAPPING_FILE))).expanduser()
        out[table] = TableMapping(
            table=table,
            file=file if file.is_absolute() else data_dir / file,
            columns=columns,
            values=values,
            constants={k: v for k, v in maps["constants"].items() if k in by_name},
            on_invalid=on_invalid,
            sheet=sheet,
            scale=scale,
        )
    if problems:
        raise ValidationFailed(problems)
    for table, source in mapping_sources(path, raw).items():
        out[table].sql = source
    return out


def _map_values(series: pd.Series, table: dict[Any, Any]) -> pd.Series:
    """Replace source values by canonical ones: exact key first, then case/space-insensitive."""
    loose: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for k, v in table.items():
        for s in _key_spellings(k):
            if s in loose and loose[s] != v:
                ambiguous.add(s)  # e.g. {A: x, a: y}: only exact matches apply
            loose.setdefault(s, v)
    for s in ambiguous:
        del loose[s]
    exact_str = {str(k): v for k, v in table.items() if not isinstance(k, bool)}

    def one(value: object) -> object:
        if is_blank(value):
            return value
        try:
            if value in table and not isinstance(value, bool):
                return table[value]
        except TypeError:  # unhashable cell
            pass
        if str(value) in exact_str:
            return exact_str[str(value)]
        return loose.get(_norm(value), value)

    return series.map(one).astype("object")


def apply_mapping(
    source: pd.DataFrame, mapping: TableMapping
) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical columns (source values, not yet typed) from a raw export, plus problems with
    headers that are not in the file."""
    problems: list[Problem] = []
    out = pd.DataFrame(index=source.index)
    known = [str(c) for c in source.columns]
    for col, headers in mapping.columns.items():
        missing = [h for h in headers if h not in source.columns]
        for h in missing:
            close = difflib.get_close_matches(h, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                Problem(
                    mapping.where,
                    f"header {h!r} (mapped to {mapping.table}.{col} in mapping.yml) is not in "
                    f"the file; headers must match its first row exactly{hint}"
                    if mapping.sql is None
                    else f"not in the query's result (mapped to {mapping.table}.{col}); its "
                    f"columns are {', '.join(known) or 'none'}{hint}",
                    column=h,
                )
            )
        if missing:
            continue
        # A list of headers means "the first non-empty of these".
        value = source[headers[0]].astype("object")
        for h in headers[1:]:
            value = value.where(~value.map(is_blank).astype(bool), source[h].astype("object"))
        if col in mapping.values:
            value = _map_values(value, mapping.values[col])
        out[col] = value
    for col, constant in mapping.constants.items():
        if col in out.columns:
            out[col] = out[col].where(~out[col].map(is_blank).astype(bool), constant)
        else:
            out[col] = pd.Series([constant] * len(out), index=out.index, dtype="object")
    return out, problems


def header_names(mapping: TableMapping | None) -> dict[str, str]:
    """Canonical column -> the source header(s) it came from, for messages."""
    if mapping is None:
        return {}
    names = {col: " / ".join(h) for col, h in mapping.columns.items()}
    for col in mapping.constants:
        names.setdefault(col, "constant in mapping.yml")
    return names
