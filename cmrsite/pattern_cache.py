"""Regular expressions compiled once per interpreter, as Python keeps compiled modules.

Python compiles a regular expression in Python code, and the modules a build imports (ours,
PyYAML's, Jinja's, ftfy's) compile some ninety when they load: about 25 ms of every run, a
seventh of a small site's build. What `re` makes of a pattern (the regex engine's code, a
list of integers) depends only on the pattern, its flags and the interpreter. The command
line keeps it in the user's cache (see `user_cache`), in a file named by the interpreter's
exact version, and at its next start puts the patterns back into `re`'s own cache, where
`re.compile` finds each as it would one compiled earlier in the same run.

An entry is kept only if the pattern it remakes is equal to the one `re` compiled (patterns
compare by their text, flags and engine code); the file is checked by a hash. Anything
unexpected (another interpreter's internals, a damaged file) leaves `re` to compile as usual.
"""

from __future__ import annotations

import hashlib
import marshal
import re
import sys
import time
from typing import Any

from . import user_cache

_Key = tuple[type, Any, int]


def _file_name() -> str:
    import _sre  # type: ignore[import-not-found]

    interpreter = f"{sys.implementation.cache_tag} {sys.version} {_sre.MAGIC}"
    tag = hashlib.blake2b(interpreter.encode(), digest_size=8).hexdigest()
    return f"patterns/{sys.implementation.cache_tag}-{tag}.marshal"


def _cache() -> dict[_Key, re.Pattern[Any]] | None:
    cache = getattr(re, "_cache", None)
    return cache if isinstance(cache, dict) else None


_loaded: dict[_Key, tuple[Any, ...]] = {}
"""The patterns put into `re`'s cache by `load`, with what remade them."""
WORTH_KEEPING = 0.002
"""Seconds of compiling new patterns that make a run write the file again. Some libraries
make patterns from sets (Babel's plural rules), whose order changes from run to run: a
run's few such patterns are not worth rewriting the file each time."""


def load() -> None:
    """Put the patterns kept by earlier runs into `re`'s cache (first thing in a run)."""
    cache = _cache()
    payload = user_cache.load(_file_name())
    if cache is None or payload is None:
        return
    try:
        made = [(entry, *_remade(entry)) for entry in marshal.loads(payload)]
    except Exception:  # another interpreter's internals: compile as usual
        return
    for entry, key, pattern in made:
        cache.setdefault(key, pattern)
        _loaded[key] = entry


def save() -> None:
    """Keep the patterns of this run, if it compiled new ones worth it (last thing in a run:
    the first run on an interpreter, or the first of a command that uses other modules)."""
    cache = _cache()
    if cache is None or not user_cache.enabled():
        return
    known = dict(cache)
    new = [(key, pattern) for key, pattern in known.items() if key not in _loaded]
    if not new:
        return
    start = time.perf_counter()
    try:
        made = [_entry(key, pattern) for key, pattern in new]
    except Exception:  # another interpreter's internals: keep nothing
        return
    if _loaded and time.perf_counter() - start < WORTH_KEEPING:
        return
    kept = [_loaded[key] for key in known if key in _loaded]
    kept += [entry for entry in made if entry is not None]
    user_cache.keep(_file_name(), marshal.dumps(kept))


def _entry(key: _Key, compiled: re.Pattern[Any]) -> tuple[Any, ...] | None:
    """What remakes this pattern (None if it would not remake it exactly)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    kind, text, flags = key
    if kind not in (str, bytes) or not isinstance(flags, int):
        return None
    parsed = _parser.parse(text, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    final_flags, groups = flags | parsed.state.flags, parsed.state.groups - 1
    entry = (text, flags, final_flags, code, groups, groupindex, tuple(indexgroup))
    return entry if _remade(entry)[1] == compiled else None


def _remade(entry: tuple[Any, ...]) -> tuple[_Key, re.Pattern[Any]]:
    import _sre

    text, flags, final_flags, code, groups, groupindex, indexgroup = entry
    pattern = _sre.compile(text, final_flags, code, groups, groupindex, indexgroup)
    return (type(text), text, flags), pattern
