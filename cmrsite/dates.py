"""Dates as people write them, from Babel's locale data, and the one place that reads the clock."""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import locale_cache
from .errors import UsageError
from .model import DateRange

if TYPE_CHECKING:
    from babel import Locale


def _locale(language: str) -> Locale:
    return locale_cache.locale(language)  # Babel is loaded by the first date written


def _format_date(day: date, pattern: str, locale: Locale) -> Any:
    """Babel's `format_date` (Babel is loaded by the first date written)."""
    return _babel_format_date()(day, pattern, locale=locale)


@functools.cache
def _babel_format_date() -> Any:
    from babel.dates import format_date

    return format_date


@functools.cache
def _interval_patterns(language: str) -> dict[str, list[Any]]:
    """CLDR's day-month-year interval patterns, with full month names (`MMM` -> `MMMM`),
    parsed (what `format_date` does with a pattern on each call)."""
    from babel.dates import parse_pattern

    patterns = _locale(language).interval_formats.get("yMMMd") or {}
    return {
        field: [parse_pattern(re.sub(r"(?<!M)MMM(?!M)", "MMMM", part)) for part in parts]
        for field, parts in patterns.items()
    }


_TRAILING_DASH = re.compile(r"\s*–\s*$")


@functools.cache
def format_day(day: date, language: str) -> str:
    """`21 November 2023` in the site's language."""
    return str(_format_date(day, "long", locale=_locale(language)))


@functools.cache
def format_range_parts(dates: DateRange, language: str) -> tuple[str, str, str]:
    """The range as (start text, separator, end text), e.g. ("21", "–", "23 November 2023").

    Split so that each side can carry its own `<time datetime>`; empty start for one day.
    Remembered: an edition's dates are written on its page, in the archive and elsewhere.
    """
    start, end = dates.start, dates.end
    if start == end:
        return ("", "", format_day(start, language))
    field = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    parts = _interval_patterns(language).get(field)
    if not parts or len(parts) != 2:
        return (format_day(start, language), " – ", format_day(end, language))
    locale = _locale(language)
    first = str(parts[0].apply(start, locale))
    second = str(parts[1].apply(end, locale))
    match = _TRAILING_DASH.search(first)
    if match is None:
        return (first, "", second)
    # CLDR puts thin spaces around the dash; within a month there is none (`21–23`),
    # across months an ordinary space reads better in every font.
    separator = "–" if field == "d" else " – "
    return (first[: match.start()], separator, second)


def format_range(dates: DateRange, language: str) -> str:
    """`21–23 November 2023`, `30 November – 1 December 2022`, `30 December 2023 – 2 January 2024`."""
    return "".join(format_range_parts(dates, language))


@functools.cache
def format_month_year(day: date, language: str) -> str:
    return str(_format_date(day, "MMMM y", locale=_locale(language)))


def resolve_today(option: str | None) -> date:
    """`--today`, else SOURCE_DATE_EPOCH, else the clock: the only clock read of a build."""
    if option:
        try:
            return date.fromisoformat(option)
        except ValueError:
            raise UsageError(f"--today must be a date like 2024-10-01, not `{option}`") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds, not `{epoch}`") from None
    return date.today()
