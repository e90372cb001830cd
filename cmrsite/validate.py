"""Raw YAML (with positions) to the model, collecting every problem instead of stopping at one.

No I/O here: reading Markdown files and checking that resource files exist are callbacks.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from . import locale_cache
from .errors import Problem, did_you_mean
from .model import (
    CallForApplications,
    DateRange,
    Document,
    Edition,
    FrontMatter,
    Location,
    Organiser,
    Partner,
    Resource,
    SiteConfig,
    Status,
)
from .sources import MarkedList, MarkedMap, Position

SLUG_RULE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HTTPS_URL = re.compile(r"https://[^\s/]+\.[^\s/]+(/\S*)?")
_BASE_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ISO_DAY_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_WORDS = re.compile(r"[a-z0-9]+")
YAML_BOOLEAN_WORDS = {"y", "yes", "n", "no", "on", "off", "true", "false"}

EDITION_FIELDS = frozenset(
    {
        "city",
        "country",
        "country_code",
        "region",
        "start",
        "end",
        "slug",
        "title",
        "summary",
        "invitation",
        "status",
        "planned",
        "participants",
        "bilateral_meetings",
        "partners",
        "resources",
        "registration_url",
        "location",
    }
)
PLANNED_FIELDS = frozenset({"start", "end"})
PARTNER_FIELDS = frozenset({"name", "url"})
RESOURCE_FIELDS = frozenset({"label", "url"})
LOCATION_FIELDS = frozenset({"lat", "lon"})
FRONT_MATTER_FIELDS = frozenset({"title", "description", "published", "draft", "image"})
SITE_FIELDS = frozenset(
    {
        "title",
        "description",
        "language",
        "base_url",
        "organiser",
        "call_for_applications",
        "allow_html",
    }
)

LoadDocument = Callable[[str, str, Position], Document | None]
"""(path inside content/, label of the file that names it, where it is named) -> the document."""
FileExists = Callable[[str], bool]
"""Whether a path inside content/ names an existing file."""


def default_slug(city: str, year: int) -> str:
    """`Iași`, 2023 -> `iasi-2023`: the city in ASCII, lower case, words joined by dashes."""
    city_part = _city_in_slug(city)
    return f"{city_part}-{year}" if city_part else str(year)


@functools.lru_cache(maxsize=4096)
def _city_in_slug(city: str) -> str:
    """`Iași` -> `iasi` (a series returns to the same cities: each is transliterated once)."""
    from anyascii import anyascii

    return "-".join(_WORDS.findall(anyascii(city).lower()))


@functools.cache
def _country_codes() -> frozenset[str]:
    territories = list(locale_cache.locale("en").territories)  # Babel: loaded only now
    return frozenset(str(c) for c in territories if len(str(c)) == 2 and str(c).isalpha())


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters and line breaks (C0, C1, the Unicode line and paragraph separators)."""


class Fields:
    """Typed access to one YAML mapping, recording a problem for each bad value."""

    def __init__(self, data: MarkedMap, label: str, problems: list[Problem], what: str) -> None:
        self.data = data
        self.label = label
        self.problems = problems
        self.what = what

    def error(self, key: str | None, message: str, hint: str = "") -> None:
        line, col = self.data.where(key) if key is not None else self.data.pos
        self.problems.append(Problem(self.label, line, col, message, hint))

    def reject_unknown(self, known: frozenset[str]) -> None:
        if self.data.keys() <= known:
            return
        for key in self.data:
            if key not in known:
                line, col = self.data.key_pos[key]
                self.problems.append(
                    Problem(
                        self.label,
                        line,
                        col,
                        f"unknown field `{key}` in {self.what}",
                        did_you_mean(str(key), known),
                    )
                )

    def present(self, key: str) -> bool:
        return self.data.get(key) is not None

    def require(self, key: str) -> bool:
        if self.present(key):
            return True
        self.error(None, f"{self.what} has no `{key}`", f"add a line `{key}: ...`")
        return False

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value.__class__ is str and (text := value.strip()):  # the usual case, and its result
            return text
        if value is None:
            if required:
                self.require(key)
            return None
        if isinstance(value, bool):
            raw = self.data.raw.get(key, str(value))
            self.error(
                key,
                f"`{key}: {raw}` was read by YAML as {str(value).lower()}, not as text",
                f'put it in quotes: `{key}: "{raw}"`',
            )
            return None
        if isinstance(value, (MarkedMap, MarkedList)):
            self.error(key, f"`{key}` must be text, not a {_kind(value)}")
            return None
        text = str(self.data.raw.get(key, value)) if not isinstance(value, str) else value
        if not text.strip():
            self.error(key, f"`{key}` is empty", f"write a value or remove the `{key}` line")
            return None
        return text.strip()

    def line(self, key: str, required: bool = False) -> str | None:
        """`text` that is a name or a title: a line break or another control character in it
        would show in page titles and break the calendars' and the feed's one-line fields."""
        text = self.text(key, required)
        if text is None or text.isprintable() or not _CONTROL.search(text):
            return text  # (`isprintable` is also False for a no-break space: no error then)
        self.error(
            key,
            f"`{key}` must be on one line, without control characters",
            "remove the line break or tab (YAML keeps one from a `|` block or a quoted `\\n`)",
        )
        return None

    def date(self, key: str, required: bool = False) -> date | None:
        value = self.data.get(key)
        if value.__class__ is date:  # the usual case (not a datetime, a subclass)
            return value
        if value is None:
            if required:
                self.require(key)
            return None
        if isinstance(value, datetime):
            self.error(key, f"`{key}` must be a day, without a time", "write it as YYYY-MM-DD")
            return None
        if isinstance(value, date):
            return value
        raw = self.data.raw.get(key, str(value))
        if _ISO_DAY_LIKE.fullmatch(raw.strip()):
            self.error(key, f"`{raw}` is not a real date", "check the day and the month")
        else:
            self.error(
                key,
                f"`{key}: {raw}` is not an ISO date",
                "write dates as YYYY-MM-DD, e.g. `2023-11-21`; a range is `start` plus `end`",
            )
        return None

    def whole(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raw = self.data.raw.get(key, str(value))
            self.error(
                key,
                f"`{key}` must be a whole number ≥ 0, not `{raw}`",
                "write digits only, e.g. `150` (no `+`, spaces or words)",
            )
            return None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be `true` or `false`")
            return default
        return value

    def https_url(self, key: str) -> str | None:
        url = self.text(key)
        if url is not None and not is_https_url(url):
            self.error(key, f"`{key}` must be an absolute https:// URL, not `{url}`")
            return None
        return url

    def mapping(self, key: str) -> Fields | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, MarkedMap):
            self.error(key, f"`{key}` must be a mapping of `name: value` lines")
            return None
        return Fields(value, self.label, self.problems, f"`{key}`")

    def items(self, key: str) -> Iterable[tuple[Any, Position]]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, MarkedList):
            self.error(key, f"`{key}` must be a list of `- ` items")
            return []
        return [(item, value.where(i)) for i, item in enumerate(value)]


def _kind(value: object) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"


def is_https_url(url: str) -> bool:
    return HTTPS_URL.fullmatch(url) is not None


def is_safe_content_path(path: str) -> bool:
    """A relative path that stays inside `content/` (no `..`, no leading `/`, no backslash)."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and "\\" not in path and ".." not in parts


# --- data/site.yaml -------------------------------------------------------------------------


def validate_site(data: Any, label: str) -> tuple[SiteConfig | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, MarkedMap):
        hint = "it should hold `title: ...`, `language: ...` and the other settings"
        what = (
            "the site settings file is empty"
            if data is None
            else "the site settings must be a mapping"
        )
        return None, [Problem(label, 1, 1, what, hint)]
    fields = Fields(data, label, problems, "the site settings")
    fields.reject_unknown(SITE_FIELDS)
    title = fields.text("title", required=True)
    language = fields.text("language") or "en-GB"
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language, sep="-")
    except (ValueError, UnknownLocaleError):
        fields.error("language", f"unknown language `{language}`", "use a tag such as `en-GB`")
        language = "en-GB"
    base_url = _base_url(fields)
    config = SiteConfig(
        title=title or "",
        description=fields.text("description") or "",
        language=language,
        base_url=base_url,
        organiser=_organiser(fields),
        call_for_applications=_call(fields),
        allow_html=fields.flag("allow_html", False),
    )
    return (config if title else None), problems


def _base_url(fields: Fields) -> str:
    url = fields.text("base_url") or "/"
    if url != "/" and not _BASE_URL.fullmatch(url):
        fields.error("base_url", f"`base_url` must be `/` or an absolute URL, not `{url}`")
        return "/"
    return url if url.endswith("/") else url + "/"


def _organiser(fields: Fields) -> Organiser | None:
    sub = fields.mapping("organiser")
    if sub is None:
        return None
    sub.reject_unknown(frozenset({"name", "url"}))
    name = sub.text("name", required=True)
    return Organiser(name, sub.https_url("url")) if name else None


def _call(fields: Fields) -> CallForApplications:
    sub = fields.mapping("call_for_applications")
    if sub is None:
        return CallForApplications()
    sub.reject_unknown(frozenset({"open", "text", "url"}))
    return CallForApplications(
        sub.flag("open", False), sub.text("text") or "", sub.https_url("url")
    )


# --- front matter -----------------------------------------------------------------------------


def validate_front_matter(data: Any, label: str) -> tuple[FrontMatter, list[Problem]]:
    if data is None:
        return FrontMatter(), []
    if not isinstance(data, MarkedMap):
        hint = "write `title: ...` lines between the two `---` lines"
        return FrontMatter(), [Problem(label, 2, 1, "the front matter must be a mapping", hint)]
    problems: list[Problem] = []
    fields = Fields(data, label, problems, "the front matter")
    fields.reject_unknown(FRONT_MATTER_FIELDS)
    meta = FrontMatter(
        title=fields.text("title"),
        description=fields.text("description"),
        published=fields.date("published"),
        draft=fields.flag("draft", False),
        image=fields.text("image"),
    )
    return meta, problems


# --- data/editions.yaml -----------------------------------------------------------------------


def validate_editions(
    data: Any, label: str, load_document: LoadDocument, file_exists: FileExists, series: str = ""
) -> tuple[list[Edition], list[Problem]]:
    """The records of `data/editions.yaml` as Editions of the series `series` (the site's
    title, which their names start with), and every problem found."""
    problems: list[Problem] = []
    if data is None:
        return [], problems
    if not isinstance(data, MarkedList):
        hint = "each edition starts with `- city: ...`"
        return [], [Problem(label, 1, 1, "the editions file must be a list of records", hint)]
    editions: list[Edition] = []
    first_line_of_slug: dict[str, int] = {}
    checker = _EditionChecker(label, problems, load_document, file_exists, _country_codes(), series)
    for index, record in enumerate(data):
        if not isinstance(record, MarkedMap):
            line, col = data.where(index)
            problems.append(Problem(label, line, col, "each edition must be a mapping of fields"))
            continue
        edition = checker.edition(record)
        if edition is None:
            continue
        if edition.slug in first_line_of_slug:
            line, col = record.where("slug") if "slug" in record else record.pos
            problems.append(
                Problem(
                    label,
                    line,
                    col,
                    f"slug `{edition.slug}` is already used by the record on line "
                    f"{first_line_of_slug[edition.slug]}",
                    "give one of the two records a distinct `slug:`",
                )
            )
            continue
        first_line_of_slug[edition.slug] = edition.line
        editions.append(edition)
    editions.sort(key=_START_THEN_SLUG)  # Edition.sort_key, without a Python call each
    return editions, problems


_START_THEN_SLUG = operator.attrgetter("dates.start", "slug")


class _EditionChecker(Fields):
    """Checks one record after the other (one checker for the file)."""

    def __init__(
        self,
        label: str,
        problems: list[Problem],
        load_document: LoadDocument,
        file_exists: FileExists,
        country_codes: frozenset[str],
        series: str = "",
    ) -> None:
        super().__init__(MarkedMap(), label, problems, "this record")
        self.load_document = load_document
        self.file_exists = file_exists
        self.country_codes = country_codes
        self.series = series

    def edition(self, record: MarkedMap) -> Edition | None:
        self.data = record
        city = record.get("city")
        self.what = f"the record of {city}" if isinstance(city, str) else "this record"
        before = len(self.problems)
        self.reject_unknown(EDITION_FIELDS)
        city = self.line("city", required=True)
        country = self.line("country", required=True)
        dates = self.date_range(self, "start", "end", required=True)
        slug = self.slug(city, dates)
        summary, summary_url = self.summary()
        edition = Edition(
            slug=slug or "",
            city=city or "",
            country=country or "",
            dates=dates or DateRange(date.min, date.min),
            line=self.data.pos[0],
            country_code=self.country_code(self.country_codes),
            region=self.line("region"),
            title=self.line("title"),
            summary=summary,
            summary_url=summary_url,
            invitation=self.document("invitation"),
            declared_status=self.status(),
            planned=self.planned(),
            participants=self.whole("participants"),
            bilateral_meetings=self.whole("bilateral_meetings"),
            partners=self.partners(),
            resources=self.resources(),
            registration_url=self.https_url("registration_url"),
            location=self.location(),
            series=self.series,
        )
        return edition if len(self.problems) == before else None

    def date_range(
        self, fields: Fields, start_key: str, end_key: str, required: bool
    ) -> DateRange | None:
        start = fields.date(start_key, required=required)
        end = fields.date(end_key)
        if start is None:
            return None
        if end is None:
            return DateRange(start, start) if not fields.present(end_key) else None
        if end < start:
            fields.error(
                end_key,
                f"`{end_key}` ({end.isoformat()}) is before `{start_key}` ({start.isoformat()})",
                "swap the two dates, or fix the one that is wrong",
            )
            return None
        return DateRange(start, end)

    def slug(self, city: str | None, dates: DateRange | None) -> str | None:
        if self.present("slug"):
            slug = self.text("slug")
            if slug is not None and not SLUG_RULE.fullmatch(slug):
                self.error(
                    "slug",
                    f"slug `{slug}` may only hold lower-case letters, digits and single dashes",
                    f"for example `{self._example_slug(city)}`",
                )
                return None
            return slug
        if city is None or dates is None:
            return None
        return default_slug(city, dates.start.year)

    def _example_slug(self, city: str | None) -> str:
        start = self.data.get("start")
        year = start.year if isinstance(start, date) else 2024
        return default_slug(city or "city", year)

    def country_code(self, known: frozenset[str]) -> str | None:
        code = self.text("country_code")
        if code is None:
            return None
        if code not in known:
            hint = "use the two-letter ISO 3166-1 code in capitals, e.g. `RO`"
            if code.upper() in known:
                hint = f"write it in capitals: `{code.upper()}`"
            self.error("country_code", f"`{code}` is not an ISO 3166-1 alpha-2 country code", hint)
            return None
        return code

    def summary(self) -> tuple[Document | None, str | None]:
        value = self.text("summary")
        if value is None:
            return None, None
        if value.startswith(("https://", "http://")):
            if not is_https_url(value):
                self.error("summary", f"the summary link must use https://, not `{value}`")
                return None, None
            return None, value
        return self.document_at("summary", value), None

    def document(self, key: str) -> Document | None:
        path = self.text(key)
        return None if path is None else self.document_at(key, path)

    def document_at(self, key: str, path: str) -> Document | None:
        if path.startswith("content/"):
            self.error(key, f"`{key}` is a path inside content/", f"drop `content/`: `{path[8:]}`")
            return None
        if not is_safe_content_path(path) or not path.endswith(".md"):
            self.error(
                key,
                f"`{key}: {path}` must be a Markdown file inside content/",
                "write a relative path such as `editions/iasi-2023.md`",
            )
            return None
        return self.load_document(path, self.label, self.data.where(key))

    def status(self) -> Status | None:
        value = self.text("status")
        if value is None:
            return None
        allowed = {Status.CANCELLED.value, Status.POSTPONED.value}
        if value not in allowed:
            self.error(
                "status",
                f"unknown status `{value}`",
                "only `cancelled` or `postponed` are written; upcoming, ongoing and past "
                "come from the dates" + (f" ({did_you_mean(value, allowed)})"),
            )
            return None
        return Status(value)

    def planned(self) -> DateRange | None:
        sub = self.mapping("planned")
        if sub is None:
            return None
        sub.reject_unknown(PLANNED_FIELDS)
        return self.date_range(sub, "start", "end", required=True)

    def partners(self) -> tuple[Partner, ...]:
        partners: list[Partner] = []
        for item, (line, col) in self.items("partners"):
            if isinstance(item, str) and item.strip():
                partners.append(Partner(item.strip()))
            elif isinstance(item, MarkedMap):
                sub = Fields(item, self.label, self.problems, "a partner")
                sub.reject_unknown(PARTNER_FIELDS)
                name = sub.text("name", required=True)
                if name:
                    partners.append(Partner(name, sub.https_url("url")))
            else:
                self.problems.append(
                    Problem(self.label, line, col, "a partner is a name or `{name, url}`")
                )
        return tuple(partners)

    def resources(self) -> tuple[Resource, ...]:
        resources: list[Resource] = []
        for item, (line, col) in self.items("resources"):
            if not isinstance(item, MarkedMap):
                hint = "write `- {label: Agenda, url: files/agenda.pdf}`"
                self.problems.append(
                    Problem(self.label, line, col, "a resource is `{label, url}`", hint)
                )
                continue
            sub = Fields(item, self.label, self.problems, "a resource")
            sub.reject_unknown(RESOURCE_FIELDS)
            label, url = sub.text("label", required=True), sub.text("url", required=True)
            if label and url and self._resource_url_ok(sub, url):
                resources.append(Resource(label, url))
        return tuple(resources)

    def _resource_url_ok(self, sub: Fields, url: str) -> bool:
        # Anything with a scheme (`https:`, `javascript:`, `mailto:`) is external: only https.
        if _SCHEME.match(url) or url.startswith("//"):
            if not is_https_url(url):
                sub.error("url", f"an external resource must be an https:// URL, not `{url}`")
                return False
            return True
        if not is_safe_content_path(url):
            sub.error("url", f"`{url}` must be a path inside content/", "e.g. `files/agenda.pdf`")
            return False
        if not self.file_exists(url):
            sub.error(
                "url",
                f"resource file `content/{url}` does not exist",
                "add the file under content/, or fix the path",
            )
            return False
        return True

    def location(self) -> Location | None:
        sub = self.mapping("location")
        if sub is None:
            return None
        sub.reject_unknown(LOCATION_FIELDS)
        lat, lon = sub.data.get("lat"), sub.data.get("lon")
        match lat, lon:
            case float(), float() if -90 <= lat <= 90 and -180 <= lon <= 180:
                return Location(lat, lon)  # the usual case
        ok = True
        for key, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                sub.error(key if key in sub.data else None, f"`{key}` must be a number of degrees")
                ok = False
            elif not -limit <= value <= limit:
                sub.error(key, f"`{key}` must be between -{limit} and {limit}")
                ok = False
        return Location(float(lat), float(lon)) if ok else None  # type: ignore[arg-type]
