"""`new`: add an edition's record to data/editions.yaml and write its summary stub.

The record is appended as text, so the file's comments, order and formatting stay exactly as
they were; the result is parsed and validated before it replaces the file (atomically).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from .errors import Problem, SiteError, UsageError
from .sources import MarkedList, MarkedMap, decode_utf8, parse_yaml
from .validate import (
    SLUG_RULE,
    default_slug,
    is_safe_content_path,
    validate_editions,
    validate_site,
)

EDITIONS_FILE = "data/editions.yaml"
SUMMARY_FOLDER = "editions"


@dataclass(frozen=True, slots=True)
class NewEdition:
    """What the editor gave: the record's fields (text as typed)."""

    city: str
    country: str
    start: date
    end: date | None = None
    region: str | None = None
    country_code: str | None = None
    slug: str | None = None

    @property
    def final_slug(self) -> str:
        return self.slug or default_slug(self.city, self.start.year)


@dataclass(frozen=True, slots=True)
class Scaffolded:
    slug: str
    line: int
    """Line of the new record in data/editions.yaml."""
    summary: str
    """The summary's path as shown: `content/editions/<slug>.md`."""
    created: bool
    """False when the Markdown file existed already (it is kept, never overwritten)."""


# --- the values: flags, or questions in a terminal ---------------------------------------------

Ask = Callable[[str], str]


def parse_day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{flag} must be a date like 2026-05-12, not `{text}`") from None


def ask_missing(values: dict[str, str | None], ask: Ask) -> dict[str, str | None]:
    """Ask for each required value not given (and the optional ones), until each is valid."""
    questions = (
        ("city", "City (as displayed, e.g. Iași)", True),
        ("country", "Country (e.g. Romania)", True),
        ("start", "First day (YYYY-MM-DD)", True),
        ("end", "Last day (YYYY-MM-DD, Enter if the same day)", False),
        ("region", "Region (Enter to skip)", False),
        ("country_code", "Two-letter country code (e.g. RO, Enter to skip)", False),
    )
    answers = dict(values)
    for key, question, required in questions:
        while answers.get(key) is None:
            answer = ask(f"{question}: ").strip()
            if not answer and not required:
                break
            if answer and (key not in ("start", "end") or _is_day(answer)):
                answers[key] = answer
    return answers


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        print(f"`{text}` is not a date: write it as YYYY-MM-DD, e.g. 2026-05-12")
        return False
    return True


def from_values(values: dict[str, str | None]) -> NewEdition:
    """The edition from flags or answers; a missing or malformed value is a usage error."""
    missing = [
        f"--{k.replace('_', '-')}" for k in ("city", "country", "start") if not values.get(k)
    ]
    if missing:
        raise UsageError(
            f"`new` needs {', '.join(missing)} (or run it in a terminal to be asked for them)"
        )
    start = parse_day(values["start"] or "", "--start")
    end_text = values.get("end")
    end = parse_day(end_text, "--end") if end_text else None
    if end is not None and end < start:
        raise UsageError(f"--end ({end}) is before --start ({start})")
    slug = values.get("slug")
    if slug is not None and not SLUG_RULE.fullmatch(slug):
        raise UsageError(f"--slug `{slug}` may only hold lower-case letters, digits and dashes")
    code = values.get("country_code")
    return NewEdition(
        city=(values["city"] or "").strip(),
        country=(values["country"] or "").strip(),
        start=start,
        end=end if end != start else None,
        region=(values.get("region") or "").strip() or None,
        country_code=code.strip().upper() if code else None,
        slug=slug,
    )


# --- the record as YAML text -------------------------------------------------------------------


def scalar(text: str) -> str:
    """YAML for a text value: plain when YAML reads it back as the same text, else quoted."""
    try:
        plain = yaml.safe_load(f"key: {text}")
    except yaml.YAMLError:
        plain = None
    if text == text.strip() and plain == {"key": text}:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def record_text(edition: NewEdition, indent: int) -> str:
    """The record as YAML lines, in the field order of the existing records."""
    fields: list[tuple[str, str]] = [("city", scalar(edition.city))]
    fields.append(("country", scalar(edition.country)))
    if edition.country_code:
        fields.append(("country_code", json.dumps(edition.country_code)))  # `NO` stays text
    if edition.region:
        fields.append(("region", scalar(edition.region)))
    fields.append(("start", edition.start.isoformat()))
    if edition.end:
        fields.append(("end", edition.end.isoformat()))
    if edition.slug and edition.slug != default_slug(edition.city, edition.start.year):
        fields.append(("slug", edition.slug))
    fields.append(("summary", f"{SUMMARY_FOLDER}/{edition.final_slug}.md"))
    pad = " " * indent
    lines = [f"{pad}- {fields[0][0]}: {fields[0][1]}"]
    lines += [f"{pad}  {key}: {value}" for key, value in fields[1:]]
    return "\n".join(lines) + "\n"


def addition(old: str, record: str, newline: str = "\n") -> str:
    """What to add after the old text: a line break if it lacks one, a blank line, the record,
    in the file's own line endings (`old` is read with `\n` line breaks)."""
    old = old.replace("\n", newline)
    if not old or old.endswith(newline * 2) or (old.endswith(newline) and not old.strip()):
        separator = ""
    elif old.endswith(newline):
        separator = newline
    else:
        separator = newline * 2
    return separator + record.replace("\n", newline)


# --- doing it ----------------------------------------------------------------------------------


def new_edition(project: Path, edition: NewEdition) -> Scaffolded:
    """Append the record and write the summary stub; SiteError (nothing written) when the
    slug is taken or the file cannot take the record."""
    path = project / EDITIONS_FILE
    raw = path.read_bytes() if path.exists() else b""
    old = _decode(raw)
    records = _parse(old, EDITIONS_FILE)
    slug = edition.final_slug
    _refuse_duplicate(records, slug)
    indent = records.pos[1] - 1 if records else 0
    added = addition(old, record_text(edition, indent), "\r\n" if b"\r\n" in raw else "\n")
    line = _validate(old + added.replace("\r\n", "\n"), records, project)
    summary_relative = f"{SUMMARY_FOLDER}/{slug}.md"
    summary = project / "content" / summary_relative
    created = _write_stub(summary, edition, series_title(project))
    try:
        # The old bytes, byte for byte (a BOM included), then the record.
        _replace_atomically(path, raw + added.encode("utf-8"))
    except OSError as error:
        if created:
            summary.unlink()
        raise SiteError([Problem(EDITIONS_FILE, 0, 0, f"cannot write: {error.strerror}")]) from None
    return Scaffolded(slug, line, f"content/{summary_relative}", created)


def _decode(raw: bytes) -> str:
    result = decode_utf8(raw, EDITIONS_FILE)
    if result.text is None:
        raise SiteError(result.problems)
    return result.text


def _parse(text: str, label: str) -> MarkedList:
    result = parse_yaml(text, label)
    if result.problems:
        raise SiteError(result.problems)
    if result.data is None:
        return MarkedList()
    if not isinstance(result.data, MarkedList):
        hint = "the file must be a list of records, each starting with `- city: ...`"
        raise SiteError([Problem(label, 1, 1, "cannot add a record to this file", hint)])
    return result.data


def record_slug(record: object) -> str | None:
    """The slug an existing record has (written, or from its city and year)."""
    if not isinstance(record, MarkedMap):
        return None
    slug, city, start = record.get("slug"), record.get("city"), record.get("start")
    if isinstance(slug, str):
        return slug
    if isinstance(city, str) and isinstance(start, date):
        return default_slug(city, start.year)
    return None


def _refuse_duplicate(records: MarkedList, slug: str) -> None:
    for index, record in enumerate(records):
        if record_slug(record) == slug:
            where = record.where("slug") if "slug" in record else records.where(index)
            raise SiteError(
                [
                    Problem(
                        EDITIONS_FILE,
                        where[0],
                        where[1],
                        f"an edition with the slug `{slug}` already exists",
                        "edit that record, or give the new edition another slug with --slug",
                    )
                ]
            )


def _validate(new: str, old_records: MarkedList, project: Path) -> int:
    """Parse the whole new text and validate the new record; its line."""
    records = _parse(new, EDITIONS_FILE)
    if len(records) != len(old_records) + 1:
        hint = "check the end of the file: the new record must start a new `- ` item"
        raise SiteError([Problem(EDITIONS_FILE, 0, 0, "the record could not be appended", hint)])
    last = MarkedList()
    last.append(records[-1])
    last.item_pos.append(records.where(len(records) - 1))

    def exists(relative: str) -> bool:
        return is_safe_content_path(relative) and (project / "content" / relative).is_file()

    _, problems = validate_editions(last, EDITIONS_FILE, lambda *_: None, exists)
    if problems:
        raise SiteError(problems)
    return records.where(len(records) - 1)[0]


def series_title(project: Path) -> str:
    """The site's title (`data/site.yaml`), which names the series; "" if it cannot be read
    (the build says why)."""
    try:
        text = decode_utf8((project / "data" / "site.yaml").read_bytes(), "data/site.yaml").text
    except OSError:
        return ""
    if text is None:
        return ""
    config, _ = validate_site(parse_yaml(text, "data/site.yaml").data, "data/site.yaml")
    return config.title if config is not None else ""


def stub_text(edition: NewEdition, series: str = "") -> str:
    name = f"{series} {edition.city} {edition.start.year}".strip()
    return (
        "---\n"
        f"# The summary of {name}. It shows on the edition's page once the line\n"
        "# `draft: true` is removed. Write it in Markdown below the second `---` line;\n"
        "# the dates, the city and the figures come from data/editions.yaml, so leave\n"
        "# them out of the text. See EDITING.md.\n"
        "# title: The headline of the summary\n"
        "# description: One sentence for search results and link previews\n"
        "draft: true\n"
        "---\n"
    )


def _write_stub(path: Path, edition: NewEdition, series: str) -> bool:
    """Create the Markdown file; an existing one is kept as it is (False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as stub:
            stub.write(stub_text(edition, series))
    except FileExistsError:
        return False
    return True


def _replace_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if path.exists():
            shutil.copymode(path, temporary)
        else:
            os.chmod(temporary, 0o644)  # mkstemp makes it private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
