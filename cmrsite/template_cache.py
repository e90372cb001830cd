"""Compiled templates kept between builds, as Python keeps compiled modules in `__pycache__`.

Compiling the site's templates costs about 40 ms, a tenth of a small site's build, and the
templates rarely change. Jinja's bytecode cache keeps each compiled template under its name
and reuses it only while its source is the same (by checksum). What else shapes the compiled
code (the environment's options, set by this package, and the versions of Jinja and Python)
names the folder, so another generator or library version never reads it. The folder is in
the user's cache (`user_cache`: `templates/`), not the project's `.cache`. A folder that
cannot be written is simply not used.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import user_cache

if TYPE_CHECKING:
    import jinja2


def folder() -> Path:
    """Where the compiled templates of this generator and library versions go."""
    from jinja2 import __version__ as jinja_version

    from .cache import code_digest

    python = "{}.{}".format(*sys.version_info[:2])
    return user_cache.base() / "templates" / f"{code_digest()}-jinja{jinja_version}-py{python}"


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache for a Jinja environment, or None when disabled or not writable."""
    if not user_cache.enabled():
        return None
    try:
        directory = folder()
        if not directory.is_dir():
            directory.mkdir(mode=0o700, parents=True)
            prune(directory.parent, keep=directory)
    except OSError:
        return None
    cache: jinja2.BytecodeCache = _quiet_cache_class()(str(directory))
    return cache


FOLDERS_KEPT = 4
"""Folders of other generator or library versions kept beside the current one (each new
version of the generator makes its own: without pruning, they would pile up)."""


def prune(templates: Path, keep: Path) -> None:
    """Delete all but the `FOLDERS_KEPT` most recently written folders of `templates` but
    `keep` (a folder another process is using is only compiled again)."""
    import shutil

    written: list[tuple[int, Path]] = []
    for path in templates.iterdir():
        with contextlib.suppress(OSError):  # removed meanwhile by another process
            if path.is_dir() and path != keep:
                written.append((path.stat().st_mtime_ns, path))
    written.sort(reverse=True)
    for _, stale in written[FOLDERS_KEPT:]:
        shutil.rmtree(stale, ignore_errors=True)


def _quiet_cache_class() -> type[Any]:
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    class QuietBytecodeCache(FileSystemBytecodeCache):
        """A cache whose failures (a full disk, a file removed meanwhile) cost only a compile."""

        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError):
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    return QuietBytecodeCache
