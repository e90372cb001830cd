"""markdown-it-pyrs, the compiled (Rust) port of markdown-it, as an accelerator of `markdown`.

markdown-it-py stays the reference of what a document's HTML is. This module renders with the
compiled port, about twelve times faster, adds what our markdown-it-py rules add (heading ids,
`rel="noopener"`, page-relative site links, lazy images) to its HTML, and hands the result back
only when the document uses nothing on which the two are known to differ:

- footnotes (other ids for a repeated reference), tables (other rules on interrupting a
  paragraph; no smart quotes in cells), tabs (other indented-code columns);
- quotes the port leaves straight (`&quot;`, `'`) or opens wrongly at the start of a block
  after another one (`>’`), headings over several lines, list markers alone on a line;
- raw HTML, when the site allows it.

Any of these, and `render` returns None: the caller renders with markdown-it-py.
`tests/test_compiled_markdown.py` compares both on thousands of generated documents, the real
content and the benchmark corpus: whatever this module accepts must be byte-identical.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from markdown_it_pyrs import MarkdownIt, Node

RULES: list[Any] = [
    *("blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph"),
    *("reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link"),
    *("newline", "table", "strikethrough", "footnote", "replacements", "smartquotes"),
]
"""markdown-it's CommonMark rules and the extensions `markdown.parser` enables, raw HTML off."""

ROOT = "\x00"
"""Where the page's root goes (see `markdown.ROOT`)."""


class Block(NamedTuple):
    """A run of inline text of a document (a paragraph, heading, list item...), for the checks."""

    line: int
    """The line of the body (0-based) where `content` starts."""
    content: str
    """The Markdown source, from the start of that line."""
    links: tuple[tuple[str, str], ...]
    """(`link` or `image`, target) of each link and image in it."""


@functools.cache
def parser() -> MarkdownIt | None:
    """The compiled parser, None when markdown-it-pyrs is not installed (no wheel for the
    platform): every document is then rendered by markdown-it-py."""
    try:
        from markdown_it_pyrs import MarkdownIt
    except ImportError:
        return None
    return MarkdownIt("zero").enable_many(RULES)


_BARE_LIST_MARKER = re.compile(r"\n[ >]*(?:[-+*]|\d+[.)]) *\n")
"""A line with only a list marker (searched in the body between newlines: a pattern that
starts with a literal is searched for by a fast scan)."""
_HEADING_OVER_LINES = re.compile(r"<h[1-6][^>]*>(?:(?!</h[1-6]>)[^\n])*\n")


def supported(body: str, allow_html: bool) -> bool:
    """Whether the source leaves the compiled parser a chance (see the module's list)."""
    if allow_html and "<" in body:
        return False
    if "[^" in body or "|" in body or "\t" in body:
        return False
    return _BARE_LIST_MARKER.search(f"\n{body}\n") is None


def _agrees(rendered: str) -> bool:
    """Whether the port's HTML shows none of the constructs where it differs."""
    if "&quot;" in rendered or "'" in rendered or ">’" in rendered:
        return False
    return _HEADING_OVER_LINES.search(rendered) is None and not _has_lone_quote(rendered)


def _has_lone_quote(rendered: str) -> bool:
    """Whether a quote mark stands between spaces or tags, where the port may have read it with
    a neighbouring block. (Found with `str.find`: a regular expression tried at every position
    costs as much as the rendering.)"""
    for mark in "‘’“”":
        at = rendered.find(mark)
        while at >= 0:
            before = rendered[at - 1] if at else " "
            after = rendered[at + 1 : at + 2] or " "
            if (before.isspace() or before == ">") and (after.isspace() or after == "<"):
                return True
            at = rendered.find(mark, at + 1)
    return False


def render(body: str, allow_html: bool, slug: Callable[[str], str]) -> str | None:
    """The document's HTML as `markdown.prepare` makes it (ROOT for the page's root), or None
    when only markdown-it-py can say what it is."""
    md = parser()
    if md is None or not supported(body, allow_html):
        return None
    rendered = md.render(body)
    if not _agrees(rendered):
        return None
    return _finish(rendered, slug)


_HEADING = re.compile(r"<h([2-4])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>')
_IMAGE = re.compile(r'<img src="([^"]*)"([^>]*?) />')


def _finish(rendered: str, slug: Callable[[str], str]) -> str:
    """Our rules on the port's HTML. Its text and attributes are escaped, so `<h2>`, `<a href="`
    and `<img src="` can only be its own tags."""
    if "<h" in rendered:
        rendered = _HEADING.sub(_heading_ids(slug), rendered)
    if "<a " in rendered:
        rendered = _LINK.sub(_link, rendered)
    if "<img " in rendered:
        rendered = _IMAGE.sub(_image, rendered)
    # markdown-it-py writes an empty quote on one line.
    return rendered.replace("<blockquote>\n</blockquote>", "<blockquote></blockquote>")


def _heading_ids(slug: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    """Ids for headings of levels 2 to 4, unique in the document (`x`, `x-1`, `x-2`), from
    their text as mdit-py-plugins' anchors take it."""
    used: set[str] = set()

    def add_id(match: re.Match[str]) -> str:
        level, inner = match.group(1), match.group(2)
        base = slug(html.unescape(_TAG.sub("", inner)))
        unique, number = base, 1
        while unique in used:
            unique, number = f"{base}-{number}", number + 1
        used.add(unique)
        return f'<h{level} id="{unique}">{inner}</h{level}>'

    return add_id


def _link(match: re.Match[str]) -> str:
    href, rest = match.group(1), match.group(2)
    if href.startswith(("http://", "https://", "//")):
        return f'<a href="{href}"{rest} rel="noopener">'
    if href.startswith("/"):
        return f'<a href="{ROOT}{href[1:]}"{rest}>'
    return match.group(0)


def _image(match: re.Match[str]) -> str:
    src, rest = match.group(1), match.group(2)
    if src.startswith("/"):
        src = ROOT + src[1:]
    return f'<img src="{src}"{rest} loading="lazy" />'


# --- blocks for the content checks ----------------------------------------------------------

_INLINE = frozenset(
    (
        *("text", "text_special", "softbreak", "hardbreak", "link", "autolink", "image"),
        *("em", "strong", "strikethrough", "code_inline", "html_inline", "footnote_ref"),
    )
)


def blocks(body: str) -> list[Block] | None:
    """The document's runs of inline text with their links, None without the compiled parser.

    The port maps nodes to byte offsets of the source: a block starts at the line of its
    first inline node, so that a finding's column is its column in the file."""
    md = parser()
    if md is None:
        return None
    source = body.encode("utf-8")
    found: list[Block] = []
    for node in _containers(md.tree(body)):
        spans = [child.srcmap for child in node.children if child.name in _INLINE]
        first = min(span[0] for span in spans if span is not None)
        last = max(span[1] for span in spans if span is not None)
        line_start = source.rfind(b"\n", 0, first) + 1
        content = source[line_start:last].decode("utf-8")
        found.append(Block(source.count(b"\n", 0, first), content, tuple(_links(node))))
    return found


def _containers(node: Node) -> Iterator[Node]:
    """The nodes whose children are inline nodes (with a position), in document order."""
    children = node.children
    if any(child.name in _INLINE and child.srcmap is not None for child in children):
        yield node
    for child in children:
        if child.name not in _INLINE:
            yield from _containers(child)


def _links(node: Node) -> Iterator[tuple[str, str]]:
    for child in node.children:
        if child.name in ("link", "autolink"):
            yield "link", str(child.meta.get("url", ""))
        elif child.name == "image":
            yield "image", str(child.meta.get("url", ""))
        if child.name in _INLINE:
            yield from _links(child)
