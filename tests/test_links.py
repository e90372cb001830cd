"""Links of the published site: served under a sub-path and followed over HTTP, and the link
check of every build (broken internal links are warnings, errors under --strict)."""

from __future__ import annotations

import html.parser
import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import icalendar
import pytest
from conftest import REAL_TODAY, REPO, run_cli, tree_hash

from cmrsite.linkcheck import check_site, site_path

MakeSite = Callable[..., Path]
SUB = "/sub/"


# --- a static host that serves the site under /sub/ ------------------------------------------


def _handler(folder: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    class SubPathHandler(http.server.SimpleHTTPRequestHandler):
        """Serves `folder` at /sub/, nothing elsewhere; a missing file gets 404.html with
        status 404, as GitHub Pages and most static hosts do."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if not path.startswith(SUB):
                self.send_error(404, "outside the site")
                return
            self.path = "/" + self.path[len(SUB) :]
            local = Path(self.translate_path(self.path))
            if not local.exists() or (local.is_dir() and not (local / "index.html").is_file()):
                self._not_found()
                return
            super().do_GET()

        def _not_found(self) -> None:
            body = (folder / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return SubPathHandler


@contextmanager
def host(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 under /sub/; yields the site's URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(folder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fetch(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET; 4xx and 5xx are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(v for k, v in attrs if k in ("href", "src") and v)


def links_of(body: bytes) -> list[str]:
    parser = Links()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser.urls


def same_origin(url: str, site: str) -> bool:
    return urlsplit(url)[:2] == urlsplit(site)[:2]


def crawl(site: str, starts: list[str]) -> tuple[dict[str, int], list[str]]:
    """Follow every same-origin href and src from `starts`: status of each URL visited, and
    (page, link) pairs that lead out of the site's folder."""
    statuses: dict[str, int] = {}
    outside: list[str] = []
    queue = list(starts)
    while queue:
        url = queue.pop(0)
        if url in statuses:
            continue
        status, content_type, body = fetch(url)
        statuses[url] = status
        if content_type != "text/html" or status != 200:
            continue
        for link in links_of(body):
            target = urldefrag(urljoin(url, link)).url
            if not same_origin(target, site):
                continue
            if not target.startswith(site):
                outside.append(f"{url} -> {link}")
            queue.append(target)
    return statuses, outside


# --- the real site under a sub-path, over HTTP -----------------------------------------------


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real site, built with the sub-path URL it is then served at."""
    folder = tmp_path_factory.mktemp("hosted") / "out"
    with host(folder) as site:
        result = run_cli(
            REPO,
            "build",
            "--out",
            str(folder),
            "--today",
            REAL_TODAY,
            "--base-url",
            site,
            "--strict",
        )
        assert result.code == 0, result.output
        yield site, folder


def test_every_internal_link_of_every_page_answers_200(hosted: tuple[str, Path]) -> None:
    site, folder = hosted
    statuses, outside = crawl(site, [site])
    assert outside == []
    failed = {url: status for url, status in statuses.items() if status != 200}
    assert failed == {}
    pages = {site + p.relative_to(folder).as_posix() for p in folder.rglob("index.html")}
    visited = {url + "index.html" if url.endswith("/") else url for url in statuses}
    assert pages <= visited, sorted(pages - visited)
    assert any(url.endswith(".css") for url in statuses)
    assert any(url.endswith("event.ics") for url in statuses)
    assert site + "feed.xml" in statuses


def test_feed_sitemap_calendar_and_open_data_urls_answer_200(hosted: tuple[str, Path]) -> None:
    site, folder = hosted
    urls: list[str] = []
    sitemap = ElementTree.parse(folder / "sitemap.xml").getroot()
    urls += [
        loc.text or "" for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    feed = ElementTree.parse(folder / "feed.xml").getroot()
    urls += [link.get("href", "") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    calendar = icalendar.Calendar.from_ical((folder / "calendar.ics").read_bytes())
    urls += [str(event["URL"]) for event in calendar.walk("VEVENT")]
    data = json.loads((folder / "editions.json").read_text(encoding="utf-8"))
    for record in data["editions"]:
        urls += [record["url"], record["calendar_url"]]
        if record["summary_url"] and record["summary_url"].startswith(site):
            urls.append(record["summary_url"])
    robots = (folder / "robots.txt").read_text(encoding="utf-8")
    urls += [
        line.removeprefix("Sitemap: ")
        for line in robots.splitlines()
        if line.startswith("Sitemap:")
    ]
    assert len(urls) > 80
    for url in urls:
        assert url.startswith(site), url
        assert fetch(urldefrag(url).url)[0] == 200, url


def test_the_404_page_works_at_any_depth(hosted: tuple[str, Path]) -> None:
    site, _ = hosted
    missing = site + "no/such/deep/page/"
    status, _, body = fetch(missing)
    assert status == 404
    assert b"Page not found" in body
    for link in links_of(body):
        target = urldefrag(urljoin(missing, link)).url
        if same_origin(target, site) and not link.startswith("#"):
            assert target.startswith(site), link
            assert fetch(target)[0] == 200, link


# --- the link check of every build -----------------------------------------------------------


def break_a_template(project: Path) -> None:
    """A link no check of the sources sees: a template's, to a page that does not exist."""
    template = project / "templates" / "edition.html"
    text = template.read_text(encoding="utf-8")
    broken = """<p class="back"><a href="{{ url('editions/nowhere-2020/') }}">Elsewhere</a></p>\n"""
    text = text.replace("{% block main %}\n", "{% block main %}\n" + broken, 1)
    template.write_text(text, encoding="utf-8")


def test_a_broken_link_is_a_warning_naming_page_and_target(make_site: MakeSite) -> None:
    project = make_site()
    break_a_template(project)
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 0, result.output
    found = [line for line in result.stderr.splitlines() if "broken link" in line]
    # One warning per edition page that has the link.
    assert [line.split(":", 1)[0] for line in found] == [
        "output/editions/iasi-2023/index.html",
        "output/editions/zagreb-2022/index.html",
    ]
    assert found[0].endswith(
        ": warning: broken link to `../../editions/nowhere-2020/`: "
        "no file `editions/nowhere-2020/index.html` in the output"
    )
    assert (project / "output" / "editions" / "iasi-2023" / "index.html").is_file()


def test_a_broken_link_fails_strict_and_keeps_the_old_output(make_site: MakeSite) -> None:
    project = make_site()
    assert run_cli(project, "build", "--today", "2024-01-01", "--strict").code == 0
    before = tree_hash(project / "output")
    break_a_template(project)
    result = run_cli(project, "build", "--today", "2024-01-01", "--strict")
    assert result.code == 1
    found = [line for line in result.stderr.splitlines() if "broken link" in line]
    assert len(found) == 2
    assert found[0].startswith("output/editions/iasi-2023/index.html:")
    assert ": error: broken link to `../../editions/nowhere-2020/`" in found[0]
    assert "Traceback" not in result.stderr
    assert tree_hash(project / "output") == before
    assert not list(project.glob(".cmrsite-*")), "no staging folder left behind"


def test_a_missing_anchor_and_a_missing_resource_are_reported_once(make_site: MakeSite) -> None:
    summary = (
        "---\ntitle: Iași\n---\n[agenda](/files/agenda.pdf), [section](#no-such-section), "
        "[year](/editions/#year-1999), [fine](#iasi-section)\n\n## Iași section\n"
    )
    project = make_site({"content/editions/iasi-2023.md": summary})
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 0
    lines = result.stderr.splitlines()
    # The missing file: by the content check, where the link is written, and not again by the
    # output's link check (which alone sees the anchors).
    agenda = [line for line in lines if "agenda.pdf" in line]
    assert agenda == [
        "content/editions/iasi-2023.md:4:10: warning: the link `/files/agenda.pdf` leads to no "
        "page of the site"
    ], result.stderr
    warnings = [line for line in lines if "broken link" in line]
    assert len(warnings) == 2, result.stderr
    assert 'no element with id="no-such-section"' in warnings[0]
    assert 'no element with id="year-1999" in `editions/index.html`' in warnings[1]
    assert "3 warnings" in result.stdout + result.stderr


def test_the_real_site_has_no_broken_link(tmp_path: Path) -> None:
    result = run_cli(REPO, "build", "--out", str(tmp_path / "out"), "--today", REAL_TODAY)
    assert result.code == 0
    assert "broken link" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("target", "page", "base", "expected"),
    [
        ("../../static/style.css", "editions/x/index.html", "/", "static/style.css"),
        ("../", "editions/x/index.html", "/", "editions/"),
        ("./", "index.html", "/", ""),
        ("", "news/index.html", "/", "news/"),
        ("#main", "index.html", "/", ""),
        ("event.ics", "editions/x/index.html", "/", "editions/x/event.ics"),
        ("../../../up", "editions/x/index.html", "/", "../up"),
        ("/editions/", "404.html", "/", "editions/"),
        ("/cmr/editions/", "404.html", "https://h.org/cmr/", "editions/"),
        ("/elsewhere/", "404.html", "https://h.org/cmr/", "../elsewhere/"),
        ("https://h.org/cmr/feed.xml", "index.html", "https://h.org/cmr/", "feed.xml"),
        ("https://h.org/cmr", "index.html", "https://h.org/cmr/", ""),
        ("https://h.org/other/", "index.html", "https://h.org/cmr/", None),
        ("https://other.org/cmr/x", "index.html", "https://h.org/cmr/", None),
        ("https://h.org/cmr/x", "index.html", "/", None),
        ("mailto:a@b.org", "index.html", "https://h.org/cmr/", None),
        ("data:image/png;base64,AA", "index.html", "/", None),
        ("caf%C3%A9/", "index.html", "/", "café/"),
    ],
)
def test_site_path_of_a_link(target: str, page: str, base: str, expected: str | None) -> None:
    assert site_path(target, page, base) == expected


def test_check_site_accepts_folders_files_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="x">X</h2><a href="../b.pdf">b</a>')
    (tmp_path / "b.pdf").write_bytes(b"%PDF")
    (tmp_path / "index.html").write_text(
        '<a href="a/">a</a> <a href="a">a</a> <a href="a/#x">x</a> <img src="b.pdf">'
        ' <a href="https://elsewhere.org/">out</a> <a href="b.pdf/">slash</a>'
    )
    problems = check_site(tmp_path, "/", "out")
    assert [(p.file, p.message) for p in problems] == [
        ("out/index.html", "broken link to `b.pdf/`: no file `b.pdf/index.html` in the output")
    ]
    assert problems[0].severity == "warning"
    html = (tmp_path / "index.html").read_text()
    assert (problems[0].line, problems[0].col) == (1, html.index('<a href="b.pdf/"') + 1)
