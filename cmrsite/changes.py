"""What kind of change a saved file is: the dev server's map from a path to what it affects.

Pure functions (no I/O), so that the map has its own unit tests and the build engine can use
it without importing the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import PurePath
from typing import TypeVar

P = TypeVar("P", bound=PurePath)

WATCHED = ("content", "templates", "data")
"""The project folders the dev server watches; never `output/`."""


class ChangeKind(StrEnum):
    CONTENT = "content"
    """A Markdown file of `content/`: its own pages, and the lists that show it."""
    TEMPLATE = "template"
    """A Jinja template: every page may use it."""
    STATIC = "static"
    """A file copied as is: `templates/static/` or a non-Markdown file of `content/`."""
    DATA = "data"
    """`data/site.yaml` or `data/editions.yaml`: facts every page may show."""


def is_editor_noise(name: str) -> bool:
    """Swap, backup and lock files that editors write beside the file being saved."""
    return (
        name.startswith((".", "#"))
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak"))
        or name == "4913"  # vim's probe file, written to test that a folder is writable
    )


def classify_change(path: PurePath, project: PurePath) -> ChangeKind | None:
    """The kind of a change to `path`, or None when it cannot affect the site."""
    try:
        parts = path.relative_to(project).parts
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in WATCHED or any(is_editor_noise(p) for p in parts):
        return None
    top, name = parts[0], parts[-1]
    if top == "data":
        return ChangeKind.DATA
    if top == "templates":
        return ChangeKind.STATIC if parts[1] == "static" and len(parts) > 2 else ChangeKind.TEMPLATE
    return ChangeKind.CONTENT if name.endswith(".md") else ChangeKind.STATIC


def classify_changes(paths: Iterable[P], project: PurePath) -> dict[ChangeKind, list[P]]:
    """The changed paths that matter, grouped by kind, each group sorted."""
    kinds: dict[ChangeKind, list[P]] = {}
    for path in sorted(paths):
        kind = classify_change(path, project)
        if kind is not None:
            kinds.setdefault(kind, []).append(path)
    return kinds
