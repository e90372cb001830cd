"""iCalendar (RFC 5545) files: `/calendar.ics` with every edition, and one `event.ics` per edition.

Written through the icalendar library, whose line folding and escaping hand-written code gets
wrong. Editions are all-day events (`DTSTART;VALUE=DATE`, `DTEND` the day after the last day).
Nothing reads the clock: `DTSTAMP` comes from the data, so the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from . import parallel, urls
from .model import Edition, Site, Status
from .structured import description, place_parts

if TYPE_CHECKING:
    import icalendar

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
    import icalendar  # a build that makes no calendar does not load it

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


END = b"END:VCALENDAR\r\n"


BEGIN = b"BEGIN:VCALENDAR\r\n"


def serialise(component: icalendar.cal.component.Component) -> bytes:
    """`component.to_ical()`, faster: the library makes every content line (escaping, parameters,
    order) and folds every line that needs folding, but a line shorter than its folding limit,
    which it would leave as it is, skips its folding loop (a Python loop per character, most
    of the time of a calendar)."""
    limit = _fold_limit()
    parts = []
    for line in component.content_lines():
        if not line:
            continue
        data = line.encode("utf-8")
        parts.append(data if len(data) < limit else line.to_ical())
    parts.append(b"")
    return b"\r\n".join(parts)


@functools.cache
def _fold_limit() -> int:
    """The length in bytes from which the library folds a content line, found by asking it."""
    from icalendar.parser import Contentline

    length = 1
    while b"\r\n" not in Contentline("X" * length).to_ical():  # type: ignore[no-untyped-call]
        length += 1
    return length


def _header(name: str) -> bytes:
    """The calendar's own lines, without its END line. Written through the library: its fixed
    lines once, and the name's line (escaped and folded) for each calendar; the library sorts
    the lines by property name, and X-WR-CALNAME comes last."""
    import icalendar

    named = icalendar.Calendar()
    named.add("x-wr-calname", name)
    return _fixed_header() + _inner(serialise(named))


@functools.cache
def _fixed_header() -> bytes:
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    return BEGIN + _inner(serialise(cal))


def _inner(data: bytes) -> bytes:
    """The property lines of a serialised calendar without components."""
    if not (data.startswith(BEGIN) and data.endswith(END)):  # not what this library writes
        raise ValueError(f"unexpected iCalendar serialisation: {data!r}")
    return data[len(BEGIN) : -len(END)]


def calendar(
    site: Site, editions: Iterable[Edition], name: str, events: Events | None = None
) -> bytes:
    """A calendar of editions: the library serialises each line of a component on its own, so
    a calendar is its own lines, then each event's serialisation (`events`, made once for the
    edition's calendar and the site's), then its END line."""
    found = events or {}
    parts = [_header(name)]
    for edition in sorted(editions, key=Edition.sort_key):
        event_data = found.get(edition.slug)
        parts.append(event_data if event_data is not None else serialise(event(site, edition)))
    parts.append(END)
    return b"".join(parts)


Events = Mapping[str, bytes]
"""Each edition's serialised VEVENT, by slug."""


def site_calendar(site: Site, events: Events | None = None) -> bytes:
    """Every edition of the series, oldest first."""
    return calendar(site, site.editions, site.config.title, events)


def edition_calendar(site: Site, edition: Edition, events: Events | None = None) -> bytes:
    return calendar(site, [edition], edition.name, events)


def all_calendars(site: Site) -> tuple[bytes, dict[str, bytes]]:
    """The site's calendar and each edition's (by slug); each event is made and serialised
    once, on every core."""

    def make(editions: list[Edition]) -> list[tuple[str, bytes, bytes]]:
        made = []
        for edition in editions:
            data = serialise(event(site, edition))
            own = edition_calendar(site, edition, {edition.slug: data})
            made.append((edition.slug, data, own))
        return made

    events: dict[str, bytes] = {}
    calendars: dict[str, bytes] = {}
    _fold_limit()  # the library loaded once, before the workers start
    _fixed_header()
    for share in parallel.fork_map(make, site.editions):
        for slug, data, own in share:
            events[slug] = data
            calendars[slug] = own
    return site_calendar(site, events), calendars
