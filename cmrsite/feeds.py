"""The Atom feed (`/feed.xml`): published event summaries and news articles, newest first.

The feed is the template `templates/feed.xml` fed the small context prepared here. Dates come
from the front matter's `published`, never from the clock. Ids are tag URIs (RFC 4151), as
recommended for Atom: `tag:<host>,<published date>:<path>`, so an entry keeps its id when the
site moves to another folder; the host is the base URL's (`clusters-meet-regions` without one).

While the project's template is the one this repository ships (`STOCK_TEMPLATE`), the same text
is written here without Jinja, which spares compiling the template on every build; an edited
template is rendered as it is. `tests/test_publish_fast.py` compares the two writers.
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
STOCK_TEMPLATE = """\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{{ feed.language }}">
  <id>{{ feed.id }}</id>
  <title>{{ feed.title }}</title>
  {% if feed.subtitle %}
  <subtitle>{{ feed.subtitle }}</subtitle>
  {% endif %}
  <link rel="self" type="application/atom+xml" href="{{ feed.self_url }}"/>
  <link rel="alternate" type="text/html" href="{{ feed.home_url }}"/>
  <updated>{{ feed.updated }}</updated>
  <author>
    <name>{{ feed.author }}</name>
    {% if feed.author_url %}
    <uri>{{ feed.author_url }}</uri>
    {% endif %}
  </author>
  <generator>cmrsite</generator>
{% for entry in entries %}
  <entry>
    <id>{{ entry.id }}</id>
    <title>{{ entry.title }}</title>
    <link rel="alternate" type="text/html" href="{{ entry.url }}"/>
    <published>{{ entry.published }}</published>
    <updated>{{ entry.published }}</updated>
    {% if entry.summary %}
    <summary>{{ entry.summary }}</summary>
    {% endif %}
    <content type="html" xml:base="{{ entry.url }}">{{ entry.content }}</content>
  </entry>
{% endfor %}
</feed>
"""
"""`templates/feed.xml` as shipped: what `_stock_text` writes without Jinja."""
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


def render(env: jinja2.Environment, site: Site, template_is_stock: bool = False) -> bytes:
    """The feed through the project's template, or written directly when the caller found
    that template to be `STOCK_TEMPLATE` (see `publish.template_is_stock`)."""
    if template_is_stock:
        return _stock_text(context(site)).encode("utf-8")
    return env.get_template(TEMPLATE).render(context(site)).encode("utf-8")


def _stock_text(values: dict[str, Any]) -> str:
    """What `STOCK_TEMPLATE` renders from `values`, each value escaped as autoescape does."""
    feed = values["feed"]
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{escape(feed["language"])}">\n'
        f"  <id>{escape(feed['id'])}</id>\n"
        f"  <title>{escape(feed['title'])}</title>\n"
    ]
    if feed["subtitle"]:
        out.append(f"  <subtitle>{escape(feed['subtitle'])}</subtitle>\n")
    out.append(
        f'  <link rel="self" type="application/atom+xml" href="{escape(feed["self_url"])}"/>\n'
        f'  <link rel="alternate" type="text/html" href="{escape(feed["home_url"])}"/>\n'
        f"  <updated>{escape(feed['updated'])}</updated>\n"
        "  <author>\n"
        f"    <name>{escape(feed['author'])}</name>\n"
    )
    if feed["author_url"]:
        out.append(f"    <uri>{escape(feed['author_url'])}</uri>\n")
    out.append("  </author>\n  <generator>cmrsite</generator>\n")
    out.extend(_stock_entry(entry) for entry in values["entries"])
    out.append("</feed>\n")
    return "".join(out)


def _stock_entry(entry: Entry) -> str:
    url, published = escape(entry.url), escape(entry.published)
    summary = f"    <summary>{escape(entry.summary)}</summary>\n" if entry.summary else ""
    return (
        "  <entry>\n"
        f"    <id>{escape(entry.id)}</id>\n"
        f"    <title>{escape(entry.title)}</title>\n"
        f'    <link rel="alternate" type="text/html" href="{url}"/>\n'
        f"    <published>{published}</published>\n"
        f"    <updated>{published}</updated>\n"
        f"{summary}"
        f'    <content type="html" xml:base="{url}">{escape(entry.content)}</content>\n'
        "  </entry>\n"
    )
