"""The shortcuts the render step takes write what plain Jinja and markupsafe would write, and
page keys still tell pages apart (the byte-for-byte comparisons of whole sites are in
test_build.py and test_incremental.py)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup, escape

from cmrsite import engine, templating
from cmrsite.model import DateRange, Document, Edition, FrontMatter, Status
from cmrsite.pages import Page, PageInfo

TRICKY = ["", "plain", "<b>&amp;</b>", 'it\'s "quoted"', "Iași & Chișinău > Zagreb"]


@pytest.mark.parametrize(
    "value",
    [*TRICKY, Markup("<em>kept</em>"), 42, -7, True, None, 1.5, date(2024, 10, 10)],
)
def test_output_escaping_is_markupsafes(value: object) -> None:
    assert templating._escape_output(value) == str(escape(value))


@pytest.mark.parametrize("text", TRICKY)
def test_text_escaping_is_markupsafes(text: str) -> None:
    assert templating._escape_text(text) == templating._escape_replacing(text) == escape(text)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            date(2023, 11, 21),
            date(2023, 11, 23),
            '<time datetime="2023-11-21">21</time>–<time datetime="2023-11-23">23 November 2023</time>',
        ),
        (
            date(2022, 11, 30),
            date(2022, 12, 1),
            '<time datetime="2022-11-30">30 November</time> – '
            '<time datetime="2022-12-01">1 December 2022</time>',
        ),
        (
            date(2023, 12, 30),
            date(2024, 1, 2),
            '<time datetime="2023-12-30">30 December 2023</time> – '
            '<time datetime="2024-01-02">2 January 2024</time>',
        ),
        (date(2024, 5, 7), date(2024, 5, 7), '<time datetime="2024-05-07">7 May 2024</time>'),
    ],
)
def test_time_range(start: date, end: date, expected: str) -> None:
    written = templating.time_range(DateRange(start, end), "en-GB")
    assert isinstance(written, Markup)
    assert written == expected


CALLS = """\
{{ url('editions/') }} {% set page = other %}{{ url('news/') }} {{ asset('style.css') }}
{% for page in [other, page] %}{{ url('') }}|{% endfor %}
{% macro link(to) %}<a href="{{ url(to) }}">{{ caller() }}</a>{% endmacro %}
{% call link('editions/') %}{{ url('feed.xml') }}{% endcall %}
{% macro pair(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ pair(1) }} {{ pair(1, b=3) }}
{{ 'editions/x/'.startswith('editions/') }} {{ page.path.replace('/', '|') }}
{% block body %}{% set page = other %}{{ url('invitation/') }}{% endblock %}
"""


def test_page_functions_see_the_page_plain_jinja_gives_them(tmp_path: Path) -> None:
    """`url` and `asset`, called without Jinja's `call`, still see the page of the scope."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}\n")
    (tmp_path / "calls.html").write_text(CALLS)
    ours = templating.make_environment(tmp_path, "en-GB")
    plain = jinja2.Environment(
        loader=jinja2.FileSystemLoader(tmp_path),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    plain.globals.update(url=ours.globals["url"], asset=ours.globals["asset"])
    page = PageInfo("editions/x/", "X", "", "https://e.org/editions/x/", "../../")
    other = PageInfo("a/b/c/", "C", "", "https://e.org/a/b/c/", "../../../")
    context = {"page": page, "other": other}
    written = ours.get_template("calls.html").render(context)
    assert written == plain.get_template("calls.html").render(context)
    assert written.startswith("../../editions/ ../../../news/ ../../../static/style.")


REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_the_status_badge_filter_writes_the_macro(status: str) -> None:
    env = templating.make_environment(REPO / "templates", "en-GB")
    through_filter = env.from_string("{{ status | status_badge }}").render(status=status)
    macro = '{% from "_macros.html" import status_badge %}{{ status_badge(status) }}'
    assert through_filter == env.from_string(macro).render(status=status)
    assert (through_filter == "") == (status == "past")


def _document(body: str) -> Document:
    return Document("editions/x.md", "content/editions/x.md", FrontMatter(title="X"), body, 4)


def _edition(**changes: Any) -> Edition:
    edition = Edition(
        slug="x-2024",
        city="X",
        country="Y",
        dates=DateRange(date(2024, 5, 7), date(2024, 5, 8)),
        line=1,
        summary=_document("A summary.\n"),
    )
    return dataclasses.replace(edition, **changes)


def _pages(edition: Edition) -> list[Page]:
    info = PageInfo("editions/x-2024/", "X", "", "https://e.org/editions/x-2024/", "../../")
    own = Page(info, "edition.html", {"edition": edition, "summary": edition.summary})
    listing = PageInfo("editions/", "All", "", "https://e.org/editions/", "../")
    return [Page(listing, "archive.html", {"editions": [edition]}), own]


def test_page_keys_are_the_same_for_equal_pages() -> None:
    first = engine.page_keys("site", _pages(_edition()))
    assert first == engine.page_keys("site", _pages(_edition()))
    assert first == [engine.page_key("site", page) for page in _pages(_edition())]
    assert all(first) and len(set(first)) == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"summary": _document("Another summary.\n")},
        {"city": "Z"},
        {"dates": DateRange(date(2024, 5, 7), date(2024, 5, 9))},
        {"declared_status": Status.CANCELLED},
    ],
)
def test_page_keys_change_with_what_the_pages_hold(changes: dict[str, Any]) -> None:
    before = engine.page_keys("site", _pages(_edition()))
    after = engine.page_keys("site", _pages(_edition(**changes)))
    assert all(after)
    assert before[0] != after[0] and before[1] != after[1]
    assert engine.page_keys("other site", _pages(_edition(**changes))) != after


def test_a_page_that_cannot_be_fingerprinted_has_no_key() -> None:
    page = _pages(_edition())[1]
    unpicklable = dataclasses.replace(page, context={"function": lambda: None})
    assert engine.page_keys("site", [unpicklable, page]) == ["", engine.page_key("site", page)]
