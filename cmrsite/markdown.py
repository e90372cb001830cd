"""The one configured Markdown renderer: CommonMark, tables, footnotes, heading anchors.

Raw HTML is escaped unless the site allows it; markdown-it's `validateLink` already refuses
`javascript:`, `vbscript:`, `file:` and `data:` links, which then stay plain text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from anyascii import anyascii
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin


def heading_slug(text: str) -> str:
    """`Key take-aways: Iași` -> `key-take-aways-iasi`, stable and ASCII for readable anchors."""
    return "-".join(re.findall(r"[a-z0-9]+", anyascii(text).lower())) or "section"


def _is_external(href: str) -> bool:
    return href.startswith(("http://", "https://", "//"))


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if _is_external(href):
        token.attrSet("rel", "noopener")
    elif href.startswith("/"):
        # Site-absolute links (`/editions/iasi-2023/`) become relative to the page, so the
        # site works under any sub-path and from any folder it is copied to.
        token.attrSet("href", env.get("root", "") + href.lstrip("/"))
    return self.renderToken(tokens, idx, options, env)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if src.startswith("/"):
        token.attrSet("src", env.get("root", "") + src.lstrip("/"))
    token.attrSet("loading", "lazy")
    return str(self.image(tokens, idx, options, env))


@functools.cache
def parser(allow_html: bool) -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": allow_html, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_slug)
    )
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


def render(body: str, allow_html: bool = False, root: str = "") -> str:
    """Markdown to HTML; `root` is the relative path from the page to the site root (`../../`)."""
    env: dict[str, Any] = {"root": root}
    return str(parser(allow_html).render(body, env))


def tokens(body: str, allow_html: bool = False) -> list[Token]:
    """The parsed token stream, for checks that read links and text with their line numbers.

    Several checks read the same document one after the other: it is parsed once for them
    (the list is shared: read it, do not change it)."""
    return _tokens(body, allow_html)


@functools.lru_cache(maxsize=8)
def _tokens(body: str, allow_html: bool) -> list[Token]:
    return parser(allow_html).parse(body, {})
