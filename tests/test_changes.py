"""The dev server's map from a saved path to the kind of change it is."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from cmrsite.changes import ChangeKind, classify_change, classify_changes

PROJECT = PurePosixPath("/site")

TABLE = [
    ("content/editions/iasi-2023.md", ChangeKind.CONTENT),
    ("content/invitations/chisinau-2024.md", ChangeKind.CONTENT),
    ("content/index.md", ChangeKind.CONTENT),
    ("content/news/valencia-2017.md", ChangeKind.CONTENT),
    ("content/files/agenda.pdf", ChangeKind.STATIC),
    ("content/images/iasi.jpg", ChangeKind.STATIC),
    ("templates/edition.html", ChangeKind.TEMPLATE),
    ("templates/_macros.html", ChangeKind.TEMPLATE),
    ("templates/feed.xml", ChangeKind.TEMPLATE),
    ("templates/static/style.css", ChangeKind.STATIC),
    ("templates/static/fonts/a.woff2", ChangeKind.STATIC),
    ("data/editions.yaml", ChangeKind.DATA),
    ("data/site.yaml", ChangeKind.DATA),
    # Not part of the site: the output, the code, the project's own files.
    ("output/index.html", None),
    ("cmrsite/pages.py", None),
    ("README.md", None),
    ("content", None),
    ("/elsewhere/content/x.md", None),
    # Editor noise: swap, backup and lock files, vim's probe file, hidden folders.
    ("content/editions/.iasi-2023.md.swp", None),
    ("content/editions/iasi-2023.md~", None),
    ("content/editions/#iasi-2023.md#", None),
    ("content/editions/.#iasi-2023.md", None),
    ("data/4913", None),
    ("data/editions.yaml.tmp", None),
    ("content/.git/HEAD", None),
]


@pytest.mark.parametrize(("path", "kind"), TABLE)
def test_a_saved_path_maps_to_its_kind(path: str, kind: ChangeKind | None) -> None:
    assert classify_change(PROJECT / path, PROJECT) == kind


def test_changes_are_grouped_by_kind_and_sorted() -> None:
    paths = [PROJECT / p for p in ("data/site.yaml", "content/b.md", "content/a.md", "x.txt")]
    assert classify_changes(paths, PROJECT) == {
        ChangeKind.DATA: [PROJECT / "data/site.yaml"],
        ChangeKind.CONTENT: [PROJECT / "content/a.md", PROJECT / "content/b.md"],
    }
