"""The calendars, byte for byte against the icalendar library.

`cmrsite.calendar` writes its content lines itself (escaping, folding, property order). The
library stays the oracle here: for the real site, a generated corpus and constructed edge cases,
each calendar must be the bytes the library makes for the same events, built as `calendar.event`
built them with the library before (`reference_event`), and must read back with the library's
parser to the values it was made from.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import icalendar
import pytest
from conftest import REAL_TODAY, REPO, bench_generator, clean_env

from cmrsite import calendar, urls
from cmrsite.model import DateRange, Document, Edition, FrontMatter, Location, Site, Status
from cmrsite.pipeline import Options, load
from cmrsite.structured import description, place_parts

MakeSite = Callable[..., Path]

ABSOLUTE = "https://example.org/cmr/"
BASE_URLS = [ABSOLUTE, "http://calendar.test/", "https://example.org/a,b;c\\d/", "/"]
"""Absolute (with a sub-path, plain http, characters TEXT escapes) and relative."""


# --- the reference: the library, used as calendar.py used it ----------------------------------


def reference_event(site: Site, edition: Edition) -> icalendar.Event:
    """The event as `calendar.event` built it through the library before it wrote its own."""
    base_url = site.config.base_url
    page = urls.absolute(base_url, urls.edition(edition.slug))
    item = icalendar.Event()
    item.add("uid", calendar.uid(site, edition))
    item.add("dtstamp", calendar.stamp(edition))
    item.add("dtstart", edition.dates.start)
    item.add("dtend", edition.dates.end_exclusive)
    item.add("summary", edition.name)
    item.add("description", f"{description(site, edition)}\n\n{page}")
    item.add("location", ", ".join(place_parts(edition)))
    if edition.location is not None:
        item.add("geo", (edition.location.lat, edition.location.lon))
    if urls.is_absolute(base_url):
        item.add("url", page)
    item.add("status", calendar.STATUS.get(edition.status(site.today), "CONFIRMED"))
    moved = edition.planned is not None and edition.planned != edition.dates
    item.add("sequence", 1 if moved else 0)
    return item


def reference_calendar(site: Site, editions: Iterable[Edition], name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", calendar.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for edition in sorted(editions, key=Edition.sort_key):
        cal.add_component(reference_event(site, edition))
    data: bytes = cal.to_ical()
    return data


# --- checks ------------------------------------------------------------------------------------


def assert_same_as_library(site: Site) -> None:
    """Every calendar of the site (the site's and each edition's) as the library writes it, and
    read back by the library to what it was made from."""
    whole, by_slug = calendar.all_calendars(site)
    assert_bytes(whole, reference_calendar(site, site.editions, site.config.title))
    assert_reads_back(whole, site, site.editions, site.config.title)
    assert by_slug.keys() == {edition.slug for edition in site.editions}
    for edition in site.editions:
        own = by_slug[edition.slug]
        assert_bytes(own, reference_calendar(site, [edition], edition.name))
        assert own == calendar.edition_calendar(site, edition)  # made without `events`
        assert_reads_back(own, site, [edition], edition.name)


def assert_bytes(ours: bytes, library: bytes) -> None:
    """Equal, and when not, the first line that differs (a whole-calendar diff is unreadable)."""
    if ours != library:
        for number, (mine, theirs) in enumerate(
            zip(ours.split(b"\r\n"), library.split(b"\r\n"), strict=False)
        ):
            assert mine == theirs, f"line {number + 1} differs"
    assert ours == library


def assert_well_formed(data: bytes) -> None:
    """CRLF only, physical lines of at most 75 octets, each whole UTF-8."""
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character


def assert_reads_back(data: bytes, site: Site, editions: Iterable[Edition], name: str) -> None:
    assert_well_formed(data)
    parsed = icalendar.Calendar.from_ical(data)
    assert parsed["VERSION"] == "2.0"
    assert parsed["PRODID"] == calendar.PRODID
    assert str(parsed["X-WR-CALNAME"]) == name  # an X- property: read back as it is
    events = {str(event["UID"]): event for event in parsed.walk("VEVENT")}
    ordered = sorted(editions, key=Edition.sort_key)
    assert list(events) == [calendar.uid(site, edition) for edition in ordered]
    for edition in ordered:
        event = events[calendar.uid(site, edition)]
        page = urls.absolute(site.config.base_url, urls.edition(edition.slug))
        assert event["SUMMARY"] == unescaped(edition.name)
        assert event["DESCRIPTION"] == unescaped(f"{description(site, edition)}\n\n{page}")
        assert event["LOCATION"] == unescaped(", ".join(place_parts(edition)))
        assert event.decoded("DTSTART") == edition.dates.start
        assert event.decoded("DTEND") == edition.dates.end_exclusive
        assert event.decoded("DTSTAMP") == calendar.stamp(edition)
        if edition.location is None:
            assert "GEO" not in event
        else:
            geo = event["GEO"]
            assert isinstance(geo, icalendar.vGeo)
            assert (geo.latitude, geo.longitude) == (edition.location.lat, edition.location.lon)
        assert ("URL" in event) == urls.is_absolute(site.config.base_url)
        if "URL" in event:
            assert event["URL"] == page


def unescaped(text: str) -> str:
    """What a TEXT value reads back as: the library writes a `\\N` in the text as a line break,
    and every line break (CRLF, CR, LF) as one LF."""
    return text.replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")


def with_base_url(site: Site, base_url: str, title: str | None = None) -> Site:
    config = dataclasses.replace(
        site.config, base_url=base_url, title=site.config.title if title is None else title
    )
    return dataclasses.replace(site, config=config)


# --- the real site and a generated corpus -----------------------------------------------------


@pytest.mark.parametrize("base_url", [None, *BASE_URLS])
def test_the_real_sites_calendars_are_the_librarys_bytes(base_url: str | None) -> None:
    site, problems = load(Options(REPO, date.fromisoformat(REAL_TODAY), base_url=base_url))
    assert site is not None, problems
    assert_same_as_library(site)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The benchmark's generated corpus (Unicode city names, summaries with descriptions)."""
    project: Path = bench_generator().generate(150, tmp_path_factory.mktemp("corpus"))[0]
    site, problems = load(Options(project, date(2025, 6, 1)))
    assert site is not None, problems
    return site


@pytest.mark.parametrize("base_url", BASE_URLS)
def test_a_generated_corpus_calendars_are_the_librarys_bytes(corpus: Site, base_url: str) -> None:
    assert_same_as_library(with_base_url(corpus, base_url))


# --- constructed editions ---------------------------------------------------------------------


FIRST = Edition(
    slug="iasi-2023",
    city="Iași",
    country="Romania",
    dates=DateRange(date(2023, 11, 21), date(2023, 11, 23)),
    line=1,
)

MULTI_BYTE = ["é", "ș", "€", "東", "𝔘", "🇷🇴"]
"""Characters of two, three and four octets in UTF-8 (the flag is two four-octet ones)."""

SPECIAL = ["\\", ";", ",", "\n", "\r\n", "\r", "^", "\\N", "\\n", ":", '"', "\t"]
"""What TEXT escapes or the library treats specially (`\\N`, and `^` which a fold never
follows), and what it leaves as it is."""


def document(description: str | None, published: date | None = None) -> Document:
    meta = FrontMatter(title="Summary", description=description, published=published)
    return Document("editions/x.md", "content/editions/x.md", meta, "Body.", 5)


def edition(number: int, **fields: object) -> Edition:
    """An edition of its own slug and dates (`number` days after the first), with `fields`."""
    start = date(2023, 1, 1).toordinal() + number * 3
    dates = DateRange(date.fromordinal(start), date.fromordinal(start + number % 3))
    values: dict[str, object] = {"slug": f"edition-{number}", "dates": dates}
    values.update(fields)
    return dataclasses.replace(FIRST, **values)  # type: ignore[arg-type]


def folding_texts() -> list[str]:
    """Texts whose folds land on every octet of each multi-byte character, and on each special
    character and its escape, at the first line's limit and at a continuation line's (74 octets
    further)."""
    texts = []
    for prefix in range(8):
        for char in MULTI_BYTE:
            texts.append("a" * prefix + char * 40)
    for prefix in range(50, 70):
        for special in SPECIAL:
            texts.append("b" * prefix + special + "c" * 73 + special + "d" * 80)
    return texts


def edge_editions() -> list[Edition]:
    """Editions made to find where hand-written iCalendar goes wrong."""
    made: list[Edition] = []

    def add(**fields: object) -> None:
        made.append(edition(len(made), **fields))

    # Long Unicode names: SUMMARY, LOCATION and the edition calendar's X-WR-CALNAME fold.
    for count in range(1, 40, 3):
        for char in MULTI_BYTE:
            add(city="Ząb" + char * count, region="Región " + char * (count // 2), country="Ελλάδα")
    # Descriptions folding at every octet and escape; from the summary, else from the title.
    for number, text in enumerate(folding_texts()):
        if number % 2:
            add(summary=document(text))
        else:
            add(title=text)
    # A description ending in a special character: the page follows after two line breaks.
    for special in SPECIAL:
        add(summary=document(f"Ends with {special}"))
    # Escaped characters in the place and the name.
    for special in SPECIAL:
        if special in ("\n", "\r\n", "\r"):
            continue  # a line break in a city would break the edition calendar's name line
        add(city=f"Bolzano{special}Bozen", region=f"South{special}Tyrol", country="Italy;IT")
    add(city="Aachen", region="Aachen", country="Germany")  # region the same as the city
    add(city="Graz", region=None, country="Austria")
    # With and without a location; floats as Python writes them.
    for lat, lon in [(45.815, 15.9819), (-33.8688, -70.0), (0.0, -0.0), (1e-05, 179.999999999)]:
        add(location=Location(lat, lon))
    # Cancelled, postponed, moved (and a planned date that is the held one), upcoming, past.
    add(declared_status=Status.CANCELLED)
    add(declared_status=Status.POSTPONED)
    add(planned=DateRange(date(2023, 3, 1), date(2023, 3, 2)))
    moved = edition(len(made))
    add(planned=moved.dates, dates=moved.dates)
    add(dates=DateRange(date(2030, 12, 31), date(2031, 1, 1)))
    add(dates=DateRange(date(999, 2, 28), date(999, 3, 1)))  # a year of three digits
    # DTSTAMP from the summary's publication date.
    add(summary=document("Published.", date(2024, 2, 29)))
    add(summary=document(None, date(2024, 3, 1)), title=None)  # the site's description
    # Long slugs: the UID, the description's page and the URL fold.
    add(slug="a" * 60 + "-" + "b" * 30)
    add(slug="z" * 200)
    return made


@pytest.fixture(scope="module")
def edge_site() -> Site:
    site, problems = load(Options(REPO, date(2025, 6, 1)))
    assert site is not None, problems
    return dataclasses.replace(site, editions=tuple(edge_editions()), news=())


def few(site: Site) -> Site:
    """The site with a few of its editions: what a test of the calendar's own lines needs."""
    return dataclasses.replace(site, editions=site.editions[:3])


@pytest.mark.parametrize("base_url", BASE_URLS)
def test_constructed_editions_calendars_are_the_librarys_bytes(
    edge_site: Site, base_url: str
) -> None:
    assert_same_as_library(with_base_url(edge_site, base_url))


@pytest.mark.parametrize(
    "title",
    [
        "Clusters, Regions; and\\ more",  # written as it is: X-WR-CALNAME is not TEXT to it
        "Ωmega " + "東" * 40,
        *("x" * prefix + "\\,^" + "y" * 80 for prefix in range(60, 80)),
        *("x" * prefix + "🇷🇴" * 20 for prefix in range(60, 70)),
    ],
)
def test_a_calendar_name_is_written_as_the_library_writes_it(edge_site: Site, title: str) -> None:
    site = with_base_url(few(edge_site), ABSOLUTE, title=title)
    ours = calendar.site_calendar(site)
    assert_bytes(ours, reference_calendar(site, site.editions, title))
    assert_reads_back(ours, site, site.editions, title)


@pytest.mark.parametrize("title", ["Two\nlines", "Two\r\nlines", "Two\rlines"])
def test_a_line_break_in_a_calendar_name_keeps_the_file_whole(edge_site: Site, title: str) -> None:
    """The library cannot write it (it fails on a LF, and writes a bare CR): ours is `\\n`."""
    site = with_base_url(few(edge_site), ABSOLUTE, title=title)
    ours = calendar.site_calendar(site)
    assert_well_formed(ours)
    assert b"\r\nX-WR-CALNAME:Two\\nlines\r\n" in ours
    assert len(icalendar.Calendar.from_ical(ours).walk("VEVENT")) == len(site.editions)


def test_the_build_does_not_load_icalendar(make_site: MakeSite, tmp_path: Path) -> None:
    project = make_site()
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from cmrsite.pipeline import Options, build\n"
        f"report = build(Options(Path({str(project)!r}), date(2025, 1, 1), Path({str(tmp_path / 'out')!r})))\n"
        "assert not [p for p in report.problems if p.severity == 'error'], report.problems\n"
        "assert 'icalendar' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=clean_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "calendar.ics").is_file()
