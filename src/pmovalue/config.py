"""Parameters: layered YAML files merged in a fixed order, then validated before anything runs.

Order, last wins: params/defaults.yml -> params/units/<unit>.yml -> params/scenarios/<name>.yml
-> `-p key.path=value` overrides. Files deep-merge; an override replaces the value at its key.
Every leaf remembers the file that set it, so a validation error names the key and the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pmovalue.errors import ParamsError
from pmovalue.layers import (
    OVERRIDES_SOURCE,
    Layered,
    layer_params,
    parse_override,
    read_yaml,
    scenario_file,
    unit_param_files,
)
from pmovalue.metrics.catalog import MATERIAL_CHANGE, MATURITY_DIMENSIONS, METRICS

__all__ = [
    "OVERRIDES_SOURCE",
    "Params",
    "diff_params",
    "layer_params",
    "load_params",
    "parse_override",
    "read_yaml",
    "scenario_file",
    "unit_param_files",
    "validate_params",
]

PERIOD_RE = re.compile(r"^\d{4}-Q[1-4]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Report(_Strict):
    title: str = "PMO value report"
    organisation: str = "Our organisation"
    currency: str = "GBP"


class Thresholds(_Strict):
    index_green_min: float = Field(0.95, gt=0)
    index_amber_min: float = Field(0.90, gt=0)
    # Non-index metrics: amber when short of target by at most this share of the target.
    target_amber_pct: float = Field(10.0, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.index_amber_min > self.index_green_min:
            raise ValueError("index_amber_min must not be above index_green_min")
        return self


class Tolerances(_Strict):
    budget_pct: float = Field(5.0, ge=0)
    schedule_days: int = Field(30, ge=0)


class Finance(_Strict):
    discount_rate: float = Field(0.035, ge=0, lt=1)


def _check_weights(weights: dict[str, float], what: str) -> dict[str, float]:
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"{what} weights must not be negative")
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} weights must sum to 1 (they sum to {total:g})")
    return weights


class Alignment(_Strict):
    criteria: dict[str, float] = Field(
        default_factory=lambda: {
            "strategy_fit": 0.4,
            "customer_value": 0.3,
            "risk_reduction": 0.2,
            "innovation": 0.1,
        }
    )
    aligned_threshold: float = Field(3.0, ge=1, le=5)

    @field_validator("criteria")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one criterion is needed")
        return _check_weights(v, "alignment.criteria")


class Maturity(_Strict):
    # Any number from 1 to 4 (3.5 is a common target). int | float keeps a whole number as
    # written, so existing parameter files keep their digests (and their cached jobs).
    targets: dict[str, int | float] = Field(
        default_factory=lambda: dict.fromkeys(MATURITY_DIMENSIONS, 3)
    )
    min_coverage: float = Field(0.8, ge=0, le=1)

    @field_validator("targets", mode="before")
    @classmethod
    def _no_booleans(cls, v: object) -> object:
        if isinstance(v, dict):
            for dim, level in v.items():
                if isinstance(level, bool):
                    raise ValueError(f"target for {dim} must be a number from 1 to 4, not {level}")
        return v

    @field_validator("targets")
    @classmethod
    def _targets(cls, v: dict[str, int | float]) -> dict[str, int | float]:
        unknown = set(v) - set(MATURITY_DIMENSIONS)
        if unknown:
            raise ValueError(
                f"unknown dimension(s) {sorted(unknown)}; use {', '.join(MATURITY_DIMENSIONS)}"
            )
        for dim, level in v.items():
            if not 1 <= level <= 4:  # NaN fails too
                raise ValueError(
                    f"target for {dim} must be a number from 1 to 4 (e.g. 3 or 3.5), not {level}"
                )
        return v


class ValueIndex(_Strict):
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "financial": 0.4,
            "strategic": 0.35,
            "stakeholder": 0.25,
        }
    )

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        expected = {"financial", "strategic", "stakeholder"}
        if set(v) != expected:
            raise ValueError(f"weights must have exactly the keys {sorted(expected)}")
        return _check_weights(v, "value_index")


Threshold = float | str | None
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def _as_floats(thresholds: dict[str, Threshold]) -> dict[str, Threshold]:
    """Numbers as floats (YAML gives 5 for 5.0), so the model holds one type per kind."""
    return {k: float(v) if isinstance(v, int | float) else v for k, v in thresholds.items()}


class Changes(_Strict):
    """When a change from the previous quarter is material (see catalog.MATERIAL_CHANGE)."""

    material: dict[str, Threshold] = Field(default_factory=lambda: _as_floats(MATERIAL_CHANGE))

    @field_validator("material", mode="before")
    @classmethod
    def _material(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v  # pydantic says what type it wants
        unknown = sorted(set(v) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric id(s) {unknown}; see the metric ids in the docs")
        for mid, t in v.items():
            if t is None:
                continue
            if isinstance(t, bool) or not isinstance(t, int | float | str):
                raise ValueError(f"{mid}: give a number, a percentage such as '5%', or null")
            if isinstance(t, str) and not _RELATIVE.match(t):
                raise ValueError(f"{mid}: {t!r} is neither a number nor a percentage like '5%'")
            if not isinstance(t, str) and t < 0:
                raise ValueError(f"{mid}: a threshold cannot be negative ({t})")
        return _as_floats({**MATERIAL_CHANGE, **v})  # the metrics not listed keep their default

    def threshold(self, metric_id: str, before: float) -> float | None:
        """The size of a material change of `metric_id` from `before` (None: never by size)."""
        t = self.material.get(metric_id)
        if t is None:
            return None
        if isinstance(t, str):
            match = _RELATIVE.match(t)
            assert match is not None  # validated
            return float(match.group(1)) / 100.0 * abs(before)
        return float(t)


class Pmo(_Strict):
    """The PMO-value evidence (pmo_services table): see pmovalue.metrics.pmo."""

    hourly_rate: float = Field(85.0, ge=0)  # prices a service row that gives hours only
    min_group_size: int = Field(5, ge=2)  # served and comparison projects, each
    bootstrap_draws: int = Field(1000, ge=100, le=100_000)
    band_width: float = Field(0.05, gt=0, le=1)  # of CPI/SPI, for matching on the prior value


class Params(_Strict):
    """The merged, validated parameters of one job (a unit, or the portfolio)."""

    report: Report = Report()
    period: str | None = None
    thresholds: Thresholds = Thresholds()
    tolerances: Tolerances = Tolerances()
    finance: Finance = Finance()
    alignment: Alignment = Alignment()
    maturity: Maturity = Maturity()
    value_index: ValueIndex = ValueIndex()
    pmo: Pmo = Pmo()
    targets: dict[str, float] = Field(default_factory=dict)
    changes: Changes = Changes()
    # Per-unit facts (params/units/<unit_id>.yml only).
    name: str | None = None
    owner: str | None = None
    pmo_type: Literal["controlling", "supportive", "directive"] | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, v: str | None) -> str | None:
        if v is not None and not PERIOD_RE.match(v):
            raise ValueError(f"period must look like 2026-Q3, not {v!r}")
        return v

    @field_validator("targets")
    @classmethod
    def _targets(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric id(s) {unknown}; see the metric ids in the docs")
        return v

    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def load_params(
    params_dir: Path,
    unit_id: str | None = None,
    scenario: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
) -> Params:
    """Merge the layers for one job (unit_id None = the portfolio) and validate them."""
    if not params_dir.is_dir():
        raise ParamsError(
            "no such parameter folder; give --params the folder that holds defaults.yml "
            "(or create it with `pmovalue init`)",
            source=str(params_dir),
        )
    layered = layer_params(params_dir, unit_id, scenario, overrides)
    return validate_params(layered)


def validate_params(layered: Layered) -> Params:
    try:
        return Params.model_validate(layered.values)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(str(x) for x in first["loc"])
        key = ".".join(loc) or "(top level)"
        msg = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for our own checks
        if first["type"] == "extra_forbidden":
            msg = "unknown key; check the spelling against params/defaults.yml"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ParamsError(f"{msg}{more}", key=key, source=layered.source_of(loc)) from None


def diff_params(base: Params, other: Params) -> dict[str, tuple[Any, Any]]:
    """Leaf keys whose values differ between two parameter sets: key -> (base, other)."""
    a = _flatten(json.loads(base.model_dump_json()))
    b = _flatten(json.loads(other.model_dump_json()))
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


PARAM_WORDS = {
    "report": "Report",
    "thresholds": "Thresholds",
    "tolerances": "Tolerances",
    "finance": "Finance",
    "alignment": "Strategic alignment",
    "maturity": "Maturity",
    "value_index": "Value index",
    "pmo": "PMO value",
    "targets": "Target",
    "changes": "Material change",
}


def param_label(key: str) -> str:
    """A parameter key in words, for readers: `finance.discount_rate` -> `Finance: discount
    rate`; `targets.nps` -> `Target: Net promoter score (NPS)`."""
    parts = key.split(".")
    words = []
    for i, part in enumerate(parts):
        if part in METRICS and i > 0:
            words.append(METRICS[part].label)
        elif i == 0 and part in PARAM_WORDS:
            words.append(PARAM_WORDS[part])
        elif part != "material":
            words.append(part.replace("_", " "))
    head, *rest = words or [key]
    head = head[:1].upper() + head[1:]
    return f"{head}: {', '.join(rest)}" if rest else head


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict) and tree:
        out: dict[str, Any] = {}
        for k, v in tree.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): tree}
