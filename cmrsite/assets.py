"""Cache busting: stylesheets and scripts are published under content-hashed names.

`templates/static/style.css` is written as `static/style.<hash8>.css`, so a host may cache it
forever and a changed stylesheet is fetched at once. Pages name assets through the manifest
(`asset('style.css')` in templates). Images and other files keep their names: Markdown links
to them by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from . import urls

HASHED_SUFFIXES = frozenset({".css", ".js"})
HASH_LENGTH = 8

Manifest = dict[str, str]
"""Name under `templates/static/` (`style.css`) -> site path (`static/style.1a2b3c4d.css`)."""


def _sources(static: Path) -> Iterator[tuple[str, Path]]:
    if not static.is_dir():
        return
    for path in sorted(static.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.relative_to(static).as_posix(), path


def published_name(name: str, data: bytes) -> str:
    """`css/style.css` -> `css/style.1a2b3c4d.css` for stylesheets and scripts; others unchanged."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in HASHED_SUFFIXES or "/" in suffix:
        return name
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return f"{stem}.{digest}.{suffix}"


def manifest(static: Path) -> Manifest:
    """Every static file's site path, from the files' current contents."""
    return {
        name: urls.STATIC + published_name(name, path.read_bytes())
        for name, path in _sources(static)
    }


def static_outputs(static: Path, names: Manifest) -> Iterator[tuple[str, Path]]:
    """(site path, source file) of every static file, under its published name."""
    for name, path in _sources(static):
        yield names.get(name, urls.STATIC + name), path
