"""The direct writer of the open data gives the bytes of the general one,
`jsontext.dumps(opendata.document(site))`: compared on the real site and on records of any text
and number (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

import jinja2
import pytest
from conftest import REAL_TODAY, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmrsite import deps, jsontext, opendata, templating
from cmrsite.model import (
    Article,
    DateRange,
    Document,
    Edition,
    FrontMatter,
    Location,
    Organiser,
    Partner,
    Resource,
    Site,
    SiteConfig,
    Status,
)
from cmrsite.pipeline import Options, load

BASES = ["/", "https://example.org/sub/", "https://example.org/a&b'<c>\"/"]


def general_open_data(site: Site) -> bytes:
    return (jsontext.dumps(opendata.document(site)) + "\n").encode("utf-8")


def real_site(base_url: str) -> Site:
    site, problems = load(Options(REPO, date.fromisoformat(REAL_TODAY), base_url=base_url))
    assert site is not None, problems
    return site


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return templating.make_environment(REPO / "templates", "en-GB")


# --- the real site -----------------------------------------------------------------------------


@pytest.mark.parametrize("base_url", BASES)
def test_real_site_open_data_is_the_general_writer_s(base_url: str) -> None:
    site = real_site(base_url)
    assert opendata.render(site) == general_open_data(site)
    assert json.loads(opendata.render(site)) == json.loads(general_open_data(site))


def test_open_data_reads_what_the_record_dictionaries_read() -> None:
    """The dev server makes the open data again when a field it read changes: the direct
    writer must read the same fields of the documents as `document`."""
    site = deps.watch_site(real_site("https://example.org/sub/"))
    deps.WATCH.start()
    opendata.document(site)
    general = deps.WATCH.stop()
    deps.WATCH.start()
    opendata.render(site)
    direct = deps.WATCH.stop()
    assert direct == general
    assert general  # the published dates of the summaries


# --- any text and numbers ---------------------------------------------------------------------

TEXT = st.text(max_size=12)
"""Any text: quotes, backslashes, control characters, `</script>`, letters of any script."""
SOME_TEXT = st.one_of(
    TEXT, st.sampled_from(['a"b', "a\\b", "</script>", "x\u2028y", "Łódź", "\x00"])
)
OPTIONAL_TEXT = st.none() | SOME_TEXT
DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 1))
NUMBER = st.none() | st.integers() | st.floats()
"""Numbers as the records hold them (and floats, NaN and infinities among them)."""


def _document(path: str, published: date | None, title: str | None) -> Document:
    meta = FrontMatter(title=title, description=title, published=published)
    return Document(path, "content/" + path, meta, "Some *text* and [a link](../x/).\n", 1)


@st.composite
def editions(draw: st.DrawFn, index: int) -> Edition:
    start = draw(DAYS)
    slug = f"{draw(st.sampled_from(['iasi', 'a&b', 'q-x']))}-{index}"
    summary = None
    if draw(st.booleans()):
        published = draw(st.none() | DAYS)
        summary = _document(f"editions/{slug}.md", published, draw(OPTIONAL_TEXT))
    planned = None
    if draw(st.booleans()):
        planned = DateRange(draw(DAYS), draw(DAYS))
    location = None
    if draw(st.booleans()):
        location = Location(draw(st.floats() | st.integers()), draw(st.floats()))
    return Edition(
        slug=slug,
        city=draw(SOME_TEXT),
        country=draw(SOME_TEXT),
        dates=DateRange(start, start + timedelta(days=draw(st.integers(0, 3)))),
        line=1,
        country_code=draw(OPTIONAL_TEXT),
        region=draw(OPTIONAL_TEXT),
        title=draw(OPTIONAL_TEXT),
        summary=summary,
        summary_url=draw(st.none() | st.just("https://elsewhere.example/s?a=1&b=2")),
        declared_status=draw(st.none() | st.sampled_from([Status.CANCELLED, Status.POSTPONED])),
        planned=planned,
        location=location,
        participants=draw(NUMBER),  # type: ignore[arg-type]
        bilateral_meetings=draw(NUMBER),  # type: ignore[arg-type]
        partners=tuple(
            Partner(draw(SOME_TEXT), draw(OPTIONAL_TEXT)) for _ in range(draw(st.integers(0, 2)))
        ),
        resources=tuple(
            Resource(draw(SOME_TEXT), draw(st.sampled_from(["files/a b.pdf", "https://x.org/"])))
            for _ in range(draw(st.integers(0, 2)))
        ),
        registration_url=draw(OPTIONAL_TEXT),
    )


@st.composite
def sites(draw: st.DrawFn) -> Site:
    count = draw(st.integers(0, 4))
    found = [draw(editions(index)) for index in range(count)]
    organiser = draw(st.none() | st.builds(Organiser, SOME_TEXT, OPTIONAL_TEXT))
    config = SiteConfig(
        title=draw(SOME_TEXT),
        description=draw(SOME_TEXT),
        base_url=draw(st.sampled_from(BASES)),
        organiser=organiser,
    )
    news = tuple(
        Article(
            f"news-{index}",
            _document(f"news/news-{index}.md", None, None),
            draw(SOME_TEXT),
            draw(SOME_TEXT),
            draw(DAYS),
        )
        for index in range(draw(st.integers(0, 2)))
    )
    news = tuple(sorted(news, key=Article.sort_key, reverse=True))
    return Site(config, tuple(sorted(found, key=Edition.sort_key)), None, draw(DAYS), news)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_open_data_of_any_records_is_the_general_writers(site: Site) -> None:
    assert opendata.render(site) == general_open_data(site)


@pytest.mark.parametrize(
    "change",
    [{"participants": True}, {"bilateral_meetings": 2**70}, {"title": 3}, {"country_code": b"RO"}],
)
def test_an_unusual_value_is_written_by_the_general_writer(change: dict[str, object]) -> None:
    site = real_site("/")
    first = dataclasses.replace(site.editions[0], **change)  # type: ignore[arg-type]
    odd = dataclasses.replace(site, editions=(first, *site.editions[1:]))
    try:
        expected = general_open_data(odd)
    except TypeError:  # bytes are not JSON
        with pytest.raises(TypeError):
            opendata.render(odd)
        return
    assert opendata.render(odd) == expected
