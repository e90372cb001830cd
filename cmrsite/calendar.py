"""iCalendar (RFC 5545) files: `/calendar.ics` with every edition, and one `event.ics` per edition.

Written through the icalendar library, whose line folding and escaping hand-written code gets
wrong. Editions are all-day events (`DTSTART;VALUE=DATE`, `DTEND` the day after the last day).
Nothing reads the clock: `DTSTAMP` comes from the data, so the same inputs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import icalendar

from . import urls
from .model import Edition, Site, Status
from .structured import description, place_parts

PRODID = "-//Clusters meet Regions//cmrsite//EN"

STATUS = {
    Status.CANCELLED: "CANCELLED",
    Status.POSTPONED: "TENTATIVE",
}
"""RFC 5545 STATUS by edition status; any other edition is CONFIRMED."""


def uid(site: Site, edition: Edition) -> str:
    """`iasi-2023@example.org`: stable across builds, and across date changes of the edition."""
    return f"{edition.slug}@{urls.host(site.config.base_url)}"


def stamp(edition: Edition) -> datetime:
    """DTSTAMP, from the data: the summary's publication date, else the edition's first day."""
    summary = edition.summary
    day: date = (
        summary.meta.published
        if summary is not None and summary.meta.published is not None
        else edition.dates.start
    )
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def event(site: Site, edition: Edition) -> icalendar.Event:
    base_url = site.config.base_url
    page = urls.absolute(base_url, urls.edition(edition.slug))
    item = icalendar.Event()
    item.add("uid", uid(site, edition))
    item.add("dtstamp", stamp(edition))
    item.add("dtstart", edition.dates.start)
    item.add("dtend", edition.dates.end_exclusive)
    item.add("summary", edition.name)
    item.add("description", f"{description(site, edition)}\n\n{page}")
    item.add("location", ", ".join(place_parts(edition)))
    if edition.location is not None:
        item.add("geo", (edition.location.lat, edition.location.lon))
    # A relative URL is no URI: without an absolute base URL the page is named in the description.
    if urls.is_absolute(base_url):
        item.add("url", page)
    item.add("status", STATUS.get(edition.status(site.today), "CONFIRMED"))
    moved = edition.planned is not None and edition.planned != edition.dates
    item.add("sequence", 1 if moved else 0)
    return item


def calendar(site: Site, editions: Iterable[Edition], name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for edition in sorted(editions, key=Edition.sort_key):
        cal.add_component(event(site, edition))
    data: bytes = cal.to_ical()
    return data


def site_calendar(site: Site) -> bytes:
    """Every edition of the series, oldest first."""
    return calendar(site, site.editions, site.config.title)


def edition_calendar(site: Site, edition: Edition) -> bytes:
    return calendar(site, [edition], edition.name)
