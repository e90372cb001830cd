"""Every page of the real site passes the Nu HTML Checker with no error and axe-core (WCAG 2.0
and 2.1, A and AA) with no violation: once as of 2024-10-01 (an invitation to Chișinău) and
once as of the real today (the next edition may be "to be announced").

Each checker runs once per variant over all the pages, not once per page: Java and Chromium
start slowly, and one run reports every page's problems together."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import html_pages
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
