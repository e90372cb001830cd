"""`/sitemap.xml` (the sitemaps.org protocol) and `/robots.txt`.

The sitemap is the template `templates/sitemap.xml` fed every page's absolute URL, sorted, with
a `lastmod` where the content has a publication date. The protocol requires absolute URLs: the
sitemap is complete only with an absolute base URL (see `--base-url`).

While the project's template is the one this repository ships (`STOCK_TEMPLATE`), the same text
is written here without Jinja, a few times faster at 10,000 pages; an edited template is
rendered as it is. `tests/test_publish_fast.py` compares the two writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2
from markupsafe import escape

from . import urls
from .model import Site

TEMPLATE = "sitemap.xml"
STOCK_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{% for entry in entries %}
  <url>
    <loc>{{ entry.loc }}</loc>
    {% if entry.lastmod %}
    <lastmod>{{ entry.lastmod }}</lastmod>
    {% endif %}
  </url>
{% endfor %}
</urlset>
"""
"""`templates/sitemap.xml` as shipped: what `_stock_text` writes without Jinja."""


@dataclass(frozen=True, slots=True)
class Entry:
    loc: str
    lastmod: str | None = None


def publication_dates(site: Site) -> dict[str, date]:
    """Page path -> the date its main text was published, where the data says so."""
    dates: dict[str, date] = {}
    for edition in site.editions:
        summary = edition.summary
        if summary is not None and summary.meta.published is not None:
            dates[urls.edition(edition.slug)] = summary.meta.published
    for article in site.news:
        dates[urls.news_article(article.slug)] = article.published
    if site.news:
        dates[urls.NEWS] = max(article.published for article in site.news)
    return dates


def _listed(page_paths: Iterable[str]) -> list[str]:
    """The paths of the sitemap, sorted: every page but the 404 page."""
    return sorted(set(page_paths) - {urls.NOT_FOUND})


def context(site: Site, page_paths: Iterable[str]) -> dict[str, Any]:
    dates = publication_dates(site)
    entries = [
        Entry(
            urls.absolute(site.config.base_url, path),
            dates[path].isoformat() if path in dates else None,
        )
        for path in _listed(page_paths)
    ]
    return {"entries": entries}


def render(
    env: jinja2.Environment, site: Site, page_paths: Iterable[str], template_is_stock: bool = False
) -> bytes:
    """The sitemap through the project's template, or written directly when the caller found
    that template to be `STOCK_TEMPLATE` (see `publish.template_is_stock`)."""
    if template_is_stock:
        return _stock_text(site, page_paths).encode("utf-8")
    return env.get_template(TEMPLATE).render(context(site, page_paths)).encode("utf-8")


def _stock_text(site: Site, page_paths: Iterable[str]) -> str:
    """What `STOCK_TEMPLATE` renders from `context`."""
    dates = publication_dates(site)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for path, loc in _escaped_urls(site.config.base_url, _listed(page_paths)):
        day = dates.get(path)
        if day is None:
            parts.append(f"  <url>\n    <loc>{loc}</loc>\n  </url>\n")
        else:
            lastmod = escape(day.isoformat())
            parts.append(
                f"  <url>\n    <loc>{loc}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </url>\n"
            )
    parts.append("</urlset>\n")
    return "".join(parts)


def _escaped_urls(base: str, paths: list[str]) -> list[tuple[str, str]]:
    """Each path with its absolute URL escaped as autoescape does. URLs seldom hold a character
    to escape: one escape of them all tells whether each needs its own."""
    found = [(path, urls.absolute(base, path)) for path in paths]
    every_url = "".join(url for _, url in found)
    if escape(every_url) == every_url:
        return found
    return [(path, str(escape(url))) for path, url in found]


def robots(site: Site) -> bytes:
    """Everything may be crawled; the sitemap is announced when its URL is absolute."""
    lines = ["User-agent: *", "Disallow:"]
    base = site.config.base_url
    if urls.is_absolute(base):
        lines += ["", f"Sitemap: {urls.absolute(base, urls.SITEMAP)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
