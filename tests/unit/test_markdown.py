"""Markdown written by the PMO, as HTML: what it shows, and what it never lets through."""

from __future__ import annotations

from pmovalue.markdown import render_markdown


def test_markdown_shows_text_lists_tables_and_links() -> None:
    html = render_markdown(
        "## Contacts\n\n**PMO** office: *Room 4*, see [data quality](../data-quality.html).\n\n"
        "- one\n- two\n\n| Level | Measures |\n|---|---|\n| 1 | CPI, SPI |\n\n~~old~~ R&D\n"
    )
    assert "<h2>Contacts</h2>" in html
    assert "<strong>PMO</strong> office: <em>Room 4</em>" in html
    assert '<a href="../data-quality.html">data quality</a>' in html
    assert "<li>one</li>" in html and "<td>CPI, SPI</td>" in html and "<th>Level</th>" in html
    assert "<del>old</del> R&amp;D" in html


def test_raw_html_is_escaped_and_harmful_links_replaced() -> None:
    html = render_markdown(
        '<script>alert(1)</script>\n\nHi <img src=x onerror="alert(2)"> <b>bold</b>\n\n'
        "[a](javascript:alert(3)) [b](data:text/html,x) ![c](vbscript:y) [d](https://example.org)"
    )
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:" not in html and "data:text" not in html and "vbscript:" not in html
    assert html.count('href="#harmful-link"') == 2 and 'src="#harmful-link"' in html
    assert '<a href="https://example.org">d</a>' in html  # a link is not a request
