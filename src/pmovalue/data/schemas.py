"""The canonical tables (docs/data.md): columns, types and value rules.

`ColumnSpec` is what the loader coerces by; `pandera_schema` turns the rules into a pandera
schema that reports every failing cell at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.pandas as pa

from pmovalue.metrics.catalog import MATURITY_DIMENSIONS

PERIOD_PATTERN = r"^\d{4}-Q[1-4]$"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # str | float | int | date | bool | period
    required: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    default: object = None  # value for blanks (and for an absent optional column)
    unique: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    key: tuple[str, ...] = field(default_factory=tuple)  # rows must be unique on these

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: str, **kw: object) -> ColumnSpec:
    return ColumnSpec(name, kind, **kw)  # type: ignore[arg-type]


MONEY = {"min": 0.0}

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "projects",
            (
                _c("project_id", "str", required=True, unique=True),
                _c("project_name", "str", required=True),
                _c("unit_id", "str", required=True),
                _c(
                    "status",
                    "str",
                    choices=("proposed", "active", "on_hold", "closed", "cancelled"),
                    default="active",
                ),
                _c("category", "str"),
                _c("start_date", "date"),
                _c("baseline_finish", "date"),
                _c("forecast_finish", "date"),
                _c("actual_finish", "date"),
                _c("budget_at_completion", "float", **MONEY),
                _c("forecast_at_completion", "float", **MONEY),
                _c("actual_cost", "float", **MONEY),
                _c("period_budget", "float", **MONEY),
                _c("period_forecast", "float", **MONEY),
                _c("rating", "str", choices=("red", "amber", "green")),
                _c("objectives_met", "bool"),
            ),
            required=True,
        ),
        TableSpec(
            "evm",
            (
                _c("project_id", "str", required=True),
                _c("period", "period", required=True),
                _c("planned_value", "float", required=True, **MONEY),
                _c("earned_value", "float", required=True, **MONEY),
                _c("actual_cost", "float", required=True, **MONEY),
            ),
            key=("project_id", "period"),
        ),
        TableSpec(
            "benefits",
            (
                _c("project_id", "str", required=True),
                _c("benefit_id", "str"),
                _c(
                    "category",
                    "str",
                    choices=("financial", "strategic", "stakeholder", "operational"),
                ),
                _c("period", "period"),
                # Negative values are disbenefits, so no lower bound here.
                _c("baseline_forecast", "float", required=True),
                _c("realized", "float"),
            ),
            key=("benefit_id", "period"),
        ),
        TableSpec(
            "cashflows",
            (
                _c("project_id", "str", required=True),
                _c("year", "int", required=True, min=0),
                _c("kind", "str", required=True, choices=("cost", "benefit")),
                _c("amount", "float", required=True, **MONEY),
            ),
        ),
        TableSpec(
            "alignment",
            (
                _c("project_id", "str", required=True),
                _c("criterion", "str", required=True),
                _c("score", "float", required=True, min=1, max=5),
            ),
            key=("project_id", "criterion"),
        ),
        TableSpec(
            "survey",
            (
                _c("unit_id", "str", required=True),
                _c("period", "period", required=True),
                _c("instrument", "str", required=True, choices=("nps", "csat")),
                _c("score", "float", required=True, min=0, max=10),
                _c("respondent_id", "str"),
            ),
        ),
        TableSpec(
            "maturity",
            (
                _c("unit_id", "str", required=True),
                _c("period", "period", required=True),
                _c("dimension", "str", required=True, choices=MATURITY_DIMENSIONS),
                _c("item_id", "str", required=True),
                _c("score", "float", min=1, max=4),
                _c("respondent_id", "str"),
            ),
        ),
        TableSpec(
            "pmo_services",
            (
                _c("project_id", "str", required=True),
                _c("period", "period", required=True),
                _c("service", "str", required=True),  # free text, slugged by the loader
                _c("hours", "float", min=0.0),
                _c("cost", "float", **MONEY),  # blank: hours x pmo.hourly_rate
            ),
        ),
    ]
}

TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
_DTYPES = {
    "str": "string",
    "float": "float64",
    "int": "Int64",
    "date": "datetime64[ns]",
    "bool": "boolean",
    "period": "string",
}


def pandera_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """Value rules of a table, checked after coercion (types are already right).

    Uniqueness is checked by the loader, which can name the row of the first occurrence."""
    columns = {}
    for c in spec.columns:
        checks = []
        if c.choices:
            checks.append(pa.Check.isin(c.choices))
        if c.min is not None:
            checks.append(pa.Check.ge(c.min))
        if c.max is not None:
            checks.append(pa.Check.le(c.max))
        if c.kind == "period":
            checks.append(pa.Check.str_matches(PERIOD_PATTERN))
        columns[c.name] = pa.Column(_DTYPES[c.kind], checks=checks, nullable=not c.required)
    return pa.DataFrameSchema(columns, strict=False)
