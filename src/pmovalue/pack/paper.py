"""Paper sizes of the board pack, and the default one from the user's locale."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pmovalue.errors import UsageError


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: float
    height_mm: float

    # The pack's page margins: the header and footer are drawn inside the top and bottom ones.
    margin_top_mm: float = 20.0
    margin_bottom_mm: float = 20.0
    margin_side_mm: float = 16.0

    @property
    def content_width_px(self) -> int:
        """Width of the printed column in CSS pixels (96 per inch): the charts are drawn at
        exactly this width, so what the reader sees is what plotly laid out."""
        return int((self.width_mm - 2 * self.margin_side_mm) / 25.4 * 96)


PAPERS = {"A4": Paper("A4", 210.0, 297.0), "Letter": Paper("Letter", 215.9, 279.4)}

# Territories whose paper is US Letter (Unicode CLDR, supplemental measurementData, paperSize).
LETTER_TERRITORIES = frozenset(
    {"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE"}
)


def paper_named(name: str) -> Paper:
    for key, paper in PAPERS.items():
        if key.lower() == name.strip().lower():
            return paper
    raise UsageError(f"--paper {name!r}: use one of {', '.join(PAPERS)}")


def locale_territory(environ: Mapping[str, str]) -> str | None:
    """The territory of the locale that decides paper (LC_ALL, then LC_PAPER, then LANG, as
    POSIX orders them): `en_US.UTF-8` -> `US`; None for `C`, `POSIX` or nothing set."""
    for var in ("LC_ALL", "LC_PAPER", "LANG"):
        value = environ.get(var, "")
        if value:
            name = value.split(".", 1)[0].split("@", 1)[0]
            _, _, territory = name.partition("_")
            return territory.upper() or None
    return None


def default_paper(environ: Mapping[str, str] | None = None) -> Paper:
    """Letter where the locale's territory uses it, else A4."""
    territory = locale_territory(os.environ if environ is None else environ)
    return PAPERS["Letter"] if territory in LETTER_TERRITORIES else PAPERS["A4"]
