"""`new`: a record appended to data/editions.yaml without touching a byte of what was there,
a draft summary stub that is never overwritten, a duplicate slug refused with its file:line."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import run_cli

from cmrsite.errors import SiteError, UsageError
from cmrsite.pipeline import Options, load
from cmrsite.scaffold import (
    NewEdition,
    ask_missing,
    from_values,
    new_edition,
    record_text,
    scalar,
)

COMMENTED = """\
# Editions of the series, oldest first.<SPACES>
# A comment the tool must keep, with trailing spaces above and odd spacing below.

# Iași: the first record.
- city: Iași
  country: Romania   # an end-of-line comment
  start: 2023-11-21
  end:   2023-11-23
  summary: editions/iasi-2023.md

#   A trailing comment, after the last record, without a final line break""".replace(
    "<SPACES>", "   "
)

FLAGS = ["--city", "Vaasa", "--country", "Finland", "--start", "2026-05-12", "--end", "2026-05-13"]


def test_new_keeps_the_old_file_byte_for_byte_and_adds_a_valid_record(
    make_site: Callable[..., Path],
) -> None:
    project = make_site({"data/editions.yaml": COMMENTED})
    before = (project / "data/editions.yaml").read_bytes()
    result = run_cli(project, "new", *FLAGS, "--region", "Ostrobothnia", "--country-code", "fi")
    assert result.code == 0, result.output
    after = (project / "data/editions.yaml").read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode() == (
        '\n\n- city: Vaasa\n  country: Finland\n  country_code: "FI"\n  region: Ostrobothnia\n'
        "  start: 2026-05-12\n  end: 2026-05-13\n  summary: editions/vaasa-2026.md\n"
    )
    assert result.stdout.splitlines() == [
        "added vaasa-2026 to data/editions.yaml:13",
        "wrote content/editions/vaasa-2026.md (a draft: remove `draft: true` when it is ready)",
    ]
    stub = (project / "content/editions/vaasa-2026.md").read_text(encoding="utf-8")
    assert stub.startswith("---\n# The summary of Test Series Vaasa 2026.")  # the site's title
    assert "\ndraft: true\n---\n" in stub
    check = run_cli(project, "check", "--today", "2026-01-01")
    assert check.code == 0, check.output
    site, _ = load(Options(project, today=date(2026, 1, 1)))
    assert site is not None
    vaasa = next(e for e in site.editions if e.slug == "vaasa-2026")
    assert (vaasa.city, vaasa.country_code, vaasa.region, vaasa.line) == (
        "Vaasa",
        "FI",
        "Ostrobothnia",
        13,
    )
    assert vaasa.summary is None  # a draft until `draft: true` is removed


def test_a_duplicate_slug_is_refused_with_the_existing_record_s_line(
    make_site: Callable[..., Path],
) -> None:
    project = make_site({"data/editions.yaml": COMMENTED})
    before = (project / "data/editions.yaml").read_bytes()
    result = run_cli(
        project, "new", "--city", "Iasi", "--country", "Romania", "--start", "2023-05-01"
    )
    assert result.code == 1
    assert result.stderr.startswith(
        "data/editions.yaml:5:3: error: an edition with the slug `iasi-2023` already exists\n"
    )
    assert "nothing was written" in result.stderr
    assert (project / "data/editions.yaml").read_bytes() == before
    assert not (project / "content/editions/iasi-2023.md").read_text().startswith("---\n# The")


def test_an_explicit_slug_is_checked_against_written_slugs(make_site: Callable[..., Path]) -> None:
    project = make_site(
        {
            "data/editions.yaml": "- city: Kittilä\n  country: Finland\n  start: 2023-03-01\n  slug: lapland-2023\n"
        }
    )
    result = run_cli(project, "new", *FLAGS, "--slug", "lapland-2023")
    assert result.code == 1
    assert result.stderr.startswith(
        "data/editions.yaml:4:9: error: an edition with the slug `lapland-2023`"
    )
    ok = run_cli(project, "new", *FLAGS, "--slug", "vaasa-spring-2026")
    assert ok.code == 0, ok.output
    text = (project / "data/editions.yaml").read_text(encoding="utf-8")
    assert "  slug: vaasa-spring-2026\n  summary: editions/vaasa-spring-2026.md\n" in text


def test_an_existing_markdown_file_is_never_overwritten(make_site: Callable[..., Path]) -> None:
    project = make_site({"content/editions/vaasa-2026.md": "Written first, by hand.\n"})
    result = run_cli(project, "new", *FLAGS)
    assert result.code == 0, result.output
    assert "kept content/editions/vaasa-2026.md, which exists already" in result.stdout
    text = (project / "content/editions/vaasa-2026.md").read_text(encoding="utf-8")
    assert text == "Written first, by hand.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--city", "Vaasa"], "`new` needs --country, --start"),
        ([*FLAGS[:4], "--start", "12 May 2026"], "--start must be a date like 2026-05-12"),
        ([*FLAGS[:6], "--end", "2026-05-01"], "--end (2026-05-01) is before --start (2026-05-12)"),
        ([*FLAGS, "--slug", "Vaasa 2026"], "--slug `Vaasa 2026` may only hold"),
    ],
)
def test_bad_flags_are_usage_errors_and_write_nothing(
    make_site: Callable[..., Path], args: list[str], message: str
) -> None:
    project = make_site()
    before = (project / "data/editions.yaml").read_bytes()
    result = run_cli(project, "new", *args)
    assert result.code == 2 and message in result.stderr, result.output
    assert (project / "data/editions.yaml").read_bytes() == before
    assert not (project / "content/editions/vaasa-2026.md").exists()


def test_a_record_the_file_cannot_take_is_refused(make_site: Callable[..., Path]) -> None:
    project = make_site({"data/editions.yaml": "[]\n"})
    result = run_cli(project, "new", *FLAGS)
    assert result.code == 1
    assert "data/editions.yaml" in result.stderr and "nothing was written" in result.stderr
    assert (project / "data/editions.yaml").read_text() == "[]\n"
    assert not (project / "content/editions/vaasa-2026.md").exists()


def test_line_endings_a_bom_and_indentation_of_the_file_are_followed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    old = "\ufeff# Windows file\r\n  - city: Iași\r\n    country: Romania\r\n    start: 2023-11-21\r\n"
    (tmp_path / "data/editions.yaml").write_bytes(old.encode("utf-8"))
    new_edition(tmp_path, NewEdition("Vaasa", "Finland", date(2026, 5, 12)))
    data = (tmp_path / "data/editions.yaml").read_bytes()
    assert data.startswith(old.encode("utf-8"))
    assert data[len(old.encode()) :] == (
        b"\r\n  - city: Vaasa\r\n    country: Finland\r\n    start: 2026-05-12\r\n"
        b"    summary: editions/vaasa-2026.md\r\n"
    )


def test_a_missing_editions_file_is_created(tmp_path: Path) -> None:
    done = new_edition(tmp_path, NewEdition("Vaasa", "Finland", date(2026, 5, 12)))
    assert done.line == 1
    assert (tmp_path / "data/editions.yaml").read_text().startswith("- city: Vaasa\n")


@pytest.mark.parametrize(
    ("text", "yaml"),
    [
        ("Iași", "Iași"),
        ("Troms: North", '"Troms: North"'),
        ("yes", '"yes"'),
        ("2024", '"2024"'),
        ("# not a comment", '"# not a comment"'),
        ("- dash", '"- dash"'),
        ('Say "hi"', 'Say "hi"'),
        ("'quoted'", "\"'quoted'\""),
        (" padded ", '" padded "'),
    ],
)
def test_values_are_written_plain_or_quoted_as_yaml_needs(text: str, yaml: str) -> None:
    assert scalar(text) == yaml


def test_country_codes_are_always_quoted_so_that_no_stays_norway() -> None:
    record = record_text(NewEdition("Tromsø", "Norway", date(2026, 6, 2), country_code="NO"), 0)
    assert '  country_code: "NO"\n' in record


def test_questions_are_asked_for_what_the_flags_did_not_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter(["Vaasa", "", "Finland", "12 May", "2026-05-12", "", "Ostrobothnia", "fi"])
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    values = ask_missing(
        {
            "city": None,
            "country": None,
            "start": None,
            "end": None,
            "region": None,
            "country_code": None,
            "slug": None,
        },
        ask,
    )
    edition = from_values(values)
    assert edition == NewEdition(
        "Vaasa",
        "Finland",
        date(2026, 5, 12),
        region="Ostrobothnia",
        country_code="FI",
    )
    assert asked[:2] == ["City (as displayed, e.g. Iași): ", "Country (e.g. Romania): "]
    assert asked.count("Country (e.g. Romania): ") == 2  # an empty answer is asked again
    assert "`12 May` is not a date" in capsys.readouterr().out


def test_flags_given_are_not_asked_again() -> None:
    values = {
        "city": "Vaasa",
        "country": "Finland",
        "start": "2026-05-12",
        "end": "2026-05-13",
        "region": "R",
        "country_code": "FI",
        "slug": None,
    }

    def never(question: str) -> str:
        raise AssertionError(question)

    assert ask_missing(values, never) == values


def test_new_raises_site_error_not_a_traceback_for_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/editions.yaml").write_bytes(b"- city: Ia\xc8i\n")
    with pytest.raises(SiteError) as error:
        new_edition(tmp_path, NewEdition("Vaasa", "Finland", date(2026, 5, 12)))
    assert str(error.value).startswith(
        "data/editions.yaml:1:11: error: the file is not valid UTF-8"
    )
    with pytest.raises(UsageError):
        from_values({"city": "Vaasa", "country": "Finland", "start": "2026-02-30"})


def test_in_a_terminal_new_asks_for_what_is_missing(make_site: Callable[..., Path]) -> None:
    """`new` with a terminal on stdin (a pseudo-terminal here) asks, then writes the record."""
    project = make_site()
    pid, terminal = pty.fork()
    if pid == 0:  # the child: `new` with the pseudo-terminal as stdin and stdout
        os.execv(sys.executable, [sys.executable, "-m", "cmrsite", f"--project={project}", "new"])
    shown = b""
    for answer in ("Kittilä", "Finland", "2023-04-25", "2023-04-27", "Lapland", "fi"):
        shown += _read_until(terminal, b": ")
        os.write(terminal, answer.encode() + b"\n")
    shown += _read_until(terminal, b"ready)")
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, shown.decode()
    assert "Two-letter country code (e.g. RO, Enter to skip): fi" in shown.decode()
    assert "added kittila-2023 to data/editions.yaml:" in shown.decode()
    records = (project / "data/editions.yaml").read_text(encoding="utf-8")
    assert records.endswith(
        '- city: Kittilä\n  country: Finland\n  country_code: "FI"\n  region: Lapland\n'
        "  start: 2023-04-25\n  end: 2023-04-27\n  summary: editions/kittila-2023.md\n"
    )


def _read_until(terminal: int, end: bytes, timeout: float = 30) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(end) and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.1)
        if ready:
            try:
                data += os.read(terminal, 1024)
            except OSError:  # the child closed the terminal
                break
    return data
