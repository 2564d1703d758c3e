"""What the board pack says about a published version: read from its folder, never written.

The manifest gives the facts of the cover and the provenance line; data/metrics.csv the units'
display names (a unit that failed under --allow-partial keeps its id).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmovalue.errors import UsageError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class VersionFacts:
    version: str
    period: str
    kind: str  # official | scenario
    scenario: str | None
    title: str
    organisation: str
    published_at: str
    generated_at: str
    params_hash: str
    data_hash: str
    pmovalue_version: str
    engine: str
    units: dict[str, str] = field(default_factory=dict)  # unit id -> display name, site order

    @property
    def provenance(self) -> str:
        """The site's provenance footer as one line."""
        return (
            f"{self.organisation} · version {self.version} ({self.kind}) · period {self.period}"
            f" · generated {self.generated_at} · params {self.params_hash[:12]}"
            f" · data {self.data_hash[:12]} · pmovalue {self.pmovalue_version}"
            f" ({self.engine} engine)"
        )


def read_facts(folder: Path) -> VersionFacts:
    """The facts of the version published in `folder` (its manifest and metrics.csv)."""
    path = folder / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a published version's manifest ({exc})") from None
    report = manifest.get("params", {}).get("report", {})
    names = _unit_names(folder / "data" / "metrics.csv")
    return VersionFacts(
        version=str(manifest.get("version", folder.name)),
        period=str(manifest.get("period", "")),
        kind=str(manifest.get("kind", "official")),
        scenario=manifest.get("scenario"),
        title=str(manifest.get("title") or report.get("title") or "PMO value report"),
        organisation=str(report.get("organisation", "")),
        published_at=str(manifest.get("finished_at", "")),
        generated_at=str(manifest.get("started_at", "")),
        params_hash=str(manifest.get("params_hash", "")),
        data_hash=str(manifest.get("data_hash", "")),
        pmovalue_version=str(manifest.get("versions", {}).get("pmovalue", "")),
        engine=str(manifest.get("engine", "")),
        units={uid: names.get(uid, uid) for uid in manifest.get("units", {})},
    )


def _unit_names(metrics_csv: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    if metrics_csv.is_file():
        with metrics_csv.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names.setdefault(row["unit_id"], row["unit_name"])
    return names
