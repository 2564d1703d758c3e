"""Load the canonical tables from CSV, XLSX or Parquet (or any export or database via mapping.yml).

Every problem is collected, located as `file:row:column`, before anything raises: a user fixes
all of them in one pass. Rows count as in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pmovalue.data.mapping import (
    BLANKS,
    TableMapping,
    apply_mapping,
    header_names,
    is_blank,
    read_mapping,
)
from pmovalue.data.schemas import (
    PERIOD_PATTERN,
    TABLE_ORDER,
    TABLES,
    ColumnSpec,
    TableSpec,
    pandera_schema,
)
from pmovalue.data.sql import Fetched, SqlRead, result_rows, take
from pmovalue.data.units import service_slug, slugify
from pmovalue.errors import InputError, Problem, ValidationFailed
from pmovalue.hashing import file_sha256

EXTENSIONS = (".csv", ".xlsx", ".parquet")
# The tables whose periods are the data's periods (pmo_services must fall within them).
PERIOD_TABLES = ("evm", "benefits", "survey", "maturity")
# The tables whose rows are about a project of the projects table.
PROJECT_TABLES = ("evm", "benefits", "cashflows", "alignment", "pmo_services")
ROW = "_row"  # source row number, carried until validation is over
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass(frozen=True)
class SourceFile:
    table: str
    path: Path  # for a database source: the mapping.yml that names it
    sha256: str  # of the file's bytes, or of the query's result
    rows: int
    sql: SqlRead | None = None  # a database source: its URL (no credentials), query, read time

    @property
    def where(self) -> str:
        """How messages name it: the file, or the table and its query in mapping.yml."""
        return self.sql.where if self.sql else str(self.path)

    @property
    def origin(self) -> str:
        """The file's name, or the database URL without credentials."""
        return self.sql.url if self.sql else self.path.name


@dataclass(frozen=True)
class BlankedCount:
    """Values set blank by `on_invalid: blank`, per table column (for the data-quality page)."""

    table: str
    column: str
    source: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class SkippedCount(BlankedCount):
    """Rows left out of a table by `on_invalid: skip`, per column whose cell was invalid."""


@dataclass
class LoadedTable:
    frame: pd.DataFrame  # the rows kept (with `_row`)
    problems: list[Problem]
    blanked: list[BlankedCount] = field(default_factory=list)
    skipped: list[SkippedCount] = field(default_factory=list)
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rows skipped


@dataclass
class Dataset:
    """The validated canonical tables of one data folder."""

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    sources: dict[str, SourceFile]
    units: dict[str, str]  # unit id (slug) -> display name, in data order
    warnings: list[Problem] = field(default_factory=list)
    blanked: list[BlankedCount] = field(default_factory=list)
    skipped: list[SkippedCount] = field(default_factory=list)
    _rows: dict[str, dict[str, np.ndarray]] | None = field(default=None, repr=False)

    @property
    def periods(self) -> list[str]:
        found: set[str] = set()
        for name in PERIOD_TABLES:
            if name in self.tables:
                found |= set(self.tables[name]["period"].dropna().astype(str))
        return sorted(found)

    def latest_period(self) -> str | None:
        return self.periods[-1] if self.periods else None

    def for_unit(self, unit_id: str) -> dict[str, pd.DataFrame]:
        """The tables restricted to one unit (project tables through the unit's projects),
        rows in their original order."""
        rows = self._unit_rows()
        none = np.empty(0, dtype="intp")
        return {
            name: frame.take(rows[name].get(unit_id, none)).reset_index(drop=True)
            for name, frame in self.tables.items()
        }

    def unit_sizes(self) -> dict[str, int]:
        """Rows of each unit over all its tables: how much work its page is, roughly."""
        sizes: dict[str, int] = dict.fromkeys(self.units, 0)
        for rows in self._unit_rows().values():
            for unit_id, positions in rows.items():
                if unit_id in sizes:
                    sizes[unit_id] += len(positions)
        return sizes

    def _unit_rows(self) -> dict[str, dict[str, np.ndarray]]:
        """Row positions of each unit in each table, found once for all units (a build asks
        for every unit twice: its peers and its job's inputs)."""
        if self._rows is None:
            projects = self.tables["projects"]
            unit_of_project = pd.Series(
                projects["unit_id"].to_numpy(dtype=object),
                index=projects["project_id"].to_numpy(dtype=object),
            )
            self._rows = {}
            for name, frame in self.tables.items():
                if "unit_id" in frame.columns:
                    units = frame["unit_id"].to_numpy(dtype=object)
                else:
                    units = frame["project_id"].map(unit_of_project).to_numpy(dtype=object)
                keys = pd.Series(units).dropna()
                self._rows[name] = {
                    str(u): np.asarray(ix, dtype="intp")
                    for u, ix in keys.groupby(keys, sort=False).indices.items()
                }
        return self._rows

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.sources):
            h.update(f"{name}:{self.sources[name].sha256}\n".encode())
        return h.hexdigest()


def find_table_file(data_dir: Path, table: str) -> Path | None:
    hits = [
        data_dir / f"{table}{ext}" for ext in EXTENSIONS if (data_dir / f"{table}{ext}").exists()
    ]
    if len(hits) > 1:
        names = ", ".join(p.name for p in hits)
        raise InputError(f"{data_dir}: {names} all hold table {table}; keep only one of them")
    return hits[0] if hits else None


def read_file(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a file as text cells (types are decided by the table spec, not by the reader).

    A file that cannot be read is one problem naming it and what to do, never a reader's
    traceback: its real format is recognised from its first bytes, whatever its extension."""
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        _unreadable(path, f"unsupported file type {suffix}; use .csv, .xlsx or .parquet")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        _unreadable(path, f"cannot be opened ({exc.strerror}); check the path and permissions")
    real = _real_format(head, path)
    if real == "empty":
        _unreadable(path, "the file is empty; export the table again, with its header row")
    if real == "xls" and suffix in (".xlsx", ".csv"):
        _unreadable(path, _OLE_ADVICE[_ole_kind(path)])
    if real != suffix and not (real == "text" and suffix == ".csv"):
        _unreadable(path, _wrong_extension(path, real))
    try:
        if suffix == ".csv":
            frame = _read_csv(path, head)
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, sheet)
        else:
            frame = pd.read_parquet(path).astype("object")
    except ValidationFailed:
        raise
    except Exception as exc:  # any reader's failure is a problem with this file
        _unreadable(path, _reader_failure(suffix, exc))
    if len(frame.columns) == 0:
        _unreadable(path, "has no header row (nothing to read); export the table with its headers")
    return frame


_FORMAT_NAMES = {
    ".xlsx": "an Excel workbook (.xlsx)",
    ".parquet": "a Parquet file",
    "text": "text (CSV?)",
    "binary": "neither CSV text, an Excel workbook nor Parquet",
}
# Compound-document files: encrypted OOXML workbooks and pre-2007 workbooks share this format.
_OLE_ADVICE = {
    "encrypted": "is a password-protected workbook; open it in Excel, remove the password "
    "(File > Info > Protect Workbook) and save it again as .xlsx",
    "xls": "is an old Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx "
    "(or as CSV UTF-8)",
}


def _real_format(head: bytes, path: Path) -> str:
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if head.startswith(b"PAR1"):
        return ".parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return "text"
    with path.open("rb") as fh:
        sample = fh.read(4096)
    if b"\0" in sample:  # no text file holds NUL bytes (UTF-16 without its mark aside)
        return "binary"
    return "text"


def _ole_kind(path: Path) -> str:
    # An encrypted workbook holds a stream named EncryptionInfo (names are UTF-16 in the file).
    with path.open("rb") as fh:
        data = fh.read(1 << 20)
    return "encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "xls"


def _wrong_extension(path: Path, real: str) -> str:
    what = _FORMAT_NAMES.get(real, real)
    if real == "binary":
        return (
            f"is {what} (it may be damaged, or UTF-16 text without its byte-order mark); "
            "export it again as CSV UTF-8, .xlsx or .parquet"
        )
    if real == "xls":
        return _OLE_ADVICE[_ole_kind(path)]
    name = path.stem + (".csv" if real == "text" else real)
    return (
        f"is really {what}, not what its extension {path.suffix} says; rename it to {name} "
        "(and in mapping.yml, if it names the file)"
    )


def _read_csv(path: Path, head: bytes) -> pd.DataFrame:
    """UTF-8 (with or without its mark) and UTF-16 with its byte-order mark, as Excel's
    "Unicode" exports are. Any other encoding is refused rather than guessed: Latin-1,
    Windows-1252 and other code pages cannot be told apart from the bytes, and a wrong guess
    would silently change names (and so unit ids)."""
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError:
        data = path.read_bytes()
        try:
            data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            byte = data[exc.start]
            raise ValidationFailed(
                [
                    Problem(
                        str(path),
                        f"is not UTF-8 text (byte 0x{byte:02x} on line {line}: the file is "
                        "probably in Latin-1 / Windows-1252); save it as CSV UTF-8 (Excel: "
                        "File > Save As > CSV UTF-8) and run again",
                        row=line,
                    )
                ]
            ) from None
        raise


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = [str(n) for n in book.sheet_names]
        if sheet is not None and not (
            str(sheet) in names or (isinstance(sheet, int) and 0 <= sheet < len(names))
        ):
            _unreadable(
                path,
                f"has no sheet {sheet!r} (mapping.yml sheet:); its sheets are "
                f"{', '.join(repr(n) for n in names)}: give one of those",
            )
        chosen = str(sheet) if str(sheet) in names else (sheet or 0)
        return pd.read_excel(book, sheet_name=chosen, dtype=str, keep_default_na=False)


def _reader_failure(suffix: str, exc: Exception) -> str:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if suffix == ".csv":
        return f"cannot be read as CSV ({reason}); check the quoting and commas there"
    if suffix == ".xlsx":
        return (
            f"cannot be read as an Excel workbook ({reason}); it may be damaged: open it in "
            "Excel and save it again as .xlsx"
        )
    return f"cannot be read as Parquet ({reason}); it may be damaged or cut short: export it again"


def _unreadable(path: Path, message: str) -> NoReturn:
    raise ValidationFailed([Problem(str(path), message)])


class _Coercer:
    """Turns one text column into its canonical type, collecting a problem per bad cell, or,
    under mapping.yml's `on_invalid`, the cells set blank and the rows to leave out."""

    def __init__(
        self,
        file: str,
        rows: pd.Series,
        headers: dict[str, str],
        policy: dict[str, str],
        scale: dict[str, float] | None = None,
    ):
        self.file = file
        self.rows = rows
        self.headers = headers
        self.policy = policy
        self.scale = scale or {}
        self.problems: list[Problem] = []
        self.blanked: dict[str, list[str]] = {}
        self.skipped: dict[str, pd.Series] = {}  # column -> rows to leave out (bool mask)

    def column_label(self, col: str) -> str:
        src = self.headers.get(col)
        return f"{col} ({src})" if src and src != col else col

    def coerce(self, spec: ColumnSpec, raw: pd.Series) -> pd.Series:
        # Vectorised string methods: a per-cell Python function is too slow for 400k rows.
        text = raw.astype("string").str.strip()
        low = text.str.lower()
        blank = text.isna() | low.isin(BLANKS)
        not_finite = pd.Series(False, index=raw.index)
        if spec.kind in ("float", "int"):
            # "NaN" written in a number column is a value that is not a number, not a blank.
            not_finite = low.eq("nan").fillna(False).astype(bool)
            blank &= ~not_finite
        text = text.mask(blank)
        if spec.kind in ("str", "period"):
            out = text
            if spec.kind == "period":
                out = out.str.upper().str.replace(" ", "", regex=False)
            if spec.choices:
                out = out.str.lower().str.replace(r"[ -]", "_", regex=True)
            bad = pd.Series(False, index=raw.index)
        elif spec.kind in ("float", "int"):
            out = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
            out = out.astype("float64")
            not_finite |= np.isinf(out)  # inf, -inf, 1e400: no metric can use them
            bad = (out.isna() & ~blank) | not_finite
            if spec.kind == "int":
                bad |= out.notna() & (out % 1 != 0)
                out = out.where(~bad).astype("Int64")
            else:
                out = out.where(~bad)
                if spec.name in self.scale:  # mapping.yml `scale`, e.g. $ millions -> $
                    out = out * self.scale[spec.name]
        elif spec.kind == "date":
            out = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
            out = out.dt.tz_localize(None).astype("datetime64[ns]")
            bad = out.isna() & ~blank
        elif spec.kind == "bool":
            out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
            out[low.isin(_TRUE).fillna(False)] = True
            out[low.isin(_FALSE).fillna(False)] = False
            bad = (out.isna() & ~blank).astype(bool)
        else:  # pragma: no cover - specs are ours
            raise ValueError(spec.kind)
        bad = bad.fillna(False).astype(bool)
        policy = self.policy.get(spec.name, "error")
        if policy == "error":
            if bad.any():
                self._report(spec, raw, bad, not_finite)
        else:
            # on_invalid also covers values of the right type that break the rules, and for
            # `skip`, a blank in a required column.
            invalid = bad | _breaks_rules(spec, out)
            if policy == "skip" and spec.required:
                invalid |= blank.fillna(False).astype(bool)
            if invalid.any():
                if policy == "blank":
                    self.blanked.setdefault(spec.name, []).extend(str(v) for v in raw[invalid])
                    out = out.mask(invalid)
                else:
                    self.skipped[spec.name] = invalid
        if spec.default is not None:
            out = out.fillna(spec.default)
        return out

    def skip_mask(self) -> pd.Series:
        """Rows left out of the table by `on_invalid: skip` in any column."""
        mask = pd.Series(False, index=self.rows.index)
        for invalid in self.skipped.values():
            mask |= invalid
        return mask

    def _report(
        self, spec: ColumnSpec, raw: pd.Series, bad: pd.Series, not_finite: pd.Series
    ) -> None:
        what = {
            "float": "a number (plain digits, e.g. 125000.50)",
            "int": "a whole number",
            "date": "a date (e.g. 2026-03-31)",
            "bool": "true or false",
        }[spec.kind]
        for idx in raw.index[bad]:
            message = (
                f"{raw[idx]!r} is not a finite number; write plain digits (e.g. 125000.50) "
                "or leave the cell blank"
                if not_finite[idx]
                else f"{raw[idx]!r} is not {what}"
            )
            self.problems.append(
                Problem(
                    self.file,
                    message,
                    row=int(self.rows[idx]),
                    column=self.column_label(spec.name),
                )
            )


def _breaks_rules(spec: ColumnSpec, out: pd.Series) -> pd.Series:
    """Cells with a value that fails the column's choices, range or period format."""
    fail = pd.Series(False, index=out.index)
    if spec.choices:
        fail |= ~out.isin(spec.choices)
    if spec.min is not None:
        fail |= out < spec.min
    if spec.max is not None:
        fail |= out > spec.max
    if spec.kind == "period":
        fail |= ~out.str.match(PERIOD_PATTERN)
    return (fail & out.notna()).fillna(False).astype(bool)


def _check_message(check: str, spec: ColumnSpec, value: object) -> str:
    if check == "not_nullable":
        return "a value is required here"
    if check.startswith("isin"):
        return f"{value!r} is not one of {', '.join(spec.choices)}"
    if check.startswith("greater_than_or_equal_to"):
        return f"{value} is below the minimum {spec.min:g}"
    if check.startswith("less_than_or_equal_to"):
        return f"{value} is above the maximum {spec.max:g}"
    if check.startswith("str_matches"):
        return f"{value!r} is not a period like 2026-Q3"
    return f"{value!r} fails {check}"


def load_table(
    spec: TableSpec, path: Path, mapping: TableMapping | None, result: Fetched | None = None
) -> LoadedTable:
    """Read, map, coerce and check one table (from `path`, or the `result` of its query): the
    frame (with `_row`), its problems, and what mapping.yml's `on_invalid` set blank or left
    out."""
    file = result.source.where if result else str(path)
    raw = result.frame() if result else read_file(path, mapping.sheet if mapping else None)
    problems: list[Problem] = []
    if mapping is not None:
        raw, problems = apply_mapping(raw, mapping)
    first = 1 if result else 2  # a query's first row is 1; a file's header is row 1
    rows = pd.Series(range(first, len(raw) + first), index=raw.index)
    headers = header_names(mapping)
    present = set(raw.columns)
    for c in spec.columns:
        if c.required and c.name not in present:
            problems.append(
                Problem(
                    file,
                    f"required column {c.name} is missing; add it or map it in mapping.yml",
                )
            )
    if mapping is None:
        extra = sorted(set(raw.columns) - set(spec.column_names))
        if extra:
            problems.append(
                Problem(
                    file,
                    f"column(s) {extra} are not used by pmovalue",
                    severity="warning",
                )
            )
    if any(p.severity == "error" for p in problems):
        return LoadedTable(pd.DataFrame(), problems)
    coercer = _Coercer(
        file,
        rows,
        headers,
        mapping.on_invalid if mapping else {},
        mapping.scale if mapping else {},
    )
    frame = pd.DataFrame(index=raw.index)
    for c in spec.columns:
        column = (
            raw[c.name] if c.name in present else pd.Series(None, index=raw.index, dtype=object)
        )
        frame[c.name] = coercer.coerce(c, column)
    problems += coercer.problems
    skip = coercer.skip_mask()
    left_out = frame[skip]
    if skip.any():
        frame, rows = frame[~skip], rows[~skip]
    skipped = [
        SkippedCount(
            spec.name,
            col,
            headers.get(col, col),
            int(mask.sum()),
            tuple(dict.fromkeys(_shown(v) for v in raw.loc[mask, col]))[:5]
            if col in present
            else (),
        )
        for col, mask in coercer.skipped.items()
    ]
    try:
        pandera_schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        by_name = {c.name: c for c in spec.columns}
        for case in exc.failure_cases.itertuples():
            col = str(case.column)
            if col not in by_name or pd.isna(case.index):
                continue
            # A cell that failed coercion is already reported; don't call it "missing" too.
            if case.check == "not_nullable" and _reported(problems, int(rows[case.index]), col):
                continue
            problems.append(
                Problem(
                    file,
                    _check_message(str(case.check), by_name[col], case.failure_case),
                    row=int(rows[case.index]),
                    column=coercer.column_label(col),
                )
            )
    problems += _duplicates(spec, frame, rows, file, coercer.column_label)
    frame[ROW] = rows
    blanked = [
        BlankedCount(
            spec.name, col, headers.get(col, col), len(vals), tuple(dict.fromkeys(vals))[:5]
        )
        for col, vals in coercer.blanked.items()
    ]
    return LoadedTable(frame, problems, blanked, skipped, left_out)


def _shown(value: object) -> str:
    """A source cell as the data-quality page lists it: as written ("N/A"), or (blank)."""
    if is_blank(value) and (pd.isna(value) or not str(value).strip()):  # type: ignore[arg-type]
        return "(blank)"
    return str(value)


def _reported(problems: list[Problem], row: int, col: str) -> bool:
    return any(p.row == row and p.column and p.column.split(" ")[0] == col for p in problems)


def _duplicates(
    spec: TableSpec,
    frame: pd.DataFrame,
    rows: pd.Series,
    file: str,
    label: Callable[[str], str] = str,
) -> list[Problem]:
    keys = [c.name for c in spec.columns if c.unique] or list(spec.key)
    if not keys or any(k not in frame.columns for k in keys):
        return []
    sub = frame[keys]
    if sub.isna().all(axis=None):
        return []
    dup = sub.duplicated(keep=False) & sub.notna().all(axis=1)
    problems = []
    for _, group in frame[dup].groupby(keys, sort=False, dropna=True):
        first = int(rows[group.index[0]])
        value = ", ".join(str(group.iloc[0][k]) for k in keys)
        for idx in group.index[1:]:
            problems.append(
                Problem(
                    file,
                    f"duplicate {'/'.join(keys)} {value!r} (first in row {first}); "
                    "each must appear once",
                    row=int(rows[idx]),
                    column=label(keys[0]),
                )
            )
    return problems


def load_dataset(data_dir: Path) -> Dataset:
    """Load and validate every table in `data_dir`; raise `ValidationFailed` listing all errors."""
    dataset, problems = _load(data_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors or dataset is None:
        raise ValidationFailed(problems)
    return dataset


def validate_data(data_dir: Path) -> list[Problem]:
    """Every problem (errors and warnings) in `data_dir`, without raising for data errors."""
    try:
        _, problems = _load(data_dir)
    except ValidationFailed as exc:
        return exc.problems
    return problems


def _load(data_dir: Path) -> tuple[Dataset | None, list[Problem]]:
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: no such data folder; give --data the folder of your tables")
    mappings = read_mapping(data_dir)
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, SourceFile] = {}
    blanked: list[BlankedCount] = []
    skipped: list[SkippedCount] = []
    skipped_projects: set[str] = set()
    for name in TABLE_ORDER:
        spec = TABLES[name]
        mapping = mappings.get(name)
        path = mapping.file if mapping else find_table_file(data_dir, name)
        if path is None or not path.exists():
            if mapping is not None:
                problems.append(
                    Problem(
                        str(path),
                        f"file for table {name} (mapping.yml) not found; check its file: "
                        "(a relative path starts from the data folder)",
                    )
                )
            elif spec.required:
                problems.append(
                    Problem(
                        str(data_dir / f"{name}.csv"),
                        f"the {name} table is required: add {name}.csv, .xlsx or .parquet",
                    )
                )
            continue
        if mapping is not None and mapping.sql is not None:
            result = take(mapping.sql)
            notes = _read_notes(result, spec.required)
            problems += notes
            if any(n.severity == "error" for n in notes):
                continue  # no projects: nothing to check the other tables against
            loaded = load_table(spec, path, mapping, result)
            source = SourceFile(name, path, result.sha256, len(loaded.frame), result.provenance)
        else:
            loaded = load_table(spec, path, mapping)
            source = SourceFile(name, path, file_sha256(path), len(loaded.frame))
        problems += loaded.problems
        blanked += loaded.blanked
        skipped += loaded.skipped
        if name == "projects" and "project_id" in loaded.left_out:
            skipped_projects = set(loaded.left_out["project_id"].dropna().astype(str))
        frame = loaded.frame
        if not frame.empty or not any(p.severity == "error" for p in loaded.problems):
            tables[name] = frame
            sources[name] = source
    if "projects" not in tables:
        return None, _in_results(problems, mappings)
    # Cross-table checks run even after cell errors: the user sees every problem in one pass.
    units = _units(tables, sources, problems)
    skipped += _leave_out_projects(tables, sources, skipped_projects)
    problems += _cross_checks(tables, sources)
    problems = _in_results(problems, mappings)
    if any(p.severity == "error" for p in problems):
        return None, problems
    tables = {name: frame.drop(columns=[ROW]) for name, frame in tables.items()}
    return Dataset(
        data_dir,
        tables,
        sources,
        units,
        [p for p in problems if p.severity != "error"],
        blanked,
        skipped,
    ), problems


def _read_notes(result: Fetched, required: bool) -> list[Problem]:
    """What reading a database source has to say: a password in the URL, an empty result."""
    notes = [Problem(result.source.where, w, severity="warning") for w in result.warnings]
    if required and result.rows == 0:
        notes.append(
            Problem(
                result.source.where,
                f"the query returned no rows; the {result.source.table} table needs at least "
                "one; check the query and the database it reads",
            )
        )
    return notes


def _in_results(problems: list[Problem], mappings: dict[str, TableMapping]) -> list[Problem]:
    """Problems of database sources print their rows as positions in the query's result."""
    return result_rows(problems, {m.where for m in mappings.values() if m.sql is not None})


def _units(
    tables: dict[str, pd.DataFrame],
    sources: dict[str, SourceFile],
    problems: list[Problem],
) -> dict[str, str]:
    """Slug every unit id; keep the display name; two names with one slug are an error."""
    units: dict[str, str] = {}
    projects = tables["projects"]
    for name in projects["unit_id"].dropna().unique():
        slug = slugify(name)
        if slug in units and units[slug] != name:
            problems.append(
                Problem(
                    sources["projects"].where,
                    f"units {units[slug]!r} and {name!r} both become id {slug!r}; rename one",
                    column="unit_id",
                )
            )
        units.setdefault(slug, str(name))
    for table in ("projects", "survey", "maturity"):
        if table not in tables:
            continue
        frame = tables[table]
        raw = frame["unit_id"]
        frame["unit_name"] = _per_distinct(raw, lambda v: units.get(slugify(v), v))
        frame["unit_id"] = _per_distinct(raw, slugify).astype("string")
        if table == "projects":
            continue
        unknown = frame[~frame["unit_id"].isin(list(units))]
        for idx in unknown.index[:20]:
            problems.append(
                Problem(
                    sources[table].where,
                    f"unit {frame.at[idx, 'unit_name']!r} has no projects; its rows are ignored",
                    row=int(frame.at[idx, ROW]),
                    column="unit_id",
                    severity="warning",
                )
            )
        tables[table] = frame[frame["unit_id"].isin(list(units))].reset_index(drop=True)
    return units


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`values.map(fn)`, calling `fn` once per distinct value: a unit id repeats on every row
    (a million rows, a hundred units)."""
    codes, uniques = pd.factorize(values)
    out = np.empty(len(values), dtype=object)
    known = codes >= 0
    if known.any():
        out[known] = np.asarray([fn(u) for u in uniques], dtype=object)[codes[known]]
    out[~known] = [fn(v) for v in values[~known]]
    return pd.Series(out, index=values.index, dtype=values.dtype)


def _leave_out_projects(
    tables: dict[str, pd.DataFrame], sources: dict[str, SourceFile], left_out: set[str]
) -> list[SkippedCount]:
    """Rows of the project tables whose project was left out of projects (`on_invalid: skip`)
    are left out too: they describe a project the report does not have."""
    if not left_out:
        return []
    counts = []
    known = set(tables["projects"]["project_id"].dropna().astype(str))
    gone = left_out - known
    for name in PROJECT_TABLES:
        if name not in tables:
            continue
        frame = tables[name]
        drop = frame["project_id"].astype(object).isin(gone).to_numpy(dtype=bool)
        if drop.any():
            examples = tuple(dict.fromkeys(frame.loc[drop, "project_id"].astype(str)))[:5]
            tables[name] = frame[~drop]
            counts.append(
                SkippedCount(
                    name, "project_id", "project left out of projects", int(drop.sum()), examples
                )
            )
            sources[name] = replace(sources[name], rows=len(tables[name]))
    return counts


def _cross_checks(tables: dict[str, pd.DataFrame], sources: dict[str, SourceFile]) -> list[Problem]:
    problems: list[Problem] = []
    projects = tables["projects"]
    # As plain objects: isin on Arrow-backed strings converts the lookup list value by value
    # (0.5 s per table for 50,000 projects), the object path hashes it once.
    known = projects["project_id"].dropna().unique().astype(object)
    for name in PROJECT_TABLES:
        if name not in tables:
            continue
        frame = tables[name]
        unknown = frame[~frame["project_id"].astype(object).isin(known)]
        for idx in unknown.index:
            problems.append(
                Problem(
                    sources[name].where,
                    f"project {frame.at[idx, 'project_id']!r} is not in the projects table",
                    row=int(frame.at[idx, ROW]),
                    column="project_id",
                )
            )
        if name == "benefits":
            frame["benefit_id"] = frame["benefit_id"].fillna(frame["project_id"])
    if "pmo_services" in tables:
        problems += _pmo_services_checks(tables, sources["pmo_services"].where)
    if "evm" in tables:
        evm = tables["evm"]
        bac = projects.set_index("project_id")["budget_at_completion"]
        bac = bac[~bac.index.duplicated()]
        limit = evm["project_id"].map(bac)
        over = evm["earned_value"] > limit * (1 + 1e-9)
        for idx in evm.index[over.fillna(False)]:
            problems.append(
                Problem(
                    sources["evm"].where,
                    f"earned value {evm.at[idx, 'earned_value']:,.2f} exceeds the project's budget "
                    f"at completion {limit[idx]:,.2f}; EV cannot be more than BAC",
                    row=int(evm.at[idx, ROW]),
                    column="earned_value",
                )
            )
    return problems


def _pmo_services_checks(tables: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    """Services slugged (`Health check` -> `health_check`); a period outside the data's
    periods is an error (nothing to measure it against)."""
    frame = tables["pmo_services"]
    frame["service"] = _per_distinct(frame["service"], service_slug).astype("string")
    periods = sorted(
        {str(p) for n in PERIOD_TABLES if n in tables for p in tables[n]["period"].dropna()}
    )
    if not periods:
        return [
            Problem(
                file,
                "PMO services need periods to be measured against: add the evm table",
            )
        ]
    period = frame["period"]
    well_formed = period.str.match(PERIOD_PATTERN).fillna(False).astype(bool)
    outside = well_formed & ~period.between(periods[0], periods[-1]).fillna(False).astype(bool)
    return [
        Problem(
            file,
            f"period {frame.at[idx, 'period']} is outside the data ({periods[0]} to "
            f"{periods[-1]}); correct the period or add that quarter's data",
            row=int(frame.at[idx, ROW]),
            column="period",
        )
        for idx in frame.index[outside.to_numpy(dtype=bool)]
    ]
