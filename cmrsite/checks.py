"""Content checks that catch what hand-made pages got wrong; `check` and `build` run them.

Each finding is a warning (an error under `--strict`) at the exact file:line:col inside the
Markdown or YAML file, except a past edition without a summary, which is only information:
- a date in the prose (or the `title`/`description`) that contradicts the record's dates;
- text that looks mis-encoded (mojibake), with the likely intended text;
- internal links and images in Markdown that lead to no page or file of the planned site.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html as htmllib
import importlib.util
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote, urlsplit

from . import compiled_markdown, markdown, parallel, urls
from .compiled_markdown import Block
from .dates import format_range
from .errors import Problem
from .model import DateRange, Document, Edition, Site, Status
from .pages import Page, plan
from .sources import MarkedMap, read_text, split_front_matter

if TYPE_CHECKING:
    from .cache import DigestMemo

NEAR = timedelta(days=31)
"""A range of days this close to an edition, in its own text, is most likely about it."""

MOJIBAKE_HINT = (
    "the text was once read in the wrong encoding: replace it with the intended text "
    "and save the file as UTF-8"
)


class Located:
    """Where a document's text is, to turn an offset in a Markdown block into file:line:col."""

    def __init__(self, document: Document, lines: list[str], blocks: list[Block] | None = None):
        self.document = document
        self.lines = lines
        """Every line of the file, front matter included (index 0 is line 1)."""
        self._blocks = blocks

    @property
    def blocks(self) -> list[Block]:
        """The runs of inline text of the body (where text, links and dates are), parsed when
        a check first needs them: most documents have no date and no broken link."""
        if self._blocks is None:
            self._blocks = markdown.blocks(self.document.body)
        return self._blocks

    def position(self, block: Block, content: str, offset: int, needle: str) -> tuple[int, int]:
        """The file line and column of `needle`, found at `offset` of a block's `content`."""
        first = self.document.body_line + block.line
        line = first + content.count("\n", 0, offset)
        start_of_line = content.rfind("\n", 0, offset) + 1
        col = offset - start_of_line + 1
        if 0 < line <= len(self.lines):
            # The block's text lost the line's indentation and list or quote markers: the
            # needle is at or right of where it sits in the block.
            found = self.lines[line - 1].find(needle.split("\n")[0], col - 1)
            col = found + 1 if found >= 0 else col
        return line, col


@dataclass(frozen=True, slots=True)
class EditionFacts:
    """What the date check needs of a record."""

    slug: str
    city: str
    year: int
    line: int
    dates: DateRange
    planned: DateRange | None

    @classmethod
    def of(cls, edition: Edition) -> EditionFacts:
        e = edition
        return cls(e.slug, e.city, e.year, e.line, e.dates, e.planned)


class Digested:
    """A value compared and hashed by a digest of its contents: a cache key that costs the
    same for one edition as for a thousand. The digest is made when first needed: a build
    run once keeps no findings, and never needs it."""

    __slots__ = ("_digest", "_parts")

    def __init__(self, *parts: object) -> None:
        self._parts: tuple[object, ...] | None = parts
        self._digest = ""

    @property
    def digest(self) -> str:
        if self._parts is not None:
            self._digest = hashlib.sha1(self._text(self._parts).encode("utf-8")).hexdigest()
            self._parts = None
        return self._digest

    def _text(self, parts: tuple[object, ...]) -> str:
        """The contents, as text that differs whenever they do."""
        return repr(parts)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.digest == getattr(other, "digest", None)

    def __hash__(self) -> int:
        return hash(self.digest)


class AllEditions(Digested):
    __slots__ = ("by_days", "facts")

    def __init__(self, facts: tuple[EditionFacts, ...]) -> None:
        super().__init__(facts)
        self.facts = facts
        self.by_days: dict[DateRange, list[EditionFacts]] = {}
        """The editions held (or first announced) on exactly these days, in order: the date
        check looks a range up here, not through every record (10,000 times 10,000)."""
        for facts_of in facts:
            for span in dict.fromkeys(_spans(facts_of)):
                self.by_days.setdefault(span, []).append(facts_of)

    def _text(self, parts: tuple[object, ...]) -> str:
        # Each record's facts as plain values (days as numbers): as `repr` of the facts tells
        # them apart, in a fraction of its time.
        return repr(
            [
                (f.slug, f.city, f.year, f.line, f.dates.start.toordinal(), f.dates.end.toordinal())
                + ((f.planned.start.toordinal(), f.planned.end.toordinal()) if f.planned else ())
                for f in self.facts
            ]
        )

    def first_on(self, days: DateRange, other_than: str) -> EditionFacts | None:
        """The first edition, other than the one with slug `other_than`, on these days."""
        return next((e for e in self.by_days.get(days, ()) if e.slug != other_than), None)


def check_site(
    site: Site, root: Path, site_files: Iterable[str] = (), pages: list[Page] | None = None
) -> list[Problem]:
    """Every content check over a loaded site; `site_files` are the copied files' output paths.

    Documents are checked on every core (see `CheckRun`). Each document's findings are kept
    by its text and what they depend on (the site's paths, the records' dates), so a rebuild
    after one save checks one document again."""
    run = CheckRun(site, root, site_files, pages)
    run.prepare()
    return run.finish(parallel.fork_map(run.task, run.todo))


class CheckRun:
    """`check_site` in three parts, so that a build can check documents in the same worker
    processes that render its pages: what to check (`todo`, made here), `task` (run in the
    workers on shares of `todo`), and `finish` (here, with what the tasks returned).

    A document is checked from its HTML as the loader's read-ahead prepared it
    (`markdown.prepared`), or as prepared by the task and kept for the pages; it is parsed
    into blocks only to place a finding (`Located.blocks`)."""

    def __init__(
        self,
        site: Site,
        root: Path,
        site_files: Iterable[str] = (),
        pages: list[Page] | None = None,
        remember: bool = True,
        before_body: Mapping[str, str] | None = None,
    ) -> None:
        self.site, self.root, self.remember = site, root, remember
        """`remember`: keep the findings for the next check (the dev server's)."""
        self.before_body = before_body or {}
        """The text before each document's body (by path in content/), as the loader read it:
        with the body, the document's whole text, not read again."""
        known = KnownPaths.of(site, site_files, pages)
        facts_of = {id(edition): EditionFacts.of(edition) for edition in site.editions}
        editions = AllEditions(tuple(facts_of.values()))
        self.allow_html = site.config.allow_html
        self.context = (known, editions, site.config.language)
        self.entries = [
            (document, page_path, facts_of[id(edition)] if edition is not None else None)
            for document, page_path, edition in _documents(site)
        ]
        self.found: list[tuple[_FindingsKey | None, tuple[Problem, ...]] | None] = [None] * len(
            self.entries
        )
        self.todo: list[int] = []
        """Indices of `entries` to check (the others' findings were kept)."""
        self._kept: DigestMemo | None = None
        self._kept_keys: list[str] = []
        """The key of each entry's findings in `_kept` ("" for none)."""
        self._digests: Mapping[str, str] = {}
        self._environment = ""
        for index, (document, page_path, facts) in enumerate(self.entries):
            if _FINDINGS:  # findings of an earlier check to reuse: look this document's up
                raw = read_text(root / "content" / document.path, document.label).text
                key = (
                    _text_digest(raw),
                    document,
                    page_path,
                    facts,
                    *self.context,
                    self.allow_html,
                )
                if raw is not None and key in _FINDINGS:
                    self.found[index] = (key, _FINDINGS[key])
                    continue
            self.todo.append(index)

    def reuse(self, kept: DigestMemo, digests: Mapping[str, str], environment: str) -> None:
        """Take from `kept` (the findings a build run before kept on disk) those of each
        document whose bytes (`digests`: their hash, by path in content/) and everything else
        its findings depend on are as they were then (`environment`: the generator's code and
        libraries): only the other documents are checked. `keep` keeps the new findings."""
        self._kept, self._digests, self._environment = kept, digests, environment
        self._kept_keys = [""] * len(self.entries)
        if kept.empty():
            return  # a first build checks every document (`name_findings` is called meanwhile)
        self.name_findings()
        todo = []
        for index in self.todo:
            key = self._kept_keys[index]
            if key and kept.has(key):
                self.found[index] = (None, kept.get(key, tuple))
            else:
                todo.append(index)
        self.todo = todo

    def name_findings(self) -> None:
        """The key of each read-ahead document's findings in the kept ones (see `reuse`)."""
        if self._kept is None or any(self._kept_keys):
            return
        known, editions, language = self.context
        context = "\0".join(
            (self._environment, known.digest, editions.digest, language, str(self.allow_html))
        )
        # Which record a document belongs to, as its place among them (their facts are in
        # `editions.digest`).
        record = {id(facts): number for number, facts in enumerate(editions.facts)}
        for index, (document, page_path, facts) in enumerate(self.entries):
            digest = self._digests.get(document.path)
            if digest is not None:  # (else not read ahead: checked, and not kept)
                number = record[id(facts)] if facts is not None else -1
                self._kept_keys[index] = hashlib.blake2b(
                    f"{digest}\0{document.path}\0{page_path}\0{number}\0{context}".encode(),
                    digest_size=16,
                ).hexdigest()

    def keep(self) -> None:
        """Keep the findings (`finish` made them) for the next build (see `reuse`): called once
        the build succeeded, as a failed build writes nothing."""
        if self._kept is None:
            return
        for key, found in zip(self._kept_keys, self.found, strict=True):
            if key and found is not None:
                self._kept.put(key, found[1])
        self._kept.save({key for key in self._kept_keys if key})

    def prepare(self) -> None:
        """What the tasks need, loaded once here before workers are forked rather than in each
        (markdown-it-py is loaded by the first document the compiled parser leaves to it)."""
        if self.todo:
            compiled_markdown.parser()
            ftfy_is_bad()

    def task(self, share: list[int]) -> list[tuple[int, _Checked | None]]:
        return [
            (
                index,
                _check_share(
                    self.root,
                    *self.entries[index],
                    *self.context,
                    self.allow_html,
                    self.remember,
                    self.before_body.get(self.entries[index][0].path),
                ),
            )
            for index in share
        ]

    def finish(self, results: Iterable[list[tuple[int, _Checked | None]]]) -> list[Problem]:
        """Every finding: the documents', then the records' (mojibake) and the information
        about past editions without a summary."""
        allow_html = self.allow_html
        for share in results:
            for index, done in share:
                if done is not None:  # None: the file could no longer be read
                    digest, findings, html = done
                    document, page_path, facts = self.entries[index]
                    key = (digest, document, page_path, facts, *self.context, allow_html)
                    self.found[index] = (key, findings)
                    if html is not None:
                        markdown.remember(document.body, allow_html, html)
        if self.remember:
            current = {key: found for key, found in filter(None, self.found) if key is not None}
            _FINDINGS.clear()
            _FINDINGS.update(current)
            markdown.retain((document.body, allow_html) for document, _, _ in self.entries)
        problems = [problem for item in self.found if item is not None for problem in item[1]]
        for data_file in ("data/editions.yaml", "data/site.yaml"):
            text = read_text(self.root / data_file, data_file).text
            if text is not None:
                problems.extend(_mojibake_of_text(text, data_file))
        problems.extend(missing_summaries(self.site))
        return problems


_FindingsKey = tuple[str, Document, str, EditionFacts | None, "KnownPaths", AllEditions, str, bool]
"""The digest of a document's whole text, the document, its page, its edition's facts, the
site's paths, every edition's facts, the site's language and whether it allows raw HTML: all
its findings depend on."""

_FINDINGS: dict[_FindingsKey, tuple[Problem, ...]] = {}
"""The findings of the site's documents at the last check (the dev server checks again)."""


_Checked = tuple[str, tuple[Problem, ...], str | None]
"""(digest of a document's whole text, its findings, its prepared HTML unless the process that
asked had it already)."""


def _text_digest(raw: str | None) -> str:
    return hashlib.blake2b((raw or "").encode("utf-8"), digest_size=16).hexdigest()


def _check_share(
    root: Path,
    document: Document,
    page_path: str,
    edition: EditionFacts | None,
    known: KnownPaths,
    editions: AllEditions,
    language: str,
    allow_html: bool,
    digest: bool = True,
    before_body: str | None = None,
) -> _Checked | None:
    """What `_Checked` says of a document (its digest only if asked: for the findings kept);
    runs in a worker. Its text is read again unless the text `before_body` is given."""
    if before_body is not None:
        raw: str | None = before_body + document.body
    else:
        raw = read_text(os.path.join(root, "content", document.path), document.label).text
    if raw is None:
        return None
    html = markdown.prepared(document.body, allow_html)
    fresh = html is None
    if html is None:
        html = markdown.prepare_body(document.body, allow_html)
    found = document_problems(raw, document, page_path, known, edition, editions, language, html)
    return _text_digest(raw) if digest else "", found, html if fresh else None


def document_problems(
    raw: str,
    document: Document,
    page_path: str,
    known: KnownPaths,
    edition: EditionFacts | None,
    editions: AllEditions,
    language: str,
    html: str | None = None,
) -> tuple[Problem, ...]:
    """The findings in one Markdown file (`raw` is its whole text, `html` its body's prepared
    HTML, when the caller has it)."""
    located = Located(document, raw.splitlines())
    problems = mojibake_problems(located.lines, document.label)
    if html is None or not all_links_lead_somewhere(html, page_path, known):
        problems += link_problems(located, page_path, known)
    if edition is not None:
        problems += date_problems(located, edition, editions, language)
    return tuple(problems)


@functools.lru_cache(maxsize=16)
def _mojibake_of_text(text: str, label: str) -> tuple[Problem, ...]:
    return tuple(mojibake_problems(text.splitlines(), label))


def _documents(site: Site) -> Iterator[tuple[Document, str, Edition | None]]:
    """Each Markdown document once, with the page it is shown on and its edition."""
    seen: set[str] = set()
    if site.intro is not None:
        seen.add(site.intro.path)
        yield site.intro, urls.HOME, None
    for edition in site.editions:
        for document, page in (
            (edition.summary, urls.edition(edition.slug)),
            (edition.invitation, urls.INVITATION),
        ):
            if document is not None and document.path not in seen:
                seen.add(document.path)
                yield document, page, edition
    for article in site.news:
        yield article.document, urls.news_article(article.slug), None


def missing_summaries(site: Site) -> list[Problem]:
    """Past editions with no summary: information for the editors, never a failure."""
    return [
        Problem(
            "data/editions.yaml",
            edition.line,
            1,
            f"{edition.city} {edition.year} is past and has no summary yet",
            f"when it is written, add `summary: editions/{edition.slug}.md` (or an https:// "
            "link) to the record",
            "info",
        )
        for edition in site.editions
        if edition.status(site.today) == Status.PAST and not edition.has_summary
    ]


# --- mojibake ---------------------------------------------------------------------------------


def mojibake_problems(lines: list[str], label: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, list[tuple[int, str, str | None]]] = {}
    """The findings of each line's text (lines of records repeat: `  country: Romania`)."""
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        found = seen.get(line)
        if found is None:
            found = seen[line] = find_mojibake(line)
        for col, bad, good in found:
            if good is None:
                message = f"text looks mis-encoded: `{bad}`"
            else:
                message = f"text looks mis-encoded: `{bad}` is probably `{good}`"
            problems.append(Problem(label, number, col, message, MOJIBAKE_HINT, "warning"))
    return problems


def find_mojibake(line: str) -> list[tuple[int, str, str | None]]:
    """(1-based column, word as written, likely intended word or None) for each bad word.

    ftfy decides; the fallback re-reads a word in the code pages ftfy does not try (the
    Thai `windows-874`, which turned `Iași` into `Iaศ™i`), accepting only valid UTF-8.
    """
    found: list[tuple[int, str, str | None]] = []
    for start, word in _non_ascii_words(line):
        verdict = _word_verdict(word)
        if verdict is not None:
            found.append((start + 1, word, verdict[0]))
    return found


def _non_ascii_words(line: str) -> Iterator[tuple[int, str]]:
    """(offset, word) of each word (split at spaces and tabs) with a character that is not
    ASCII: only these can be mis-encoded. Found from those characters, which are few, rather
    than by trying every word."""
    end = 0  # of the word found last (each part of the line is looked at once or twice)
    for match in _NON_ASCII.finditer(line):
        at = match.start()
        if at < end:
            continue  # in the word found last
        start = max(line.rfind(" ", end, at), line.rfind("\t", end, at), end - 1) + 1
        after = _SPACE.search(line, at)
        end = after.start() if after is not None else len(line)
        yield start, line[start:end]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPACE = re.compile(r"[ \t]")


@functools.lru_cache(maxsize=4096)
def _word_verdict(word: str) -> tuple[str | None] | None:
    """None for a word that looks right; else (the likely intended word, or None). Kept by
    word: city names and typographic quotes come back in every document.

    ftfy's `fix_encoding` returns a word that its `is_bad` passes as it is, so the rest of
    ftfy is only loaded for a word that test flags."""
    if not ftfy_is_bad()(word):
        fixed = _reread(word)
        return (fixed,) if fixed != word else None
    import ftfy

    fixed = ftfy.fix_encoding(word)
    if fixed == word:
        fixed = _reread(word)
    return (fixed,) if fixed != word else (None,)


@functools.cache
def ftfy_is_bad() -> Callable[[str], bool]:
    """`ftfy.badness.is_bad`, ftfy's test for mojibake, loaded from its module's file alone.

    Importing `ftfy.badness` first imports the whole `ftfy` package (its fixers, HTML entity
    tables, wcwidth: some 30 ms of each build), for a module that needs only `re`. Should
    ftfy's layout ever change, the package's own import is used."""
    spec = importlib.util.find_spec("ftfy")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if folders:
        path = os.path.join(folders[0], "badness.py")
        alone = importlib.util.spec_from_file_location("cmrsite._ftfy_badness", path)
        if alone is not None and alone.loader is not None and os.path.isfile(path):
            module = importlib.util.module_from_spec(alone)
            alone.loader.exec_module(module)
            is_bad = getattr(module, "is_bad", None)
            if callable(is_bad):
                return cast(Callable[[str], bool], is_bad)
    from ftfy.badness import is_bad as package_is_bad

    return package_is_bad


FALLBACK_CODE_PAGES = ("cp874", "cp1252", "cp1250", "cp1251", "cp1257")


@functools.cache
def _sloppy_encoder(code_page: str) -> dict[str, int]:
    """Character -> byte of a code page, its holes filled from windows-1252 then Latin-1,
    as sloppy decoders (browsers, old CMSs) fill them."""
    table: dict[str, int] = {}
    for byte in range(256):
        for codec in (code_page, "cp1252", "latin-1"):
            try:
                table.setdefault(bytes([byte]).decode(codec), byte)
                break
            except UnicodeDecodeError:
                continue
    return table


def _reread(word: str) -> str:
    """Each run of non-ASCII characters, encoded back to bytes and read as UTF-8."""

    def repair(match: re.Match[str]) -> str:
        run = match.group()
        for code_page in FALLBACK_CODE_PAGES:
            table = _sloppy_encoder(code_page)
            if all(ch in table for ch in run):
                try:
                    decoded = bytes(table[ch] for ch in run).decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(decoded) < len(run):
                    return decoded
        return run

    return re.sub(r"[^\x00-\x7f]+", repair, word)


# --- dates in prose ---------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ),
        start=1,
    )
    for name in names
}
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_FULL_MONTHS = [name for name in MONTHS if len(name) > 3 and name not in ("Sept",)]
_MONTH = (
    r"(?:"
    + "|".join(sorted(_FULL_MONTHS, key=len, reverse=True))
    + r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"  # Oct. 10
    + r")(?!\w)"
)
_YEAR = r"(?:19|20)[0-9]{2}"
_TO = r"(?:\s*[-–—]\s*|\s+(?:to|and|&|until|till)\s+)"
_OF = r"\s+(?:of\s+)?"


@functools.cache
def date_pattern() -> re.Pattern[str]:
    """The pattern of a date or a range of days, compiled when a text first names a month
    (3 ms of every start otherwise)."""
    return re.compile(_DATE, re.VERBOSE)


_DATE = rf"""(?<![\w.])(?:
        (?P<d1>{_DAY})(?:{_OF}(?P<m1>{_MONTH})(?:,?\s+(?P<y1>{_YEAR}))?)?{_TO}
            (?P<d2>{_DAY}){_OF}(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?
      | (?P<d>{_DAY}){_OF}(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?
      | (?P<um1>{_MONTH})\s+(?P<ud1>{_DAY})(?:,?\s+(?P<uy1>{_YEAR}))?{_TO}
            (?:(?P<um2>{_MONTH})\s+)?(?P<ud2>{_DAY})(?:,?\s+(?P<uy2>{_YEAR}))?
      | (?P<um>{_MONTH})\s+(?P<ud>{_DAY}),?\s+(?P<uy>{_YEAR})
    )(?![\w])"""

_ANY_MONTH = re.compile(
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?!\w)"
)
"""Every date names a month (`Sept.`, `September`): this finds any (not `Market`) about ten
times faster than the date pattern tells there is no date."""


@dataclass(frozen=True, slots=True)
class Mention:
    """A date or range of days as written, its year possibly left out."""

    text: str
    start: tuple[int | None, int, int]
    """(year or None, month, day)."""
    end: tuple[int | None, int, int]


_LINE_MARKERS = re.compile(r"^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?", re.M)
"""Indentation, quote and list markers at the start of a line, which a block's text leaves out."""


def could_mention_dates(body: str) -> bool:
    """Whether any block of a Markdown body can hold a date: whether its text, with the markers
    that start its lines taken out (a date may go on after a line break in a quote), does."""
    if not _ANY_MONTH.search(body):
        return False  # every date names a month: most documents are left at once
    return next(find_dates(_LINE_MARKERS.sub("", body)), None) is not None


def find_dates(text: str) -> Iterator[tuple[int, Mention]]:
    """(offset, mention) of each English date or day range: `24–25 October 2024`,
    `30 November – 1 December`, `from 8 to 9 November 2017`, `October 10-11, 2024`."""
    if not _ANY_MONTH.search(text):
        return  # every date names a month: most paragraphs are left at once
    for match in date_pattern().finditer(text):
        g = match.groupdict()
        if g["d1"]:
            parts = (g["d1"], g["m1"] or g["m2"], g["y1"] or g["y2"], g["d2"], g["m2"], g["y2"])
        elif g["d"]:
            parts = (g["d"], g["m"], g["y"], g["d"], g["m"], g["y"])
        elif g["ud1"]:
            um2 = g["um2"] or g["um1"]
            parts = (g["ud1"], g["um1"], g["uy1"] or g["uy2"], g["ud2"], um2, g["uy2"])
        else:
            parts = (g["ud"], g["um"], g["uy"], g["ud"], g["um"], g["uy"])
        day1, month1, year1, day2, month2, year2 = parts
        start = (_year(year1), _month(month1), _day(day1))
        end = (_year(year2), _month(month2), _day(day2))
        yield match.start(), Mention(match.group(), start, end)


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _month(text: str) -> int:
    return MONTHS[text.rstrip(".")]


def _year(text: str | None) -> int | None:
    return int(text) if text else None


def resolve(mention: Mention, near: date) -> list[DateRange]:
    """The days a mention may name: its year as written, or, when left out, the year before,
    of and after `near`."""
    start_year, start_month, start_day = mention.start
    end_year, end_month, end_day = mention.end
    years = [end_year] if end_year is not None else [near.year - 1, near.year, near.year + 1]
    wraps = (start_month, start_day) > (end_month, end_day)  # 30 December – 2 January
    readings: list[DateRange] = []
    for year in years:
        try:
            end = date(year, end_month, end_day)
            start = date(start_year or (year - 1 if wraps else year), start_month, start_day)
        except ValueError:
            continue
        if start <= end:
            readings.append(DateRange(start, end))
    return readings


def _spans(edition: EditionFacts) -> list[DateRange]:
    return [edition.dates, *([edition.planned] if edition.planned else [])]


def _within(days: DateRange, span: DateRange) -> bool:
    return span.start <= days.start and days.end <= span.end


def date_problems(
    located: Located, edition: EditionFacts, editions: AllEditions, language: str
) -> list[Problem]:
    """Dates in a summary or invitation that its record contradicts.

    In the `title` and `description`, any date outside the edition's days is one. In the
    text, where other events have their dates too, a date is one when it overlaps the
    edition's days without being among them, when it is another edition's dates and that
    city is not named in the paragraph, or when it is a range of days within a month of the
    edition; single days outside it (a deadline, a visit) are left alone.
    """
    problems: list[Problem] = []
    spans = _spans(edition)
    for line, col, mention, context, headline in _date_mentions(located):
        readings = [r for span in spans for r in resolve(mention, span.start)]
        if not readings or any(_within(r, span) for r in readings for span in spans):
            continue
        days = min(readings, key=lambda r: abs(r.start - edition.dates.start))
        other = editions.first_on(days, edition.slug)
        if other is not None and (other.city in context or _ascii(other.city) in context):
            continue
        overlaps = any(days.start <= s.end and s.start <= days.end for s in spans)
        near_range = days.start != days.end and any(
            abs(days.start - s.start) <= NEAR for s in spans
        )
        if not (headline or overlaps or other is not None or near_range):
            continue
        message = (
            f"`{mention.text}` contradicts the record of {edition.city} {edition.year} "
            f"(data/editions.yaml:{edition.line}): {format_range(edition.dates, language)}"
        )
        if other is not None:
            planned = other.planned is not None and days == other.planned
            message += f"; these are the dates of {other.city} {other.year}" + (
                " as first announced" if planned else ""
            )
        hint = (
            "write the record's dates, or leave the dates out: the page shows them from "
            "data/editions.yaml"
        )
        problems.append(Problem(located.document.label, line, col, message, hint, "warning"))
    return problems


def _ascii(text: str) -> str:
    from anyascii import anyascii

    return str(anyascii(text))


def _date_mentions(
    located: Located,
) -> Iterator[tuple[int, int, Mention, str, bool]]:
    """(line, col, mention, surrounding text, in the headline) of each date of a document."""
    meta = located.document.meta
    # The front matter is read again for the values' positions only when they name a date
    # (`meta` has the same values, stripped, and no position).
    headline = any(next(find_dates(text or ""), None) for text in (meta.title, meta.description))
    front = (
        split_front_matter("\n".join(located.lines), located.document.label).front_matter
        if headline
        else None
    )
    if isinstance(front, MarkedMap):
        for key in ("title", "description"):
            value = front.get(key)
            if not isinstance(value, str):
                continue
            value_line, value_col = front.where(key)
            for offset, mention in find_dates(value):
                raw = located.lines[value_line - 1] if value_line <= len(located.lines) else ""
                found = raw.find(mention.text)
                col = found + 1 if found >= 0 else value_col + offset
                yield value_line, col, mention, value, True
    if not could_mention_dates(located.document.body):
        return  # the body need not be parsed into blocks
    for block in located.blocks:
        for offset, mention in find_dates(block.content):
            line, col = located.position(block, block.content, offset, mention.text)
            yield line, col, mention, block.content, False


# --- internal links ---------------------------------------------------------------------------


class KnownPaths(Digested):
    """The URL paths of the planned site: pages (`editions/x/`) and files (`feed.xml`),
    compared by a digest of both sets (what the cache of findings compares)."""

    __slots__ = ("files", "pages")

    def __init__(self, pages: frozenset[str], files: frozenset[str]) -> None:
        super().__init__(sorted(pages), sorted(files))
        self.pages = pages
        self.files = files

    @classmethod
    def of(
        cls, site: Site, site_files: Iterable[str], planned: list[Page] | None = None
    ) -> KnownPaths:
        """The paths of the site's pages (`planned`, when the caller planned them already)."""
        pages = [page.info.path for page in (plan(site) if planned is None else planned)]
        extra = [urls.FEED, urls.CALENDAR, urls.OPEN_DATA, urls.SITEMAP, urls.ROBOTS]
        extra += [urls.edition_calendar(e.slug) for e in site.editions]
        files = [*(urls.output_file(p) for p in pages), *extra, *site_files]
        return cls(frozenset(pages), frozenset(files))

    def exists(self, path: str) -> bool:
        return (
            path in self.pages
            or path in self.files
            or path + "/" in self.pages
            or (path.endswith("/index.html") and path.removesuffix("index.html") in self.pages)
        )

    def nearest(self, path: str) -> str | None:
        close = difflib.get_close_matches(path, sorted(self.pages | self.files), n=1, cutoff=0.6)
        return "/" + close[0] if close else None


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def site_path(href: str, page_path: str) -> str | None:
    """The site path an internal link leads to (`editions/x/`), None for external links and
    fragments, `..` when it climbs out of the site."""
    if not href or href.startswith(("#", "//")) or _SCHEME.match(href):
        return None
    path = unquote(urlsplit(href).path)
    if not path:
        return None
    if not path.startswith("/"):
        path = posixpath.dirname("/" + page_path) + "/" + path
    # Walk the segments: posixpath.normpath would stop `..` at the root instead of saying so.
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not kept:
                return ".."
            kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    result = "/".join(kept)
    return result + "/" if path.endswith(("/", "/.", "/..")) and result else result


_HTML_LINK = re.compile(r'="(?:(?<=href=")|(?<=src="))([^"]*)"')
"""The value of each `href` and `src` attribute. Written to start with `="`, which the regex
engine looks for as a string, rather than with `h` or `s` (nine times faster on prose)."""


def all_links_lead_somewhere(html: str, page_path: str, known: KnownPaths) -> bool:
    """Whether every link and image of a document's prepared HTML (a superset of those of its
    Markdown) leads to a page or file: then `link_problems` has nothing to find."""
    for href in _HTML_LINK.findall(html):
        if href.startswith(markdown.ROOT):
            href = "/" + href[1:]
        target = site_path(htmllib.unescape(href) if "&" in href else href, page_path)
        if target is not None and not known.exists(target):
            return False
    return True


def link_problems(located: Located, page_path: str, known: KnownPaths) -> list[Problem]:
    problems: list[Problem] = []
    for block in located.blocks:
        cursor = 0
        for kind, href in block.links:
            target = site_path(href, page_path)
            offset = block.content.find(href, cursor)
            if offset < 0:  # markdown-it percent-encodes the written URL
                href = unquote(href)
                offset = block.content.find(href, cursor)
            cursor = offset + len(href) if offset >= 0 else cursor
            if target is None or known.exists(target):
                continue
            line, col = located.position(block, block.content, max(offset, 0), href)
            problems.append(
                _link_problem(located.document.label, line, col, kind, href, target, known)
            )
            problems[-1] = problems[-1].about_link(urls.output_file(page_path), target)
    return problems


def _link_problem(
    label: str, line: int, col: int, kind: str, href: str, target: str, known: KnownPaths
) -> Problem:
    if target == "..":
        message = f"the {kind} `{href}` leads outside the site"
        hint = "start links to pages of the site with `/`, e.g. `/editions/iasi-2023/`"
    elif kind == "image":
        message = f"the image `{href}` does not exist"
        hint = "put the file under content/ (e.g. content/files/photo.jpg) and link to `/files/photo.jpg`"
    else:
        message = f"the link `{href}` leads to no page of the site"
        hint = "link to an existing page, e.g. `/editions/iasi-2023/` or `/invitation/`"
    if target.endswith(".md"):
        page = "/" + target.removeprefix("/").removesuffix(".md") + "/"
        hint = f"link to the page, not to its Markdown file: `{page}`"
    elif target != "..":
        nearest = known.nearest(target)
        if nearest is not None:
            hint = f"did you mean `{nearest}`?"
    return Problem(label, line, col, message, hint, "warning")
