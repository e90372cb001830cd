"""The user's cache: what this generator derives from installed code, kept between runs.

As Python keeps compiled modules in `__pycache__`, the generator keeps there what it would
otherwise derive again at each start from code that rarely changes: compiled templates
(`template_cache`), compiled regular expressions (`pattern_cache`), the compiled methods of
dataclasses (`dataclass_cache`) and Babel's locale data merged (`locale_cache`). Each kind
is named by the versions of all it was derived from, so another version never reads it.
The folder is `$XDG_CACHE_HOME/cmrsite`, else
`~/.cache/cmrsite`: it holds no output, is shared by every project, and deleting it is always
safe. `CMRSITE_NO_USER_CACHE=1` does without it (as the first run on a machine does).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

ENV_DISABLE = "CMRSITE_NO_USER_CACHE"
_DIGEST_SIZE = 16


def enabled() -> bool:
    return not os.environ.get(ENV_DISABLE)


def base() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(home) / "cmrsite"


def read(relative: str) -> bytes | None:
    """The bytes kept under this name, or None (none kept, unreadable, or cache disabled)."""
    if not enabled():
        return None
    try:
        with open(base() / relative, "rb") as file:
            return file.read()
    except OSError:
        return None


def write(relative: str, data: bytes) -> None:
    """Keep these bytes under this name, whole or not at all (another process may read it
    meanwhile); a cache that cannot be written is simply not used."""
    if not enabled():
        return
    path = base() / relative
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def load(relative: str) -> bytes | None:
    """What `keep` kept under this name, if it is there whole (checked by its hash)."""
    data = read(relative)
    if data is None or len(data) < _DIGEST_SIZE:
        return None
    digest, payload = data[:_DIGEST_SIZE], data[_DIGEST_SIZE:]
    return payload if _digest(payload) == digest else None


def keep(relative: str, payload: bytes) -> None:
    """Keep these bytes under this name, with their hash (see `load`)."""
    write(relative, _digest(payload) + payload)


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()
