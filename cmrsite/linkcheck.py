"""The link check of a built site: every internal `href` and `src` of every page must resolve.

It runs on the staged output before it is swapped in, so it sees exactly what will be
published. A link is internal when it is relative, root-relative, or absolute under the base
URL; it resolves when the output has the file (a folder URL needs its `index.html`) and, for a
`#fragment` into a page, an element with that id. External links are not fetched.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from . import parallel, urls
from .errors import Problem

LINK_ATTRIBUTES = frozenset({"href", "src"})
FILE_HINT = (
    "the link comes from this page's template or Markdown: fix the path, "
    "or add the file it names (files of content/ are copied to the output)"
)
ANCHOR_HINT = "the part after `#` names no heading or element of that page: check its spelling"


class Link(NamedTuple):
    """A link of a page: a tuple, made fast (a page has dozens, a site ten thousand pages)."""

    target: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Page:
    links: list[Link]
    ids: set[str]

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as plain tuples (from worker processes, into the cache): ten times faster
        # than one reduction per link.
        return (_page, (list(map(tuple, self.links)), self.ids))


def _page(links: list[tuple[str, int, int]], ids: set[str]) -> Page:
    return Page(list(map(Link._make, links)), ids)


def parse(path: Path) -> Page:
    text = path.read_text(encoding="utf-8", errors="replace")
    return _scan(text) or _parse_html(text)


@functools.cache
def _page_parser() -> type[Any]:
    """html.parser, for the pages that are not regular (loaded only then)."""
    from html.parser import HTMLParser

    class _PageParser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.links: list[Link] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            line, offset = self.getpos()
            for name, value in attrs:
                if value is None:
                    continue
                if name in LINK_ATTRIBUTES:
                    self.links.append(Link(value.strip(), line, offset + 1))
                elif name == "id" or (tag == "a" and name == "name"):
                    self.ids.add(value)

        handle_startendtag = handle_starttag

    return _PageParser


def _parse_html(text: str) -> Page:
    parser = _page_parser()()
    parser.feed(text)
    parser.close()
    return Page(parser.links, parser.ids)


# The pages the generator writes are regular: every attribute value in double quotes, every `<`
# of the text escaped. Such a page is read with regular expressions, several times faster than
# html.parser and to the same result; a page with anything else (single-quoted or bare values,
# a bare `<`, raw HTML of all kinds) is read by html.parser.
_WS = "[ \t\n\r\f]"
_NAME = "[a-zA-Z_:][-a-zA-Z0-9_:.]*"
_VALUE = f'(?:{_WS}*={_WS}*"[^"]*")?'
_KEY = "(?i:href|src|id|name)(?![-a-zA-Z0-9_:.])"
"""The attributes that may hold a link or an id."""
_DULL_TAG = (
    rf"(?!(?i:script|style)(?![a-zA-Z0-9-]))[a-zA-Z][a-zA-Z0-9-]*"
    rf"(?:{_WS}+(?!{_KEY}){_NAME}{_VALUE})*+{_WS}*/?>"
)
"""A start tag without those attributes, other than `<script>` and `<style>`."""
_SKIP = (
    rf"(?:[^<]++|<(?:{_DULL_TAG}|/[a-zA-Z][a-zA-Z0-9-]*{_WS}*>"
    rf"|!--.*?--\s*>|![dD][oO][cC][tT][yY][pP][eE][^>]*>))*+"
)
"""Text, end tags, comments, the doctype and dull start tags: nothing to read."""
_NEXT = re.compile(
    rf"{_SKIP}(?:<([a-zA-Z][a-zA-Z0-9-]*)((?:{_WS}+{_NAME}{_VALUE})*+){_WS}*(/?)>|(<)|\Z)", re.S
)
"""After what can be skipped: a start tag to read (name, attributes, `/`), any other `<`
(not regular), or the end."""
_ATTRIBUTE = re.compile(rf'({_NAME})(?:{_WS}*={_WS}*"([^"]*)")?')
_RAW_TEXT_END = {
    "script": re.compile(r"</\s*script\s*>", re.I),
    "style": re.compile(r"</\s*style\s*>", re.I),
}
"""Where the text of a `<script>` or `<style>` ends (html.parser reads no tags inside)."""


def _scan(text: str) -> Page | None:
    """The links and ids of a regular page (as html.parser finds them), or None if it is not."""
    found = _Found(text)
    position = 0
    end = len(text)
    while True:
        markup = _NEXT.match(text, position)
        if markup is None or markup[4] is not None:  # a `<` that is not regular
            return None
        name = markup[1]
        if name is None:  # the end
            return Page(found.links, found.ids) if markup.end() == end else None
        name = name.lower()
        found.read(markup.start(1) - 1, name, markup[2])
        position = markup.end()
        if name in _RAW_TEXT_END and not markup[3]:
            close = _RAW_TEXT_END[name].search(text, position)
            if close is None:
                return None
            position = close.start()  # go on from its end tag


class _Found:
    """The links and ids of a page, read tag by tag in the order of the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.links: list[Link] = []
        self.ids: set[str] = set()
        self.line = 1
        self.counted = 0
        """The line of the text at `counted` (lines are counted on from the last link)."""

    def read(self, start: int, tag: str, attributes: str) -> None:
        """The links and ids of the start tag at `start`, whose attributes are `attributes`."""
        for attribute in _ATTRIBUTE.finditer(attributes):
            value = attribute[2]
            if value is None:
                continue
            key = attribute[1].lower()
            if key in LINK_ATTRIBUTES:
                if "&" in value:
                    value = html.unescape(value)
                self.line += self.text.count("\n", self.counted, start)
                self.counted = start
                col = start - self.text.rfind("\n", 0, start)
                self.links.append(Link(value.strip(), self.line, col))
            elif key == "id" or (tag == "a" and key == "name"):
                self.ids.add(html.unescape(value) if "&" in value else value)


def site_path(target: str, page_file: str, base_url: str) -> str | None:
    """The path inside the site (`editions/x/`) a link names, or None when it leads elsewhere.

    `..` above the site root is kept (`../x`), so that such a link is reported as broken.
    """
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if not urls.is_absolute(base_url):
            return None
        base = urlsplit(base_url)
        if (parts.scheme or base.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        path = parts.path or "/"
    else:
        path = parts.path
    if parts.scheme or parts.netloc or path.startswith("/"):
        prefix = urls.base_path(base_url)
        if not (path + "/").startswith(prefix):
            return None if parts.netloc else "../" + path.lstrip("/")
        path = path[len(prefix) :]
    else:
        path = posixpath.join(posixpath.dirname(page_file), path)
    path = unquote(path)
    folder = path.endswith("/") or path in ("", ".") or path.endswith(("/.", "/.."))
    normal = posixpath.normpath(path) if path else "."
    normal = "" if normal == "." else normal
    return normal + "/" if folder and normal else normal


def resolve(output: Path, path: str) -> str | None:
    """The file of the output that serves a site path, if there is one."""
    if path.startswith("../") or path == "..":
        return None
    if path == "" or path.endswith("/"):
        candidate = urls.output_file(path)
        return candidate if (output / candidate).is_file() else None
    if (output / path).is_file():
        return path
    index = f"{path}/index.html"
    return index if (output / index).is_file() else None


def check_site(
    output: Path, base_url: str, label: str, parsed: Mapping[str, Page] | None = None
) -> list[Problem]:
    """Broken internal links of every HTML page under `output`, as warnings naming page and
    target (`label` is how the output folder is shown: `output`). `parsed` may give every
    page already parsed (the build keeps them by content hash: only changed pages are read)."""
    pages = (
        dict(sorted(parsed.items()))
        if parsed is not None
        else {
            path.relative_to(output).as_posix(): parse(path)
            for path in sorted(output.rglob("*.html"))
        }
    )
    names = list(pages)

    def check(share: list[int]) -> list[tuple[int, list[Problem]]]:
        checker = _Checker(output, base_url, label, pages)
        return [(index, checker.page(names[index])) for index in share]

    found: dict[int, list[Problem]] = {}
    for share in parallel.fork_map(check, range(len(names))):  # on every core
        found.update(share)
    return [problem for index in range(len(names)) for problem in found[index]]


class _Checker:
    """The links of pages checked one page after the other, with what pages share."""

    def __init__(self, output: Path, base_url: str, label: str, pages: dict[str, Page]) -> None:
        self.output = output
        self.base_url = base_url
        self.label = label
        self.pages = pages
        self.files: dict[str, str | None] = {}
        """The file serving each site path linked to (most pages share most links: the
        stylesheet, the menu)."""
        self.reasons: dict[tuple[str, str | int], str] = {}
        """Why each link is broken ("" when it is not), by target and what else it depends on."""

    def page(self, page_file: str) -> list[Problem]:
        problems: list[Problem] = []
        folder = posixpath.dirname(page_file)
        depth = folder.count("/") + 1 if folder else 0
        for link in self.pages[page_file].links:
            key = (link.target, _depends_on(link.target, page_file, folder, depth))
            reason = self.reasons.get(key)
            if reason is None:
                reason = _broken(
                    link.target, page_file, self.output, self.base_url, self.pages, self.files
                )
                self.reasons[key] = reason
            if reason:
                hint = ANCHOR_HINT if reason.startswith("no element") else FILE_HINT
                problems.append(
                    Problem(
                        f"{self.label}/{page_file}",
                        link.line,
                        link.col,
                        f"broken link to `{link.target}`: {reason}",
                        hint,
                        "warning",
                    )
                )
        return problems


def _depends_on(target: str, page_file: str, folder: str, depth: int) -> str | int:
    """What besides its target decides where a link leads: nothing ("") for an absolute or
    root-relative link; for a relative one, its page's folder, or only the folder's depth when
    the link first climbs that many levels (`../../feed.xml` from any `editions/x/`); for a
    fragment alone, its page."""
    if target.startswith("#"):
        return page_file
    if target.startswith("/"):
        return ""
    if target.startswith("../"):  # no scheme, no host
        climbs = 1
        while target.startswith("../", 3 * climbs):
            climbs += 1
        return depth if climbs >= depth else folder
    parts = urlsplit(target)
    return "" if parts.scheme or parts.netloc else folder


def _broken(
    target: str,
    page_file: str,
    output: Path,
    base_url: str,
    pages: dict[str, Page],
    files: dict[str, str | None],
) -> str:
    """Why the link is broken, or "" when it resolves (or is not internal)."""
    fragment = unquote(urlsplit(target).fragment)
    if target.startswith("#"):
        found: str | None = page_file
    else:
        path = site_path(target, page_file, base_url)
        if path is None:
            return ""
        if path.startswith(".."):
            return "it leads outside the site"
        if path in files:
            found = files[path]
        else:
            found = files[path] = resolve(output, path)
        if found is None:
            return f"no file `{urls.output_file(path)}` in the output"
    if fragment and found in pages and fragment not in pages[found].ids:
        return f'no element with id="{fragment}" in `{found}`'
    return ""
