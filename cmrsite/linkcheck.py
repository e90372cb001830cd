"""The link check of a built site: every internal `href` and `src` of every page must resolve.

It runs on the staged output before it is swapped in, so it sees exactly what will be
published. A link is internal when it is relative, root-relative, or absolute under the base
URL; it resolves when the output has the file (a folder URL needs its `index.html`) and, for a
`#fragment` into a page, an element with that id. External links are not fetched.
"""

from __future__ import annotations

import errno
import functools
import html
import os
import posixpath
import re
import stat
import string
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from . import fileio, urls
from .errors import Problem

LINK_ATTRIBUTES = frozenset({"href", "src"})
FILE_HINT = (
    "the link comes from this page's template or Markdown: fix the path, "
    "or add the file it names (files of content/ are copied to the output)"
)
ANCHOR_HINT = "the part after `#` names no heading or element of that page: check its spelling"


class Link(NamedTuple):
    """A link of a page: its target as written, and where its tag starts."""

    target: str
    line: int
    col: int


class Page:
    """The links and ids of a page, kept as plain lists (a site of 10,000 editions has 160,000
    links: the check reads only their targets, and where they are only when they are broken).
    """

    __slots__ = ("cols", "ids", "lines", "targets")

    def __init__(self, links: Iterable[Link], ids: set[str]) -> None:
        found = list(links)
        self.targets = [link.target for link in found]
        self.lines = [link.line for link in found]
        self.cols = [link.col for link in found]
        self.ids = ids

    @classmethod
    def of(cls, targets: list[str], lines: list[int], cols: list[int], ids: set[str]) -> Page:
        page = cls.__new__(cls)
        page.targets, page.lines, page.cols, page.ids = targets, lines, cols, ids
        return page

    @property
    def links(self) -> list[Link]:
        return list(map(Link, self.targets, self.lines, self.cols))

    def link(self, index: int) -> Link:
        return Link(self.targets[index], self.lines[index], self.cols[index])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Page):
            return NotImplemented
        return self.links == other.links and self.ids == other.ids

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaced

    def __repr__(self) -> str:
        return f"Page(links={self.links!r}, ids={self.ids!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Into the cache and from worker processes: the strings joined into one (a page's
        # dozens of links pickled as a handful of objects).
        return (_stored_page, (_joined(self.targets), self.lines, self.cols, _joined(self.ids)))


_SEPARATOR = "\n"


def _joined(strings: Iterable[str]) -> str | list[str]:
    """The strings as one, when they split back into the same (else as they are)."""
    listed = list(strings)
    joined = _SEPARATOR.join(listed)
    return joined if listed and joined.count(_SEPARATOR) == len(listed) - 1 else listed


def _split(joined: str | list[str]) -> list[str]:
    return joined.split(_SEPARATOR) if isinstance(joined, str) else joined


def _stored_page(
    targets: str | list[str], lines: list[int], cols: list[int], ids: str | list[str]
) -> Page:
    return Page.of(_split(targets), lines, cols, set(_split(ids)))


def parse(path: str | Path) -> Page:
    data = fileio.read_bytes(path)
    if b"\r" in data:  # as text mode reads it: every line ends in "\n"
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = data.decode("utf-8", "replace")
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
# of the text escaped. Such a page is read with one regular expression, several times faster
# than html.parser and to the same result; a page with anything else (single-quoted or bare
# values, a bare `<`, raw HTML of all kinds) is read by html.parser. Names are matched with
# ASCII classes, not IGNORECASE (which would take `ſ` for `s`, as html.parser does not).
_WS = "[ \t\n\r\f]"
_NAME = "[a-zA-Z_:][-a-zA-Z0-9_:.]*+"
_VALUE = f'(?:="[^"]*+"|{_WS}*+={_WS}*+"[^"]*+")?+'
_EQUALS = f'{_WS}*+={_WS}*+"'
_NAME_END = "(?![-a-zA-Z0-9_:.])"
_LINK_KEY = f"(?:[hH][rR][eE][fF]|[sS][rR][cC]){_NAME_END}"
_ID_KEY = f"[iI][dD]{_NAME_END}"
_NAME_KEY = f"[nN][aA][mM][eE]{_NAME_END}"
_TAG = "[a-zA-Z][a-zA-Z0-9-]*+"
_TAG_END = "(?![a-zA-Z0-9-])"
_RAW_TEXT = f"(?:[sS][cC][rR][iI][pP][tT]|[sS][tT][yY][lL][eE]){_TAG_END}"
_ATTRIBUTES = f"(?:{_WS}++{_NAME}{_VALUE})*+"


def _attributes_but(keys: str, initials: str) -> str:
    """Attributes none of which is one of `keys` (whose names start with one of `initials`:
    only those names are looked at twice)."""
    others = "".join(c for c in string.ascii_letters if c not in initials)
    name = f"(?:[{others}_:]|(?!{keys})[{initials}])[-a-zA-Z0-9_:.]*+"
    return f"(?:{_WS}++{name}{_VALUE})*+"


_NO_KEY = _attributes_but(f"(?:{_LINK_KEY}|{_ID_KEY}|{_NAME_KEY})", "hHsSiInN")
"""Attributes without a link or an id (an `<a name>` is one)."""
_NO_LINK_OR_ID = _attributes_but(f"(?:{_LINK_KEY}|{_ID_KEY})", "hHsSiI")
"""Attributes without a link or an id of a tag other than `<a>`."""
_DULL_TAG = (
    f"(?:[b-rt-zB-RT-Z][a-zA-Z0-9-]*+{_NO_LINK_OR_ID}"
    f"|[aA](?:{_TAG_END}{_NO_KEY}|[a-zA-Z0-9-]++{_NO_LINK_OR_ID})"
    f"|(?!{_RAW_TEXT})[sS][a-zA-Z0-9-]*+{_NO_LINK_OR_ID}"
    f"){_WS}*+/?>"
)
"""A start tag without links or ids, other than `<script>` and `<style>` (dispatched on its
first letter: `<a>` has one more kind of id, `<script>` and `<style>` have text)."""
_SKIP = (
    rf"[^<]*+(?:<(?:/{_TAG}{_WS}*+>|{_DULL_TAG}"
    rf"|!--.*?--\s*>|![dD][oO][cC][tT][yY][pP][eE][^>]*>)[^<]*+)*+"
)
"""Text, end tags, start tags without links or ids, comments, the doctype: nothing to read."""


def _raw_text(name: str) -> str:
    """The text of a `<script>` or `<style>` (html.parser reads no tags in it)."""
    end = rf"(?i:</\s*{name}\s*>)"
    return f"(?:[^<]++|(?!{end})<)*+(?={end})"


_LEADING = re.compile(_SKIP, re.S)
_NEXT = re.compile(
    rf"(?:<(?:"
    # A start tag with one link or id (`name` only on `<a>`): the most common case.
    rf"(?!{_RAW_TEXT}){_TAG}{_NO_KEY}{_WS}++"
    rf'(?:{_LINK_KEY}{_EQUALS}(?P<link>[^"]*+)"|{_ID_KEY}{_EQUALS}(?P<id>[^"]*+)")'
    rf"{_NO_KEY}{_WS}*+/?>"
    rf'|[aA]{_TAG_END}{_NO_KEY}{_WS}++{_NAME_KEY}{_EQUALS}(?P<name>[^"]*+)"{_NO_KEY}{_WS}*+/?>'
    # `<script>` and `<style>`, with their text.
    rf"|(?P<raw>(?P<script>[sS][cC][rR][iI][pP][tT])|[sS][tT][yY][lL][eE]){_TAG_END}"
    rf"(?P<raw_attributes>{_ATTRIBUTES}){_WS}*+"
    rf"(?:/>|>(?(script){_raw_text('script')}|{_raw_text('style')}))"
    # Any other start tag with links or ids (several, or one without a value).
    rf"|(?!{_RAW_TEXT})(?P<other>{_TAG})(?P<other_attributes>{_ATTRIBUTES}){_WS}*+/?>"
    rf")|(?P<irregular><)){_SKIP}",
    re.S,
)
"""A start tag to read, or a `<` that is not regular; then what can be skipped up to the next
(the last match ends at the end of a regular page). The group that closes last says which."""
_LINK, _ID, _NAME_ID, _RAW, _RAW_ATTRIBUTES, _OTHER, _OTHER_ATTRIBUTES = (
    _NEXT.groupindex[group]
    for group in ("link", "id", "name", "raw", "raw_attributes", "other", "other_attributes")
)
_ATTRIBUTE = re.compile(rf'({_NAME})(?:{_WS}*={_WS}*"([^"]*)")?')


def _scan(text: str) -> Page | None:
    """The links and ids of a regular page (as html.parser finds them), or None if it is not."""
    targets: list[str] = []
    starts: list[int] = []
    """Where the tag of each link starts."""
    ids: set[str] = set()
    leading = _LEADING.match(text)  # always matches, if only the empty string
    for markup in _NEXT.finditer(text, leading.end() if leading else 0):
        last = markup.lastindex
        if last == _LINK:
            link = markup[_LINK]
            targets.append((html.unescape(link) if "&" in link else link).strip())
            starts.append(markup.start())
        elif last in (_ID, _NAME_ID):
            id_ = markup[last]
            ids.add(html.unescape(id_) if "&" in id_ else id_)
        elif last == _RAW_ATTRIBUTES:
            _read(markup.start(), markup[_RAW], markup[last], targets, starts, ids)
        elif last == _OTHER_ATTRIBUTES:
            _read(markup.start(), markup[_OTHER], markup[last], targets, starts, ids)
        else:  # irregular
            return None
    return Page.of(targets, *_places(text, starts), ids)


def _read(
    start: int, tag: str, attributes: str, targets: list[str], starts: list[int], ids: set[str]
) -> None:
    """The links and ids of the start tag at `start`, whose attributes are `attributes`."""
    for attribute in _ATTRIBUTE.finditer(attributes):
        value = attribute[2]
        if value is None:
            continue
        key = attribute[1].lower()
        if key in LINK_ATTRIBUTES:
            targets.append((html.unescape(value) if "&" in value else value).strip())
            starts.append(start)
        elif key == "id" or (tag.lower() == "a" and key == "name"):
            ids.add(html.unescape(value) if "&" in value else value)


def _places(text: str, starts: list[int]) -> tuple[list[int], list[int]]:
    """The lines and columns of these offsets of the text, in order (the lines counted on from
    one to the next)."""
    lines: list[int] = []
    cols: list[int] = []
    line = 1
    counted = 0
    count, rfind = text.count, text.rfind
    for start in starts:
        line += count("\n", counted, start)
        counted = start
        lines.append(line)
        cols.append(start - rfind("\n", 0, start))
    return lines, cols


# --- where a link leads ----------------------------------------------------------------------

_PLAIN_PATH = re.compile(r"(?!//)[-a-zA-Z0-9._~/]*+").fullmatch
"""A path that `urlsplit` keeps as it is, and `unquote` too: no scheme, host, query or `%`."""


def _plain_parts(target: str) -> tuple[str, str] | None:
    """The path and fragment of a link the generator writes (`../../editions/x/#summary`) as
    `urlsplit` and `unquote` find them, without them; None for any other link."""
    path, hash_sign, fragment = target.partition("#")
    if _PLAIN_PATH(path) is None:
        return None
    if hash_sign and ("\t" in fragment or "\r" in fragment or "\n" in fragment):
        return None  # which urlsplit removes
    return path, unquote(fragment)


def site_path(target: str, page_file: str, base_url: str) -> str | None:
    """The path inside the site (`editions/x/`) a link names, or None when it leads elsewhere.

    `..` above the site root is kept (`../x`), so that such a link is reported as broken.
    """
    plain = _plain_parts(target)
    if plain is not None:
        path = plain[0]
        if not path.startswith("/"):
            return _normal(posixpath.join(posixpath.dirname(page_file), path))
        return _under_base(path, base_url, "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if not urls.is_absolute(base_url):
            return None
        base = urlsplit(base_url)
        if (parts.scheme or base.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        return _under_base(parts.path or "/", base_url, parts.netloc)
    if parts.path.startswith("/"):
        return _under_base(parts.path, base_url, "")
    return _normal(posixpath.join(posixpath.dirname(page_file), parts.path))


def _under_base(path: str, base_url: str, netloc: str) -> str | None:
    """The site path of a URL path that should be under the base URL's."""
    prefix = _base_path(base_url)
    if not (path + "/").startswith(prefix):
        return None if netloc else "../" + path.lstrip("/")
    return _normal(path[len(prefix) :])


@functools.lru_cache(maxsize=8)
def _base_path(base_url: str) -> str:
    return urls.base_path(base_url)


def _normal(path: str) -> str:
    """A path unquoted and normalised, still ending in `/` when it names a folder."""
    path = unquote(path)
    folder = path.endswith("/") or path in ("", ".") or path.endswith(("/.", "/.."))
    normal = posixpath.normpath(path) if path else "."
    normal = "" if normal == "." else normal
    return normal + "/" if folder and normal else normal


def resolve(output: Path, path: str) -> str | None:
    """The file of the output that serves a site path, if there is one."""
    if path.startswith("../") or path == "..":
        return None
    root = str(output)
    if path == "" or path.endswith("/"):
        candidate = urls.output_file(path)
        return candidate if _is_file(root, candidate) else None
    if _is_file(root, path):
        return path
    index = f"{path}/index.html"
    return index if _is_file(root, index) else None


_MISSING = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _is_file(root: str, path: str) -> bool:
    """`(Path(root) / path).is_file()` without making a Path (`path` is normalised)."""
    try:
        return stat.S_ISREG(os.stat(os.path.join(root, path)).st_mode)
    except OSError as error:
        if error.errno not in _MISSING:
            raise
        return False
    except ValueError:  # a NUL in the path
        return False


# --- the check -------------------------------------------------------------------------------


def check_site(
    output: Path,
    base_url: str,
    label: str,
    parsed: Mapping[str, Page] | None = None,
    files: Collection[str] | None = None,
) -> list[Problem]:
    """Broken internal links of every HTML page under `output`, as warnings naming page and
    target (`label` is how the output folder is shown: `output`). `parsed` may give every
    page already parsed (the build keeps them by content hash: only changed pages are read);
    each page it gives must be a file of `output` (a link to it resolves without a look).
    `files` may list every file of `output` (the build knows what it staged): a link to a
    file is then resolved without a `stat`."""
    pages = (
        parsed
        if parsed is not None
        else {path.relative_to(output).as_posix(): parse(path) for path in output.rglob("*.html")}
    )
    # In this process: once parsed, a page is checked in some 15 us, and a worker process
    # would cost more than it saves (at 1,000 and 10,000 editions, measured: the copies of
    # memory pages that both processes then write cost more CPU than the check itself).
    checker = _Checker(output, base_url, label, pages, files)
    return [problem for name in sorted(pages) for problem in checker.page(name)]


class _Checker:
    """The links of pages checked one page after the other, with what pages share: most
    links lead to the same place from every page as deep (the stylesheet, the menu), and the
    generator writes its links to pages as a climb to the root (`../../` from `editions/x/`) or
    the base URL's path, then the page's path (`editions/y/`): those resolve without a look."""

    def __init__(
        self,
        output: Path,
        base_url: str,
        label: str,
        pages: Mapping[str, Page],
        files: Collection[str] | None = None,
    ) -> None:
        self.output = output
        self.known_files = files
        """Every file of the output, when the caller knows them (else each is looked up)."""
        self.root = str(output)
        self.base_url = base_url
        self.prefix = _base_path(base_url)
        self.label = label
        self.pages = pages
        self.page_urls = _page_urls(pages)
        """The paths from the root that name a page as they are written."""
        self.fine: dict[int, set[str]] = {}
        """The links known to resolve from any page at each depth of folder."""
        self.broken: dict[int, dict[str, str]] = {}
        """Why the links that lead to the same place from any page that deep are broken."""
        self.in_folder: dict[tuple[str, str], str] = {}
        """Why the other relative links are broken ("" when they are not), by folder."""
        self.from_root: dict[str, str] = {}
        """Why a normal path from the root (`editions/x/#summary`) is broken ("" when it is
        not)."""
        self.fragments: dict[str, str] = {}
        """The fragment of each link to a place in its own page (`#main`)."""
        self.files: dict[str, str | None] = {}
        """The file serving each site path linked to."""

    def page(self, page_file: str) -> list[Problem]:
        page = self.pages[page_file]
        depth = page_file.count("/")
        fine = self.fine.get(depth)
        if fine is None:
            fine = self.fine[depth] = set()
            self.broken[depth] = {}
        climb, prefix, page_urls = "../" * depth, self.prefix, self.page_urls
        problems: list[Problem] = []
        for index, target in enumerate(page.targets):
            if target in fine:
                continue
            if (target.startswith(climb) and target[len(climb) :] in page_urls) or (
                target.startswith(prefix) and target[len(prefix) :] in page_urls
            ):
                continue  # to a page, as the generator writes it
            if target.startswith("#"):
                reason = self._own(target, page_file, page)
            else:
                reason = self._reason(target, page_file, depth)
            if reason:
                problems.append(self._problem(page_file, page.link(index), reason))
        return problems

    def _own(self, target: str, page_file: str, page: Page) -> str:
        """Why a link to a place in its own page (`#main`) is broken ("" when it is not)."""
        fragment = self.fragments.get(target)
        if fragment is None:
            fragment = self.fragments[target] = _fragment(target)
        if fragment and fragment not in page.ids:
            return f'no element with id="{fragment}" in `{page_file}`'
        return ""

    def _reason(self, target: str, page_file: str, depth: int) -> str:
        """Why a link (not to `#` alone) not yet known to resolve is broken ("" when it is
        not)."""
        for lead in ("../" * depth, self.prefix):
            if target.startswith(lead):
                rest = target[len(lead) :]
                reason = self.from_root.get(rest)
                if reason is None and _FROM_ROOT(rest):
                    path, _, fragment = rest.partition("#")
                    page = self.page_urls.get(path)  # a page: found without a look
                    reason = self.from_root[rest] = (
                        self._fragment_in(page, unquote(fragment))
                        if page is not None
                        else self._verdict(path, unquote(fragment))
                    )
                if reason is not None:  # the same from any folder this deep
                    if not reason:
                        self.fine[depth].add(target)
                    return reason
        folder = posixpath.dirname(page_file)
        if _leads_by_folder(target, depth):
            key = (folder, target)
            reason = self.in_folder.get(key)
            if reason is None:
                reason = self.in_folder[key] = self._broken(target, page_file)
            return reason
        reason = self.broken[depth].get(target)
        if reason is None:
            reason = self._broken(target, page_file)
            if reason:
                self.broken[depth][target] = reason
            else:
                self.fine[depth].add(target)
        return reason

    def _broken(self, target: str, page_file: str) -> str:
        """Why a link that does not start with `#` is broken ("" when it resolves or is not
        internal)."""
        plain = _plain_parts(target)
        fragment = plain[1] if plain is not None else unquote(urlsplit(target).fragment)
        return self._verdict(site_path(target, page_file, self.base_url), fragment)

    def _verdict(self, path: str | None, fragment: str) -> str:
        """Why a link to this site path and fragment is broken ("" when it is not)."""
        if path is None:
            return ""
        if path.startswith(".."):
            return "it leads outside the site"
        if path in self.files:
            found = self.files[path]
        else:
            found = self.files[path] = self._file_serving(path)
        if found is None:
            return f"no file `{urls.output_file(path)}` in the output"
        return self._fragment_in(found, fragment)

    def _fragment_in(self, found: str, fragment: str) -> str:
        """Why a link to this fragment of this file is broken ("" when it is not)."""
        if fragment and found in self.pages and fragment not in self.pages[found].ids:
            return f'no element with id="{fragment}" in `{found}`'
        return ""

    def _file_serving(self, path: str) -> str | None:
        """`resolve`, knowing that every page checked is a file of the output."""
        if path == "" or path.endswith("/"):
            index = urls.output_file(path)
            return index if index in self.pages or self._is_file(index) else None
        if path in self.pages or self._is_file(path):
            return path
        index = f"{path}/index.html"
        return index if index in self.pages or self._is_file(index) else None

    def _is_file(self, path: str) -> bool:
        if self.known_files is not None:
            return path in self.known_files
        return _is_file(self.root, path)

    def _problem(self, page_file: str, link: Link, reason: str) -> Problem:
        hint = ANCHOR_HINT if reason.startswith("no element") else FILE_HINT
        problem = Problem(
            f"{self.label}/{page_file}",
            link.line,
            link.col,
            f"broken link to `{link.target}`: {reason}",
            hint,
            "warning",
        )
        path = site_path(link.target, page_file, self.base_url)
        return problem if path is None else problem.about_link(page_file, path)


def not_reported(found: Iterable[Problem], reported: Iterable[Problem]) -> list[Problem]:
    """The link check's problems, but those of links already `reported` where they were
    written: the content check names a broken link of a Markdown document with its line in
    the document, the output's link check would name it again in the page."""
    known = {problem.link for problem in reported if problem.link is not None}
    return [problem for problem in found if problem.link is None or problem.link not in known]


_SEGMENT = "[-a-zA-Z0-9_~][-a-zA-Z0-9._~]*+"
_FROM_ROOT = re.compile(rf"(?:{_SEGMENT}/)*+(?:{_SEGMENT})?+(?:#[^\t\r\n]*+)?+").fullmatch
"""A link's part after it climbed to the root that is a normal path as it is: no `.` or `..`
segment, no empty one, nothing `urlsplit` or `unquote` would change before the fragment."""


def _page_urls(pages: Iterable[str]) -> dict[str, str]:
    """The paths from the root that name these pages as they are (`editions/x/index.html`,
    `editions/x/`), for those whose paths need no escape, and the page each names."""
    found: dict[str, str] = {}
    for page in pages:
        if "#" not in page and _FROM_ROOT(page):
            found[page] = page
            if page == "index.html" or page.endswith("/index.html"):
                found[page[: -len("index.html")]] = page
    return found


def _fragment(target: str) -> str:
    plain = _plain_parts(target)
    return plain[1] if plain is not None else unquote(urlsplit(target).fragment)


def _leads_by_folder(target: str, depth: int) -> bool:
    """Whether where a link (not to `#` alone) leads depends on its page's folder, not only on
    the folder's depth: a relative link, unless it first climbs to the root."""
    if target.startswith("/"):
        return False  # root-relative, or an absolute URL without a scheme
    if target.startswith("../"):  # no scheme, no host
        climbs = 1
        while target.startswith("../", 3 * climbs):
            climbs += 1
        return climbs < depth
    if _plain_parts(target) is not None:
        return True
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)
