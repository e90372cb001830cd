"""Babel's locale data for a language, merged once per Babel version and kept.

Babel builds a locale's data at first use by reading and merging the files of the locale and
of every locale it inherits from (`en_GB` from `en_001`, `en` and `root`): some 15 ms of
every run, a tenth of a small site's build, of which a build reads a few entries (month names,
date patterns, the list of countries). The merged data is kept in the user's cache (see
`user_cache`), each top entry pickled apart, in a file named by the versions of Babel and
Python, and given back to Babel as the locale's data, each entry unpickled when first read.
Anything unexpected (a damaged file, another Babel's internals) leaves Babel to load the
locale itself.
"""

from __future__ import annotations

import functools
import pickle
import sys
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from . import user_cache

if TYPE_CHECKING:
    from babel import Locale


@functools.cache
def locale(tag: str) -> Locale:
    """Babel's Locale for a language tag (`en-GB`), its data taken from the cache if kept."""
    from babel import Locale

    parsed = Locale.parse(tag, sep="-")
    _provide(str(parsed))
    return parsed


def _provide(name: str) -> None:
    """Make Babel find the data of locale `name` (`en_GB`) already loaded, kept or made."""
    from babel import __version__, localedata

    loaded = getattr(localedata, "_dict_cache", None)
    if not isinstance(loaded, dict) or name in loaded or not localedata.exists(name):
        return  # another Babel's internals, or loaded already
    if not user_cache.enabled():
        return  # Babel loads it, as on its own
    python = "{}.{}".format(*sys.version_info[:2])
    file_name = f"locales/babel{__version__}-py{python}-{name}.pickle"
    kept = user_cache.load(file_name)
    entries = _entries(kept) if kept is not None else None
    if entries is None:
        entries = {key: pickle.dumps(value, 5) for key, value in localedata.load(name).items()}
        user_cache.keep(file_name, pickle.dumps(entries, 5))
    loaded[name] = localedata.LocaleDataDict(KeptLocaleData(entries))


def _entries(kept: bytes) -> dict[str, bytes] | None:
    try:
        entries = pickle.loads(kept)
    except Exception:  # a damaged file: made again
        return None
    valid = isinstance(entries, dict) and all(isinstance(v, bytes) for v in entries.values())
    return entries if valid else None


class KeptLocaleData(MutableMapping[Any, Any]):
    """A locale's merged data whose top entries are unpickled when first read."""

    def __init__(self, pickled: dict[Any, bytes]) -> None:
        self._pickled = dict(pickled)
        self._values: dict[Any, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        if key in self._values:
            return self._values[key]
        value = self._values[key] = pickle.loads(self._pickled.pop(key))
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self._pickled.pop(key, None)
        self._values[key] = value

    def __delitem__(self, key: Any) -> None:
        if self._pickled.pop(key, None) is None:
            del self._values[key]

    def __iter__(self) -> Iterator[Any]:
        yield from list(self._values)
        yield from list(self._pickled)

    def __len__(self) -> int:
        return len(self._values) + len(self._pickled)

    def copy(self) -> dict[Any, Any]:
        """A plain dict of every entry (as `dict.copy`, which Babel calls on locale data)."""
        return dict(self.items())
