"""Rendering pages incrementally and on every core.

A page is rendered again only when its key changed: the fingerprint of its template, URL
information, context and Markdown documents, under the *site key* (the generator's code, the
library versions, every file of `templates/`, the options and `data/site.yaml`). That is the
contract of a page: what it shows comes from those and nothing else. Pages to render are
shared among forked worker processes, which write changed files straight into the staging
folder and send back only digests.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import io
import operator
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache, deps, fileio, parallel
from .cache import FileRecord
from .errors import Problem
from .incremental import IncrementalStaging, Stat
from .model import DateRange, Document, Edition, FrontMatter, Location, Partner, Resource
from .progress import Progress
from .sources import files_under

if TYPE_CHECKING:
    import jinja2

    from .model import Site
    from .pages import Page

RenderPage = Callable[["jinja2.Environment", "Site", "Page"], bytes]
TemplateProblem = Callable[[Exception], Problem]


@dataclass(frozen=True, slots=True)
class Settings:
    """The options that shape the output (the output folder itself does not)."""

    today: date
    base_url: str | None
    drafts: bool
    strict: bool


@functools.cache
def _versions_and_code() -> tuple[str, str]:
    # Neither changes while a process runs: the dev server computes them once.
    return cache.library_versions(), cache.code_digest()


def environment_key() -> str:
    """The generator's code and its libraries' versions (a test may replace this)."""
    versions, code = _versions_and_code()
    return cache.digest(f"{cache.FORMAT}\0{versions}\0{code}".encode())


def input_digests(project: Path, content_known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The content hash of every input file (data/, content/, templates/), by its path
    relative to the project. The dev server keeps them and updates only the saved files.
    `content_known`: hashes of files of content/ (by their path in it) made as they were read
    for the build, not read again."""
    found: dict[str, str] = {}
    known = content_known or {}
    for folder in cache.INPUT_FOLDERS:
        for relative, path in files_under(project / folder):
            if folder == "content" and relative in known:
                found[f"content/{relative}"] = known[relative]
                continue
            try:
                data = fileio.read_bytes(path)
            except OSError:
                data = b"\0unreadable"
            found[f"{folder}/{relative}"] = cache.digest(data)
    return found


def inputs_key(settings: Settings, digests: dict[str, str]) -> str:
    """The build key of inputs with these content hashes."""
    listing = "\n".join(f"{name}\0{hashed}" for name, hashed in sorted(digests.items()))
    return cache.digest(f"{environment_key()}\0{listing}\0{settings!r}".encode())


def build_key(project: Path, settings: Settings) -> str:
    """Everything a whole build is made from: when it matches, the output is up to date."""
    return inputs_key(settings, input_digests(project))


def site_key(project: Path, settings: Settings, site: Site) -> str:
    """What every page depends on besides its own context."""
    templates = cache.files_digest(project, ("templates",))
    config = cache.fingerprint(site.config, site.today) or ""
    return cache.digest(f"{environment_key()}\0{templates}\0{settings!r}\0{config}".encode())


def page_keys(key: str, pages: Sequence[Page], sources: Sources | None = None) -> list[str]:
    """Each page's fingerprint, or "" when its context cannot be fingerprinted (never reused).

    A record or document shown by several pages (an edition on its own page, in the archive,
    perhaps on the home page) is fingerprinted once: the pages hold its fingerprint instead.
    A document whose file's hash is in `sources` (by its path in content/, as it was read to
    make it) is fingerprinted by that hash rather than by its text."""
    reducers = _Reducers(sources)
    return [_page_key(key, page, reducers) for page in pages]


def page_key(key: str, page: Page, sources: Sources | None = None) -> str:
    """The fingerprint of one page (see `page_keys`)."""
    return _page_key(key, page, _Reducers(sources))


Sources = Mapping[str, str]
"""The hash of the file each document was made from, by its path in content/ (a document is
made from its file's bytes alone, by the generator's code, which the site key covers)."""


def _page_key(key: str, page: Page, reducers: _Reducers) -> str:
    values = (key, page.template, page.info, page.context, page.markdown)
    try:
        return reducers.fingerprint(values)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return ""


class _Reducers(dict[type, Callable[[Any], Any]]):
    """How page keys pickle values (a pickler's `dispatch_table`, filled as types are met):
    like `cache.fingerprint`, a dataclass as its class and field values (equal bytes mean
    equal values), and each edition and document as its own fingerprint, made once (the
    objects are kept alive in `known`, so that their identities stay theirs)."""

    def __init__(self, sources: Sources | None = None) -> None:
        super().__init__()
        self.sources = sources or {}
        self.known: dict[int, tuple[object, tuple[Callable[[str], str], tuple[str]]]] = {}
        # The classes pages are made of, named once: each fingerprint's pickle starts with
        # them in its memo and refers to them (naming a class looks up its module).
        pickler = pickle.Pickler(io.BytesIO(), protocol=5)
        pickler.dump(_named_classes())
        self.named = pickler.memo.copy()

    def fingerprint(self, value: object) -> str:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.memo = self.named
        pickler.dispatch_table = self
        pickler.dump(value)
        return cache.digest(buffer.getvalue())

    def __missing__(self, cls: type) -> Callable[[Any], Any]:
        reducer: Callable[[Any], Any]
        if issubclass(cls, type):
            raise KeyError(cls)  # a class of a metaclass (an Enum): pickled by name
        if not dataclasses.is_dataclass(cls):
            # What pickle itself does once a pickler has a dispatch table of its own.
            reducer = copyreg.dispatch_table.get(cls) or _reduce_natively
        else:
            names = [f.name for f in dataclasses.fields(cls)]
            fields: Callable[[Any], tuple[Any, ...]] = (
                operator.attrgetter(*names)
                if len(names) > 1
                else lambda obj: tuple(getattr(obj, name) for name in names)
            )
            if cls in (Edition, Document):
                reducer = functools.partial(self._shared, cls, fields)
            else:
                reducer = lambda obj: (cls, (fields(obj),))  # noqa: E731
        self[cls] = reducer
        return reducer

    def _shared(self, cls: type, fields: Callable[[Any], Any], obj: object) -> Any:
        found = self.known.get(id(obj))
        if found is None:
            if isinstance(obj, Document) and (source := self.sources.get(obj.path)) is not None:
                # Its file's bytes: no need to pickle and hash its text.
                fingerprint = cache.digest(f"document\0{obj.path}\0{source}".encode())
            else:
                fingerprint = self.fingerprint((cls, fields(obj)))
            reduced = (_fingerprinted, (fingerprint,))
            found = self.known[id(obj)] = (obj, reduced)
        return found[1]


_reduce_natively = operator.methodcaller("__reduce_ex__", 5)


def _named_classes() -> tuple[object, ...]:
    from markupsafe import Markup

    from .pages import PageInfo, YearGroup

    return (
        date,
        Markup,
        _fingerprinted,
        PageInfo,
        YearGroup,
        Edition,
        Document,
        FrontMatter,
        DateRange,
        Partner,
        Resource,
        Location,
    )


def _fingerprinted(value: str) -> str:
    """What stands for an object fingerprinted on its own (pickled by name only)."""
    return value


@dataclass(frozen=True, slots=True)
class _Job:
    """What a worker needs, inherited through fork rather than pickled."""

    env: Any
    site: Site
    stage: IncrementalStaging
    render: RenderPage
    problem: TemplateProblem
    recorder: deps.Recorder | None
    key: str
    """The site key, for the pages whose own key is made by the worker (see `page_keys`)."""
    sources: Sources


SideJob = tuple[Callable[[list[Any]], Any], Sequence[Any]]
"""Work for `render_pages` to do beside the pages: a task and the items it takes shares of."""

_Staged = tuple[str, str, str, FileRecord | None, frozenset[deps.Read] | None, Stat | None]
_Result = tuple[list[_Staged], list[Problem]]


def render_pages(
    site: Site,
    pages: Sequence[Page],
    stage: IncrementalStaging,
    key: str,
    make_env: Callable[[], Any],
    render: RenderPage,
    problem: TemplateProblem,
    recorder: deps.Recorder | None = None,
    reads: dict[str, frozenset[deps.Read]] | None = None,
    beside: Callable[[], object] = lambda: None,
    also: SideJob | None = None,
    sources: Sources | None = None,
) -> tuple[list[Problem], list[Any]]:
    """Stage every page: unchanged ones are kept, the others rendered (in parallel when there
    are many). Returns template problems, each once, and the results of `also`.

    `beside()` runs in this process while the workers start rendering (the build makes its
    feeds and calendars there), before this process renders its part. `also` is other work
    done in the same processes, its items mixed with the pages (the build's content checks):
    one round of workers instead of two. `sources`: the hash of each document's file (see
    `page_keys`).
    With a `recorder` (the one `make_env`'s environment reports to, see `deps`), what each
    rendered page read of the documents goes into `reads`, by output file."""
    todo: list[tuple[str, str | None, Page]] = []
    if not stage.previous.files:
        # Nothing recorded, nothing to keep: each page's key is computed where it is
        # rendered, on every core, only to be recorded for the next build.
        for page in pages:
            stage.reserve(page.output_file, "a page")
            todo.append((page.output_file, None, page))
    else:
        for page, page_fingerprint in zip(pages, page_keys(key, pages, sources), strict=True):
            relative = page.output_file
            stage.reserve(relative, "a page")
            if not stage.keep(relative, page_fingerprint):
                todo.append((relative, page_fingerprint, page))
    side_task, side_items = also if also is not None else (_no_side_task, [])
    items: list[tuple[bool, Any]] = [(False, item) for item in todo]
    items += [(True, item) for item in side_items]
    if not items:
        beside()
        return [], []
    env = make_env() if todo else None
    workers = max(1, min(parallel.worker_count(), len(items) // parallel.MIN_ITEMS_PER_WORKER))
    if workers > 1 and env is not None:
        compile_all(env)  # else each template is compiled when first used, if it is
    job = _Job(env, site, stage, render, problem, recorder, key, sources or {})
    progress = Progress(len(todo))
    parent = os.getpid()

    def task(share: list[tuple[bool, Any]]) -> tuple[_Result, Any]:
        # Only the parent draws: its share is 1/workers of the whole.
        shown = progress if os.getpid() == parent else None
        pages = [item for side, item in share if not side]
        rendered = _render_share(job, pages, shown, workers) if pages else ([], [])
        return rendered, side_task([item for side, item in share if side])

    try:
        results = parallel.fork_map_beside(task, items, beside, workers - 1)[1]
    finally:
        progress.close()
    problems: list[Problem] = []
    for (staged, share_problems), _ in results:
        for relative, hashed, page_fingerprint, kept, page_reads, stat in staged:
            stage.record_written(relative, hashed, page_fingerprint, kept, stat)
            if reads is not None and page_reads is not None:
                reads[relative] = page_reads
        problems.extend(p for p in share_problems if p not in problems)
    return problems, [side for _, side in results]


def _no_side_task(items: list[Any]) -> None:
    return None


def _render_share(
    job: _Job, share: list[tuple[str, str | None, Page]], progress: Progress | None, workers: int
) -> _Result:
    """Render and stage a share of the pages; runs in the parent or in a forked worker."""
    import jinja2

    staged: list[_Staged] = []
    problems: list[Problem] = []
    reducers = _Reducers(job.sources)
    for relative, known_fingerprint, page in share:
        page_fingerprint = known_fingerprint
        if page_fingerprint is None:
            page_fingerprint = _page_key(job.key, page, reducers)
        try:
            data, page_reads = render_traced(job.env, job.site, page, job.render, job.recorder)
        except jinja2.TemplateError as error:
            problem = job.problem(error)
            if problem not in problems:
                problems.append(problem)
            continue
        hashed = job.stage.put(relative, data, page_fingerprint)
        kept = job.stage.kept.get(relative)
        stat = job.stage.stats.get(relative)
        staged.append((relative, hashed, page_fingerprint, kept, page_reads, stat))
        if progress is not None:
            progress.advance(workers)
    return staged, problems


def render_traced(
    env: Any, site: Site, page: Page, render: RenderPage, recorder: deps.Recorder | None
) -> tuple[bytes, frozenset[deps.Read] | None]:
    """A page's bytes and, with a recorder, what it read of the documents: what its templates
    read, and the body of each document it shows as Markdown (`Page.markdown`)."""
    if recorder is None:
        return render(env, site, page), None
    recorder.start()
    try:
        data = render(env, site, page)
    finally:
        reads = recorder.stop()
    shown = {(document.path, "body") for document in page.markdown.values()}
    return data, reads | shown


def compile_all(env: Any) -> None:
    """Compile every template once, before forking: workers inherit them compiled."""
    import jinja2

    for name in env.list_templates():
        if name.startswith("static/"):
            continue
        with contextlib.suppress(jinja2.TemplateError):  # reported with its page
            env.get_template(name)
