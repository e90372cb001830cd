"""Every page of the real site passes the Nu HTML Checker with no error and axe-core (WCAG 2.0
and 2.1, A and AA) with no violation: once as of 2024-10-01 (an invitation to Chișinău) and
once as of the real today (the next edition may be "to be announced"). Two small sites add
the states the real one does not show: an edition under way with resources, partners and a
registration link, an external summary, an invitation without text; no edition at all.

Each checker runs once per variant over all the pages, not once per page: Java and Chromium
start slowly, and one run reports every page's problems together."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import html_pages, run_cli, write_site
from validators import run_axe, run_vnu

VARIANTS = ["real_site", "real_site_now"]


@pytest.fixture(params=VARIANTS)
def site(request: pytest.FixtureRequest) -> Path:
    built: Path = request.getfixturevalue(request.param)
    return built


def test_nu_html_checker_finds_no_error(site: Path) -> None:
    files = [*html_pages(site), *sorted(site.rglob("*.css"))]
    assert len(files) > 25
    assert run_vnu(files) == []


def test_axe_finds_no_violation(site: Path) -> None:
    pages = [path.relative_to(site).as_posix() for path in html_pages(site)]
    found = run_axe(site, pages)
    assert set(found) == set(pages)
    violations = {page: lines for page, lines in found.items() if lines}
    assert violations == {}


ONGOING = """\
- city: Kittilä
  country: Finland
  region: Lapland
  start: 2023-04-25
  end: 2023-04-26
  title: Arctic clusters
  participants: 80
  registration_url: https://register.example.net/kittila
  partners:
    - Lapland Regional Council
    - {name: House of Lapland, url: "https://www.lapland.fi/"}
  resources:
    - {label: Agenda, url: files/agenda.pdf}
    - {label: Recordings, url: "https://video.example.net/kittila"}
- city: Skåne
  country: Sweden
  start: 2023-03-01
  summary: https://summaries.example.net/skane
- city: Iași
  country: Romania
  start: 2023-11-21
  end: 2023-11-23
  summary: editions/iasi-2023.md
"""
NO_CALL = "title: Test Series\nlanguage: en-GB\ncall_for_applications: {open: false}\n"


@pytest.fixture(scope="module")
def small_sites(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("states")
    ongoing = write_site(
        root / "ongoing",
        {"data/editions.yaml": ONGOING, "content/files/agenda.pdf": b"%PDF-1.4\n"},
    )
    empty = write_site(root / "empty", {"data/editions.yaml": "[]\n", "data/site.yaml": NO_CALL})
    for project in (ongoing, empty):
        result = run_cli(project, "build", "--today", "2023-04-26")
        assert result.code == 0, result.output
    return [ongoing / "output", empty / "output"]


def test_small_sites_in_other_states_are_valid_and_accessible(small_sites: list[Path]) -> None:
    files = [page for site in small_sites for page in html_pages(site)]
    assert run_vnu(files) == []
    for site in small_sites:
        pages = [path.relative_to(site).as_posix() for path in html_pages(site)]
        violations = {page: lines for page, lines in run_axe(site, pages).items() if lines}
        assert violations == {}, site
