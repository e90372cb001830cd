"""The Atom feed (`/feed.xml`): published event summaries and news articles, newest first.

The feed is the template `templates/feed.xml` fed the small context prepared here. Dates come
from the front matter's `published`, never from the clock. Ids are tag URIs (RFC 4151), as
recommended for Atom: `tag:<host>,<published date>:<path>`, so an entry keeps its id when the
site moves to another folder; the host is the base URL's (`clusters-meet-regions` without one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin

import jinja2
from markupsafe import Markup, escape

from . import markdown, urls
from .model import Document, Site

TEMPLATE = "feed.xml"
FEED_TAG_DATE = "2022"
"""The date part of the feed's own id: the year the series began. Never change it: feed readers
know the feed by its id."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    url: str
    published: str
    """RFC 3339 date-time: the front matter's `published` day at midnight UTC."""
    summary: str
    content: str
    """HTML with absolute links, so that it reads right wherever the feed is shown; already
    escaped for the XML (a Markup, which the template writes as it is)."""


def timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def tag_uri(site: Site, day: date | str, path: str) -> str:
    when = day.isoformat() if isinstance(day, date) else day
    return f"tag:{urls.host(site.config.base_url)},{when}:{path or '/'}"


_LINK_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def absolute_links(html: str, page_url: str) -> str:
    """Resolve every `href` and `src` of rendered HTML against the URL of its page."""
    return _LINK_ATTRIBUTE.sub(lambda m: m[1] + urljoin(page_url, m[2]) + m[3], html)


_ContentKey = tuple[str, bool, str, str]
_CONTENT: dict[_ContentKey, Markup] = {}
"""Each entry's HTML of the last feed, by what it is made from: the dev server makes the feed
again after a save of one of its documents, and only that entry's HTML is made again."""


def _content(
    site: Site, document: Document, page_url: str, used: dict[_ContentKey, Markup]
) -> Markup:
    base = site.config.base_url
    root = base if urls.is_absolute(base) else urls.base_path(base)
    key = (document.body, site.config.allow_html, root, page_url)
    html = _CONTENT.get(key)
    if html is None:
        # Escaped here, once, rather than by the template on every feed (the same text).
        html = escape(
            absolute_links(markdown.render(document.body, site.config.allow_html, root), page_url)
        )
    used[key] = html
    return html


def _entry(
    site: Site,
    path: str,
    title: str,
    document: Document,
    published: date,
    used: dict[_ContentKey, Markup],
) -> Entry:
    page_url = urls.absolute(site.config.base_url, path)
    return Entry(
        id=tag_uri(site, published, path),
        title=title,
        url=page_url,
        published=timestamp(published),
        summary=document.meta.description or "",
        content=_content(site, document, page_url, used),
    )


def entries(site: Site) -> list[Entry]:
    """Summaries with a `published` date and every news article, newest first."""
    found: list[tuple[date, Entry]] = []
    used: dict[_ContentKey, Markup] = {}
    for edition in site.editions:
        summary = edition.summary
        if summary is None or summary.meta.published is None:
            continue
        day = summary.meta.published
        title = summary.meta.title or "event summary"
        if edition.city not in title:
            title = f"{edition.city} {edition.year}: {title}"
        path = urls.edition(edition.slug)
        found.append((day, _entry(site, path, title, summary, day, used)))
    for article in site.news:
        path = urls.news_article(article.slug)
        entry = _entry(site, path, article.title, article.document, article.published, used)
        found.append((article.published, entry))
    _CONTENT.clear()  # only the current entries' HTML is kept
    _CONTENT.update(used)
    found.sort(key=lambda pair: (pair[0], pair[1].id), reverse=True)
    return [entry for _, entry in found]


def context(site: Site) -> dict[str, Any]:
    items = entries(site)
    base = site.config.base_url
    organiser = site.config.organiser
    # An empty feed still needs an `updated`: the build's date, which --today fixes.
    updated = max((e.published for e in items), default=timestamp(site.today))
    return {
        "feed": {
            "id": tag_uri(site, FEED_TAG_DATE, urls.FEED),
            "title": site.config.title,
            "subtitle": site.config.description,
            "language": site.config.language,
            "self_url": urls.absolute(base, urls.FEED),
            "home_url": urls.absolute(base, urls.HOME),
            "updated": updated,
            "author": organiser.name if organiser else site.config.title,
            "author_url": organiser.url if organiser else None,
        },
        "entries": items,
    }


def render(env: jinja2.Environment, site: Site) -> bytes:
    return env.get_template(TEMPLATE).render(context(site)).encode("utf-8")
