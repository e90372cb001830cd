"""`/sitemap.xml` (the sitemaps.org protocol) and `/robots.txt`.

The sitemap is the template `templates/sitemap.xml` fed every page's absolute URL, sorted, with
a `lastmod` where the content has a publication date. The protocol requires absolute URLs: the
sitemap is complete only with an absolute base URL (see `--base-url`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2

from . import urls
from .model import Site

TEMPLATE = "sitemap.xml"


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


def context(site: Site, page_paths: Iterable[str]) -> dict[str, Any]:
    dates = publication_dates(site)
    listed = sorted(set(page_paths) - {urls.NOT_FOUND})
    entries = [
        Entry(
            urls.absolute(site.config.base_url, path),
            dates[path].isoformat() if path in dates else None,
        )
        for path in listed
    ]
    return {"entries": entries}


def render(env: jinja2.Environment, site: Site, page_paths: Iterable[str]) -> bytes:
    return env.get_template(TEMPLATE).render(context(site, page_paths)).encode("utf-8")


def robots(site: Site) -> bytes:
    """Everything may be crawled; the sitemap is announced when its URL is absolute."""
    lines = ["User-agent: *", "Disallow:"]
    base = site.config.base_url
    if urls.is_absolute(base):
        lines += ["", f"Sitemap: {urls.absolute(base, urls.SITEMAP)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
