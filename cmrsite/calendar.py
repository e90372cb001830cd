"""iCalendar (RFC 5545) files: `/calendar.ics` with every edition, and one `event.ics` per edition.

Editions are all-day events (`DTSTART;VALUE=DATE`, `DTEND` the day after the last day). Nothing
reads the clock: `DTSTAMP` comes from the data, so the same inputs give the same bytes.

The content lines are written here, not through the icalendar library. The library made each
property an object, then escaped and folded its line a character at a time: 2.7 s of CPU for
the calendars of 10,000 editions, against some 0.15 s now, and a build no longer loads it. The
few properties written here need little: TEXT escaping (`_text`), DATE and UTC DATE-TIME values,
lines folded before 75 octets without splitting a UTF-8 character (`_fold`), CRLF line ends.
The bytes are those icalendar 7.3 wrote, its choices included: its property order (its canonical
order, then by name), no fold right after a `\\` or `^`, `\\N` in a text read as a line
break, X-WR-CALNAME written unescaped.

Hand-written folding and escaping is easy to get subtly wrong, so the library stays the oracle:
`tests/test_calendar_bytes.py` builds each event through it as this module did before, and
requires the same bytes, for the real site, a generated corpus, and editions made to break
hand-written iCalendar (long Unicode names folding inside multi-byte characters, every escaped
character at every folding position, cancelled, postponed and moved editions, relative and
absolute base URLs); it also reads every calendar back with the library's parser.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from . import urls
from .model import Edition, Site, Status
from .structured import description, place_parts

PRODID = "-//Clusters meet Regions//cmrsite//EN"

STATUS = {
    Status.CANCELLED: "CANCELLED",
    Status.POSTPONED: "TENTATIVE",
}
"""RFC 5545 STATUS by edition status; any other edition is CONFIRMED."""

STATUS_LINES = {status: f"STATUS:{value}\r\n".encode() for status, value in STATUS.items()}
"""The STATUS line of the editions that are not CONFIRMED."""

CRLF = b"\r\n"
BEGIN = b"BEGIN:VCALENDAR\r\n"
END = b"END:VCALENDAR\r\n"
HEADER = BEGIN + CRLF.join(
    [b"VERSION:2.0", f"PRODID:{PRODID}".encode(), b"CALSCALE:GREGORIAN", b"METHOD:PUBLISH", b""]
)
"""The calendar's fixed lines, in icalendar's canonical order for a VCALENDAR."""

FOLD_OCTETS = 74
"""Octets of content on a physical line: a longer line is folded (a continuation line adds
its leading space, 75 octets in all, as RFC 5545 allows)."""

ESCAPE_PREFIXES = frozenset(b"\\^")
"""Characters a fold never directly follows: it would split a TEXT escape (`\\,`) or an RFC 6868
parameter escape (`^n`) across lines, which some clients misread."""


def uid(site: Site, edition: Edition) -> str:
    """`iasi-2023@example.org`: stable across builds, and across date changes of the edition."""
    return f"{edition.slug}@{_host(site.config.base_url)}"


@functools.lru_cache(maxsize=8)
def _host(base_url: str) -> str:
    return urls.host(base_url)


def stamp(edition: Edition) -> datetime:
    """DTSTAMP, from the data: the summary's publication date, else the edition's first day."""
    day = _stamp_day(edition)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _stamp_day(edition: Edition) -> date:
    summary = edition.summary
    if summary is not None and summary.meta.published is not None:
        return summary.meta.published
    return edition.dates.start


def event(site: Site, edition: Edition) -> bytes:
    """The VEVENT of an edition, serialised. Properties in icalendar's order: its canonical
    order for an event (SUMMARY, DTSTART, DTEND, DTSTAMP, UID, SEQUENCE), then by name."""
    base_url = site.config.base_url
    page = urls.absolute(base_url, urls.edition(edition.slug))
    moved = edition.planned is not None and edition.planned != edition.dates
    # One TEXT value, escaped as a whole as the library did (a CR ending the description and
    # the LF after it are one line break).
    text = f"{description(site, edition)}\n\n{page}"
    parts = [
        b"BEGIN:VEVENT\r\n",
        _line(f"SUMMARY:{_text(edition.name)}"),
        # Lines of fixed length, always shorter than a fold.
        (
            f"DTSTART;VALUE=DATE:{_date(edition.dates.start)}\r\n"
            f"DTEND;VALUE=DATE:{_date(edition.dates.end_exclusive)}\r\n"
            f"DTSTAMP:{_date(_stamp_day(edition))}T000000Z\r\n"
        ).encode(),
        _line(f"UID:{_text(uid(site, edition))}"),
        b"SEQUENCE:1\r\n" if moved else b"SEQUENCE:0\r\n",
        _line(f"DESCRIPTION:{_text(text)}"),
    ]
    if edition.location is not None:
        geo = f"GEO:{float(edition.location.lat)};{float(edition.location.lon)}"
        parts.append(_line(geo))
    parts.append(_line(f"LOCATION:{_text(', '.join(place_parts(edition)))}"))
    parts.append(STATUS_LINES.get(edition.status(site.today), b"STATUS:CONFIRMED\r\n"))
    # A relative URL is no URI: without an absolute base URL the page is named in the description.
    if urls.is_absolute(base_url):
        parts.append(_line(f"URL:{page}"))  # a URI value: as it is, without TEXT escaping
    parts.append(b"END:VEVENT\r\n")
    return b"".join(parts)


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): `\\`, `;` and `,` escaped, each line break (CRLF, LF or a
    lone CR) as `\\n`. In icalendar's order, with its quirk: a `\\N` already in the text is taken
    for an escaped line break, and written as `\\n`."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _date(day: date) -> str:
    """A DATE value: `20230914` (the ISO form always has a four-digit year)."""
    return day.isoformat().replace("-", "")


def _line(content: str) -> bytes:
    """A content line in UTF-8, folded when longer than a line may be, with its CRLF."""
    data = content.encode()
    return (data if len(data) <= FOLD_OCTETS else _fold(data)) + CRLF


def _fold(data: bytes) -> bytes:
    """`data` as physical lines of at most FOLD_OCTETS octets, each after the first starting with
    a space: each line as long as it can be without splitting a UTF-8 character, and one octet
    shorter when it would end with an escape prefix (icalendar's rule)."""
    pieces = []
    start = 0
    while len(data) - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # a continuation octet: the character started earlier
            end -= 1
        if data[end - 1] in ESCAPE_PREFIXES:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


def _header(name: str) -> bytes:
    """The calendar's own lines, without its END line: the fixed ones, then its name. icalendar
    writes X-WR-CALNAME, a property it knows no value type of, as it is (RFC 7265 UNKNOWN), so
    a comma in the name stays unescaped; a line break, which it could not write, is `\\n`."""
    name = name.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return HEADER + _line(f"X-WR-CALNAME:{name}")


Events = Mapping[str, bytes]
"""Each edition's serialised VEVENT, by slug."""


def calendar(
    site: Site, editions: Iterable[Edition], name: str, events: Events | None = None
) -> bytes:
    """A calendar of editions, oldest first: its own lines, then each event (from `events`, made
    once for the edition's calendar and the site's, when given), then its END line."""
    found = events or {}
    parts = [_header(name)]
    for edition in sorted(editions, key=Edition.sort_key):
        event_data = found.get(edition.slug)
        parts.append(event_data if event_data is not None else event(site, edition))
    parts.append(END)
    return b"".join(parts)


def site_calendar(site: Site, events: Events | None = None) -> bytes:
    """Every edition of the series, oldest first."""
    return calendar(site, site.editions, site.config.title, events)


def edition_calendar(site: Site, edition: Edition, events: Events | None = None) -> bytes:
    return calendar(site, [edition], edition.name, events)


def all_calendars(site: Site) -> tuple[bytes, dict[str, bytes]]:
    """The site's calendar and each edition's (by slug); each event is made once. In the
    parent: at some 15 µs an event, forking a worker would cost more than it saves."""
    events = {edition.slug: event(site, edition) for edition in site.editions}
    calendars = {
        edition.slug: _header(edition.name) + events[edition.slug] + END
        for edition in site.editions
    }
    return site_calendar(site, events), calendars
