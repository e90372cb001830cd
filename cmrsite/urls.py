"""The one module that decides output paths and URLs.

A page is named by its URL path relative to the site root: `""` (home), `editions/`,
`editions/iasi-2023/`, `404.html`. Links between pages are relative, so the site works under
any sub-path and from any folder; absolute URLs (canonical, feeds) prefix the base URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

HOME = ""
ARCHIVE = "editions/"
INVITATION = "invitation/"
NOT_FOUND = "404.html"
STATIC = "static/"
NEWS = "news/"
FEED = "feed.xml"
CALENDAR = "calendar.ics"
OPEN_DATA = "editions.json"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"


def edition(slug: str) -> str:
    return f"editions/{slug}/"


def edition_calendar(slug: str) -> str:
    return f"editions/{slug}/event.ics"


def news_article(slug: str) -> str:
    return f"news/{slug}/"


def output_file(url_path: str) -> str:
    """The file that serves a URL path: pretty URLs are folders with an `index.html`."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    return url_path


def root_of(url_path: str) -> str:
    """The relative path from a page back to the site root: `../../` for `editions/x/`."""
    return "../" * url_path.count("/")


def relative(from_path: str, to_path: str) -> str:
    """A link from one page to a site path, relative so it survives any sub-path."""
    return root_of(from_path) + to_path or "./"


def absolute(base_url: str, path: str) -> str:
    """`https://host/cmr/` + `editions/x/`; with no base URL, a root-absolute path."""
    return base_url + path


def is_absolute(base_url: str) -> bool:
    """Whether the base URL names a host: only then are feed, sitemap and calendar URLs absolute."""
    return base_url.startswith(("https://", "http://"))


def host(base_url: str, default: str = "clusters-meet-regions") -> str:
    """The host name of the base URL (`example.org`), the authority of ids and calendar UIDs."""
    return (urlsplit(base_url).hostname or default) if is_absolute(base_url) else default


def base_path(base_url: str) -> str:
    """The path part of the base URL (`/cmr/`): what the 404 page links from, since hosts
    serve it at any depth."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"
