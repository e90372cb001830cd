"""The content checks of `check` and `build`: each finding at its exact file:line:col, a
warning that `--strict` makes an error, and information that never fails a run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import run_build_py, run_cli

from cmrsite.checks import find_dates, find_mojibake, resolve, site_path
from cmrsite.model import DateRange

CHISINAU = """\
- city: Chișinău
  country: Moldova
  start: 2024-10-10
  end: 2024-10-11
  invitation: invitations/chisinau-2024.md
- city: Palma
  country: Spain
  start: 2025-05-14
  end: 2025-05-15
  planned: {start: 2024-10-24, end: 2024-10-25}
  summary: editions/palma-2025.md
- city: Iași
  country: Romania
  start: 2023-11-21
  end: 2023-11-23
  summary: editions/iasi-2023.md
"""

INVITATION = """\
---
title: "Invitation: Chișinău, 24–25 October 2024"
description: Join us in Chișinău.
---
# Clusters meet Regions, 24-25 October 2024

The conference takes place on 10 -11 October 2024 in Chișinău; the matchmaking is on
the afternoon of 10 October. The next edition, in Palma, was announced for 24–25 October 2024.

- Register by 1 October.
- The Danube Region forum in Ulm, 20-21 November 2024, follows.
- Dates written as October 24-25, 2024 or from 24 to 25 October are read too.
"""

PALMA = """\
---
title: Palma in short
---
Planned for 24–25 October 2024, held on 14–15 May 2025: the 14 May session opened it.
Originally 24-25 October, then postponed.
"""


def check(project: Path, *args: str) -> tuple[int, list[str]]:
    result = run_cli(project, "check", "--today", "2024-10-01", *args)
    lines = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith("    hint:") and ": info: " not in line
    ]
    return result.code, lines


def test_a_date_that_contradicts_the_record_is_flagged_where_it_is_written(
    make_site: Callable[..., Path],
) -> None:
    project = make_site(
        {
            "data/editions.yaml": CHISINAU,
            "content/invitations/chisinau-2024.md": INVITATION,
            "content/editions/palma-2025.md": PALMA,
        }
    )
    code, lines = check(project)
    assert code == 0
    suffix = (
        "contradicts the record of Chișinău 2024 (data/editions.yaml:1): 10–11 October 2024; "
        "these are the dates of Palma 2025 as first announced"
    )
    label = "content/invitations/chisinau-2024.md"
    assert lines == [
        f"{label}:2:31: warning: `24–25 October 2024` {suffix}",
        f"{label}:5:26: warning: `24-25 October 2024` {suffix}",
        f"{label}:12:20: warning: `October 24-25, 2024` {suffix}",
        f"{label}:12:48: warning: `24 to 25 October` {suffix}",
    ]


def test_under_strict_the_date_warnings_are_errors(make_site: Callable[..., Path]) -> None:
    project = make_site(
        {
            "data/editions.yaml": CHISINAU,
            "content/invitations/chisinau-2024.md": INVITATION,
            "content/editions/palma-2025.md": PALMA,
        }
    )
    code, lines = check(project, "--strict", "--base-url", "https://example.org/")
    assert code == 1
    assert lines[0].startswith(
        "content/invitations/chisinau-2024.md:2:31: error: `24–25 October 2024` contradicts"
    )
    assert lines[-1] == "4 errors: nothing was written"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_checks_as_check_does_and_under_strict_keeps_the_old_output(
    make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """`build` checks the documents in the processes that render the pages (one round of
    workers): it finds what `check` finds, and under --strict writes nothing."""
    monkeypatch.setenv("CMRSITE_JOBS", jobs)
    files = {
        "data/editions.yaml": CHISINAU,
        "content/invitations/chisinau-2024.md": INVITATION,
        "content/editions/palma-2025.md": PALMA,
    }
    # Enough documents for the work to be shared between processes when two are allowed.
    for number in range(120):
        files[f"content/news/note-{number}.md"] = (
            f"---\ntitle: Note {number}\ndescription: A note.\npublished: 2024-01-01\n---\n"
            f"See [x](/nowhere-{number}/).\n"
        )
    # Checked from the text the loader read (front matter and body), not read again: Windows
    # line endings and mojibake on both sides of the front matter's end are found alike.
    files["content/news/crlf.md"] = (
        "---\r\ntitle: CafÃ© notes\r\ndescription: A note.\r\npublished: 2024-01-01\r\n---\r\n"
        "\r\nThe cafÃ© opened.\r\n"
    )
    project = make_site(files)
    _, checked = check(project)
    assert any(line.startswith("content/news/crlf.md:2:") for line in checked)
    assert any(line.startswith("content/news/crlf.md:7:") for line in checked)
    built = run_cli(project, "build", "--today", "2024-10-01")
    assert built.code == 0, built.output
    found = [
        line
        for line in built.stderr.splitlines()
        if not line.startswith("    hint:") and ": info: " not in line
    ]
    in_markdown = [line for line in found if line.startswith("content/")]
    assert sorted(line for line in checked if line.startswith("content/")) == sorted(in_markdown)
    assert len(in_markdown) >= 124  # the four dates and a broken link in each note
    page = project / "output" / "index.html"
    before = page.read_bytes()

    strict = run_cli(
        project, "build", "--today", "2024-10-01", "--strict", "--base-url", "https://example.org/"
    )
    assert strict.code == 1
    assert "content/invitations/chisinau-2024.md:2:31: error: `24–25 October 2024`" in (
        strict.stderr
    )
    assert strict.stderr.rstrip().endswith("nothing was written")
    assert page.read_bytes() == before
    assert not [p for p in project.iterdir() if p.name.startswith(".cmrsite-staging")]


def test_a_summary_naming_its_own_dates_or_far_away_events_is_fine(
    make_site: Callable[..., Path],
) -> None:
    summary = (
        "Held 21-23 November 2023; the matchmaking ran on 22 November, and on 22–23 November "
        "the Romanian National Cluster Conference met too.\n\n"
        "GROW your REGIOn was held in Valencia from 8 to 9 November 2017.\n"
    )
    project = make_site({"content/editions/iasi-2023.md": summary})
    code, lines = check(project)
    assert (code, lines) == (0, [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("24-25 October 2024", ("24-25 October 2024", (2024, 10, 24), (2024, 10, 25))),
        ("on 10 -11 October 2024 in", ("10 -11 October 2024", (2024, 10, 10), (2024, 10, 11))),
        (
            "30 November – 1 December 2022",
            ("30 November – 1 December 2022", (2022, 11, 30), (2022, 12, 1)),
        ),
        ("from 8 to 9 November 2017", ("8 to 9 November 2017", (2017, 11, 8), (2017, 11, 9))),
        (
            "the 10th and 11th of October",
            ("10th and 11th of October", (None, 10, 10), (None, 10, 11)),
        ),
        ("October 10–11, 2024", ("October 10–11, 2024", (2024, 10, 10), (2024, 10, 11))),
        ("Oct. 10, 2024", ("Oct. 10, 2024", (2024, 10, 10), (2024, 10, 10))),
        ("on 14 May", ("14 May", (None, 5, 14), (None, 5, 14))),
    ],
)
def test_dates_are_read_as_people_write_them(text: str, found: tuple[object, ...]) -> None:
    [(_, mention)] = list(find_dates(text))
    assert (mention.text, mention.start, mention.end) == found


@pytest.mark.parametrize("text", ["In May 12 regions joined", "version 2.10 October", "14 Mayors"])
def test_numbers_that_are_not_dates_are_left_alone(text: str) -> None:
    assert list(find_dates(text)) == []


def test_a_missing_year_is_read_near_the_edition() -> None:
    [(_, mention)] = list(find_dates("30 December – 2 January"))
    near = date(2024, 1, 1)
    assert DateRange(date(2023, 12, 30), date(2024, 1, 2)) in resolve(mention, near)


def test_mojibake_is_flagged_with_the_likely_text(make_site: Callable[..., Path]) -> None:
    summary = (
        "---\ntitle: Iaศ™i in short\n---\n"
        "The event took place in Iaศ™i, Romania.\n\n"
        "> โ€œSupporting clusters could have a multiplying effectโ€\x9d, and â€œquotedâ€\x9d.\n"
        "Kraków, Kittilä, Chișinău, Düsseldorf, Skåne and “quotes” – are fine.\n"
    )
    records = "- city: Iași\n  country: Romania\n  region: Nord-Est ÃŽle\n  start: 2023-11-21\n  summary: editions/iasi-2023.md\n"
    project = make_site({"content/editions/iasi-2023.md": summary, "data/editions.yaml": records})
    code, lines = check(project)
    label = "content/editions/iasi-2023.md"
    assert code == 0
    assert lines == [
        f"{label}:2:8: warning: text looks mis-encoded: `Iaศ™i` is probably `Iași`",
        f"{label}:4:25: warning: text looks mis-encoded: `Iaศ™i,` is probably `Iași,`",
        f"{label}:6:3: warning: text looks mis-encoded: `โ€œSupporting` is probably `“Supporting`",
        f"{label}:6:51: warning: text looks mis-encoded: `effectโ€\x9d,` is probably `effect”,`",
        f"{label}:6:66: warning: text looks mis-encoded: `â€œquotedâ€\x9d.` is probably `“quoted”.`",
        "data/editions.yaml:3:20: warning: text looks mis-encoded: `ÃŽle` is probably `Île`",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Kraków Kittilä Iași Chișinău Düsseldorf Skåne Tromsø Málaga",
        "“a” – ‘b’ … €5 ½ №",
        "Ελλάδα България ქართული 日本",
    ],
)
def test_real_text_in_any_script_is_not_mojibake(line: str) -> None:
    assert find_mojibake(line) == []


def test_broken_internal_links_and_missing_images_are_flagged(
    make_site: Callable[..., Path],
) -> None:
    summary = (
        "See [Zagreb](/editions/zagreb-2022/), [the archive](/editions/), [home](/),\n"
        "[the feed](/feed.xml), [a section](#matchmaking), [ECCP](https://www.clustercollaboration.eu/)\n"
        "and [mail](mailto:a@example.org) and [agenda](/files/agenda.pdf).\n\n"
        "- [a typo](/editions/zagreb-2023/) and [the source](../zagreb-2022.md)\n"
        "- [up and out](../../../secret) and ![a photo](/images/iasi.jpg)\n"
        "- [relative](../zagreb-2022/) and [invitation](/invitation/) and [Iași](/editions/ia%C8%99i-2023/)\n"
    )
    project = make_site(
        {"content/editions/iasi-2023.md": summary, "content/files/agenda.pdf": b"%PDF-1.4\n"}
    )
    code, lines = check(project)
    label = "content/editions/iasi-2023.md"
    assert code == 0
    assert lines == [
        f"{label}:5:12: warning: the link `/editions/zagreb-2023/` leads to no page of the site",
        f"{label}:5:53: warning: the link `../zagreb-2022.md` leads to no page of the site",
        f"{label}:6:16: warning: the link `../../../secret` leads outside the site",
        f"{label}:6:48: warning: the image `/images/iasi.jpg` does not exist",
        f"{label}:7:73: warning: the link `/editions/ia%C8%99i-2023/` leads to no page of the site",
    ]
    result = run_cli(project, "check", "--today", "2024-10-01")
    assert "    hint: did you mean `/editions/zagreb-2022/`?" in result.stderr
    assert (
        "    hint: link to the page, not to its Markdown file: `/editions/zagreb-2022/`"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("href", "page", "path"),
    [
        ("/editions/x/", "editions/y/", "editions/x/"),
        ("../x/", "editions/y/", "editions/x/"),
        ("x.pdf", "editions/y/", "editions/y/x.pdf"),
        ("/feed.xml?a=1#top", "", "feed.xml"),
        ("/", "editions/y/", ""),
        ("../../../x", "editions/y/", ".."),
        ("#top", "", None),
        ("https://example.org/", "", None),
        ("//example.org/", "", None),
        ("mailto:a@b.c", "", None),
    ],
)
def test_links_resolve_against_the_page_that_shows_the_markdown(
    href: str, page: str, path: str | None
) -> None:
    assert site_path(href, page) == path


def test_a_past_edition_without_a_summary_is_information_only(
    make_site: Callable[..., Path],
) -> None:
    project = make_site()  # Zagreb 2022 has no summary
    for args in ((), ("--strict", "--base-url", "https://example.org/")):
        result = run_cli(project, "check", "--today", "2024-10-01", *args)
        assert result.code == 0, result.output
        info = [line for line in result.stderr.splitlines() if ": info: " in line]
        assert info == ["data/editions.yaml:7:1: info: Zagreb 2022 is past and has no summary yet"]
    built = run_cli(project, "build", "--today", "2024-10-01")
    assert built.code == 0
    assert built.stderr.count("Zagreb 2022 is past and has no summary yet") == 1
    assert "warning" not in built.stdout


def test_an_upcoming_edition_without_a_summary_is_not_listed(
    make_site: Callable[..., Path],
) -> None:
    result = run_cli(make_site(), "check", "--today", "2022-01-01")
    assert "no summary" not in result.stderr


def test_the_real_site_passes_check_strict() -> None:
    result = run_build_py(
        "check", "--strict", "--base-url", "https://example.org/cmr/", "--today", "2024-10-01"
    )
    assert result.code == 0, result.output
    assert "warning" not in result.output and ": error:" not in result.output


def test_news_articles_are_checked_too(make_site: Callable[..., Path]) -> None:
    article = (
        "---\ntitle: GROW your REGIOn\ndescription: A conference.\npublished: 2017-11-20\n---\n"
        "Held in Valencia; see [the archive](/editions/) and [Iași](/editions/iasi-2032/).\n"
    )
    project = make_site({"content/news/valencia-2017.md": article})
    code, lines = check(project)
    assert (code, lines) == (
        0,
        [
            "content/news/valencia-2017.md:6:60: warning: the link `/editions/iasi-2032/` "
            "leads to no page of the site",
        ],
    )


def test_the_quick_month_test_lets_every_month_name_through() -> None:
    from cmrsite.checks import _ANY_MONTH, MONTHS

    for name in MONTHS:
        for written in (f"{name} 10", f"10 {name}.", f"on 10 {name}, 2024"):
            assert _ANY_MONTH.search(written), written
            assert next(find_dates(written), None) is None or _ANY_MONTH.search(written)
    assert not _ANY_MONTH.search("Market Marchers Mayor Junior Decision Augustine")


def test_links_of_prepared_html_are_found_as_the_plain_pattern_finds_them() -> None:
    """`_HTML_LINK` starts at `="` for speed; it finds what `(?:href|src)="..."` finds."""
    import re

    from cmrsite import markdown
    from cmrsite.checks import _HTML_LINK

    plain = re.compile(r'(?:href|src)="([^"]*)"')
    repo = Path(__file__).resolve().parent.parent
    samples = [
        '<a href="/x/">a</a> <img src="a.png" alt="x"> hrefs="no" srcset="n" data-src="y"',
        'x="1" href="" src="" <a title="a" href="/b/#c">',
    ]
    for path in sorted(repo.glob("content/**/*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        samples.append(markdown.prepare_body(body, True))
    assert sum(len(plain.findall(html)) for html in samples) > 20
    for html in samples:
        assert _HTML_LINK.findall(html) == plain.findall(html)


def test_names_with_no_break_spaces_and_typography_are_one_line(
    make_site: Callable[..., Path],
) -> None:
    """Only control characters make a name "not on one line": a no-break space, a soft
    hyphen or a joiner (which `str.isprintable` also refuses) are text."""
    project = make_site(
        {
            "data/editions.yaml": (
                '- city: "Cluj\\u00a0Napoca"\n  country: "Ro\\u00admania"\n'
                '  region: "North\\u200dWest"\n  start: 2023-11-21\n'
            )
        }
    )
    code, lines = check(project)
    assert code == 0, lines
    assert not [line for line in lines if "one line" in line]
