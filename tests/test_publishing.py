"""Publishing outputs read back with real parsers: the Atom feed (feedparser), the calendars
(icalendar), the sitemap (xmlschema and the sitemaps.org XSD), the JSON-LD, the Open Graph
tags, editions.json and robots.txt; news pages; hashed stylesheet names."""

from __future__ import annotations

import hashlib
import html.parser
import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree

import feedparser
import icalendar
import pytest
import xmlschema
import yaml
from conftest import REAL_TODAY, REPO, run_cli

from cmrsite.model import Edition, Site
from cmrsite.pipeline import Options, load

BASE = "https://example.org/cmr/"
SCHEMA = Path(__file__).parent / "schemas" / "sitemap.xsd"
MakeSite = Callable[..., Path]


# --- helpers ---------------------------------------------------------------------------------


class Head(html.parser.HTMLParser):
    """The metadata of a page: meta tags, link elements, JSON-LD scripts, anchors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[tuple[str, str]] = []
        self.json_ld: list[str] = []
        self._script: list[str] | None = None
        self._anchor: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name") or ""
            self.metas[key] = values["content"]
        elif tag == "link":
            self.links.append(values)
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._script = []
        elif tag == "a" and "href" in values:
            self._anchor = (values["href"], [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.json_ld.append("".join(self._script))
            self._script = None
        elif tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor[0], " ".join("".join(self._anchor[1]).split())))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        if self._anchor is not None:
            self._anchor[1].append(data)


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def build(project: Path, out: Path, *args: str) -> Path:
    result = run_cli(project, "build", "--out", str(out), *args)
    assert result.code == 0, result.output
    return out


def site_model(project: Path, today: str, base_url: str | None = BASE) -> Site:
    site, problems = load(Options(project, date.fromisoformat(today), base_url=base_url))
    assert site is not None, problems
    return site


def events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def page_url(relative_file: str) -> str:
    """`editions/x/index.html` -> `https://example.org/cmr/editions/x/`."""
    return BASE + relative_file.removesuffix("index.html")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built as CI publishes it: --strict, an absolute sub-path base URL."""
    out = tmp_path_factory.mktemp("published") / "out"
    return build(REPO, out, "--today", REAL_TODAY, "--base-url", BASE, "--strict")


@pytest.fixture(scope="module")
def real() -> Site:
    return site_model(REPO, REAL_TODAY)


# --- Atom feed -------------------------------------------------------------------------------


def test_feed_parses_without_error_and_has_every_summary_and_article(
    published: Path, real: Site
) -> None:
    feed = feedparser.parse((published / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Clusters meet Regions"
    assert feed.feed.id.startswith("tag:example.org,")
    assert {link.rel: link.href for link in feed.feed.links}["self"] == BASE + "feed.xml"
    summaries = [
        e for e in real.editions if e.summary is not None and e.summary.meta.published is not None
    ]
    assert real.news, "the real site has news articles"
    expected_urls = {BASE + f"editions/{e.slug}/" for e in summaries} | {
        BASE + f"news/{a.slug}/" for a in real.news
    }
    assert {entry.link for entry in feed.entries} == expected_urls
    assert len(feed.entries) == len(summaries) + len(real.news)


def test_feed_entries_have_stable_ids_and_dates_from_the_front_matter(
    published: Path, real: Site
) -> None:
    feed = feedparser.parse((published / "feed.xml").read_bytes())
    published_dates = {
        BASE + f"editions/{e.slug}/": e.summary.meta.published
        for e in real.editions
        if e.summary is not None and e.summary.meta.published is not None
    } | {BASE + f"news/{a.slug}/": a.published for a in real.news}
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids)
    for entry in feed.entries:
        day = published_dates[entry.link]
        assert entry.updated == f"{day.isoformat()}T00:00:00Z"
        assert entry.published == entry.updated
        path = entry.link.removeprefix(BASE)
        assert entry.id == f"tag:example.org,{day.isoformat()}:{path}"
    updated = [entry.updated for entry in feed.entries]
    assert updated == sorted(updated, reverse=True), "newest first"
    assert feed.feed.updated == updated[0], "the feed is as new as its newest entry"


def test_feed_ids_do_not_depend_on_the_sub_path(tmp_path: Path, published: Path) -> None:
    other = build(
        REPO, tmp_path / "out", "--today", REAL_TODAY, "--base-url", "https://example.org/"
    )
    ids = [e.id for e in feedparser.parse((published / "feed.xml").read_bytes()).entries]
    moved = [e.id for e in feedparser.parse((other / "feed.xml").read_bytes()).entries]
    assert ids == moved


def test_feed_content_is_html_with_absolute_links(published: Path) -> None:
    feed = feedparser.parse((published / "feed.xml").read_bytes())
    for entry in feed.entries:
        content = entry.content[0]
        assert content.type == "text/html"
        assert "<p>" in content.value
        for url in re.findall(r'(?:href|src)="([^"]*)"', content.value):
            assert url.startswith(("https://", "http://", "mailto:")), (entry.link, url)
    raw = (published / "feed.xml").read_text(encoding="utf-8")
    # A link between summaries, written root-relative in Markdown, is absolute in the feed.
    assert "href=&#34;https://example.org/cmr/editions/vilnius-2022/&#34;" in raw


def test_feed_content_resolves_relative_links_against_the_page(make_site: MakeSite) -> None:
    summary = (
        "---\ntitle: Iași in short\npublished: 2023-11-28\n---\n"
        "See [Zagreb](../zagreb-2022/), [the top](#top) and [home](/).\n\n![A map](map.png)\n"
    )
    project = make_site({"content/editions/iasi-2023.md": summary})
    out = build(project, project / "output", "--today", "2024-01-01", "--base-url", BASE)
    (entry,) = feedparser.parse((out / "feed.xml").read_bytes()).entries
    content = entry.content[0].value
    assert f'href="{BASE}editions/zagreb-2022/"' in content
    assert f'href="{BASE}editions/iasi-2023/#top"' in content
    assert f'href="{BASE}"' in content
    assert f'src="{BASE}editions/iasi-2023/map.png"' in content


def test_feed_without_base_url_uses_root_relative_links(make_site: MakeSite) -> None:
    project = make_site({"data/site.yaml": "title: Test Series\n"})
    out = build(project, project / "output", "--today", "2024-01-01")
    raw = (out / "feed.xml").read_text(encoding="utf-8")
    feed = feedparser.parse(raw.encode())
    assert not feed.bozo
    assert "<id>tag:clusters-meet-regions,2022:feed.xml</id>" in raw
    assert 'href="/feed.xml"' in raw


# --- iCalendar -------------------------------------------------------------------------------


def test_calendar_has_every_edition_with_its_fields(published: Path, real: Site) -> None:
    found = events(published / "calendar.ics")
    assert len(found) == len(real.editions)
    for edition in real.editions:
        event = found[f"{edition.slug}@example.org"]
        check_event(event, edition, real)


def check_event(event: icalendar.Event, edition: Edition, site: Site) -> None:
    assert event["SUMMARY"] == edition.name
    assert event.decoded("DTSTART") == edition.dates.start
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTEND") == edition.dates.end + timedelta(days=1)
    assert event["DTEND"].params["VALUE"] == "DATE"
    place = [edition.city, edition.region, edition.country]
    if edition.region in (None, edition.city):
        place.remove(edition.region)
    assert event["LOCATION"] == ", ".join(str(p) for p in place)
    if edition.location is None:
        assert "GEO" not in event
    else:
        geo = event["GEO"]
        assert (geo.latitude, geo.longitude) == (edition.location.lat, edition.location.lon)
    assert event["URL"] == BASE + f"editions/{edition.slug}/"
    assert BASE + f"editions/{edition.slug}/" in event["DESCRIPTION"]
    status = edition.status(site.today).value
    expected = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}.get(status, "CONFIRMED")
    assert event["STATUS"] == expected
    stamp = event.decoded("DTSTAMP")
    assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)


def test_each_edition_has_its_own_event_file(published: Path, real: Site) -> None:
    for edition in real.editions:
        path = published / "editions" / edition.slug / "event.ics"
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert calendar["VERSION"] == "2.0"
        assert calendar["PRODID"]
        (event,) = calendar.walk("VEVENT")
        check_event(event, edition, real)


def test_the_moved_palma_edition_is_on_its_held_dates(published: Path) -> None:
    event = events(published / "calendar.ics")["palma-2025@example.org"]
    assert event.decoded("DTSTART") == date(2025, 5, 14)
    assert event.decoded("DTEND") == date(2025, 5, 16)
    assert event["SEQUENCE"] == 1


EDGE_EDITIONS = """\
- city: Zagreb
  country: Croatia
  start: 2022-11-30
  end: 2022-12-01
  location: {lat: 45.815, lon: 15.9819}
- city: Graz
  country: Austria
  region: Styria
  start: 2023-05-10
- city: Turku
  country: Finland
  start: 2023-12-31
  end: 2024-01-01
- city: Porto
  country: Portugal
  region: Porto
  start: 2026-03-03
  end: 2026-03-04
  status: cancelled
- city: Gdańsk
  country: Poland
  start: 2026-06-01
  end: 2026-06-02
  status: postponed
"""


@pytest.fixture
def edge_site(make_site: MakeSite) -> Path:
    project = make_site({"data/editions.yaml": EDGE_EDITIONS})
    return build(project, project / "output", "--today", "2025-01-01")


@pytest.mark.parametrize(
    ("uid", "start", "end_exclusive"),
    [
        ("zagreb-2022@example.org", date(2022, 11, 30), date(2022, 12, 2)),  # over a month end
        ("graz-2023@example.org", date(2023, 5, 10), date(2023, 5, 11)),  # one day
        ("turku-2023@example.org", date(2023, 12, 31), date(2024, 1, 2)),  # over a year end
    ],
)
def test_dtend_is_the_day_after_the_last_day(
    edge_site: Path, uid: str, start: date, end_exclusive: date
) -> None:
    event = events(edge_site / "calendar.ics")[uid]
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == end_exclusive


def test_cancelled_and_postponed_editions_have_their_status(edge_site: Path) -> None:
    found = events(edge_site / "calendar.ics")
    assert found["porto-2026@example.org"]["STATUS"] == "CANCELLED"
    assert found["gdansk-2026@example.org"]["STATUS"] == "TENTATIVE"
    assert found["graz-2023@example.org"]["STATUS"] == "CONFIRMED"
    assert found["porto-2026@example.org"]["LOCATION"] == "Porto, Portugal"
    assert found["graz-2023@example.org"]["LOCATION"] == "Graz, Styria, Austria"
    assert "GEO" not in found["graz-2023@example.org"]
    assert "GEO" in found["zagreb-2022@example.org"]


def test_uids_stay_when_an_edition_moves(make_site: MakeSite) -> None:
    project = make_site({"data/editions.yaml": EDGE_EDITIONS})
    first = events(build(project, project / "a", "--today", "2025-01-01") / "calendar.ics")
    moved = EDGE_EDITIONS.replace("start: 2023-05-10", "slug: graz-2023\n  start: 2023-06-10")
    (project / "data" / "editions.yaml").write_text(moved, encoding="utf-8")
    second = events(build(project, project / "b", "--today", "2025-01-01") / "calendar.ics")
    assert set(first) == set(second)
    assert second["graz-2023@example.org"].decoded("DTSTART") == date(2023, 6, 10)


def test_calendar_without_base_url_has_no_url_and_a_default_uid_host(
    make_site: MakeSite,
) -> None:
    project = make_site({"data/site.yaml": "title: Test Series\n"})
    out = build(project, project / "output", "--today", "2024-01-01")
    found = events(out / "calendar.ics")
    event = found["iasi-2023@clusters-meet-regions"]
    assert "URL" not in event
    assert "/editions/iasi-2023/" in event["DESCRIPTION"]


def test_calendars_do_not_read_the_clock(make_site: MakeSite) -> None:
    project = make_site()
    first = build(project, project / "a", "--today", "2024-01-01")
    second = build(project, project / "b", "--today", "2024-01-01")
    for name in ("calendar.ics", "editions/iasi-2023/event.ics", "feed.xml", "sitemap.xml"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


# --- sitemap and robots.txt ------------------------------------------------------------------


def test_sitemap_is_valid_against_the_sitemaps_org_schema(published: Path) -> None:
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(str(published / "sitemap.xml"))


def test_sitemap_lists_every_page_but_the_404(published: Path, real: Site) -> None:
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(published / "sitemap.xml").getroot()
    entries = {
        url.findtext("sm:loc", namespaces=namespace): url.findtext(
            "sm:lastmod", namespaces=namespace
        )
        for url in root.findall("sm:url", namespace)
    }
    pages = sorted(
        page_url(p.relative_to(published).as_posix()) for p in published.rglob("index.html")
    )
    assert list(entries) == pages, "every page, sorted"
    assert BASE + "404.html" not in entries
    iasi = next(e for e in real.editions if e.slug == "iasi-2023")
    assert iasi.summary is not None and iasi.summary.meta.published is not None
    assert entries[BASE + "editions/iasi-2023/"] == iasi.summary.meta.published.isoformat()
    assert entries[BASE + "editions/"] is None


def test_robots_txt_allows_all_and_names_the_sitemap(published: Path) -> None:
    text = (published / "robots.txt").read_text(encoding="utf-8")
    assert text.splitlines()[:2] == ["User-agent: *", "Disallow:"]
    assert f"Sitemap: {BASE}sitemap.xml" in text.splitlines()


def test_robots_txt_without_base_url_names_no_sitemap(make_site: MakeSite) -> None:
    project = make_site({"data/site.yaml": "title: Test Series\n"})
    out = build(project, project / "output", "--today", "2024-01-01")
    assert "Sitemap:" not in (out / "robots.txt").read_text(encoding="utf-8")


def test_strict_build_without_absolute_base_url_says_so_but_succeeds(make_site: MakeSite) -> None:
    # A preview or a copy served at a host's root works with root-relative URLs: the strict
    # build says what publishing needs, as information, and does not fail on it.
    project = make_site({"data/site.yaml": "title: Test Series\n"})
    result = run_cli(project, "build", "--today", "2024-01-01", "--strict")
    assert result.code == 0, result.output
    assert "data/site.yaml:0:0: info: the base URL `/` is not absolute" in result.stderr
    assert "--base-url https://host/path/" in result.stderr
    ok = run_cli(project, "build", "--today", "2024-01-01", "--strict", "--base-url", BASE)
    assert ok.code == 0, ok.output
    assert "not absolute" not in ok.stderr


# --- structured data and page metadata -------------------------------------------------------


def json_ld(path: Path) -> dict[str, Any]:
    (text,) = head(path).json_ld
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def test_every_edition_page_has_an_event_in_json_ld(published: Path, real: Site) -> None:
    organiser = real.config.organiser
    assert organiser is not None
    for edition in real.editions:
        data = json_ld(published / "editions" / edition.slug / "index.html")
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "Event"
        assert data["name"] == edition.name
        assert data["startDate"] == edition.dates.start.isoformat()
        assert data["endDate"] == edition.dates.end.isoformat()
        assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
        assert data["url"] == BASE + f"editions/{edition.slug}/"
        assert data["description"]
        assert data["organizer"] == {
            "@type": "Organization",
            "name": organiser.name,
            "url": organiser.url,
        }
        location = data["location"]
        assert location["@type"] == "Place"
        address = location["address"]
        assert address["@type"] == "PostalAddress"
        assert address["addressLocality"] == edition.city
        assert address.get("addressRegion") == edition.region
        assert address["addressCountry"] == (edition.country_code or edition.country)
        if edition.location is not None:
            assert location["geo"] == {
                "@type": "GeoCoordinates",
                "latitude": edition.location.lat,
                "longitude": edition.location.lon,
            }
        moved = edition.planned is not None and edition.planned != edition.dates
        expected = "EventRescheduled" if moved else "EventScheduled"
        assert data["eventStatus"] == "https://schema.org/" + expected
        assert ("previousStartDate" in data) == moved


def test_palma_json_ld_is_rescheduled_from_its_planned_date(published: Path) -> None:
    data = json_ld(published / "editions" / "palma-2025" / "index.html")
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2024-10-24"
    assert data["startDate"] == "2025-05-14"


def test_cancelled_and_postponed_json_ld(edge_site: Path) -> None:
    cancelled = json_ld(edge_site / "editions" / "porto-2026" / "index.html")
    postponed = json_ld(edge_site / "editions" / "gdansk-2026" / "index.html")
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    assert postponed["eventStatus"] == "https://schema.org/EventPostponed"
    assert "geo" not in cancelled["location"]


def test_json_ld_cannot_be_closed_by_the_data(make_site: MakeSite) -> None:
    title = "Clusters </script><script>alert(1)</script> & <!-- regions"
    editions = f'- city: Graz\n  country: Austria\n  start: 2023-05-10\n  title: "{title}"\n'
    project = make_site({"data/editions.yaml": editions})
    out = build(project, project / "output", "--today", "2024-01-01")
    page = (out / "editions" / "graz-2023" / "index.html").read_text(encoding="utf-8")
    script = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and ">" not in script
    assert json.loads(script)["description"] == title
    assert page.count("<script") == 1


def test_every_page_has_open_graph_twitter_and_canonical_tags(published: Path) -> None:
    pages = sorted(published.rglob("*.html"))
    assert len(pages) > 25
    for path in pages:
        relative = path.relative_to(published).as_posix()
        found = head(path)
        canonical = [link["href"] for link in found.links if link.get("rel") == "canonical"]
        expected_url = page_url(relative)
        assert canonical == [expected_url], relative
        metas = found.metas
        assert metas["og:url"] == expected_url, relative
        assert metas["og:title"] and metas["og:description"], relative
        assert metas["og:site_name"] == "Clusters meet Regions"
        assert metas["og:locale"] == "en_GB"
        expected_type = (
            "article"
            if relative.startswith("news/") and relative != "news/index.html"
            else "website"
        )
        assert metas["og:type"] == expected_type, relative
        assert metas["twitter:card"] == "summary"
        assert metas["twitter:title"] == metas["og:title"]
        feeds = [link for link in found.links if link.get("type") == "application/atom+xml"]
        assert len(feeds) == 1, relative


def test_edition_and_invitation_pages_link_to_their_calendar_file(
    published: Path, real: Site
) -> None:
    for edition in real.editions:
        page = f"editions/{edition.slug}/"
        anchors = head(published / page / "index.html").anchors
        calendar = [
            urljoin(BASE + page, href)
            for href, text in anchors
            if text.startswith("Add to calendar")
        ]
        assert calendar == [BASE + page + "event.ics"]
        assert ("Add to calendar: " + edition.name) in [text for _, text in anchors]
    anchors = head(published / "invitation" / "index.html").anchors
    calendar = [
        urljoin(BASE + "invitation/", href)
        for href, text in anchors
        if text.startswith("Add to calendar")
    ]
    assert calendar == [BASE + "editions/chisinau-2024/event.ics"]


# --- editions.json ---------------------------------------------------------------------------


def test_open_data_has_every_record_with_status_and_urls(published: Path, real: Site) -> None:
    data = json.loads((published / "editions.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["status_date"] == REAL_TODAY
    assert data["site"] == {"title": "Clusters meet Regions", "url": BASE}
    records = data["editions"]
    assert [r["slug"] for r in records] == [e.slug for e in real.editions]
    for record, edition in zip(records, real.editions, strict=True):
        assert record["city"] == edition.city
        assert record["country"] == edition.country
        assert record["start"] == edition.dates.start.isoformat()
        assert record["end"] == edition.dates.end.isoformat()
        assert record["status"] == edition.status(real.today).value
        assert record["url"] == BASE + f"editions/{edition.slug}/"
        assert record["calendar_url"] == BASE + f"editions/{edition.slug}/event.ics"
        assert record["participants"] == edition.participants
        for resource in record["resources"]:
            assert resource["url"].startswith(("https://", "http://"))
        if edition.summary is not None:
            assert record["summary_url"] == record["url"] + "#summary"
        else:
            assert record["summary_url"] == edition.summary_url
    palma = next(r for r in records if r["slug"] == "palma-2025")
    assert palma["planned"] == {"start": "2024-10-24", "end": "2024-10-25"}
    by_slug = {r["slug"]: r["status"] for r in records}
    assert by_slug["chisinau-2024"] == "upcoming"
    assert by_slug["iasi-2023"] == "past"


def test_open_data_is_documented() -> None:
    text = (REPO / "docs" / "opendata.md").read_text(encoding="utf-8")
    data = json.loads(
        (REPO / "docs" / "opendata.md")
        .read_text(encoding="utf-8")
        .split("```json", 1)[1]
        .split("```", 1)[0]
    )
    record = data["editions"][0]
    for key in ("version", "status_date", "site", "editions"):
        assert f"`{key}`" in text
    for key in record:
        assert f"`{key}`" in text, key


# --- news ------------------------------------------------------------------------------------


def test_news_are_listed_newest_first_and_each_has_a_page(published: Path, real: Site) -> None:
    assert [a.slug for a in real.news] == ["clusterix-bucharest-2017", "grow-your-regio-2017"]
    listing = [
        urljoin(BASE + "news/", href) for href, _ in head(published / "news/index.html").anchors
    ]
    articles = [u for u in listing if re.fullmatch(re.escape(BASE) + r"news/[a-z0-9-]+/", u)]
    assert articles == [BASE + f"news/{a.slug}/" for a in real.news]
    for article in real.news:
        page = published / "news" / article.slug / "index.html"
        text = page.read_text(encoding="utf-8")
        assert f"<h1>{article.title}</h1>" in text.replace("&#34;", '"')
        assert f'<time datetime="{article.published.isoformat()}">' in text


def test_main_navigation_links_to_the_news(published: Path) -> None:
    for path in [published / "index.html", published / "editions" / "iasi-2023" / "index.html"]:
        assert any(text == "News" for _, text in head(path).anchors), path


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("title: A\ndescription: B\n", "a news article needs `published` in its front matter"),
        ("description: B\npublished: 2020-01-02\n", "a news article needs `title`"),
        ("title: A\npublished: 2020-01-02\n", "a news article needs `description`"),
    ],
)
def test_news_front_matter_is_required(
    make_site: MakeSite, front_matter: str, message: str
) -> None:
    project = make_site({"content/news/some-news.md": f"---\n{front_matter}---\nText.\n"})
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 1
    assert f"content/news/some-news.md:1:1: error: {message}" in result.stderr


def test_a_news_file_name_must_be_a_slug(make_site: MakeSite) -> None:
    news = "---\ntitle: A\ndescription: B\npublished: 2020-01-02\n---\nText.\n"
    project = make_site({"content/news/Big News.md": news})
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 1
    assert "content/news/Big News.md:0:0: error: the file name `Big News.md`" in result.stderr


def test_draft_and_future_news_wait(make_site: MakeSite) -> None:
    news = "---\ntitle: A\ndescription: B\npublished: {day}\n{draft}---\nText.\n"
    project = make_site(
        {
            "content/news/draft.md": news.format(day="2020-01-02", draft="draft: true\n"),
            "content/news/future.md": news.format(day="2030-01-02", draft=""),
            "content/news/today.md": news.format(day="2024-01-01", draft=""),
        }
    )
    out = build(project, project / "output", "--today", "2024-01-01", "--base-url", BASE)
    assert sorted(p.name for p in (out / "news").iterdir()) == ["index.html", "today"]
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [e.link for e in feed.entries if "/news/" in e.link] == [BASE + "news/today/"]
    drafts = build(project, project / "drafts", "--today", "2024-01-01", "--drafts")
    assert (drafts / "news" / "draft" / "index.html").is_file()


# --- cache busting ---------------------------------------------------------------------------


def test_stylesheet_has_a_content_hashed_name_on_every_page(published: Path) -> None:
    css = (REPO / "templates" / "static" / "style.css").read_bytes()
    name = f"style.{hashlib.sha256(css).hexdigest()[:8]}.css"
    assert sorted(p.name for p in (published / "static").iterdir()) == [name]
    for path in published.rglob("*.html"):
        sheets = [link["href"] for link in head(path).links if link.get("rel") == "stylesheet"]
        assert len(sheets) == 1 and sheets[0].endswith("static/" + name), path


def test_changed_stylesheet_changes_its_name_and_images_keep_theirs(make_site: MakeSite) -> None:
    project = make_site(
        {"templates/static/logo.png": b"\x89PNG fake", "content/images/map.png": b"\x89PNG map"}
    )
    first = build(project, project / "a", "--today", "2024-01-01")
    css = project / "templates" / "static" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    second = build(project, project / "b", "--today", "2024-01-01")
    names = [sorted(p.name for p in (out / "static").iterdir()) for out in (first, second)]
    assert names[0] != names[1]
    for found in names:
        assert "logo.png" in found
        assert next(n for n in found if n.endswith(".css")) != "style.css"
    assert (second / "images" / "map.png").is_file()
    home = (second / "index.html").read_text(encoding="utf-8")
    assert next(n for n in names[1] if n.endswith(".css")) in home


def test_an_unknown_asset_is_a_template_error(make_site: MakeSite) -> None:
    project = make_site()
    base = project / "templates" / "base.html"
    text = base.read_text(encoding="utf-8").replace("asset('style.css')", "asset('styles.css')")
    base.write_text(text, encoding="utf-8")
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 1
    assert "templates/base.html" in result.stderr
    assert "asset `styles.css` is not a file of templates/static/" in result.stderr


def test_a_content_file_on_a_generated_path_is_an_error(make_site: MakeSite) -> None:
    project = make_site({"content/feed.xml": "<feed/>"})
    result = run_cli(project, "build", "--today", "2024-01-01")
    assert result.code == 1
    assert "content/feed.xml:0:0: error: `feed.xml` would overwrite the Atom feed" in result.stderr
    assert "Traceback" not in result.stderr


# --- deploy workflow -------------------------------------------------------------------------


def test_deploy_workflow_publishes_only_a_strict_build() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    build_job, deploy_job = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert deploy_job["needs"] == "build", "a failing build never publishes"
    steps = build_job["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses[:3] == ["actions/checkout", "actions/setup-python", "actions/configure-pages"]
    assert steps[1]["with"]["python-version"] == "3.11"
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "pip install ."
    assert runs[1].startswith("python build.py --strict --base-url")
    assert "steps.pages.outputs.base_url" in runs[1]
    upload = steps[-1]
    assert upload["uses"].startswith("actions/upload-pages-artifact@")
    assert upload["with"]["path"] == "output/"
    assert [s["uses"].split("@")[0] for s in deploy_job["steps"]] == ["actions/deploy-pages"]
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}


def test_an_edition_is_named_after_the_series_the_site_is_for(make_site: MakeSite) -> None:
    """Another series using the generator: its editions are named with its own title (the
    site's), in the page title, the JSON-LD, the calendars and the open data."""
    project = make_site({"data/site.yaml": "title: Regional Cluster Days\nbase_url: /\n"})
    result = run_cli(project, "build", "--today", "2024-10-01")
    assert result.code == 0, result.output
    out = project / "output"
    page = out / "editions" / "iasi-2023" / "index.html"
    assert "<title>Regional Cluster Days Iași 2023 · Regional Cluster Days</title>" in (
        page.read_text("utf-8")
    )
    assert json_ld(page)["name"] == "Regional Cluster Days Iași 2023"
    calendar = icalendar.Calendar.from_ical((out / "editions/iasi-2023/event.ics").read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Regional Cluster Days Iași 2023"
    data = json.loads((out / "editions.json").read_text("utf-8"))
    assert {edition["name"] for edition in data["editions"]} >= {"Regional Cluster Days Iași 2023"}
    assert "Clusters meet Regions" not in page.read_text("utf-8")
