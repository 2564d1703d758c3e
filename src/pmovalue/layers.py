"""Parameter layers without validation: cheap enough for the no-op check of a rebuild.

Order, last wins: params/defaults.yml -> params/units/<unit>.yml -> params/scenarios/<name>.yml
-> `-p key.path=value` overrides. Files deep-merge; an override replaces the value at its key.
Every leaf remembers the file that set it, so a validation error names the key and the file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmovalue.errors import ParamsError

OVERRIDES_SOURCE = "-p overrides"


@dataclass
class Layered:
    """A merged parameter tree plus, for every leaf path, the source that set it."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[tuple[str, ...], str] = field(default_factory=dict)

    def merge(self, tree: dict[str, Any], source: str) -> None:
        _deep_merge(self.values, tree, (), self.sources, source)

    def set(self, path: tuple[str, ...], value: Any, source: str) -> None:
        node = self.values
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = copy.deepcopy(value)
        for known in [p for p in self.sources if p[: len(path)] == path]:
            del self.sources[known]
        _record(value, path, self.sources, source)

    def source_of(self, path: tuple[str, ...]) -> str:
        # The longest recorded prefix of the failing path names the file.
        for n in range(len(path), 0, -1):
            hit = [s for p, s in self.sources.items() if p[:n] == path[:n]]
            if hit:
                return hit[-1]
        return "params"


def _record(value: Any, path: tuple[str, ...], sources: dict, source: str) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _record(v, (*path, str(k)), sources, source)
    else:
        sources[path] = source


def _deep_merge(
    into: dict[str, Any],
    tree: dict[str, Any],
    path: tuple[str, ...],
    sources: dict,
    source: str,
) -> None:
    for key, value in tree.items():
        here = (*path, str(key))
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value, here, sources, source)
        else:
            into[key] = copy.deepcopy(value)
            _record(value, here, sources, source)


# libyaml's safe loader when PyYAML has it (the same documents, ~10x faster to read).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one parameter file; an empty file is an empty mapping."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except UnicodeDecodeError:
        raise ParamsError("is not UTF-8 text; save it as UTF-8", source=str(path)) from None
    except OSError as exc:
        raise ParamsError(f"cannot be read ({exc.strerror})", source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ParamsError(
            f"not valid YAML ({problem}); fix the syntax there (indentation, a colon "
            "after each key, quotes around text with : or #)",
            source=f"{path}{line}",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError("must be a mapping of keys to values", source=str(path))
    return data


def parse_override(item: str) -> tuple[tuple[str, ...], Any]:
    """Parse `key.path=value`; the value is read as YAML (`0.04`, `true`, `{fit: 1.0}`)."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ParamsError(
            f"override {item!r} must look like key.path=value, e.g. finance.discount_rate=0.04",
            source=OVERRIDES_SOURCE,
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ParamsError(
            f"the value {raw!r} is not valid YAML", key=key, source=OVERRIDES_SOURCE
        ) from None
    return tuple(key.split(".")), value


def unit_param_files(params_dir: Path) -> dict[str, Path]:
    """The unit files present, by unit id (file stem)."""
    folder = params_dir / "units"
    return {p.stem: p for p in sorted(folder.glob("*.yml"))} if folder.is_dir() else {}


def scenario_file(params_dir: Path, scenario: str) -> Path:
    return params_dir / "scenarios" / f"{scenario}.yml"


def layer_params(
    params_dir: Path,
    unit_id: str | None = None,
    scenario: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
) -> Layered:
    layered = Layered()
    defaults = params_dir / "defaults.yml"
    if defaults.is_file():
        layered.merge(read_yaml(defaults), str(defaults))
    if unit_id is not None:
        unit_file = unit_param_files(params_dir).get(unit_id)
        if unit_file is not None:
            layered.merge(read_yaml(unit_file), str(unit_file))
    if scenario:
        path = scenario_file(params_dir, scenario)
        if path.is_file():
            layered.merge(read_yaml(path), str(path))
        elif not overrides:
            raise ParamsError(
                f"scenario {scenario!r} has no file {path} and no -p overrides; "
                "create the file or give overrides",
                source=str(path),
            )
    for item in overrides:
        path_keys, value = parse_override(item)
        layered.set(path_keys, value, OVERRIDES_SOURCE)
    return layered
