"""The PMO's commentary at the top of a page (`pmovalue.commentary` reads and checks the
files): in `<section class="commentary">`, which other outputs (the board pack) can take.
Importing this module imports the Markdown library: the kernels have it preloaded."""

from __future__ import annotations

import html

from pmovalue.markdown import render_markdown
from pmovalue.markup import show_html
from pmovalue.report.views import PortfolioView, UnitView


def commentary_html(view: UnitView | PortfolioView) -> str:
    """The heading "PMO commentary", the author and date when given, and the text rendered
    from Markdown (any raw HTML in it escaped); nothing when the page has none."""
    note = view.commentary
    if not note or not note.get("markdown", "").strip():
        return ""
    by = " · ".join(html.escape(note[k]) for k in ("author", "date") if note.get(k))
    byline = f'<p class="byline">{by}</p>' if by else ""
    text = render_markdown(note["markdown"])
    return (
        '<section class="commentary" aria-label="PMO commentary">'
        f'<h2>PMO commentary</h2>{byline}<div class="commentary-text">{text}</div>'
        "</section>"
    )


def show_commentary(view: UnitView | PortfolioView) -> None:
    markup = commentary_html(view)
    if markup:
        show_html(markup)
