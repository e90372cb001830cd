"""`/editions.json`: every edition record as open data, with its computed status and URLs.

The format is documented in `docs/opendata.md`; `version` changes only when a field changes
meaning or disappears (new fields may be added within a version).

The file is `jsontext.dumps(document(site))` plus a newline. Since every record has the same
fields, `render` writes each record's text directly with one format string (strings escaped by
json's C function), which is several times faster than walking the dictionaries at 10,000
editions; a value of a type that writer does not expect falls back to `jsontext.dumps`, so the
bytes are the same either way (`tests/test_publish_fast.py` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from json.encoder import encode_basestring
from typing import Any

from . import jsontext, urls
from .model import DateRange, Edition, Location, Partner, Resource, Site

VERSION = 1


def _dates(dates: DateRange | None) -> dict[str, str] | None:
    if dates is None:
        return None
    return {"start": dates.start.isoformat(), "end": dates.end.isoformat()}


def _url(base_url: str, url: str) -> str:
    """A record's URL: absolute ones as written, files of `content/` under the site."""
    return url if "://" in url else urls.absolute(base_url, url)


def edition_record(site: Site, edition: Edition) -> dict[str, Any]:
    base = site.config.base_url
    summary = edition.summary
    summary_url = edition.summary_url
    if summary is not None:
        summary_url = urls.absolute(base, urls.edition(edition.slug)) + "#summary"
    return {
        "slug": edition.slug,
        "name": edition.name,
        "title": edition.title,
        "city": edition.city,
        "region": edition.region,
        "country": edition.country,
        "country_code": edition.country_code,
        "start": edition.dates.start.isoformat(),
        "end": edition.dates.end.isoformat(),
        "planned": _dates(edition.planned),
        "status": edition.status(site.today).value,
        "participants": edition.participants,
        "bilateral_meetings": edition.bilateral_meetings,
        "location": (
            {"lat": edition.location.lat, "lon": edition.location.lon}
            if edition.location is not None
            else None
        ),
        "partners": [{"name": p.name, "url": p.url} for p in edition.partners],
        "resources": [{"label": r.label, "url": _url(base, r.url)} for r in edition.resources],
        "registration_url": edition.registration_url,
        "url": urls.absolute(base, urls.edition(edition.slug)),
        "calendar_url": urls.absolute(base, urls.edition_calendar(edition.slug)),
        "summary_url": summary_url,
        "summary_published": (
            summary.meta.published.isoformat()
            if summary is not None and summary.meta.published is not None
            else None
        ),
    }


def document(site: Site) -> dict[str, Any]:
    return {
        "version": VERSION,
        "site": {"title": site.config.title, "url": site.config.base_url},
        "status_date": site.today.isoformat(),
        "editions": [edition_record(site, e) for e in sorted(site.editions, key=Edition.sort_key)],
    }


def render(site: Site) -> bytes:
    try:
        return _encoded(site)
    except (_UnusualValueError, TypeError):
        return (jsontext.dumps(document(site)) + "\n").encode("utf-8")


# --- the same text, written directly ---------------------------------------------------------
# Records sit at depth 2 of the document (`{ "editions": [ {`), so their braces are indented by
# four spaces and their fields by six, as `json.dumps(..., indent=2)` does.


class _UnusualValueError(Exception):
    """A value of a type the direct writer does not expect: `jsontext` writes the document."""


_FLOAT_WORDS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""`float.__repr__` of the values json writes by other names."""


def _encoded(site: Site) -> bytes:
    """`render`'s bytes, each record encoded on its own: most records are ASCII, which UTF-8
    copies as it is, while one text of them all would be as wide as its widest letter."""
    config = site.config
    record = _record_writer(config.base_url, site.today)
    editions = sorted(site.editions, key=Edition.sort_key)
    head = (
        "{\n"
        f'  "version": {_number(VERSION)},\n'
        '  "site": {\n'
        f'    "title": {encode_basestring(config.title)},\n'
        f'    "url": {encode_basestring(config.base_url)}\n'
        "  },\n"
        f'  "status_date": "{site.today.isoformat()}",\n'
        '  "editions": '
    ).encode()
    if not editions:
        return head + b"[]\n}\n"
    records = b",\n".join([record(edition).encode("utf-8") for edition in editions])
    return b"".join((head, b"[\n", records, b"\n  ]\n}\n"))


def _number(value: object) -> str:
    """An int or float as json writes it (a bool or another number type is left to jsontext)."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        text = float.__repr__(value)
        return _FLOAT_WORDS.get(text, text)
    if value is None:
        return "null"
    raise _UnusualValueError


# A date's isoformat() is digits and hyphens: quoted as it is, with nothing to escape.


def _dates_text(dates: DateRange | None) -> str:
    if dates is None:
        return "null"
    start, end = dates.start.isoformat(), dates.end.isoformat()
    return f'{{\n        "start": "{start}",\n        "end": "{end}"\n      }}'


def _location_text(location: Location) -> str:
    lat, lon = location.lat, location.lon
    if type(lat) is float and type(lon) is float:  # the usual case, without two calls
        lat_text, lon_text = float.__repr__(lat), float.__repr__(lon)
        lat_text, lon_text = (
            _FLOAT_WORDS.get(lat_text, lat_text),
            _FLOAT_WORDS.get(lon_text, lon_text),
        )
    else:
        lat_text, lon_text = _number(lat), _number(lon)
    return f'{{\n        "lat": {lat_text},\n        "lon": {lon_text}\n      }}'


def _list_text(items: list[str]) -> str:
    return "[\n        " + ",\n        ".join(items) + "\n      ]"


# The items of the lists of partners and resources are at depth 4.


def _partners_text(partners: tuple[Partner, ...]) -> str:
    text = encode_basestring
    return _list_text(
        [
            f'{{\n          "name": {text(p.name)},\n'
            f'          "url": {"null" if p.url is None else text(p.url)}\n        }}'
            for p in partners
        ]
    )


def _resources_text(resources: tuple[Resource, ...], base: str) -> str:
    text = encode_basestring
    return _list_text(
        [
            f'{{\n          "label": {text(r.label)},\n'
            f'          "url": {text(_url(base, r.url))}\n        }}'
            for r in resources
        ]
    )


def _record_writer(base: str, today: date) -> Callable[[Edition], str]:
    """The function that writes one record's text, with what all records share bound once.
    Reads the same fields as `edition_record` (the dev server traces them). `encode_basestring`
    raises TypeError for anything but text, which sends the document to `jsontext`."""
    text, number = encode_basestring, _number

    def record(edition: Edition) -> str:
        slug = edition.slug
        dates = edition.dates
        page = urls.absolute(base, urls.edition(slug))
        summary = edition.summary
        summary_url = edition.summary_url
        published = "null"
        if summary is not None:
            summary_url = page + "#summary"
            day = summary.meta.published
            if day is not None:
                published = f'"{day.isoformat()}"'
        title, region, code = edition.title, edition.region, edition.country_code
        participants, meetings = edition.participants, edition.bilateral_meetings
        registration = edition.registration_url
        location, partners, resources = edition.location, edition.partners, edition.resources
        return (
            "    {\n"
            f'      "slug": {text(slug)},\n'
            f'      "name": {text(edition.name)},\n'
            f'      "title": {"null" if title is None else text(title)},\n'
            f'      "city": {text(edition.city)},\n'
            f'      "region": {"null" if region is None else text(region)},\n'
            f'      "country": {text(edition.country)},\n'
            f'      "country_code": {"null" if code is None else text(code)},\n'
            f'      "start": "{dates.start.isoformat()}",\n'
            f'      "end": "{dates.end.isoformat()}",\n'
            f'      "planned": {_dates_text(edition.planned)},\n'
            # A Status is a StrEnum: the text of its value.
            f'      "status": {text(edition.status(today))},\n'
            f'      "participants": {"null" if participants is None else number(participants)},\n'
            f'      "bilateral_meetings": {"null" if meetings is None else number(meetings)},\n'
            f'      "location": {"null" if location is None else _location_text(location)},\n'
            f'      "partners": {_partners_text(partners) if partners else "[]"},\n'
            f'      "resources": {_resources_text(resources, base) if resources else "[]"},\n'
            f'      "registration_url": {"null" if registration is None else text(registration)},\n'
            f'      "url": {text(page)},\n'
            f'      "calendar_url": {text(urls.absolute(base, urls.edition_calendar(slug)))},\n'
            f'      "summary_url": {"null" if summary_url is None else text(summary_url)},\n'
            f'      "summary_published": {published}\n'
            "    }"
        )

    return record
