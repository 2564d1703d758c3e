"""The inputs of one build, validated before any notebook starts: the data (every problem
found at once), the parameters of the portfolio and of each unit, the period, the units, and
the project's own pages, the PMO commentary, and the hashes of all of them (and of what the
site is made with: the engine, `_quarto.yml`, `pages/`) that decide whether a published version
is up to date.

`docs/data.md` describes the tables and their rules; `docs/guide.md` the parameters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from pmovalue import __version__, commentary
from pmovalue.commentary import Commentary
from pmovalue.config import Params, load_params, unit_param_files
from pmovalue.data.loading import Dataset, load_dataset
from pmovalue.data.units import PORTFOLIO_ID, slugify
from pmovalue.errors import UsageError
from pmovalue.execute.plan import MATURITY, NOTEBOOKS, PMO, PORTFOLIO, UNIT
from pmovalue.options import BuildOptions
from pmovalue.publish import version_name
from pmovalue.quick import site_hashes
from pmovalue.site.engines import engine_name
from pmovalue.site.model import Page
from pmovalue.site.pages import own_pages

Log = Callable[[str], None]


@dataclass
class Inputs:
    """Validated inputs of a build: known before any notebook runs."""

    dataset: Dataset
    period: str
    version: str
    units: dict[str, str]
    unit_params: dict[str, Params]
    portfolio_params: Params
    hashes: dict[str, object]
    inputs_hash: str
    engine: str  # the engine resolved from --engine
    pages: list[Page]  # the project's own pages that engine publishes
    # A scenario: the parameters of the official version (no scenario, no -p), by unit id and
    # `_portfolio`; empty for an official build.
    official_params: dict[str, Params] = field(default_factory=dict)
    commentary: dict[str, Commentary] = field(default_factory=dict)  # by unit id, `_portfolio`

    def params_of(self, unit_id: str) -> Params:
        """The parameters of a unit's job (the portfolio's for `_portfolio` and any other)."""
        return self.unit_params.get(unit_id, self.portfolio_params)


def prepare(opts: BuildOptions, log: Log, engine: str | None = None) -> Inputs:
    """Validate data and parameters, choose the period and units, hash every input (`engine`:
    the engine resolved from --engine, which renders the pages; the project's own pages are
    those it publishes)."""
    engine = engine or engine_name(opts.engine)
    if opts.scenario is not None and (not opts.scenario or slugify(opts.scenario) != opts.scenario):
        raise UsageError(
            f"scenario name {opts.scenario!r} must be lowercase letters, digits and dashes, "
            f"e.g. {slugify(opts.scenario or 'high-rate')!r}"
        )
    dataset = load_dataset(opts.data_dir)
    for w in dataset.warnings:
        log(f"warning: {w}")
    portfolio = load_params(opts.params_dir, None, opts.scenario, opts.overrides)
    period = opts.period or portfolio.period or dataset.latest_period()
    if period is None:
        raise UsageError(
            "the data has no periods (no evm, benefits, survey or maturity table); "
            "give --period YYYY-Qn"
        )
    if period not in dataset.periods and dataset.periods:
        raise UsageError(
            f"period {period} is not in the data (it has {dataset.periods[0]} to "
            f"{dataset.periods[-1]}); choose one of those with --period"
        )
    units = _select_units(dataset.units, opts.units)
    for uid in unit_param_files(opts.params_dir):
        if uid not in dataset.units:
            log(
                f"warning: {opts.params_dir}/units/{uid}.yml: unit {uid!r} is not in the data; "
                "its parameters are not used"
            )
    unit_params = {u: load_params(opts.params_dir, u, opts.scenario, opts.overrides) for u in units}
    official: dict[str, Params] = {}
    if opts.scenario:
        official = {PORTFOLIO_ID: load_params(opts.params_dir)}
        official.update({u: load_params(opts.params_dir, u) for u in units})
    version = version_name(period, opts.scenario)
    notes = commentary.load(opts.project_dir, version, dataset.units)
    notebooks = {}
    for kind in (UNIT, PORTFOLIO, MATURITY, PMO):
        nb = opts.notebooks_dir / NOTEBOOKS[kind]
        if not nb.is_file():
            raise UsageError(
                f"{nb}: notebook not found; run from the project folder or "
                "create the project with `pmovalue init`"
            )
        notebooks[nb.name] = hashlib.sha256(nb.read_bytes()).hexdigest()
    pages, skipped = own_pages(opts.project_dir, engine)
    for source in skipped:
        log(
            f"warning: {source}: a .qmd page needs the quarto engine; the {engine} engine "
            "leaves it out (name it .md to publish it with either engine)"
        )
    hashes: dict[str, object] = {
        "params": {
            PORTFOLIO_ID: portfolio.digest(),
            **{u: p.digest() for u, p in unit_params.items()},
        },
        "data": {t: s.sha256 for t, s in dataset.sources.items()},
        "notebooks": notebooks,
        "pmovalue": __version__,
        "period": period,
        "units": list(units),
        "site": site_hashes(opts, engine),
    }
    if opts.pdf:  # part of the inputs: a version published without it is never changed
        hashes["board_pack"] = True
    written = commentary.files(opts.project_dir, version)
    if written:  # likewise: a version published without commentary keeps its hash
        hashes["commentary"] = written
    inputs_hash = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
    return Inputs(
        dataset,
        period,
        version,
        units,
        unit_params,
        portfolio,
        hashes,
        inputs_hash,
        engine,
        pages,
        official,
        notes,
    )


def _select_units(known: dict[str, str], wanted: list[str] | None) -> dict[str, str]:
    if not wanted:
        return dict(known)
    out = {}
    for w in wanted:
        slug = slugify(w)
        if slug not in known:
            raise UsageError(
                f"--units: unit {w!r} is not in the data; known units: {', '.join(known)}"
            )
        out[slug] = known[slug]
    return out
