"""The JSON-LD of an edition written directly (`event_script`) is the very text json's encoder
writes from the Event as a mapping (`script_json(event(...))`, below), for the real site and for
records of every shape, with the characters JSON and HTML must escape."""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import date
from typing import Any

from conftest import REAL_TODAY, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from cmrsite import urls
from cmrsite.model import DateRange, Edition, Location, Organiser, Site, SiteConfig, Status
from cmrsite.pipeline import Options, load
from cmrsite.structured import SCHEMA, description, event_script, event_status, place_name

# --- the reference: the Event as a mapping, written by json's encoder -----------------------


def place(edition: Edition) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": edition.city}
    if edition.region:
        address["addressRegion"] = edition.region
    address["addressCountry"] = edition.country_code or edition.country
    result: dict[str, Any] = {
        "@type": "Place",
        "name": place_name(edition),
        "address": address,
    }
    if edition.location is not None:
        result["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": edition.location.lat,
            "longitude": edition.location.lon,
        }
    return result


def event(site: Site, edition: Edition) -> dict[str, Any]:
    """The schema.org Event of one edition, as a JSON-ready mapping."""
    status = edition.status(site.today)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": edition.name,
        "startDate": edition.dates.start.isoformat(),
        "endDate": edition.dates.end.isoformat(),
        "eventStatus": event_status(edition, status),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": place(edition),
        "url": urls.absolute(site.config.base_url, urls.edition(edition.slug)),
        "description": description(site, edition),
    }
    if data["eventStatus"] == SCHEMA + "EventRescheduled" and edition.planned is not None:
        data["previousStartDate"] = edition.planned.start.isoformat()
    organiser = site.config.organiser
    if organiser is not None:
        data["organizer"] = {"@type": "Organization", "name": organiser.name}
        if organiser.url:
            data["organizer"]["url"] = organiser.url
    return data


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""`json.dumps(data, ensure_ascii=False, separators=(",", ":"))` without a new encoder for each
call (a third of the time of a page's JSON-LD)."""


def script_json(data: dict[str, Any]) -> Markup:
    """JSON for a `<script type="application/ld+json">` element.

    `<`, `>` and `&` are written as JSON escapes, so no text (`</script>`, `<!--`) can end or
    confuse the script element; JSON readers decode them back. Compact: read by machines, and
    written by json's C encoder (indented JSON is written in pure Python, a tenth of a
    millisecond a page).
    """
    text = _COMPACT.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# --- the tests --------------------------------------------------------------------------------


@functools.cache
def real_site() -> Site:
    site, _ = load(Options(project=REPO, today=date.fromisoformat(REAL_TODAY)))
    assert site is not None
    return site


def test_every_real_edition_is_written_as_the_encoder_writes_it() -> None:
    site = real_site()
    for base_url in ("/", "https://example.org/cmr/"):
        config = dataclasses.replace(site.config, base_url=base_url)
        for today in (site.today, date(2020, 1, 1), date(2030, 1, 1)):
            variant = dataclasses.replace(site, config=config, today=today)
            for edition in variant.editions:
                expected = script_json(event(variant, edition))
                assert event_script(variant, edition) == expected
                assert json.loads(expected)["@type"] == "Event"


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\</>&'),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    city=TEXT,
    country=TEXT,
    region=st.none() | TEXT,
    code=st.none() | st.sampled_from(["RO", "ES"]),
    title=st.none() | TEXT,
    location=st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    status=st.none() | st.sampled_from([Status.CANCELLED, Status.POSTPONED]),
    planned=st.booleans(),
    organiser=st.none() | st.tuples(TEXT, st.none() | TEXT),
    description=TEXT,
)
def test_records_of_every_shape(
    city: str,
    country: str,
    region: str | None,
    code: str | None,
    title: str | None,
    location: tuple[float, float] | None,
    status: Status | None,
    planned: bool,
    organiser: tuple[str, str | None] | None,
    description: str,
) -> None:
    site = real_site()
    edition = dataclasses.replace(
        site.editions[0],
        city=city,
        country=country,
        region=region,
        country_code=code,
        title=title,
        summary=None,
        location=Location(*location) if location else None,
        declared_status=status,
        planned=DateRange(date(2019, 5, 1), date(2019, 5, 2)) if planned else None,
    )
    config = SiteConfig(
        title="Series",
        description=description,
        base_url="https://example.org/x/",
        organiser=Organiser(*organiser) if organiser else None,
    )
    variant = dataclasses.replace(site, config=config, editions=(edition,))
    assert event_script(variant, edition) == script_json(event(variant, edition))
