"""The dev server's quick rebuild: after a save of Markdown files, only what they change.

The `Builder` of `pipeline` keeps, after each full build, what it made (`State`): the loaded
site, each page as planned with what it read of the documents and the digest of its bytes,
what the other outputs read, the content checks' findings by document, the link check's
parsed pages and findings by page, and the content hash of every input. When the files that
changed since are all Markdown documents of the site, `State.quick` then

1. reads only those documents, and replaces them in the site (the model is frozen: the
   records that hold them are copied, every other object stays the same);
2. checks them again (the others' findings are kept);
3. plans the site again and renders only the pages whose planned value changed or that read
   a field of a document that changed (see `deps`: derived from the plan and from what
   rendering read, not from a list); the other pages keep their bytes;
4. makes the other outputs (feed, calendars, sitemap, open data) again only if they read a
   field that changed;
5. link-checks only the pages whose bytes changed, and the links of other pages into them;
6. and only then, everything having succeeded in memory, replaces each file whose bytes
   changed, one by one (written beside it, then `os.replace`).

So a failing quick build leaves the output untouched, as a full build does; but unlike the
full build's swap of the whole folder (kept for the command line), the few files of a quick
build are replaced one after the other: a page requested at that instant may come from
before the save while the next comes from after it, which the browser's reload after the
build puts right. Anything else (a new or deleted document, a record, a template, a static
file, the settings, a change of a document's publication) falls back to the full build, which
is itself incremental page by page. The result is always the same bytes as a clean build's
(`tests/test_incremental.py`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from . import cache, checks, deps, engine, linkcheck, templating
from .cache import FileRecord
from .changes import ChangeKind, classify_change
from .errors import Problem, SiteError, errors_in
from .model import Document, Site
from .news import FOLDER as NEWS_FOLDER
from .pages import Page, plan
from .pipeline import (
    INTRO_FILE,
    Capture,
    Options,
    Project,
    Report,
    copied_files,
    is_published,
    publish_watched,
    render_page,
    strict,
)
from .sources import read_text
from .writer import check_output_dir

TEMPORARY_SUFFIX = ".cmrsite-new"
"""A changed file is written beside its old self under this hidden name, then renamed."""


@dataclass(slots=True)
class PageState:
    page: Page
    digest: str
    reads: frozenset[deps.Read] | None
    """What its last rendering read of the documents; None when this process has not
    rendered it (the full build kept its file): then it may depend on any it holds."""
    held: frozenset[str] | None = None
    """When `reads` is None: the paths of the documents it holds (found once)."""

    def holds(self) -> frozenset[str]:
        """The paths of the documents it holds."""
        if self.held is None:
            held = {d.path for d in deps.documents_in(self.page.context)}
            self.held = frozenset(held | {d.path for d in self.page.markdown.values()})
        return self.held

    def may_read(self, changes: set[deps.Read]) -> bool:
        """Whether rendering it again may read something else than last time."""
        if not changes:
            return False
        if self.reads is not None:
            return not changes.isdisjoint(self.reads)
        held = self.holds()
        return any(path in held for path, _ in changes)


@dataclass(frozen=True, slots=True)
class _Edit:
    relative: str
    document: Document | None
    """None: not a document of the site (a draft, a file nothing names): nothing to redo."""
    digest: str


class State:
    """What the last good build made, kept in memory by the dev server's Builder."""

    def __init__(self, options: Options, capture: Capture, memo: cache.DigestMemo) -> None:
        loaded = capture.loaded
        assert loaded is not None and loaded.site is not None and capture.manifest is not None
        self.options = options
        self.project = Project(options.project)
        self.out = check_output_dir(options.output_dir, options.project)
        self.label = self.project.label(self.out)
        self.settings = engine.Settings(
            options.today, options.base_url, options.drafts, options.strict
        )
        self.site: Site = loaded.site
        self.read = loaded.read
        self.documents = {d.path: d for d in deps.documents_in(self.site)}
        self.holders = _holders(self.site)
        self.pages = {
            page.output_file: PageState(
                page, capture.digests[page.output_file], capture.page_reads.get(page.output_file)
            )
            for page in capture.pages
        }
        self.outputs = capture.outputs
        self.output_reads = capture.output_reads
        assert capture.watched is not None
        self.watched: Site = capture.watched
        self.digests = dict(capture.digests)
        self.load_problems = loaded.problems
        labels = {d.label for d in self.documents.values()}
        self.findings: dict[str, list[Problem]] = {}
        """The content checks' findings in each document, by its label."""
        self.site_findings: list[Problem] = []
        """The other findings (the data files, past editions without a summary)."""
        for problem in loaded.checks:
            if problem.file in labels:
                self.findings.setdefault(problem.file, []).append(problem)
            else:
                self.site_findings.append(problem)
        self.links: dict[str, list[Problem]] = {}
        """The link check's findings, by page file."""
        for problem in capture.link_problems:
            self.links.setdefault(problem.file.removeprefix(self.label + "/"), []).append(problem)
        self.parsed = capture.parsed
        self.memo = memo
        self.inputs = capture.inputs
        self.manifest = capture.manifest
        self.recorder = capture.recorder
        self.env = capture.env
        self.dirty = False
        """Whether the manifest and the link memo on disk are behind (see `flush`)."""
        self._check_context: tuple[checks.KnownPaths, checks.AllEditions] | None = None
        self._fragment_links: dict[str, dict[str, list[linkcheck.Link]]] | None = None
        # Ready before the first save, rather than on it.
        self._checks_context()
        self._fragment_index()
        self._learn_reads()

    # --- the quick build ----------------------------------------------------------------------

    def quick(self, changed: Collection[Path]) -> Report | None:
        """Rebuild after these files changed, or None when that needs a full build. Raises
        SiteError (nothing written, nothing kept) when the edited documents have errors.
        Waits for another build of the output to end (`cache.build_lock`)."""
        with cache.build_lock(self.options.project, self.out):
            return self._quick(changed)

    def _quick(self, changed: Collection[Path]) -> Report | None:
        if not self.out.is_dir():
            return None  # deleted meanwhile: the full build makes it anew
        report = Report()
        with report.step("read"):
            edits = self._edits(changed)
        if edits is None:
            return None
        old = self.documents
        new = {e.relative: e.document for e in edits if e.document is not None}
        replaced = {path: doc for path, doc in new.items() if doc != old[path]}
        changes: set[deps.Read] = set()
        for path, document in replaced.items():
            changes |= deps.changed_reads(old[path], document)
        site = self._site_with(replaced, self.site)
        with report.step("checks"):
            findings = self._check(site, new)
        with report.step("plan"):
            pages = plan(site)
        if [page.output_file for page in pages] != list(self.pages):
            return None
        with report.step("render"):
            page_states, writes, digests = self._render(site, pages, changes)
        with report.step("feeds, calendars, sitemap"):
            # The steps that read something that changed are made again (the feed, when a
            # published summary's text changed; calendars, when a summary's date did).
            output_reads = dict(self.output_reads)
            again = [n for n, reads in output_reads.items() if not changes.isdisjoint(reads)]
            watched = self.watched
            if again:
                watched = self._site_with(
                    {path: deps.Watched.of(doc) for path, doc in replaced.items()}, watched
                )
                env = self.environment(site)
                made, problems, reads = publish_watched(watched, pages, self.project, env, again)
                if problems:
                    raise SiteError(problems)
                output_reads.update(reads)
                for name, outputs in made.items():
                    if [output.path for output in outputs] != self.outputs[name]:
                        return None
                    for output in outputs:
                        digest = cache.digest(output.data)
                        if digest != self.digests[output.path]:
                            writes[output.path] = output.data
                            digests[output.path] = digest
        temporaries = self._write_temporaries(writes)
        try:
            with report.step("link check"):
                links, parsed = self._check_links(writes, temporaries)
            report.problems = self._problems(site, findings, links)
            if errors_in(report.problems):
                raise SiteError(errors_in(report.problems))
            with report.step("write"):
                records = self._replace(temporaries, digests)
        except BaseException:
            for temporary in temporaries.values():
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise
        # Everything succeeded and is written: the state moves on.
        for edit in edits:
            self.inputs[f"content/{edit.relative}"] = edit.digest
        self.site, self.pages, self.output_reads = site, page_states, output_reads
        self.watched = watched
        self.documents = {**old, **new}
        self.findings, self.links = findings, links
        self.digests.update(digests)
        for relative, page in parsed.items():
            self.parsed[relative] = page
            self.memo.put(self.digests[relative], page)
        if self._fragment_links is not None:
            for relative, page in parsed.items():  # the changed pages' links, indexed again
                for into in self._fragment_links.values():
                    into.pop(relative, None)
                self._index_links(self._fragment_links, relative, page)
        self.manifest.files.update(records)
        self.manifest.problems = [problem.record() for problem in report.problems]
        self.dirty = True
        report.files = sorted(self.digests)
        report.written = len(writes)
        report.unchanged = len(report.files) - len(writes)
        return report

    def _edits(self, changed: Collection[Path]) -> list[_Edit] | None:
        """The saved documents, read; None when a change needs a full build."""
        edits: list[_Edit] = []
        for path in sorted(set(changed)):
            kind = classify_change(path, self.options.project)
            if kind is None:
                continue  # an editor's backup or swap file, or not the site's at all
            if kind != ChangeKind.CONTENT:
                return None
            relative = path.relative_to(self.project.content).as_posix()
            try:
                data = path.read_bytes()
            except OSError:
                return None  # deleted (or unreadable): the full build says what that means
            if relative not in self.read:
                if relative == INTRO_FILE or relative.startswith(NEWS_FOLDER + "/"):
                    return None  # a new page of the site
                edits.append(_Edit(relative, None, cache.digest(data)))
                continue  # a Markdown file nothing names: it changes nothing
            problems: list[Problem] = []
            document = self.project.read_document(relative, problems)
            if problems or document is None:
                return None  # the full build reports them where they belong
            published = is_published(document, self.options)
            previous = self.documents.get(relative)
            if previous is None:
                if published:
                    return None  # a draft comes out
                edits.append(_Edit(relative, None, cache.digest(data)))
                continue
            if not published:
                return None  # withdrawn
            if relative.startswith(NEWS_FOLDER + "/") and document.meta != previous.meta:
                return None  # an article's title, description and date are in its listing
            edits.append(_Edit(relative, document, cache.digest(data)))
        return edits

    def _site_with(self, documents: dict[str, Document], site: Site) -> Site:
        """The site (or its watched copy) with these documents in place of their old ones."""
        changes: dict[str, Any] = {}
        for path in documents:
            for name, index in self.holders.get(path, ()):
                value = changes.get(name, getattr(site, name))
                if index is None:
                    changes[name] = deps.substitute(value, documents)
                else:
                    items = list(value)
                    items[index] = deps.substitute(items[index], documents)
                    changes[name] = tuple(items)
        return replace(site, **changes) if changes else site

    # --- content checks -----------------------------------------------------------------------

    def _check(self, site: Site, documents: dict[str, Document]) -> dict[str, list[Problem]]:
        """The findings by document, the edited ones found again."""
        findings = dict(self.findings)
        if not documents:
            return findings
        known, editions = self._checks_context()
        for document, page_path, edition in checks._documents(site):
            if document.path not in documents:
                continue
            raw = read_text(self.project.content / document.path, document.label).text
            if raw is None:
                raise SiteError([Problem(document.label, 0, 0, "the file could not be read")])
            facts = checks.EditionFacts.of(edition) if edition is not None else None
            found = list(
                checks.document_problems(
                    raw, document, page_path, known, facts, editions, site.config.language
                )
            )
            if self.options.strict:
                found = strict(found)
            findings[document.label] = found
        return findings

    def _checks_context(self) -> tuple[checks.KnownPaths, checks.AllEditions]:
        """What the checks of a document depend on besides it: the site's paths and every
        record's dates, which no edit of a document changes."""
        if self._check_context is None:
            site_files = (path for path, _ in copied_files(self.project))
            known = checks.KnownPaths.of(self.site, site_files)
            facts = tuple(checks.EditionFacts.of(e) for e in self.site.editions)
            self._check_context = known, checks.AllEditions(facts)
        return self._check_context

    # --- pages ----------------------------------------------------------------------------------

    def _render(
        self, site: Site, pages: list[Page], changes: set[deps.Read]
    ) -> tuple[dict[str, PageState], dict[str, bytes], dict[str, str]]:
        """Render the pages an edit may change; their new bytes and digests, where they
        differ."""
        states: dict[str, PageState] = {}
        writes: dict[str, bytes] = {}
        digests: dict[str, str] = {}
        problems: list[Problem] = []
        for page in pages:
            relative = page.output_file
            before = self.pages[relative]
            # Most often the very same page: an unchanged record plans to the same object.
            unchanged = before.page is page or deps.same_shape(before.page, page)
            if unchanged and not before.may_read(changes):
                states[relative] = PageState(page, before.digest, before.reads, before.held)
                continue
            try:
                data, reads = engine.render_traced(
                    self.environment(site), site, page, render_page, self.recorder
                )
            except jinja2.TemplateError as error:
                templates = self.project.templates
                problem = templating.template_problem(error, templates, self.project.root)
                if problem not in problems:
                    problems.append(problem)
                continue
            digest = cache.digest(data)
            states[relative] = PageState(page, digest, reads)
            if digest != self.digests[relative]:
                writes[relative] = data
                digests[relative] = digest
        if problems:
            raise SiteError(problems)
        return states, writes, digests

    def _learn_reads(self) -> None:
        """Render once the pages that show several documents and whose files the full build
        kept (so that their reads are not known): else the first save of any summary would
        render the archive again, for nothing."""
        for state in self.pages.values():
            if state.reads is None and len(state.holds()) > 1:
                with contextlib.suppress(jinja2.TemplateError):
                    _, state.reads = engine.render_traced(
                        self.environment(self.site),
                        self.site,
                        state.page,
                        render_page,
                        self.recorder,
                    )

    def environment(self, site: Site) -> jinja2.Environment:
        if self.env is None:
            env = templating.make_environment(self.project.templates, site.config.language)
            deps.trace_environment(env, self.recorder)
            self.env = env
        return self.env

    # --- link check -----------------------------------------------------------------------------

    def _check_links(
        self, writes: dict[str, bytes], temporaries: dict[str, Path]
    ) -> tuple[dict[str, list[Problem]], dict[str, linkcheck.Page]]:
        """The link check's findings by page: the changed pages' links, and the links of
        other pages into them (their `#fragment` may be gone), checked again."""
        links = dict(self.links)
        changed = sorted(relative for relative in writes if relative.endswith(".html"))
        if not changed:
            return links, {}
        parsed = {relative: linkcheck.parse(temporaries[relative]) for relative in changed}
        pages = {**self.parsed, **parsed}
        for relative in changed:
            targets = self._targets(relative, parsed[relative].links)
            subset = {target: pages[target] for target in targets if target in pages}
            subset[relative] = parsed[relative]
            links[relative] = self._findings_of(relative, subset)
        into_changed: dict[str, list[linkcheck.Link]] = {}
        for target in changed:
            for source, into in self._fragment_index().get(target, {}).items():
                if source not in parsed:
                    into_changed.setdefault(source, []).extend(into)
        for source, into in sorted(into_changed.items()):
            where = {(link.line, link.col) for link in into}
            kept = [p for p in links.get(source, []) if (p.line, p.col) not in where]
            subset = {source: linkcheck.Page(into, self.parsed[source].ids), **parsed}
            found = kept + self._findings_of(source, subset)
            links[source] = sorted(found, key=lambda problem: (problem.line, problem.col))
        return {page: found for page, found in links.items() if found}, parsed

    def _findings_of(self, relative: str, pages: dict[str, linkcheck.Page]) -> list[Problem]:
        found = linkcheck.check_site(self.out, self.site.config.base_url, self.label, pages)
        mine = [problem for problem in found if problem.file == f"{self.label}/{relative}"]
        return [problem.as_error() for problem in mine] if self.options.strict else mine

    def _target(self, page_file: str, target: str) -> str | None:
        """The output file a link leads to (None: outside the site, or no such file)."""
        if target.startswith("#"):
            return page_file
        path = linkcheck.site_path(target, page_file, self.site.config.base_url)
        if path is None or path.startswith(".."):
            return None
        return linkcheck.resolve(self.out, path)

    def _targets(
        self, page_file: str, links: Iterable[linkcheck.Link]
    ) -> dict[str, list[linkcheck.Link]]:
        """The links with a `#fragment`, by the page they lead to."""
        found: dict[str, list[linkcheck.Link]] = {}
        for link in links:
            if "#" in link.target:
                target = self._target(page_file, link.target)
                if target is not None:
                    found.setdefault(target, []).append(link)
        return found

    def _fragment_index(self) -> dict[str, dict[str, list[linkcheck.Link]]]:
        """Page file -> the other pages with a `#fragment` link into it, and those links."""
        if self._fragment_links is None:
            index: dict[str, dict[str, list[linkcheck.Link]]] = {}
            for source, page in self.parsed.items():
                self._index_links(index, source, page)
            self._fragment_links = index
        return self._fragment_links

    def _index_links(
        self, index: dict[str, dict[str, list[linkcheck.Link]]], source: str, page: linkcheck.Page
    ) -> None:
        for target, links in self._targets(source, page.links).items():
            if target != source:
                index.setdefault(target, {})[source] = links

    # --- problems and writing -------------------------------------------------------------------

    def _problems(
        self, site: Site, findings: dict[str, list[Problem]], links: dict[str, list[Problem]]
    ) -> list[Problem]:
        """In the order a full build gives them: reading, checks (document by document, then
        the rest), links (page by page)."""
        problems = list(self.load_problems)
        for document, _, _ in checks._documents(site):
            problems.extend(findings.get(document.label, ()))
        problems.extend(self.site_findings)
        found = [problem for page in sorted(links) for problem in links[page]]
        problems.extend(linkcheck.not_reported(found, problems))
        return problems

    def _write_temporaries(self, writes: dict[str, bytes]) -> dict[str, Path]:
        """Each changed file written beside the one it replaces, under a hidden name."""
        temporaries: dict[str, Path] = {}
        try:
            for relative, data in writes.items():
                target = self.out / relative
                temporary = target.with_name(f".{target.name}{TEMPORARY_SUFFIX}")
                temporaries[relative] = temporary
                with open(temporary, "wb") as file:  # as the full build writes a file
                    file.write(data)
        except BaseException:
            for temporary in temporaries.values():
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise
        return temporaries

    def _replace(
        self, temporaries: dict[str, Path], digests: dict[str, str]
    ) -> dict[str, FileRecord]:
        """Rename each new file over its old one; their records for the manifest."""
        records: dict[str, FileRecord] = {}
        for relative, temporary in temporaries.items():
            os.replace(temporary, self.out / relative)
            stat = os.stat(self.out / relative)
            digest = digests[relative]
            records[relative] = FileRecord(digest, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        return records

    def flush(self) -> None:
        """Write the manifest and the link check's memo, if a quick build made them behind.
        The dev server does it after the browser was told to reload: a manifest behind only
        makes the next command-line build look at those files again (their stat changed)."""
        if not self.dirty:
            return
        self.manifest.build_key = engine.inputs_key(self.settings, self.inputs)
        cache.save_manifest(self.project.root, self.out, self.manifest)
        self.memo.save(set(self.digests.values()))
        self.dirty = False


def _holders(site: Site) -> dict[str, list[tuple[str, int | None]]]:
    """Document path -> where in the site it is held: (field, index in a tuple field)."""
    found: dict[str, list[tuple[str, int | None]]] = {}
    for name in deps.field_names(type(site)):
        value = getattr(site, name)
        if isinstance(value, tuple):
            for index, item in enumerate(value):
                for document in deps.documents_in(item):
                    found.setdefault(document.path, []).append((name, index))
        else:
            for document in deps.documents_in(value):
                found.setdefault(document.path, []).append((name, None))
    return found
