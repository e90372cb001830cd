"""Compiled templates kept between builds, as Python keeps compiled modules in `__pycache__`.

Compiling the site's templates costs about 40 ms, a tenth of a small site's build, and the
templates rarely change. Jinja's bytecode cache keeps each compiled template under its name
and reuses it only while its source is the same (by checksum). What else shapes the compiled
code (the environment's options, set by this package, and the versions of Jinja and Python)
names the folder, so another generator or library version never reads it. The folder is the
user's cache (`$XDG_CACHE_HOME/cmrsite/templates`, else `~/.cache/...`), not the project's
`.cache`: like `__pycache__`, it holds no output and is shared by every project; deleting it
is always safe. A folder that cannot be written is simply not used.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

ENV_DISABLE = "CMRSITE_NO_TEMPLATE_CACHE"
"""Set (to anything) to compile every template afresh, as the first build on a machine does."""


def folder() -> Path:
    """Where the compiled templates of this generator and library versions go."""
    from jinja2 import __version__ as jinja_version

    from .cache import code_digest

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    python = "{}.{}".format(*sys.version_info[:2])
    return Path(base) / "cmrsite" / "templates" / f"{code_digest()}-jinja{jinja_version}-py{python}"


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache for a Jinja environment, or None when disabled or not writable."""
    if os.environ.get(ENV_DISABLE):
        return None
    try:
        directory = folder()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    cache: jinja2.BytecodeCache = _quiet_cache_class()(str(directory))
    return cache


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
