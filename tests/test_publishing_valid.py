"""The publishing additions pass the Nu HTML Checker and axe-core in the cases the real site
does not show: absolute URLs of a sub-path build (canonical, Open Graph, feed link), JSON-LD of
cancelled and postponed editions, an empty news listing, news articles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REAL_TODAY, REPO, html_pages, run_cli, write_site
from validators import run_axe, run_vnu

MakeSite = Callable[..., Path]

EDITIONS = """\
- city: Porto
  country: Portugal
  start: 2026-03-03
  end: 2026-03-04
  status: cancelled
  location: {lat: 41.15, lon: -8.61}
- city: Gdańsk
  country: Poland
  region: Pomerania
  start: 2026-06-01
  status: postponed
- city: Graz
  country: Austria
  start: 2026-09-10
  title: "Clusters </script> & <regions>"
"""

NEWS = (
    "---\ntitle: A <b>bold</b> title\ndescription: It & that.\npublished: 2024-01-02\n---\nText.\n"
)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("valid")
    published = root / "published"
    result = run_cli(
        REPO, "build", "--out", str(published), "--today", REAL_TODAY,
        "--base-url", "https://example.org/cmr/", "--strict",
    )  # fmt: skip
    assert result.code == 0, result.output
    edge = write_site(root / "edge", {"data/editions.yaml": EDITIONS, "content/news/one.md": NEWS})
    assert run_cli(edge, "build", "--today", "2025-01-01").code == 0
    empty = write_site(root / "empty")
    assert run_cli(empty, "build", "--today", "2025-01-01").code == 0
    return [published, edge / "output", empty / "output"]


def test_nu_html_checker_finds_no_error(sites: list[Path]) -> None:
    files = [page for site in sites for page in html_pages(site)]
    assert run_vnu(files) == []


@pytest.mark.parametrize(
    ("index", "pages"),
    [
        (
            0,
            [
                "news/",
                "news/grow-your-regio-2017/",
                "news/clusterix-bucharest-2017/",
                "invitation/",
            ],
        ),
        (1, ["editions/porto-2026/", "editions/gdansk-2026/", "invitation/", "news/one/"]),
        (2, ["news/"]),
    ],
)
def test_axe_finds_no_violation(sites: list[Path], index: int, pages: list[str]) -> None:
    found = run_axe(sites[index], pages)
    assert {page: lines for page, lines in found.items() if lines} == {}
