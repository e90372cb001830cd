"""schema.org structured data (JSON-LD) for edition pages, read by search engines.

https://schema.org/Event; the eventStatus values follow https://schema.org/EventStatusType.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from . import urls
from .model import Edition, Site, Status

SCHEMA = "https://schema.org/"


def event_status(edition: Edition, status: Status) -> str:
    """Cancelled and postponed as declared; an edition held on other dates than first
    announced (Palma) is rescheduled; any other is scheduled."""
    if status == Status.CANCELLED:
        return SCHEMA + "EventCancelled"
    if status == Status.POSTPONED:
        return SCHEMA + "EventPostponed"
    if edition.planned is not None and edition.planned != edition.dates:
        return SCHEMA + "EventRescheduled"
    return SCHEMA + "EventScheduled"


def place_name(edition: Edition) -> str:
    """`Iași, North-East Region, Romania`: where the edition is held, as pages and data say it."""
    return ", ".join(place_parts(edition))


def place_parts(edition: Edition) -> list[str]:
    """City, region (when it says more than the city) and country."""
    parts = [edition.city]
    if edition.region and edition.region != edition.city:
        parts.append(edition.region)
    parts.append(edition.country)
    return parts


def description(site: Site, edition: Edition) -> str:
    summary = edition.summary
    if summary is not None and summary.meta.description:
        return summary.meta.description
    if edition.title:
        return edition.title
    return site.config.description


def event_script(site: Site, edition: Edition) -> Markup:
    """The schema.org Event of one edition, as JSON for a `<script type="application/ld+json">`
    element: compact (read by machines), `<`, `>` and `&` written as JSON escapes, so that no
    text (`</script>`, `<!--`) can end or confuse the element (JSON readers decode them back).

    Written directly rather than as a mapping given to json's encoder: a third of the time (it
    was half of planning the pages, which waits for nothing else). Strings go through json's
    own string encoder, the coordinates (finite floats, see `validate`) through
    `float.__repr__`, as json writes them; `tests/test_structured_fast.py` compares the text
    with what the encoder writes from the mapping."""
    quoted = _quoted
    status = event_status(edition, edition.status(site.today))
    url = urls.absolute(site.config.base_url, urls.edition(edition.slug))
    parts = [
        '{"@context":"https://schema.org","@type":"Event","name":',
        quoted(edition.name),
        ',"startDate":"',
        edition.dates.start.isoformat(),
        '","endDate":"',
        edition.dates.end.isoformat(),
        '","eventStatus":',
        quoted(status),
        ',"eventAttendanceMode":"',
        SCHEMA,
        'OfflineEventAttendanceMode","location":{"@type":"Place","name":',
        quoted(place_name(edition)),
        ',"address":{"@type":"PostalAddress","addressLocality":',
        quoted(edition.city),
    ]
    if edition.region:
        parts += (',"addressRegion":', quoted(edition.region))
    parts += (',"addressCountry":', quoted(edition.country_code or edition.country), "}")
    if edition.location is not None:
        parts += (
            ',"geo":{"@type":"GeoCoordinates","latitude":',
            float.__repr__(edition.location.lat),
            ',"longitude":',
            float.__repr__(edition.location.lon),
            "}",
        )
    parts += ('},"url":', quoted(url), ',"description":', quoted(description(site, edition)))
    if status == SCHEMA + "EventRescheduled" and edition.planned is not None:
        parts += (',"previousStartDate":"', edition.planned.start.isoformat(), '"')
    organiser = site.config.organiser
    if organiser is not None:
        parts += (',"organizer":{"@type":"Organization","name":', quoted(organiser.name))
        if organiser.url:
            parts += (',"url":', quoted(organiser.url))
        parts.append("}")
    parts.append("}")
    text = "".join(parts)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


_quoted = json.encoder.encode_basestring
"""A str as a JSON string, as json writes it with `ensure_ascii=False` (its C encoder)."""
