"""What a page or an output read of the Markdown documents: the dev server's dependencies.

A quick rebuild (see `rebuild`) replaces edited documents in the loaded site and must know
which files that changes. Nothing here is a hand-written list of who shows what; it is all
derived from the plan and from what rendering actually read:

- the *shape* of a page is its planned value with each document reduced to its path: two
  pages of equal shape differ at most in the documents they hold (`same_shape`);
- what a template read of a document is recorded as it renders (`trace_environment`): the
  edition page reads its summary's `body` (as its Markdown) and `meta`, the archive only
  tests that the summary is there, which no edit of the summary changes;
- what the other outputs (feed, calendars, sitemap, open data) read is recorded by giving
  them *watched* documents (`Watched`), which note each field read, by any code.

So a page is rendered again only when its shape changed or it read a field that changed, and
the other outputs only when they read one. The contract this relies on, which the tests check
by comparing with clean builds: templates read a document through its attributes (not
`{{ summary }}` as a whole), and a page whose planned values come from a document holds that
document, or its record, in its context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from .model import Document

Read = tuple[str, str]
"""(document path relative to content/, field name): `("editions/x.md", "body")`."""

FIELDS = tuple(f.name for f in dataclasses.fields(Document))


class Recorder:
    """Collects reads while switched on; rendering is one page at a time per process."""

    __slots__ = ("reads",)

    def __init__(self) -> None:
        self.reads: set[Read] | None = None

    def start(self) -> None:
        self.reads = set()

    def stop(self) -> frozenset[Read]:
        found = frozenset(self.reads or ())
        self.reads = None
        return found


def trace_environment(env: Any, recorder: Recorder) -> None:
    """Make a Jinja environment note every attribute or item of a document its templates read.

    Compiled templates read `x.y` and `x['y']` through `environment.getattr`/`getitem`, so
    wrapping those two sees every read, whichever template or macro makes it."""
    plain_getattr = env.getattr
    plain_getitem = env.getitem

    def getattr_(obj: Any, attribute: str) -> Any:
        if recorder.reads is not None and isinstance(obj, Document):
            recorder.reads.add((obj.path, attribute))
        return plain_getattr(obj, attribute)

    def getitem(obj: Any, argument: Any) -> Any:
        if recorder.reads is not None and isinstance(obj, Document):
            recorder.reads.add((obj.path, str(argument)))
        return plain_getitem(obj, argument)

    # Instance attributes shadow the methods; templates look them up on the instance.
    setattr(env, "getattr", getattr_)  # noqa: B010
    setattr(env, "getitem", getitem)  # noqa: B010


# --- watched documents: reads by any Python code ---------------------------------------------

WATCH = Recorder()
"""Where watched documents report; off (None) unless an output is being made."""


class Watched(Document):
    """A document that notes every field read of it (equality and hashing read them all, so
    a cache keyed by documents counts as reading everything: never less than was used)."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        reads = WATCH.reads
        if reads is not None and name in FIELDS:
            reads.add((object.__getattribute__(self, "path"), name))
        return object.__getattribute__(self, name)

    @classmethod
    def of(cls, document: Document) -> Watched:
        if isinstance(document, Watched):
            return document
        return cls(*(getattr(document, name) for name in FIELDS))


def watch_site(site: Any) -> Any:
    """The site (or any value) with each document replaced by a watched one."""
    return substitute(site, {d.path: Watched.of(d) for d in documents_in(site)})


# --- generic walks over the model (frozen dataclasses, tuples, lists, dicts) -----------------

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass (none for any other type), looked up once per type."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = (
            tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
        )
        _FIELD_NAMES[cls] = names
    return names


_ATOMS = (str, int, float, bool, type(None), bytes)


def documents_in(value: Any) -> Iterator[Document]:
    """Every document held, at any depth, by a value of the model or a page's context."""
    if isinstance(value, Document):
        yield value
    elif isinstance(value, _ATOMS):
        return
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from documents_in(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from documents_in(item)
    else:
        for name in field_names(type(value)):
            yield from documents_in(getattr(value, name))


def substitute(value: Any, documents: Mapping[str, Document]) -> Any:
    """`value` with each document whose path is in `documents` replaced by that one; parts
    that hold none of them are returned as they are (the same objects)."""
    if isinstance(value, Document):
        return documents.get(value.path, value)
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, (tuple, list)):
        items = [substitute(item, documents) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        found = {key: substitute(item, documents) for key, item in value.items()}
        if all(found[key] is item for key, item in value.items()):
            return value
        return found
    names = field_names(type(value))
    if not names:
        return value
    changes = {}
    for name in names:
        old = getattr(value, name)
        new = substitute(old, documents)
        if new is not old:
            changes[name] = new
    return dataclasses.replace(value, **changes) if changes else value


def same_shape(a: Any, b: Any) -> bool:
    """Whether two values are equal once each document is reduced to its path (types must
    match exactly: `1` and `True` render differently)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return isinstance(a, Document) and isinstance(b, Document) and a.path == b.path
    if isinstance(a, Document):
        return bool(a.path == b.path)
    if kind in (tuple, list):
        return len(a) == len(b) and all(map(same_shape, a, b))
    if kind is dict:
        return list(a) == list(b) and all(same_shape(item, b[key]) for key, item in a.items())
    names = field_names(kind)
    if names:
        return all(same_shape(getattr(a, name), getattr(b, name)) for name in names)
    return bool(a == b)


def changed_reads(old: Document, new: Document) -> set[Read]:
    """The (path, field) pairs whose value differs between two versions of a document."""
    return {
        (old.path, name)
        for name in FIELDS
        if object.__getattribute__(old, name) != object.__getattribute__(new, name)
    }
