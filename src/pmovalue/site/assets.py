"""What every engine's pages are made with: the version's `_assets/` folder (plotly.js, our
stylesheet and script) and the Jinja2 templates of `site/templates/`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

ASSETS = "_assets"


def templates() -> jinja2.Environment:
    import jinja2  # here: the build imports this module long before it renders a page

    return jinja2.Environment(
        loader=jinja2.PackageLoader("pmovalue", "site/templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def static_text(name: str) -> str:
    """One of our static files (site/static/), as text."""
    return (resources.files("pmovalue") / "site" / "static" / name).read_text(encoding="utf-8")


def plotly_js() -> bytes:
    """The plotly.js of every version: the file plotly.offline.get_plotlyjs() reads, as bytes
    (copied, not decoded and encoded again: 4.6 MB)."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


def write_assets(stage: Path, extra: dict[str, str] | None = None) -> None:
    """plotly.js once per version, plus our stylesheet and script (and `extra`, name -> text):
    nothing from a CDN."""
    assets = stage / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "plotly.min.js").write_bytes(plotly_js())
    static = resources.files("pmovalue") / "site" / "static"
    for name in ("pmovalue.css", "pmovalue.js"):
        (assets / name).write_bytes((static / name).read_bytes())
    for name, text in (extra or {}).items():
        (assets / name).write_text(text, encoding="utf-8")
