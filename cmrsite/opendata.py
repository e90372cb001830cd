"""`/editions.json`: every edition record as open data, with its computed status and URLs.

The format is documented in `docs/opendata.md`; `version` changes only when a field changes
meaning or disappears (new fields may be added within a version).
"""

from __future__ import annotations

from typing import Any

from . import jsontext, urls
from .model import DateRange, Edition, Site

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
    text = jsontext.dumps(document(site))
    return (text + "\n").encode("utf-8")
