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
import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache, parallel
from .cache import FileRecord
from .errors import Problem
from .incremental import IncrementalStaging
from .progress import Progress

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


def build_key(project: Path, settings: Settings) -> str:
    """Everything a whole build is made from: when it matches, the output is up to date."""
    inputs = cache.files_digest(project, cache.INPUT_FOLDERS)
    return cache.digest(f"{environment_key()}\0{inputs}\0{settings!r}".encode())


def site_key(project: Path, settings: Settings, site: Site) -> str:
    """What every page depends on besides its own context."""
    templates = cache.files_digest(project, ("templates",))
    config = cache.fingerprint(site.config, site.today) or ""
    return cache.digest(f"{environment_key()}\0{templates}\0{settings!r}\0{config}".encode())


def page_key(key: str, page: Page) -> str:
    """The page's fingerprint, or "" when its context cannot be fingerprinted (never reused)."""
    value = cache.fingerprint(key, page.template, page.info, page.context, page.markdown)
    return value or ""


@dataclass(frozen=True, slots=True)
class _Job:
    """What a worker needs, inherited through fork rather than pickled."""

    env: Any
    site: Site
    stage: IncrementalStaging
    render: RenderPage
    problem: TemplateProblem


_Result = tuple[list[tuple[str, str, str, FileRecord | None]], list[Problem]]


def render_pages(
    site: Site,
    pages: Sequence[Page],
    stage: IncrementalStaging,
    key: str,
    make_env: Callable[[], Any],
    render: RenderPage,
    problem: TemplateProblem,
) -> list[Problem]:
    """Stage every page: unchanged ones are kept, the others rendered (in parallel when there
    are many). Returns template problems, each once."""
    todo: list[tuple[str, str, Page]] = []
    for page in pages:
        relative = page.output_file
        stage.claim(relative, "a page")
        page_fingerprint = page_key(key, page)
        if not stage.keep(relative, page_fingerprint):
            todo.append((relative, page_fingerprint, page))
    if not todo:
        return []
    env = make_env()
    _compile_all(env)
    job = _Job(env, site, stage, render, problem)
    progress = Progress(len(todo))
    workers = max(1, min(parallel.worker_count(), len(todo) // parallel.MIN_ITEMS_PER_WORKER))
    parent = os.getpid()

    def task(share: list[tuple[str, str, Page]]) -> _Result:
        # Only the parent draws: its share is 1/workers of the whole.
        shown = progress if os.getpid() == parent else None
        return _render_share(job, share, shown, workers)

    try:
        results = parallel.fork_map(task, todo, workers)
    finally:
        progress.close()
    problems: list[Problem] = []
    for staged, share_problems in results:
        for relative, hashed, page_fingerprint, kept in staged:
            stage.record_written(relative, hashed, page_fingerprint, kept)
        problems.extend(p for p in share_problems if p not in problems)
    return problems


def _render_share(
    job: _Job, share: list[tuple[str, str, Page]], progress: Progress | None, workers: int
) -> _Result:
    """Render and stage a share of the pages; runs in the parent or in a forked worker."""
    import jinja2

    staged: list[tuple[str, str, str, FileRecord | None]] = []
    problems: list[Problem] = []
    for relative, page_fingerprint, page in share:
        try:
            data = job.render(job.env, job.site, page)
        except jinja2.TemplateError as error:
            problem = job.problem(error)
            if problem not in problems:
                problems.append(problem)
            continue
        hashed = job.stage.put(relative, data, page_fingerprint)
        staged.append((relative, hashed, page_fingerprint, job.stage.kept.get(relative)))
        if progress is not None:
            progress.advance(workers)
    return staged, problems


def _compile_all(env: Any) -> None:
    """Compile every template once, before forking: workers inherit them compiled."""
    import jinja2

    for name in env.list_templates():
        if name.startswith("static/"):
            continue
        with contextlib.suppress(jinja2.TemplateError):  # reported with its page
            env.get_template(name)
