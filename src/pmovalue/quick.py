"""The no-op check of a rebuild, before anything heavy is imported (goal: well under a second).

A fingerprint of the raw inputs (file bytes, merged-but-unvalidated parameters, notebooks,
_quarto.yml, the project's own pages, the PMO commentary, options, the engine `--engine`
resolves to) is stored in each version's manifest. If the same fingerprint is already
published, the build has nothing to do; otherwise the full build validates everything and
decides (publish, or refuse other inputs without --replace).

A database source in mapping.yml counts with its query's result, so the check runs the query
(pmovalue.data.sql, light to import); the build then loads that same result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pmovalue import __version__, commentary
from pmovalue.data.sql import fetch, mapping_sources, spec_problems
from pmovalue.errors import SourceUnreadable
from pmovalue.hashing import file_sha256
from pmovalue.layers import layer_params, read_yaml, unit_param_files
from pmovalue.options import BuildOptions
from pmovalue.site.engines import engine_name
from pmovalue.site.pages import page_hashes
from pmovalue.site.project import QUARTO_FILE

# The canonical tables (pmovalue.data.schemas.TABLE_ORDER; a test keeps the two equal).
TABLE_NAMES = (
    "projects",
    "evm",
    "benefits",
    "cashflows",
    "alignment",
    "survey",
    "maturity",
    "pmo_services",
)
EXTENSIONS = (".csv", ".xlsx", ".parquet")
NOTEBOOK_FILES = ("unit_report.ipynb", "portfolio.ipynb", "maturity.ipynb", "pmo_value.ipynb")


def data_fingerprint(data_dir: Path, results: dict[str, str] | None = None) -> str | None:
    """Hash of every file the loader would read from `data_dir`, and of the result of every
    query of mapping.yml (run now, or given by table in `results`); None if it can't tell."""
    if not data_dir.is_dir():
        return None
    files: dict[str, str] = {}
    mapping = data_dir / "mapping.yml"
    if mapping.is_file():
        files["mapping.yml"] = file_sha256(mapping)
        raw = read_yaml(mapping)
        if any(isinstance(v, dict) and spec_problems(str(t), v) for t, v in raw.items()):
            return None  # the full build reports what is wrong with mapping.yml
        for table, source in mapping_sources(mapping, raw).items():
            known = (results or {}).get(table)
            files[f"{table} (query result)"] = known or fetch(source, keep=True).sha256
        for spec in raw.values():
            if isinstance(spec, dict) and "file" in spec and "source" not in spec:
                src = Path(str(spec["file"])).expanduser()
                src = src if src.is_absolute() else data_dir / src
                if not src.is_file():
                    return None
                files[str(src)] = file_sha256(src)
    for name in TABLE_NAMES:
        for ext in EXTENSIONS:
            path = data_dir / f"{name}{ext}"
            if path.is_file():
                files[path.name] = file_sha256(path)
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def site_hashes(opts: BuildOptions, engine: str) -> dict[str, object]:
    """What the pages are made with besides data, parameters and notebooks: the engine (as
    resolved: `auto` builds another site once Quarto is installed), `_quarto.yml`, pages/."""
    project = opts.project_dir / QUARTO_FILE
    return {
        "engine": engine,
        QUARTO_FILE: file_sha256(project) if project.is_file() else None,
        "pages": page_hashes(opts.project_dir, engine),
    }


def fingerprint(opts: BuildOptions, period: str, data_fp: str) -> str:
    params: dict[str, Any] = {
        "_portfolio": layer_params(opts.params_dir, None, opts.scenario, opts.overrides).values
    }
    for uid in unit_param_files(opts.params_dir):
        params[uid] = layer_params(opts.params_dir, uid, opts.scenario, opts.overrides).values
    notebooks = {}
    for name in NOTEBOOK_FILES:
        path = opts.notebooks_dir / name
        notebooks[name] = file_sha256(path) if path.is_file() else None
    version = f"{period}--{opts.scenario}" if opts.scenario else period
    notes = commentary.files(opts.project_dir, version)
    raw = {
        "pmovalue": __version__,
        "data": data_fp,
        "params": params,
        "notebooks": notebooks,
        "site": site_hashes(opts, engine_name(opts.engine)),
        "period": period,
        "scenario": opts.scenario,
        "units": opts.units,
        # Only when asked for (or written): the fingerprints of versions built without them
        # stay the same.
        **({"board_pack": True} if opts.pdf else {}),
        **({"commentary": notes} if notes else {}),
    }
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def up_to_date(opts: BuildOptions) -> str | None:
    """The version name if these exact inputs are already published, else None."""
    if opts.replace:
        return None
    try:
        listing = json.loads((opts.out / "versions.json").read_text(encoding="utf-8"))
        data_fp = data_fingerprint(opts.data_dir)
        if data_fp is None:
            return None
        period = opts.period or layer_params(opts.params_dir).values.get("period")
        manifests = [_manifest(opts.out, e["version"]) for e in listing]
        if period is None:  # the latest period of this very data, as recorded when published
            known = [
                m["quick"]["data_latest_period"]
                for m in manifests
                if m and m.get("quick", {}).get("data") == data_fp
            ]
            if not known:
                return None
            period = known[0]
        version = f"{period}--{opts.scenario}" if opts.scenario else str(period)
        manifest = _manifest(opts.out, version)
        if manifest and manifest.get("quick", {}).get("fingerprint") == fingerprint(
            opts, str(period), data_fp
        ):
            return version
    except SourceUnreadable:
        raise  # the database cannot be read: the full build would wait and fail the same way
    except (OSError, ValueError, KeyError, TypeError):
        return None  # anything unclear: the full build decides
    except Exception:  # a params file error: the full build reports it properly
        return None
    return None


def _manifest(out: Path, version: str) -> dict[str, Any] | None:
    path = out / version / "manifest.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
