"""What to write: each page's URL, template and prepared context, planned from the model."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import structured, urls
from .model import Article, Document, Edition, Site, SiteConfig, Status


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What every template knows about the page it renders."""

    path: str
    """URL path relative to the site root (`editions/iasi-2023/`)."""
    title: str
    description: str
    canonical: str
    root: str
    """Relative (or, for the 404 page, absolute) prefix from this page to the site root."""
    absolute_links: bool = False
    og_type: str = "website"
    """Open Graph type: `article` for news articles, `website` for the rest."""


@dataclass(frozen=True, slots=True)
class Page:
    info: PageInfo
    template: str
    context: dict[str, Any]
    markdown: dict[str, Document] = field(default_factory=dict)
    """Context keys whose value is the rendered HTML of a Markdown document."""

    @property
    def output_file(self) -> str:
        return urls.output_file(self.info.path)


@dataclass(frozen=True, slots=True)
class YearGroup:
    year: int
    editions: list[Edition]


def _info(site: Site, path: str, title: str, description: str = "") -> PageInfo:
    return PageInfo(
        path=path,
        title=title,
        description=description or site.config.description,
        canonical=urls.absolute(site.config.base_url, path),
        root=urls.root_of(path),
    )


def plan(site: Site) -> list[Page]:
    """Every page of the site, in a stable order."""
    next_edition = site.next_edition()
    pages = [
        home_page(site),
        archive_page(site),
        *(edition_page(site, edition, next_edition) for edition in site.editions),
        invitation_page(site),
        news_page(site),
        *(article_page(site, article) for article in site.news),
        not_found_page(site),
    ]
    current = {id(edition) for edition in site.editions}
    for gone in [key for key in _EDITION_PAGES if key not in current]:
        del _EDITION_PAGES[gone]
    return pages


def by_year(editions: tuple[Edition, ...]) -> list[YearGroup]:
    """Editions grouped by year, newest year first and newest edition first within it."""
    newest_first = sorted(editions, key=Edition.sort_key, reverse=True)
    return [
        YearGroup(year, list(group))
        for year, group in itertools.groupby(newest_first, key=lambda e: e.year)
    ]


def latest_summaries(site: Site, count: int = 3) -> list[Edition]:
    """Editions with a summary, the most recently held first."""
    with_summary = [
        e for e in site.editions if e.has_summary and e.status(site.today) == Status.PAST
    ]
    return sorted(with_summary, key=Edition.sort_key, reverse=True)[:count]


def home_page(site: Site) -> Page:
    markdown = {"intro_html": site.intro} if site.intro else {}
    context = {
        "next_edition": site.next_edition(),
        "latest": latest_summaries(site),
        "has_intro": site.intro is not None,
        "edition_count": sum(1 for e in site.editions if e.status(site.today) == Status.PAST),
    }
    return Page(_info(site, urls.HOME, site.config.title), "home.html", context, markdown)


def archive_page(site: Site) -> Page:
    info = _info(site, urls.ARCHIVE, "All editions", "Every edition of the series, by year.")
    # Each edition's status on the build's day, by slug, as its own page has it in "status".
    statuses = {e.slug: e.status(site.today).value for e in site.editions}
    return Page(info, "archive.html", {"years": by_year(site.editions), "statuses": statuses})


def edition_page(site: Site, edition: Edition, next_edition: Edition | None) -> Page:
    """An edition's page (the same object as at the last plan for the same record, settings
    and day: see `_EDITION_PAGES`)."""
    is_next = edition is next_edition
    found = _EDITION_PAGES.get(id(edition))
    if found is not None:
        known, config, today, was_next, page = found
        same_config = config is site.config or config == site.config
        if known is edition and same_config and today == site.today and was_next == is_next:
            return page
    page = _edition_page(site, edition, is_next)
    _EDITION_PAGES[id(edition)] = (edition, site.config, site.today, is_next, page)
    return page


def _edition_page(site: Site, edition: Edition, is_next: bool) -> Page:
    summary = edition.summary
    description = (summary.meta.description if summary else None) or edition.title or ""
    info = _info(site, urls.edition(edition.slug), edition.name, description)
    markdown = {"summary_html": summary} if summary else {}
    context = {
        "edition": edition,
        "status": edition.status(site.today).value,
        "summary": summary,
        "is_next": is_next,
        "calendar_path": urls.edition_calendar(edition.slug),
        "json_ld": structured.event_script(site, edition),
    }
    return Page(info, "edition.html", context, markdown)


_EDITION_PAGES: dict[int, tuple[Edition, SiteConfig, date, bool, Page]] = {}
"""Each edition's page of the last plan, by the record's identity (kept alive here, so the
identity is not reused). An edition's page is made from the settings, the day, the record
and whether it is the next edition, nothing else; the dev server plans the site again after
each save, with every unchanged record the same object: its page is then the same object too
(and writing its JSON-LD was most of the plan's time)."""


def invitation_page(site: Site) -> Page:
    edition = site.next_edition()
    if edition is None:
        info = _info(site, urls.INVITATION, "Next edition: to be announced")
        context: dict[str, object] = {
            "edition": None,
            "invitation": None,
            "site_has_editions": bool(site.editions),
        }
        return Page(info, "invitation.html", context)
    invitation = edition.invitation
    title = (invitation.meta.title if invitation else None) or f"Invitation: {edition.name}"
    description = (invitation.meta.description if invitation else None) or title
    info = _info(site, urls.INVITATION, title, description)
    markdown = {"invitation_html": invitation} if invitation else {}
    context = {
        "edition": edition,
        "invitation": invitation,
        "status": edition.status(site.today).value,
        "calendar_path": urls.edition_calendar(edition.slug),
    }
    return Page(info, "invitation.html", context, markdown)


def news_page(site: Site) -> Page:
    info = _info(site, urls.NEWS, "News", "News about clusters and regional policy events.")
    return Page(info, "news.html", {"articles": list(site.news)})


def article_page(site: Site, article: Article) -> Page:
    path = urls.news_article(article.slug)
    info = PageInfo(
        path=path,
        title=article.title,
        description=article.description,
        canonical=urls.absolute(site.config.base_url, path),
        root=urls.root_of(path),
        og_type="article",
    )
    context = {"article": article}
    return Page(info, "article.html", context, {"article_html": article.document})


def not_found_page(site: Site) -> Page:
    # Hosts serve 404.html at whatever depth the missing URL had: links must be absolute.
    root = urls.base_path(site.config.base_url)
    info = PageInfo(
        path=urls.NOT_FOUND,
        title="Page not found",
        description=site.config.description,
        canonical=urls.absolute(site.config.base_url, urls.NOT_FOUND),
        root=root,
        absolute_links=True,
    )
    return Page(info, "404.html", {})
