"""What a person sees of the Markdown an element carries: its text, and any live link, picture or HTML in it.

Streamlit renders st.error, st.caption, st.toast and st.markdown bodies as GitHub-flavoured Markdown
(react-markdown with remark-gfm). markdown-it-py renders the same CommonMark syntax (links, pictures,
autolinks, raw HTML); GFM's autolink literals (http://..., www.name, e-mail addresses in plain text) are
found with the same patterns mdast-util-gfm-autolink-literal uses, since linkify differs from them in detail.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(["linkify", "strikethrough", "table"])
_MD.linkify.set({"fuzzy_link": False})  # GFM links no bare domain names
# mdast-util-gfm-autolink-literal: URLs with a scheme or www., and e-mail addresses, inside text.
_GFM_URL = re.compile(r"(?i)(https?://|www(?=\.))[-.\w]+")
_GFM_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
WORD_JOINER = "\u2060"


def _inline_tokens(markdown: str):
    for block in _MD.parse(markdown):
        if block.type == "html_block":
            yield block
        yield from block.children or ()


def live_markup(markdown: str) -> list[str]:
    """Every link, picture, autolink or piece of HTML the Markdown would render (empty: it is plain text)."""
    found = []
    for token in _inline_tokens(markdown):
        if token.type in ("link_open", "image", "html_inline", "html_block"):
            found.append(f"{token.type}: {token.attrs.get('href') or token.attrs.get('src') or token.content}")
        elif token.type == "text":
            found += [f"autolink: {m.group(0)}" for m in _GFM_URL.finditer(token.content)]
            found += [f"autolink: {m.group(0)}" for m in _GFM_EMAIL.finditer(token.content)]
    return found


def shown(markdown: str) -> str:
    """The text a person reads: the rendered HTML without tags, entities decoded, invisible joiners dropped."""
    rendered = re.sub(r"<[^>]+>", "", _MD.render(markdown))
    return " ".join(html.unescape(rendered).replace(WORD_JOINER, "").split())
