"""Data shown as text never becomes markup: escape it before st.markdown."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~&:])")


def md(text: object) -> str:
    """Escape a data value for st.markdown (Markdown, HTML and LaTeX characters).

    >>> md("<img src=x onerror=alert(1)>")
    '\\\\<img src=x onerror=alert\\\\(1\\\\)\\\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def link(label: object, url: str) -> str:
    """A Markdown link to an http(s) URL with an escaped label; other schemes become text."""
    if not re.match(r"^https?://[^\s()<>]+$", url or ""):
        return md(label)
    return f"[{md(label)}]({url})"


def html_text(text: object) -> str:
    """Escape a data value placed inside our own HTML (where Markdown escapes do not apply)."""
    return html.escape("" if text is None else str(text))
