"""Reading built pages in tests: links, `<time>` elements, headings and visible text."""

from __future__ import annotations

import html.parser
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

_URL_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")}
_SKIPPED_TEXT = {"script", "style", "title"}


class Scan(html.parser.HTMLParser):
    """One page read: its links, `<time>` elements, headings, meta tags and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, dict[str, str]]] = []
        """(tag, URL, attributes) of every a/link href and img/script src."""
        self.times: list[tuple[str, str]] = []
        """(datetime attribute, text) of every `<time>`."""
        self.headings: list[tuple[str, str]] = []
        """(tag, text) of every h1–h6, in order."""
        self.metas: dict[str, str] = {}
        """`<meta property|name=... content=...>`."""
        self.text_parts: list[str] = []
        self._open: list[tuple[str, dict[str, str], int]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for element, attribute in _URL_ATTRIBUTES:
            if tag == element and attribute in values:
                self.links.append((tag, values[attribute], values))
        if tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name")
            if key:
                self.metas[key] = values["content"]
        if tag in _SKIPPED_TEXT:
            self._skip += 1
        if tag == "time" or re.fullmatch(r"h[1-6]", tag):
            self._open.append((tag, values, len(self.text_parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TEXT:
            self._skip -= 1
        if self._open and self._open[-1][0] == tag:
            _, values, start = self._open.pop()
            text = " ".join("".join(self.text_parts[start:]).split())
            if tag == "time":
                self.times.append((values.get("datetime", ""), text))
            else:
                self.headings.append((tag, text))

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed: what a reader sees."""
        return " ".join("".join(self.text_parts).split())


def scan(html_text: str) -> Scan:
    parser = Scan()
    parser.feed(html_text)
    parser.close()
    return parser


def scan_file(path: Path) -> Scan:
    return scan(path.read_text(encoding="utf-8"))


def main_text(html_text: str) -> str:
    """The visible text of `<main>` only (no header, navigation or footer)."""
    match = re.search(r"<main\b.*?</main>", html_text, re.DOTALL)
    assert match, "the page has no <main>"
    return scan(match.group(0)).text


def is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def resolve(site: Path, page: str, url: str) -> Path | None:
    """The file a relative URL of page `page` (a path inside `site`) leads to, or None when
    it leaves the site."""
    path = urlsplit(url).path
    if not path:
        return site / page  # `#anchor` or `?query` only: the page itself
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if target == ".." or target.startswith("../"):
        return None
    resolved = site / target if target != "." else site
    return resolved / "index.html" if path.endswith("/") or resolved.is_dir() else resolved
