"""The outputs beside the pages: feed, sitemap, robots.txt, calendars and open data.

Each is made by its own module from the loaded site; this one lists them with their paths
(from `urls`) so that the build writes them through the staging writer like any page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import calendar, feeds, opendata, sitemap, templating, urls
from .errors import Problem
from .model import Site, SiteConfig


@dataclass(frozen=True, slots=True)
class Output:
    path: str
    """Path of the file in the output: `feed.xml`, `editions/iasi-2023/event.ics`."""
    data: bytes
    owner: str
    """What wrote it, named when two outputs claim one path."""


Maker = Callable[[], list[Output]]


def makers(site: Site, page_paths: Iterable[str], env: jinja2.Environment) -> dict[str, Maker]:
    """The outputs beside the pages, by the step that makes them, in a stable order. The steps
    are independent: the dev server makes again only those that read what a save changed."""
    paths = list(page_paths)

    def calendars() -> list[Output]:
        site_calendar, by_slug = calendar.all_calendars(site)
        return [
            Output(urls.CALENDAR, site_calendar, "the calendar"),
            *(
                Output(urls.edition_calendar(e.slug), by_slug[e.slug], "a calendar")
                for e in site.editions
            ),
        ]

    def feed() -> list[Output]:
        stock = template_is_stock(env, feeds.TEMPLATE, feeds.STOCK_TEMPLATE)
        return [Output(urls.FEED, feeds.render(env, site, stock), "the Atom feed")]

    def site_map() -> list[Output]:
        stock = template_is_stock(env, sitemap.TEMPLATE, sitemap.STOCK_TEMPLATE)
        return [Output(urls.SITEMAP, sitemap.render(env, site, paths, stock), "the sitemap")]

    return {
        "feed": feed,
        "sitemap": site_map,
        "robots": lambda: [Output(urls.ROBOTS, sitemap.robots(site), "robots.txt")],
        "calendars": calendars,
        "open data": lambda: [Output(urls.OPEN_DATA, opendata.render(site), "the open data")],
    }


def template_is_stock(env: jinja2.Environment, name: str, stock_source: str) -> bool:
    """Whether the template `name` is `stock_source` as shipped, rendered with the options of
    `templating.make_environment` (which decide its whitespace and escaping): then its module
    may write the same text without Jinja. A missing template raises TemplateNotFound, as
    rendering it would."""
    if env.loader is None or not (env.autoescape is True and env.trim_blocks):
        return False
    if not (env.lstrip_blocks and env.keep_trailing_newline) or env.finalize is not None:
        return False
    source, _, _ = env.loader.get_source(env, name)
    return source == stock_source


def outputs(
    site: Site, page_paths: Iterable[str], templates: Path, project_root: Path
) -> tuple[list[Output], list[Problem]]:
    """Every non-page output, in a stable order; template errors as Problems."""
    env = templating.make_environment(templates, site.config.language)
    made: list[Output] = []
    try:
        for make in makers(site, page_paths, env).values():
            made.extend(make())
    except jinja2.TemplateError as error:
        return [], [templating.template_problem(error, templates, project_root)]
    return made, []


def base_url_problems(config: SiteConfig, from_option: bool) -> list[Problem]:
    """A site to publish needs an absolute base URL: the sitemaps protocol, feed readers and
    calendar apps need absolute URLs. Said under --strict (the publishing build) as information:
    a preview or a copy served from a host's root works without one, so it never fails a build."""
    if urls.is_absolute(config.base_url):
        return []
    where = "--base-url" if from_option else "data/site.yaml"
    return [
        Problem(
            where,
            0,
            0,
            f"the base URL `{config.base_url}` is not absolute: the sitemap, the feed and "
            "canonical URLs name pages by root-relative paths, which only work at a host's root",
            "build for publishing with `--base-url https://host/path/` "
            "(or set `base_url` in data/site.yaml)",
            "info",
        )
    ]
