"""The build, as a table of contents: load, validate, plan, render, write.

Everything is read and checked before anything is written; the output is swapped in whole.
(The dev server's quick rebuild after a save of Markdown documents, `rebuild`, also writes
nothing until everything succeeded, but then replaces its few changed files one by one.)
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import jinja2

from . import (
    assets,
    cache,
    checks,
    deps,
    engine,
    linkcheck,
    markdown,
    parallel,
    publish,
    templating,
)
from .checks import CheckRun
from .errors import Problem, SiteError, errors_in
from .incremental import IncrementalStaging
from .model import Document, Site, SiteConfig
from .news import load_news
from .pages import Page, plan
from .sources import Position, files_under, parse_yaml, read_text, split_front_matter
from .validate import (
    is_safe_content_path,
    validate_editions,
    validate_front_matter,
    validate_site,
)
from .writer import OutputConflictError, Staging, check_output_dir

if TYPE_CHECKING:
    from . import rebuild

T = TypeVar("T")
_ReadAhead = tuple[str, Document | None, list[Problem], str | None, str, str | None]
"""A document read ahead: (path in content/, document, problems, prepared HTML, hash of its
bytes or "" if unreadable, its text before the body)."""

SITE_FILE = "data/site.yaml"
EDITIONS_FILE = "data/editions.yaml"
INTRO_FILE = "index.md"


@dataclass(frozen=True, slots=True)
class Options:
    project: Path
    today: date
    out: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False

    @property
    def output_dir(self) -> Path:
        return self.out if self.out is not None else self.project / "output"


@dataclass(slots=True)
class Report:
    """What a run did: its problems (warnings included), files written, and step timings."""

    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    written: int = 0
    """Files whose bytes changed (or are new); the others were kept as they were."""
    unchanged: int = 0
    removed: int = 0

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


class Project:
    """The input folders of a site: where things are, and how to read them with problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        self.templates = root / "templates"
        self.static = root / "templates" / "static"
        self.content_label = self.label(self.content) + "/"
        """How paths in content/ start in messages: `content/`."""
        self.read: set[str] = set()
        """Every document read (relative to content/), published or not."""
        self._content_files: list[tuple[str, str]] | None = None
        self.content_digests: dict[str, str] = {}
        """The hash of each file read ahead (see `read_documents_beside`), as it was read."""
        self.preread: dict[str, tuple[Document | None, list[Problem]]] = {}
        """Documents read ahead (see `read_documents_beside`), by path relative to content/."""
        self.before_body: dict[str, str] = {}
        """The text before the body (the front matter) of each document read ahead: with the
        body, its whole text, which the content checks read."""

    def label(self, path: Path) -> str:
        text, root = str(path), str(self.root)
        if text.startswith(root + os.sep):  # Path.relative_to, without its cost per document
            return text[len(root) + 1 :].replace(os.sep, "/")
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return text

    def read_yaml(self, relative: str, problems: list[Problem]) -> object:
        path = self.root / relative
        if not path.is_file():
            hint = "create it (see README.md) or run the command from the project folder"
            problems.append(Problem(relative, 0, 0, "file not found", hint))
            return None
        text = read_text(path, relative)
        problems.extend(text.problems)
        if text.text is None:
            return None
        result = parse_yaml(text.text, relative)
        problems.extend(result.problems)
        return result.data

    def read_document(self, relative: str, problems: list[Problem]) -> Document | None:
        self.read.add(relative)
        if relative in self.preread:
            document, found = self.preread[relative]
            problems.extend(found)
            return document
        return self._read_document(relative, problems)

    def _read_document(
        self,
        relative: str,
        problems: list[Problem],
        with_bytes: Callable[[bytes], object] | None = None,
        with_text: Callable[[str], object] | None = None,
    ) -> Document | None:
        path = os.path.join(self.content, relative)  # a str: no Path per document
        label = (
            self.label(Path(path))
            if relative.startswith(("/", "."))
            else self.content_label + relative
        )
        text = read_text(path, label, with_bytes)
        problems.extend(text.problems)
        if text.text is None:
            return None
        if with_text is not None:
            with_text(text.text)
        split = split_front_matter(text.text, label)
        problems.extend(split.problems)
        meta, meta_problems = validate_front_matter(split.front_matter, label)
        problems.extend(meta_problems)
        return Document(relative, label, meta, split.body, split.body_line)

    def content_file_exists(self, relative: str) -> bool:
        if relative in self.preread:
            return True
        return is_safe_content_path(relative) and (self.content / relative).is_file()

    def read_documents_beside(
        self, work: Callable[[], T], allow_html: bool, every_html: bool = True
    ) -> T:
        """`work()` here while the other cores read every Markdown file of content/ ahead and
        render its HTML (`markdown.prepared`): a document's problems count only once it is
        asked for (`read_document`). Unless `every_html`, only the HTML of the documents
        with a publication date is rendered ahead (the feed shows them whole); the others'
        is rendered where it is needed, if it is."""

        def read(share: list[str]) -> list[_ReadAhead]:
            done = []
            hashed, text = [""], [""]

            def hash_bytes(raw: bytes) -> None:
                hashed[0] = cache.digest(raw)

            def keep_text(whole: str) -> None:
                text[0] = whole

            for relative in share:
                problems: list[Problem] = []
                hashed[0] = ""
                document = self._read_document(relative, problems, hash_bytes, keep_text)
                html, before = None, None
                if document is not None:
                    if every_html or document.meta.published is not None:
                        html = markdown.prepare_body(document.body, allow_html)
                    if text[0].endswith(document.body):
                        before = text[0][: len(text[0]) - len(document.body)]
                done.append((relative, document, problems, html, hashed[0], before))
            return done

        result, shares = parallel.fork_map_beside(read, self.markdown_files(), work)
        for share in shares:
            for relative, document, problems, html, digest, before in share:
                self.preread[relative] = (document, problems)
                if digest:
                    self.content_digests[relative] = digest
                if before is not None:
                    self.before_body[relative] = before
                if document is not None and html is not None:
                    markdown.remember(document.body, allow_html, html)
        return result

    def markdown_files(self) -> list[str]:
        """Every `.md` file under content/, relative to it, sorted."""
        return sorted(path for path, _ in self.content_files() if path.endswith(".md"))

    def content_files(self) -> list[tuple[str, str]]:
        """(path relative to content/, full path) of every file under it, listed once: the
        Markdown is read ahead and the other files copied (10,000 files to walk past)."""
        if self._content_files is None:
            self._content_files = list(files_under(self.content))
        return self._content_files


@dataclass(slots=True)
class Loaded:
    """A loaded site and its problems, those of reading and validating apart from those of
    the content checks (the dev server's quick rebuild checks edited documents again)."""

    site: Site | None
    """None when any error was found."""
    problems: list[Problem]
    checks: list[Problem]
    read: frozenset[str] = frozenset()
    """Every document read (relative to content/), published or not."""
    pages: list[Page] | None = None
    """The site's pages, planned once for the checks and the build."""
    pending: CheckRun | None = None
    """The content checks, when left for the build to run with its pages (`checks` is then
    empty)."""
    content_digests: dict[str, str] = field(default_factory=dict)
    """The hash of each Markdown file, as read (by path in content/)."""


def load(options: Options) -> tuple[Site | None, list[Problem]]:
    """Read and validate every input; the Site is None when any error was found."""
    loaded = load_site(options)
    return loaded.site, loaded.problems + loaded.checks


def load_site(
    options: Options,
    defer_checks: bool = False,
    project: Project | None = None,
    every_html: bool = True,
) -> Loaded:
    """`load`, with the problems of the content checks kept apart; with `defer_checks`, the
    checks are not run but made ready (`Loaded.pending`). `project`: the build's, so that
    content/ is listed once for reading and copying. `every_html`: see
    `Project.read_documents_beside`."""
    project = project or Project(options.project)
    problems: list[Problem] = []

    config = _load_config(project, options, problems)
    allow_html = config.allow_html if config is not None else False
    raw = project.read_documents_beside(
        lambda: project.read_yaml(EDITIONS_FILE, problems), allow_html, every_html
    )
    documents: dict[str, Document | None] = {}

    def load_document(relative: str, named_in: str, where: Position) -> Document | None:
        if relative not in documents:
            if not project.content_file_exists(relative):
                line, col = where
                problems.append(
                    Problem(
                        named_in,
                        line,
                        col,
                        f"`content/{relative}` does not exist",
                        "create the Markdown file, or fix the path (it is relative to content/)",
                    )
                )
                return None
            documents[relative] = project.read_document(relative, problems)
        document = documents[relative]
        return document if document is not None and is_published(document, options) else None

    editions, edition_problems = validate_editions(
        raw,
        EDITIONS_FILE,
        load_document,
        project.content_file_exists,
        config.title if config is not None else "",
    )
    problems.extend(edition_problems)
    intro = None
    if project.content_file_exists(INTRO_FILE):
        intro = project.read_document(INTRO_FILE, problems)
    news, news_problems = load_news(
        project.content, project.read_document, lambda d: is_published(d, options)
    )
    problems.extend(news_problems)
    if options.strict and config is not None:
        problems.extend(publish.base_url_problems(config, options.base_url is not None))
    site = None
    pages: list[Page] | None = None
    found: list[Problem] = []
    pending = None
    if config is not None and not errors_in(problems):
        site = Site(config, tuple(editions), intro, options.today, news)
        pages = plan(site)
        if defer_checks:
            pending = CheckRun(
                site, project.root, _site_files(project), pages, False, project.before_body
            )
        else:
            found = content_checks(site, project, pages)
    if options.strict:
        problems, found = strict(problems), strict(found)
    read = frozenset(project.read)
    if site is None or errors_in(problems + found):
        return Loaded(None, problems, found, read)
    return Loaded(site, problems, found, read, pages, pending, project.content_digests)


def strict(problems: list[Problem]) -> list[Problem]:
    """Under --strict, warnings are errors."""
    return [p.as_error() if p.severity == "warning" else p for p in problems]


def content_checks(site: Site, project: Project, pages: list[Page] | None = None) -> list[Problem]:
    """Dates that contradict their record, mojibake, broken links in Markdown (warnings), and
    past editions without a summary (information)."""
    return checks.check_site(site, project.root, _site_files(project), pages)


def _site_files(project: Project) -> Iterator[str]:
    """The output paths of the copied files."""
    return (path for path, _ in copied_files(project))


def is_published(document: Document, options: Options) -> bool:
    """Drafts, and documents whose `published` date is after today, wait (unless `--drafts`):
    a summary dated after `--today` does not exist yet on that day."""
    if options.drafts:
        return True
    published = document.meta.published
    return not document.meta.draft and (published is None or published <= options.today)


def _load_config(project: Project, options: Options, problems: list[Problem]) -> SiteConfig | None:
    before = len(problems)
    raw = project.read_yaml(SITE_FILE, problems)
    if raw is None and len(problems) > before:
        return None  # missing, not UTF-8 or not YAML: already reported
    config, config_problems = validate_site(raw, SITE_FILE)
    problems.extend(config_problems)
    if config is not None and options.base_url is not None:
        base = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
        config = replace(config, base_url=base)
    return config


def render_page(env: jinja2.Environment, site: Site, page: Page) -> bytes:
    context = {"site": site.config, "page": page.info, "today": site.today, **page.context}
    for key, document in page.markdown.items():
        context[key] = markdown.render(document.body, site.config.allow_html, page.info.root)
    return templating.render(env, page.template, context).encode("utf-8")


def render_all(
    site: Site, pages: list[Page], project: Project
) -> tuple[dict[str, bytes], list[Problem]]:
    env = templating.make_environment(project.templates, site.config.language)
    rendered: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in pages:
        try:
            rendered[page.output_file] = render_page(env, site, page)
        except jinja2.TemplateError as error:
            problem = templating.template_problem(error, project.templates, project.root)
            if problem not in problems:
                problems.append(problem)
    return rendered, problems


def copied_files(project: Project) -> Iterator[tuple[str, Path]]:
    """Static assets (stylesheets and scripts under hashed names) and every non-Markdown file
    of content/ (resources, images), sorted."""
    yield from assets.static_outputs(project.static, assets.manifest(project.static))
    # Not Path.rglob: at 10,000 editions content/ has 10,000 Markdown files to pass by.
    found = [
        relative
        for relative, path in project.content_files()
        if not relative.endswith(".md")
        and not relative.rpartition("/")[2].startswith(".")
        and os.path.isfile(path)
    ]
    for relative in sorted(found, key=lambda path: path.split("/")):  # as Paths sort
        yield relative, project.content / relative


@dataclass(slots=True)
class Capture:
    """What a build made, filled in for the dev server's `Builder` (see `rebuild`), which
    keeps it in memory to rebuild after a save without loading everything again."""

    may_skip: bool = False
    """Whether the build may still stop at once when the output is up to date (nothing is
    captured then)."""
    recorder: deps.Recorder = field(default_factory=deps.Recorder)
    """The reads of templates of documents, page by page (see `deps`)."""
    env: jinja2.Environment | None = None
    """The templates, compiled and traced by `recorder`."""
    loaded: Loaded | None = None
    pages: list[Page] = field(default_factory=list)
    page_reads: dict[str, frozenset[deps.Read]] = field(default_factory=dict)
    """What each page rendered by this build read; a page kept as it was is not in it."""
    outputs: dict[str, list[str]] = field(default_factory=dict)
    """The paths of the other outputs (feed, calendars, sitemap, ...), by the step making them
    (see `publish.makers`)."""
    output_reads: dict[str, frozenset[deps.Read]] = field(default_factory=dict)
    """What each of those steps read of the documents."""
    watched: Site | None = None
    """The site with watched documents they were made from."""
    parsed: dict[str, linkcheck.Page] = field(default_factory=dict)
    link_problems: list[Problem] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    manifest: cache.Manifest | None = None
    digests: dict[str, str] = field(default_factory=dict)
    """Of every file of the output."""

    def environment(self, project: Project, site: Site) -> jinja2.Environment:
        if self.env is None:
            self.env = templating.make_environment(project.templates, site.config.language)
            deps.trace_environment(self.env, self.recorder)
        return self.env


def build(
    options: Options,
    memo: cache.DigestMemo | None = None,
    capture: Capture | None = None,
) -> Report:
    """Load, validate, plan, render, write. Raises SiteError (nothing written) on any error.

    Incremental (see `engine`): a build whose inputs all match the last one's is skipped, a
    page whose key matches is not rendered again, a file whose bytes match is not written.
    With `capture`, what the build made is kept in it; nothing is skipped then (a capture needs
    the site loaded), unless `capture.may_skip`. Builds of one output folder run one at a time
    (`cache.build_lock`: `serve` and a command-line build, say).
    """
    out = check_output_dir(options.output_dir, options.project)
    with cache.build_lock(options.project, out):
        return _build(options, out, memo, capture)


def _build(
    options: Options,
    out: Path,
    memo: cache.DigestMemo | None,
    capture: Capture | None,
) -> Report:
    report = Report()
    project = Project(options.project)
    settings = engine.Settings(options.today, options.base_url, options.drafts, options.strict)
    previous = cache.load_manifest(project.root, out)
    may_skip = capture is None or capture.may_skip
    # With no record of a last build to compare with, the inputs are hashed after loading,
    # the Markdown files as they were read for it rather than read again.
    hash_after = capture is None and not (may_skip and previous.build_key)
    inputs, key = {}, ""
    if not hash_after:
        with report.step("inputs"):
            inputs = engine.input_digests(project.root)
            key = engine.inputs_key(settings, inputs)
        if may_skip and previous.build_key == key and previous.intact(out):
            return _unchanged(report, previous)
    with report.step("load"):
        # The dev server's build checks the documents here, keeping what the checks found
        # for its quick rebuilds; a build run once checks them while rendering its pages.
        # A build that keeps most pages of the last one renders few documents' HTML: it is
        # made where it is needed, not ahead for all (unless for the feed).
        loaded = load_site(options, capture is None, project, every_html=not previous.files)
    site = loaded.site
    report.problems = loaded.problems + loaded.checks
    if site is None:
        raise SiteError(errors_in(report.problems))

    def hash_inputs() -> None:
        # Needed only for the record written last: hashed while the first pages render.
        nonlocal inputs, key
        inputs = engine.input_digests(project.root, loaded.content_digests)
        key = engine.inputs_key(settings, inputs)

    with report.step("plan"):
        pages = loaded.pages if loaded.pages is not None else plan(site)
    beside: list[Callable[[], None]] = [hash_inputs] if hash_after else []
    if loaded.pending is not None:
        # The last build's findings, by each document's bytes: an edited one is checked alone.
        findings = cache.DigestMemo(cache.memo_path(project.root, out, "findings"))
        loaded.pending.reuse(findings, loaded.content_digests, engine.environment_key())
        beside.append(loaded.pending.name_findings)  # for a first build, done meanwhile
    stage = IncrementalStaging(out, previous)
    try:
        _stage_site(
            stage,
            site,
            pages,
            project,
            settings,
            report,
            capture,
            loaded.pending,
            (lambda: _run_each(beside)) if beside else None,
            loaded.content_digests,
        )
        with report.step("link check"):
            checked = stage.root if stage.changed else out
            parsed = _parsed_pages(checked, stage, memo or _links_memo(project, out))
            link_problems = _check_links(
                checked, site, options, project.label(out), parsed, frozenset(stage.files)
            )
            link_problems = linkcheck.not_reported(link_problems, report.problems)
            report.problems.extend(link_problems)
        with report.step("write"):
            stage.commit()
    except BaseException:
        stage.discard()
        raise
    report.files = stage.files
    report.written, report.unchanged = len(stage.written), len(stage.kept)
    report.removed = len(stage.removed)
    manifest = stage.manifest(key)
    manifest.problems = [problem.record() for problem in report.problems]
    cache.save_manifest(project.root, out, manifest)
    if loaded.pending is not None:
        loaded.pending.keep()
    if capture is not None:
        capture.loaded, capture.pages, capture.inputs = loaded, pages, inputs
        capture.parsed, capture.link_problems = parsed, link_problems
        capture.manifest, capture.digests = manifest, stage.digests()
    return report


def _run_each(works: list[Callable[[], None]]) -> None:
    for work in works:
        work()


def _unchanged(report: Report, previous: cache.Manifest) -> Report:
    """The output already is what this build would write: say so, with the same warnings."""
    report.problems = [Problem(**fields) for fields in previous.problems]
    report.files = sorted(previous.files)
    report.unchanged = len(report.files)
    return report


def _stage_site(
    stage: IncrementalStaging,
    site: Site,
    pages: list[Page],
    project: Project,
    settings: engine.Settings,
    report: Report,
    capture: Capture | None = None,
    pending: CheckRun | None = None,
    also_beside: Callable[[], None] | None = None,
    sources: engine.Sources | None = None,
) -> None:
    """Every file of the new site into the staging folder: pages, then other outputs, then
    copied files. Raises SiteError on template errors and path conflicts, and on errors
    of the `pending` content checks (under --strict), which are run with the pages.

    A build without `capture` makes the other outputs while worker processes render the
    first pages (`_publish_beside`), and then does `also_beside()`."""
    published: list[SiteError | None] = []

    def beside() -> None:
        published.append(_publish_beside(stage, site, pages, project))
        if also_beside is not None:
            also_beside()

    if pending is not None:
        pending.prepare()
    with report.step("render" if capture is not None else "render, feeds, calendars, sitemap"):
        render_problems, checked = engine.render_pages(
            site,
            pages,
            stage,
            engine.site_key(project.root, settings, site),
            lambda: (
                capture.environment(project, site)
                if capture is not None
                else templating.make_environment(project.templates, site.config.language)
            ),
            render_page,
            lambda error: templating.template_problem(error, project.templates, project.root),
            capture.recorder if capture is not None else None,
            capture.page_reads if capture is not None else None,
            beside if capture is None else lambda: None,
            (pending.task, pending.todo) if pending is not None else None,
            sources,
        )
    if pending is not None:
        found = pending.finish(checked)
        found = strict(found) if settings.strict else found
        report.problems.extend(found)
        if errors_in(found):  # as when the checks ran before the pages
            raise SiteError(errors_in(found))
    if render_problems:
        raise SiteError(render_problems)
    if capture is None:
        if published[0] is not None:
            raise published[0]
        stage.materialize()
        return
    with report.step("feeds, calendars, sitemap"):
        capture.watched = deps.watch_site(site)
        env = capture.environment(project, site)
        made, extra_problems, capture.output_reads = publish_watched(
            capture.watched, pages, project, env
        )
        extras = [output for outputs in made.values() for output in outputs]
        capture.outputs = {name: [o.path for o in outputs] for name, outputs in made.items()}
    if extra_problems:
        raise SiteError(extra_problems)
    with report.step("write"):
        _write(stage, {}, extras, project)
        stage.materialize()


def _publish_beside(
    stage: IncrementalStaging, site: Site, pages: list[Page], project: Project
) -> SiteError | None:
    """The other outputs made and staged, with the copied files; the error that stops the
    build is returned, to be raised once the pages' own problems have been (as a build one
    step after the other would)."""
    extras, problems = _publish(site, pages, project)
    if problems:
        return SiteError(problems)
    try:
        _write(stage, {}, extras, project)
    except SiteError as error:
        return error
    return None


def _publish(
    site: Site, pages: list[Page], project: Project
) -> tuple[list[publish.Output], list[Problem]]:
    paths = [page.info.path for page in pages]
    return publish.outputs(site, paths, project.templates, project.root)


def publish_watched(
    watched: Site,
    pages: list[Page],
    project: Project,
    env: jinja2.Environment,
    only: Collection[str] | None = None,
) -> tuple[dict[str, list[publish.Output]], list[Problem], dict[str, frozenset[deps.Read]]]:
    """`_publish` step by step (`publish.makers`; `only` those named) from a site of watched
    documents (`deps.watch_site`), noting what each step read of each document."""
    paths = [page.info.path for page in pages]
    makers = publish.makers(watched, paths, env)
    made: dict[str, list[publish.Output]] = {}
    reads: dict[str, frozenset[deps.Read]] = {}
    for name, make in makers.items():
        if only is not None and name not in only:
            continue
        deps.WATCH.start()
        try:
            made[name] = make()
        except jinja2.TemplateError as error:
            return {}, [templating.template_problem(error, project.templates, project.root)], {}
        finally:
            reads[name] = deps.WATCH.stop()
    return made, [], reads


def _links_memo(project: Project, out: Path) -> cache.DigestMemo:
    return cache.DigestMemo(cache.memo_path(project.root, out, "links"))


def _parsed_pages(
    root: Path, stage: IncrementalStaging, memo: cache.DigestMemo
) -> dict[str, linkcheck.Page]:
    """Every HTML page of the new site parsed for the link check: a page is parsed only when
    its bytes are new (the parse is kept by their hash)."""
    digests = {name: hashed for name, hashed in stage.digests().items() if name.endswith(".html")}
    new = sorted(name for name, hashed in digests.items() if not memo.has(hashed))

    folder = str(root)

    def parse(names: list[str]) -> list[tuple[str, linkcheck.Page]]:
        return [(name, linkcheck.parse(os.path.join(folder, name))) for name in names]

    for share in parallel.fork_map(parse, new):  # on every core: a cold build parses them all
        for name, page in share:
            memo.put(digests[name], page)
    parsed = {name: memo.get(hashed, lambda: None) for name, hashed in digests.items()}
    memo.save(set(digests.values()))
    return parsed


def _check_links(
    staged: Path,
    site: Site,
    options: Options,
    label: str,
    parsed: dict[str, linkcheck.Page] | None = None,
    files: Collection[str] | None = None,
) -> list[Problem]:
    """Broken internal links of the staged site: warnings, or errors that stop the swap
    under --strict (the previous output stays). `files`: every file staged, if known."""
    problems = linkcheck.check_site(staged, site.config.base_url, label, parsed, files)
    if options.strict and problems:
        raise SiteError(p.as_error() for p in problems)
    return problems


def _write(
    stage: Staging | IncrementalStaging,
    rendered: dict[str, bytes],
    extras: list[publish.Output],
    project: Project,
) -> None:
    """Generated files first, so that a copied file of content/ that takes one of their
    paths (`content/feed.xml`) is the one named in the error."""
    try:
        for relative, data in rendered.items():
            stage.write_bytes(relative, data, "a page")
        for output in extras:
            stage.write_bytes(output.path, output.data, output.owner)
        for relative, source in copied_files(project):
            stage.copy_file(relative, source, project.label(source))
    except OutputConflictError as conflict:
        message = f"`{conflict.relative}` would overwrite {conflict.first} in the output"
        hint = "rename or move the file: the generator writes that path itself"
        raise SiteError([Problem(conflict.second, 0, 0, message, hint)]) from None


class Builder:
    """A build that can be run again: the dev server keeps one and calls `build` on each save.

    `changed` names the files that changed since the last good build (None: unknown, build
    all); the result is always identical to a clean build's. After a full build, the Builder
    keeps what it made in memory, and a save of Markdown documents is rebuilt from that alone
    (`rebuild`: only the pages and files the documents change are made again and replaced,
    one file at a time). Anything else is a full build, itself incremental page by page.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self._memo: cache.DigestMemo | None = None
        """The link check's parsed pages, kept in memory between rebuilds."""
        self._state: rebuild.State | None = None

    def build(self, changed: Collection[Path] | None = None) -> Report:
        if self._state is not None and changed is not None:
            try:
                report = self._state.quick(changed)
            except SiteError:
                raise  # nothing written: the state is still the last good build's
            except BaseException:
                self._state = None  # a crash half-way: start again from a full build
                raise
            if report is not None:
                return report
        # The first build stops at once if the output is up to date (the dev server then
        # starts serving at once, and `warm` loads the site while it waits for a save).
        return self._full(may_skip=changed is None)

    def warm(self) -> None:
        """Make sure the next save is rebuilt quickly: load the site and what the output was
        made from, if the last build stopped at once (it writes nothing: nothing changed)."""
        if self._state is None:
            self._full(may_skip=False)

    def _full(self, may_skip: bool) -> Report:
        from . import rebuild  # it builds on this module

        self.flush()
        self._state = None
        if self._memo is None:
            out = check_output_dir(self.options.output_dir, self.options.project)
            self._memo = _links_memo(Project(self.options.project), out)
        capture = Capture(may_skip=may_skip)
        gc.unfreeze()
        report = build(self.options, memo=self._memo, capture=capture)
        if capture.loaded is None:
            return report  # stopped at once: nothing kept
        self._state = rebuild.State(self.options, capture, self._memo)
        # What the state holds lives until the next full build: out of the garbage
        # collector's sight, a collection during a quick rebuild does not walk through it
        # (at 10,000 editions, half a second).
        gc.collect()
        gc.freeze()
        return report

    def flush(self) -> None:
        """Save to disk what quick rebuilds kept in memory only (the build cache's record of
        the output): the dev server calls it once the browser was told to reload."""
        if self._state is not None:
            self._state.flush()


def check(options: Options) -> Report:
    """Validate everything and render every page in memory; write nothing."""
    report = Report()
    site, problems = load(options)
    report.problems = problems
    if site is None:
        raise SiteError(errors_in(problems))
    project = Project(options.project)
    pages = plan(site)
    _, render_problems = render_all(site, pages, project)
    _, extra_problems = _publish(site, pages, project)
    if render_problems or extra_problems:
        raise SiteError(render_problems + extra_problems)
    return report
