"""What one process of a build hands to another: a job's input tables (written by the build,
read by its notebook), a job's results (the other way round), the staged peers, and a job's PMO
evidence (prepared by the build, see `pmovalue.metrics.pmo.evidence_of`).

Tables are Arrow IPC files (the Feather V2 format, LZ4-compressed): pandas goes to and from
Arrow as it does for parquet, so a frame comes back with the same values and dtypes, but
without parquet's encoding a file is written and read in about two thirds of the time (~25 ms
less per unit job on the sample). The evidence, numpy arrays in a dataclass, is a pickle: only
this build's own processes write and read it, within one job folder. Nothing published is
written here: see `pmovalue.outputs`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

if TYPE_CHECKING:
    from pmovalue.metrics.pmo import Evidence

SUFFIX = ".arrow"
EVIDENCE_FILE = "pmo-evidence.pickle"


def table_path(folder: Path, name: str) -> Path:
    """Where `write_tables` puts the table `name` in `folder`."""
    return folder / f"{name}{SUFFIX}"


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """`frame` without its index (as `to_parquet(index=False)`)."""
    feather.write_feather(pa.Table.from_pandas(frame, preserve_index=False), path)


def read_table(path: str | Path) -> pd.DataFrame:
    return feather.read_table(path).to_pandas()


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """One file per table, named after it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(frame, table_path(folder, name))


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a folder written by `write_tables`, by name, in name order."""
    return {p.stem: read_table(p) for p in sorted(Path(folder).glob(f"*{SUFFIX}"))}


def write_evidence(folder: Path, evidence: Evidence | None) -> None:
    """`evidence` in `folder` (nothing for None: the job prepares none either)."""
    if evidence is not None:
        folder.mkdir(parents=True, exist_ok=True)
        # protocol fixed: the same evidence gives the same bytes, so the same job cache key
        (folder / EVIDENCE_FILE).write_bytes(pickle.dumps(evidence, protocol=5))


def read_evidence(folder: str | Path) -> Evidence | None:
    """The evidence `write_evidence` left in `folder`, or None."""
    path = Path(folder) / EVIDENCE_FILE
    return pickle.loads(path.read_bytes()) if path.is_file() else None
