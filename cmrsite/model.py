"""The site's data model: frozen records, no I/O. Templates read these (through `pages`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Status(StrEnum):
    UPCOMING = "upcoming"
    ONGOING = "ongoing"
    PAST = "past"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def end_exclusive(self) -> date:
        """The day after `end`: iCalendar's DTEND for all-day events."""
        return self.end + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    title: str | None = None
    description: str | None = None
    published: date | None = None
    draft: bool = False
    image: str | None = None

    def __reduce__(self) -> tuple[type[FrontMatter], tuple[object, ...]]:
        # See `Document.__reduce__`.
        return (FrontMatter, (self.title, self.description, self.published, self.draft, self.image))


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown file of `content/`, read and split but not yet rendered."""

    path: str
    """Path relative to `content/`, with forward slashes: `editions/iasi-2023.md`."""
    label: str
    """Path as shown in messages: `content/editions/iasi-2023.md`."""
    meta: FrontMatter
    body: str
    body_line: int
    """Line of the file on which `body` starts, to report problems inside it."""

    def __reduce__(self) -> tuple[type[Document], tuple[object, ...]]:
        # Pickled as its field values, made again by `__init__`: the read-ahead sends every
        # document from a worker, and a frozen slotted dataclass by default pickles its state
        # and sets it back field by field in Python, twice as slow both ways.
        return (Document, (self.path, self.label, self.meta, self.body, self.body_line))


@dataclass(frozen=True, slots=True)
class Partner:
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    label: str
    url: str
    """An absolute URL, or a path relative to `content/` for a file copied to the output."""

    @property
    def is_local(self) -> bool:
        return "://" not in self.url


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition of the series, as its record in `data/editions.yaml` says."""

    slug: str
    city: str
    country: str
    dates: DateRange
    line: int
    """Line of the record in `data/editions.yaml`, for messages about it."""
    country_code: str | None = None
    region: str | None = None
    title: str | None = None
    summary: Document | None = None
    """The local summary, when `summary` names a Markdown file of `content/`."""
    summary_url: str | None = None
    """The summary published elsewhere, when `summary` is an https URL."""
    invitation: Document | None = None
    declared_status: Status | None = None
    """`cancelled` or `postponed` when the record says so; otherwise derived from the dates."""
    planned: DateRange | None = None
    participants: int | None = None
    bilateral_meetings: int | None = None
    partners: tuple[Partner, ...] = ()
    resources: tuple[Resource, ...] = ()
    registration_url: str | None = None
    location: Location | None = None
    series: str = ""
    """The series' name (the site's title): `Clusters meet Regions`."""

    @property
    def year(self) -> int:
        return self.dates.start.year

    @property
    def name(self) -> str:
        """`Clusters meet Regions Iași 2023`: the series, the city and the year."""
        return (
            f"{self.series} {self.city} {self.year}" if self.series else f"{self.city} {self.year}"
        )

    @property
    def has_summary(self) -> bool:
        return self.summary is not None or self.summary_url is not None

    def status(self, today: date) -> Status:
        if self.declared_status is not None:
            return self.declared_status
        if today < self.dates.start:
            return Status.UPCOMING
        if today <= self.dates.end:
            return Status.ONGOING
        return Status.PAST

    def sort_key(self) -> tuple[date, str]:
        return (self.dates.start, self.slug)


@dataclass(frozen=True, slots=True)
class Organiser:
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CallForApplications:
    open: bool = False
    text: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """`data/site.yaml`."""

    title: str
    description: str = ""
    language: str = "en-GB"
    """BCP 47 tag: the pages' `lang` and the locale of dates."""
    base_url: str = "/"
    """Where the site is published: `https://host/cmr/`, or `/` when unknown."""
    organiser: Organiser | None = None
    call_for_applications: CallForApplications = field(default_factory=CallForApplications)
    allow_html: bool = False
    """Let raw HTML in Markdown through (off: it is escaped)."""


@dataclass(frozen=True, slots=True)
class Article:
    """A news article of `content/news/`: its front matter has a title, description and date."""

    slug: str
    """From the file name: `content/news/grow-your-regio-2017.md` -> `grow-your-regio-2017`."""
    document: Document
    title: str
    description: str
    published: date

    def sort_key(self) -> tuple[date, str]:
        return (self.published, self.slug)


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the pages are made from, loaded and validated."""

    config: SiteConfig
    editions: tuple[Edition, ...]
    """Sorted by start date, then slug."""
    intro: Document | None
    today: date
    news: tuple[Article, ...] = ()
    """Newest first (published date, then slug, descending)."""

    def next_edition(self) -> Edition | None:
        """The earliest edition that is not past and not cancelled: the one to invite to."""
        for edition in self.editions:
            if edition.status(self.today) in (Status.UPCOMING, Status.ONGOING):
                return edition
        return None
