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

    return {
        "feed": lambda: [Output(urls.FEED, feeds.render(env, site), "the Atom feed")],
        "sitemap": lambda: [Output(urls.SITEMAP, sitemap.render(env, site, paths), "the sitemap")],
        "robots": lambda: [Output(urls.ROBOTS, sitemap.robots(site), "robots.txt")],
        "calendars": calendars,
        "open data": lambda: [Output(urls.OPEN_DATA, opendata.render(site), "the open data")],
    }


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
