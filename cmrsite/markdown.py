"""The one configured Markdown renderer: CommonMark, tables, footnotes, heading anchors.

Raw HTML is escaped unless the site allows it; markdown-it's `validateLink` already refuses
`javascript:`, `vbscript:`, `file:` and `data:` links, which then stay plain text.

markdown-it-py (configured in `parser`) defines a document's HTML; most documents are rendered
by its compiled port instead (`compiled_markdown`), which hands back only what is the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from . import compiled_markdown
from .compiled_markdown import Block

if TYPE_CHECKING:  # markdown-it is loaded by the first document (not by a build skipped whole)
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict


@functools.lru_cache(maxsize=4096)
def heading_slug(text: str) -> str:
    """`Key take-aways: Iași` -> `key-take-aways-iasi`, stable and ASCII for readable anchors.
    (Kept by text: most documents have the same few headings.)"""
    from anyascii import anyascii

    return "-".join(re.findall(r"[a-z0-9]+", anyascii(text).lower())) or "section"


def _is_external(href: str) -> bool:
    return href.startswith(("http://", "https://", "//"))


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if _is_external(href):
        return _render_with(self, tokens, idx, options, env, {"rel": "noopener"})
    if href.startswith("/"):
        # Site-absolute links (`/editions/iasi-2023/`) become relative to the page, so the
        # site works under any sub-path and from any folder it is copied to.
        return _render_with(
            self, tokens, idx, options, env, {"href": env.get("root", "") + href.lstrip("/")}
        )
    return self.renderToken(tokens, idx, options, env)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    changes: dict[str, str | int | float] = {"loading": "lazy"}
    if src.startswith("/"):
        changes = {"src": env.get("root", "") + src.lstrip("/"), **changes}
    return _render_with(self, tokens, idx, options, env, changes, image=True)


def _render_with(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
    changes: dict[str, str | int | float],
    image: bool = False,
) -> str:
    """Render a token with some attributes set (or added, at the end), leaving it as it was:
    the same tokens are read by the content checks and may be rendered again."""
    token = tokens[idx]
    attrs = token.attrs
    token.attrs = {**attrs, **changes}
    try:
        if image:
            return str(self.image(tokens, idx, options, env))
        return self.renderToken(tokens, idx, options, env)
    finally:
        token.attrs = attrs


@functools.cache
def parser(allow_html: bool) -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = (
        MarkdownIt("commonmark", {"html": allow_html, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_slug)
    )
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


ROOT = compiled_markdown.ROOT
"""Stands for the page's root (`../../`) in prepared HTML. Markdown-it turns every NUL of its
input into U+FFFD, so no other NUL can be in its output."""

_PREPARED: dict[tuple[str, bool], str] = {}
"""HTML of documents, by (body, allow_html), with ROOT where the page's root goes."""
_PREPARED_LIMIT = 50_000


def render(body: str, allow_html: bool = False, root: str = "") -> str:
    """Markdown to HTML; `root` is the relative path from the page to the site root (`../../`).

    A document's HTML is made once (see `prepare_body`) and only its root differs from page to
    page: a root inserted while rendering is escaped like the rest of its attribute, so the
    prepared HTML with the escaped root put in place of ROOT is the same text."""
    html = _PREPARED.get((body, allow_html))
    if html is None:
        html = prepare_body(body, allow_html)
        remember(body, allow_html, html)
    if ROOT not in html:
        return html
    return html.replace(ROOT, _escape(root))


def _escape(text: str) -> str:
    # markdown-it's escapeHtml, without importing markdown-it for it.
    if not any(c in text for c in '&<>"'):
        return text
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def prepare_body(body: str, allow_html: bool = False) -> str:
    """The document's HTML with ROOT for the page's root: from the compiled parser when it
    agrees (see `compiled_markdown`), else from markdown-it-py."""
    html = compiled_html(body, allow_html)
    return prepare(parse(body, allow_html), allow_html) if html is None else html


@functools.lru_cache(maxsize=8)
def compiled_html(body: str, allow_html: bool) -> str | None:
    """`compiled_markdown.render`, kept for the checks that ask next whether it rendered."""
    return compiled_markdown.render(body, allow_html, heading_slug)


def parse(body: str, allow_html: bool = False) -> list[Token]:
    """A new token stream of `body` (for `prepare` and the content checks)."""
    return parser(allow_html).parse(body, {})


def prepare(tokens: Sequence[Token], allow_html: bool = False) -> str:
    """The HTML of parsed tokens, with ROOT for the page's root; the tokens are not changed."""
    md = parser(allow_html)
    return str(md.renderer.render(tokens, md.options, {"root": ROOT}))


def prepared(body: str, allow_html: bool = False) -> str | None:
    """The prepared HTML of a document made earlier in this process (or before its fork)."""
    return _PREPARED.get((body, allow_html))


def remember(body: str, allow_html: bool, html: str) -> None:
    """Keep the prepared HTML of a document (made by `prepare`, perhaps in another process)."""
    if len(_PREPARED) >= _PREPARED_LIMIT:
        _PREPARED.clear()
    _PREPARED[(body, allow_html)] = html


def retain(documents: Iterable[tuple[str, bool]]) -> None:
    """Forget the prepared HTML of every document but these (the site's current ones)."""
    keep = {key: _PREPARED[key] for key in documents if key in _PREPARED}
    _PREPARED.clear()
    _PREPARED.update(keep)


def blocks(body: str) -> list[Block]:
    """The runs of inline text of a document with their links and lines, for the checks that
    read them (as if raw HTML were not allowed). Several checks read the same document one
    after the other: it is parsed once for them (the list is shared: do not change it)."""
    return _blocks(body)


@functools.lru_cache(maxsize=8)
def _blocks(body: str) -> list[Block]:
    # From the parser that renders the document (see `prepare_body`).
    found = None
    if compiled_html(body, False) is not None:
        found = compiled_markdown.blocks(body)
    return token_blocks(parse(body)) if found is None else found


def token_blocks(tokens: Sequence[Token]) -> list[Block]:
    """The blocks of markdown-it-py's tokens: its inline tokens that have a line."""
    return [
        Block(token.map[0], token.content, tuple(_token_links(token)))
        for token in tokens
        if token.type == "inline" and token.map
    ]


def _token_links(block: Token) -> Iterator[tuple[str, str]]:
    for child in block.children or []:
        if child.type == "link_open":
            yield "link", str(child.attrGet("href") or "")
        elif child.type == "image":
            yield "image", str(child.attrGet("src") or "")
