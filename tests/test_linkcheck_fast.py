"""The link check's fast paths against plain references: the regular expression that reads the
generator's pages against html.parser, the shortcuts for the generator's links against
`urlsplit` and `posixpath`, and the whole check against a naive one, on varied random pages,
links and sites."""

from __future__ import annotations

import pickle
import posixpath
import random
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import html_pages

from cmrsite import linkcheck, urls
from cmrsite.errors import Problem
from cmrsite.linkcheck import Link, Page

# --- reading pages ----------------------------------------------------------------------------

PIECES = [
    "text ", "more text\n", "A Coruña ’ – ", "\n", "  ", "&amp;", 'x="y"', 'id="t"', ' href="q" ',
    "<p>", "</p>", "<li>", "</li>", "<br/>", "<br />", '<div class="wrap">', "</div>",
    '<a href="../x/">', '<a HREF="/y">', '<a class="c" href="z#f" rel="noopener">', "</a>",
    '<a id="i1" href="w">', '<a href="v" id="i2">', '<a name="n1">', '<A NAME="n2" href="u">',
    '<meta name="viewport" content="x">', '<meta name="n" id="mid">', '<input name="q" id="inp">',
    '<h2 id="sec">', '<h2 ID = "sp" >', '<section id="s&amp;t">', '<img src="a.png" alt="">',
    "<img src='single.png'>", "<img src=bare.png>", "<a href>", '<a href id="bare">',
    '<link rel="stylesheet" href="s.css">', '<script src="j.js"></script>',
    '<script type="application/ld+json">{"a": "<b>"}</script>', "<script>if (a < b) x();</script>",
    "<script>document.write('</div>')</script>", "<SCRIPT>x</SCRIPT >", "<script>x</ script>",
    "<script/>", "<style>p{}</style>", "<style>a<b</style>", "<!-- comment -->",
    '<!-- <a href="c"> -->', "<!DOCTYPE html>", "<!doctype html>", "<?xml x?>", "<![CDATA[x]]>",
    "a < b", "<", ">", "<1>", "</ p>", '<a href="x&#32;y">', '<a href="  spaced  ">',
    '<a href="\n">', '<p\nclass="x"\nid="nl">', '<a data-href="no" hrefx="no" href-y="no">',
    '<a srcset="no">', "<ſcript>x</ſcript>", '<a href="ſ">', '<p ſrc="x">', '<a\thref="tab">',
    '<a href="x"/>', '<a href="x" / >', "<script>x</ſcript>y</script>", "<script>x</script\xa0>",
    "<!-- x --\xa0>", "<!-- x -- >", '<p title="a<b>c">', "<p title=\"it's\">", '<a href="é">',
    "\r\n", "\r", '<a href="x"\r\nid="cr">', '<a-b href="dash">', '<a:b href="colon">',
    '<p :x="1" _y="2">', '<p x="1"y="2">', '<p x = "1">', '<p x="1" ="2">', '<a name="&quot;q">',
    '<area href="ar">', '<abbr id="ab">', "<STYLE>x</Style>", '<stylex href="sx">',
    '<scripts id="sc">', '<a href="1" href="2">', '<iframe src="f"></iframe>', "\x00",
]  # fmt: skip
"""Markup of every kind, regular or not, to put together at random."""


def found(page: Page | None) -> tuple[list[Link], list[str]] | None:
    return None if page is None else (page.links, sorted(page.ids))


@pytest.mark.parametrize("length", [4, 12, 40])
def test_the_regular_expression_reads_what_html_parser_reads(length: int) -> None:
    chance = random.Random(length)
    regular = 0
    for _ in range(3000):
        text = "".join(chance.choice(PIECES) for _ in range(chance.randint(0, length)))
        scanned = linkcheck._scan(text)
        if scanned is not None:  # None: not regular, read by html.parser
            regular += 1
            assert found(scanned) == found(linkcheck._parse_html(text)), repr(text)
    assert regular > 100


def test_every_page_the_generator_writes_is_read_by_the_regular_expression(
    real_site: Path,
) -> None:
    for path in html_pages(real_site):
        text = path.read_text(encoding="utf-8")
        scanned = linkcheck._scan(text)
        # Not a wrong result, but a slow one: html.parser reads it (a template or the Markdown
        # renderer wrote a single-quoted or bare value, or a bare `<`).
        assert scanned is not None, f"{path} is not regular"
        assert found(scanned) == found(linkcheck._parse_html(text)), path
        assert found(linkcheck.parse(path)) == found(scanned)


def test_a_page_is_read_as_text_mode_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(
        b'<p>\r\n<a href="a">\xe2\x80\x99 <a href="b">\r<a href="c\xff">\n<h2 id="\xc3">'
    )
    text = path.read_text(encoding="utf-8", errors="replace")
    assert found(linkcheck.parse(path)) == found(linkcheck._parse_html(text))
    where = [(link.line, link.col) for link in linkcheck.parse(path).links]
    assert where == [(2, 1), (2, 15), (3, 1)]  # columns in characters, not bytes


@pytest.mark.parametrize(
    ("targets", "ids"),
    [
        ([], set()),
        (["a", "b#c"], {"main", "x"}),
        (["with\nnewline", ""], {"", "two\nlines"}),
        ([""], {""}),
        (["", ""], set()),
    ],
)
def test_a_page_comes_back_from_a_pickle_as_it_was(targets: list[str], ids: set[str]) -> None:
    page = Page([Link(target, 3 + n, 7 * n) for n, target in enumerate(targets)], ids)
    again = pickle.loads(pickle.dumps(page, pickle.HIGHEST_PROTOCOL))
    assert again == page
    assert again.links == page.links and again.ids == ids


# --- where links lead --------------------------------------------------------------------------

HREFS = [
    "", "./", "../", "../../", "../../../", "/", "//h.org/x", "editions/", "editions/a-1/",
    "editions/a-1", "editions/a-1/event.ics", "static/style.css", "caf%C3%A9/", "café/", "sp ace/",
    "sp%20ace/", "p%2541/", "x.html/", "./editions/", "editions/./a-1/", "editions//a-1/",
    "editions/a-1/../b-2/", ".hidden", "a..b", "?q=1", "editions/?q", "..", "...", "/cmr/",
    "/cmr/editions/", "/cmr", "/cmrx/", "https://h.org/cmr/feed.xml", "https://h.org/cmr",
    "https://h.org/other/", "http://h.org/cmr/", "mailto:a@b.org", "data:x", "HTTPS://H.ORG/cmr/",
    "https:editions/", "a:b/", "editions\\a-1/", "\t/editions/", "editions/\n", "\x00x", "~u/",
]  # fmt: skip
FRAGMENTS = ["", "#", "#main", "#caf%C3%A9", "#a b", "#x\ty", "#m:n", "#a#b", "#?q", "#%"]


def reference_site_path(target: str, page_file: str, base_url: str) -> str | None:
    """`site_path` as it was before its shortcuts: everything through `urlsplit`."""
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


def varied_hrefs() -> list[str]:
    return [
        climb + href + fragment
        for climb in ("", "../", "../../", "../../../")
        for href in HREFS
        for fragment in FRAGMENTS
    ]


def test_the_shortcut_for_plain_links_splits_them_as_urlsplit_does() -> None:
    plain = 0
    for target in varied_hrefs():
        parts = linkcheck._plain_parts(target)
        if parts is not None:
            plain += 1
            split = urlsplit(target)
            assert (split.scheme, split.netloc, split.query) == ("", "", ""), target
            assert split.path == unquote(split.path), target
            assert parts == (split.path, unquote(split.fragment)), target
    assert plain > 500


@pytest.mark.parametrize("base", ["/", "https://h.org/cmr/", "/cmr/", "", "http://h.org/cmr"])
@pytest.mark.parametrize(
    "page", ["index.html", "404.html", "editions/index.html", "editions/a-1/index.html"]
)
def test_site_path_is_what_urlsplit_and_normpath_make_of_a_link(page: str, base: str) -> None:
    for target in varied_hrefs():
        expected = reference_site_path(target, page, base)
        assert linkcheck.site_path(target, page, base) == expected, target


def test_the_shortcut_from_the_root_is_a_normal_path() -> None:
    for target in varied_hrefs():
        if linkcheck._FROM_ROOT(target):
            path, _, fragment = target.partition("#")
            assert reference_site_path(path, "index.html", "/") == path, target
            assert urlsplit(target).path == path and not urlsplit(target).scheme, target
            assert unquote(urlsplit(target).fragment) == unquote(fragment), target


# --- the whole check ---------------------------------------------------------------------------

FILES = [
    "index.html", "404.html", "editions/index.html", "editions/a-1/index.html",
    "editions/a-1/event.ics", "editions/b-2/index.html", "news/index.html", "news/x/index.html",
    "static/style.css", "feed.xml", "café/index.html", "sp ace/index.html", "p%41/index.html",
    "deep/er/still/index.html", "x.html",
]  # fmt: skip
IDS = ["main", "summary", "s t", "café", "a%20b", "x"]


def naive_check(output: Path, base_url: str, label: str) -> list[Problem]:
    """Every link of every page looked up on its own: html.parser, `reference_site_path`,
    the file system."""
    problems: list[Problem] = []
    pages = {
        path.relative_to(output).as_posix(): linkcheck._parse_html(path.read_text("utf-8"))
        for path in sorted(output.rglob("*.html"))
    }
    for name, page in pages.items():
        for link in page.links:
            reason = naive_reason(output, base_url, name, link.target, pages)
            if reason:
                hint = linkcheck.ANCHOR_HINT if "no element" in reason else linkcheck.FILE_HINT
                message = f"broken link to `{link.target}`: {reason}"
                problems.append(
                    Problem(f"{label}/{name}", link.line, link.col, message, hint, "warning")
                )
    return problems


def naive_reason(output: Path, base: str, name: str, target: str, pages: dict[str, Page]) -> str:
    fragment = unquote(urlsplit(target).fragment)
    found: str | None = name
    if not target.startswith("#"):
        path = reference_site_path(target, name, base)
        if path is None:
            return ""
        if path.startswith(".."):
            return "it leads outside the site"
        if path == "" or path.endswith("/"):
            found = urls.output_file(path) if (output / urls.output_file(path)).is_file() else None
        elif (output / path).is_file():
            found = path
        else:
            found = f"{path}/index.html" if (output / path / "index.html").is_file() else None
        if found is None:
            return f"no file `{urls.output_file(path)}` in the output"
    if fragment and found in pages and fragment not in pages[found].ids:
        return f'no element with id="{fragment}" in `{found}`'
    return ""


def random_site(root: Path, chance: random.Random) -> None:
    hrefs = varied_hrefs()
    for name in FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not name.endswith(".html"):
            path.write_text("x")
            continue
        ids = "".join(f'<h2 id="{i}">h</h2>\n' for i in chance.sample(IDS, chance.randint(0, 3)))
        links = "".join(
            f'<a href="{chance.choice(hrefs).replace(chr(34), "&quot;")}">l</a>\n'
            for _ in range(chance.randint(0, 30))
        )
        path.write_text(f"<!DOCTYPE html>\n<p>{ids}{links}</p>\n", encoding="utf-8")


@pytest.mark.parametrize("seed", range(6))
def test_the_check_finds_what_a_naive_check_finds(tmp_path: Path, seed: int) -> None:
    chance = random.Random(seed)
    for attempt in range(5):
        root = tmp_path / f"out{attempt}"
        random_site(root, chance)
        base = chance.choice(["/", "https://h.org/cmr/", "/cmr/", "", "http://h.org/cmr"])
        expected = naive_check(root, base, "out")
        assert expected, "some links are broken"
        assert linkcheck.check_site(root, base, "out") == expected
        parsed = {
            path.relative_to(root).as_posix(): linkcheck.parse(path)
            for path in root.rglob("*.html")
        }
        assert linkcheck.check_site(root, base, "out", parsed) == expected
        files = {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}
        assert linkcheck.check_site(root, base, "out", parsed, files) == expected


def test_the_files_the_caller_lists_are_the_files_there_are(tmp_path: Path) -> None:
    """Given the output's files (the build knows what it staged), the check looks none up."""
    (tmp_path / "style.css").write_text("", "utf-8")
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><link rel="stylesheet" href="style.css"><a href="feed.xml">Feed</a>',
        "utf-8",
    )
    parsed = {"index.html": linkcheck.parse(tmp_path / "index.html")}
    found = linkcheck.check_site(tmp_path, "/", "out", parsed)
    assert [p.message for p in found] == [
        "broken link to `feed.xml`: no file `feed.xml` in the output"
    ]
    listed = {"index.html", "style.css", "feed.xml"}  # as if feed.xml were staged too
    assert linkcheck.check_site(tmp_path, "/", "out", parsed, listed) == []
    unlisted = {"index.html"}
    assert len(linkcheck.check_site(tmp_path, "/", "out", parsed, unlisted)) == 2
