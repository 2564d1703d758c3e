"""Markdown written by the PMO, as HTML: one function, for every page that shows such text.

mistune (the Markdown library nbconvert uses): CommonMark, with tables and strikethrough.
Raw HTML in the text is escaped, never passed through, and a link or image whose scheme could
run or embed something (javascript:, vbscript:, data:, file:) is replaced by `#harmful-link`:
the text can show only what Markdown describes.
"""

from __future__ import annotations

import functools

import mistune


@functools.cache
def _markdown() -> mistune.Markdown:
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """The HTML of `text` (a fragment: no <html> or <body>)."""
    return str(_markdown()(text))
