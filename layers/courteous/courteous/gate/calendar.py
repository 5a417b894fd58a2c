"""When a class of message may reach a recipient: quiet hours, rest days, holidays.

The ground truth is `is_closed`: an instant is closed in a zone when the local
wall-clock time falls in a quiet window, or the local date is a rest day or a public
holiday. Holidays are a country's (and, where the recipient's number or address names
one, its subdivision's: La Reunion within France) from the `holidays` package; for China
they are the year's official schedule, whose make-up working days are no rest days.

`next_open` finds the earliest open instant without sampling: openness can
only change where a zone's local time reaches a window's end, where a local date
begins, or where the zone's offset changes (DST), so those instants are the only
candidates. Across DST the same wall time may occur twice (both are candidates) or
never (then the offset change itself is the candidate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from courteous.gate.policy import ClassRule

# How far ahead a quiet-hours search looks before it declares "never open".
SEARCH_HORIZON = timedelta(days=400)
_DAY = timedelta(days=1)


class Closure(str):
    """Why an instant is closed: "quiet_hours", "rest_day" or "holiday"."""


QUIET_HOURS = Closure("quiet_hours")
REST_DAY = Closure("rest_day")
HOLIDAY = Closure("holiday")


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class OfficialYear:
    """One year of an official rest-day schedule: whole breaks and make-up working days."""

    source: str
    breaks: tuple[tuple[date, date], ...]
    workdays: tuple[date, ...]

    def rest_days(self) -> frozenset[date]:
        return frozenset(day for first, last in self.breaks for day in _days(first, last))


def _d(text: str) -> date:
    return date.fromisoformat(text)


# China's rest days are announced each year by the State Council: the statutory days,
# the adjusted days around them (放假调休) and the weekend days worked instead (上班).
# The `holidays` package lists the statutory and adjusted weekdays and the make-up days,
# but not the weekend days inside a break (15 February 2026 opens the Spring Festival).
CN_SCHEDULES: dict[int, OfficialYear] = {
    2025: OfficialYear(
        source="国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12)",
        breaks=(
            (_d("2025-01-01"), _d("2025-01-01")),
            (_d("2025-01-28"), _d("2025-02-04")),
            (_d("2025-04-04"), _d("2025-04-06")),
            (_d("2025-05-01"), _d("2025-05-05")),
            (_d("2025-05-31"), _d("2025-06-02")),
            (_d("2025-10-01"), _d("2025-10-08")),
        ),
        workdays=(
            _d("2025-01-26"),
            _d("2025-02-08"),
            _d("2025-04-27"),
            _d("2025-09-28"),
            _d("2025-10-11"),
        ),
    ),
    2026: OfficialYear(
        source="国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, Xinhua)",
        breaks=(
            (_d("2026-01-01"), _d("2026-01-03")),
            (_d("2026-02-15"), _d("2026-02-23")),
            (_d("2026-04-04"), _d("2026-04-06")),
            (_d("2026-05-01"), _d("2026-05-05")),
            (_d("2026-06-19"), _d("2026-06-21")),
            (_d("2026-09-25"), _d("2026-09-27")),
            (_d("2026-10-01"), _d("2026-10-07")),
        ),
        workdays=(
            _d("2026-01-04"),
            _d("2026-02-14"),
            _d("2026-02-28"),
            _d("2026-05-09"),
            _d("2026-09-20"),
            _d("2026-10-10"),
        ),
    ),
}


@dataclass(frozen=True)
class HolidayYear:
    """The days off and the make-up working days of one calendar in one year."""

    days_off: frozenset[date]
    workdays: frozenset[date]


def holiday_subdivision(country: str, code: str | None) -> str | None:
    """The `holidays` package's subdivision of `country` that `code` names, if any."""
    if not code:
        return None
    calendar = _calendar_class(country)
    if calendar is None:
        return None
    code = code.strip().upper().removeprefix(f"{country.upper()}-")
    if code in getattr(calendar, "subdivisions", ()):
        return code
    known: dict[str, str] = getattr(calendar, "subdivisions_aliases", {})
    found = {key.upper(): value for key, value in known.items()}.get(code)
    return str(found) if found else None


@cache
def _calendar_class(country: str) -> object | None:
    # Imported here: most policies never ask, and the package is slow to import.
    import holidays

    try:
        return type(holidays.country_holidays(country))
    except NotImplementedError:
        return None


@cache
def holiday_year(country: str, subdivision: str | None, year: int) -> HolidayYear:
    import holidays

    if country == "CN" and year in CN_SCHEDULES:
        official = CN_SCHEDULES[year]
        return HolidayYear(official.rest_days(), frozenset(official.workdays))
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        return HolidayYear(frozenset(), frozenset())
    workdays = frozenset(
        day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year
    )
    return HolidayYear(frozenset(calendar.keys()), workdays)


@dataclass(frozen=True)
class OpenHours:
    """One class rule applied in a set of zones (all must be open)."""

    rule: ClassRule
    zones: tuple[str, ...]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    def closure(self, instant: datetime) -> Closure | None:
        for name in self.zones:
            reason = self._closure_in(_zone(name), instant)
            if reason is not None:
                return reason
        return None

    def is_open(self, instant: datetime) -> bool:
        return self.closure(instant) is None

    def _closure_in(self, zone: ZoneInfo, instant: datetime) -> Closure | None:
        local = instant.astimezone(zone)
        day = local.date()
        calendar = None
        if self.rule.public_holidays and self.holiday_country:
            calendar = holiday_year(self.holiday_country, self.holiday_subdivision, day.year)
            if day in calendar.days_off:
                return HOLIDAY
        # An official make-up working day is no rest day (a Saturday worked in China).
        if day.weekday() in self.rule.rest_days and not (calendar and day in calendar.workdays):
            return REST_DAY
        moment = local.time().replace(tzinfo=None)
        if any(window.contains(moment) for window in self.rule.quiet_hours):
            return QUIET_HOURS
        return None

    def next_open(self, start: datetime, horizon: timedelta = SEARCH_HORIZON) -> datetime | None:
        """The earliest open instant at or after `start`, or None within the horizon."""
        if self.is_open(start):
            return start
        chunk_start = start
        end = start + horizon
        while chunk_start < end:
            chunk_end = chunk_start + _DAY
            for candidate in sorted(self.change_points(chunk_start, chunk_end)):
                if candidate > start and self.is_open(candidate):
                    return candidate
            chunk_start = chunk_end
        return None

    def change_points(self, low: datetime, high: datetime) -> set[datetime]:
        """Every instant in [low, high) at which openness may change in some zone."""
        found: set[datetime] = set()
        boundaries = [time(0)]
        for window in self.rule.quiet_hours:
            boundaries += [window.start, window.end]
        for name in self.zones:
            zone = _zone(name)
            first = (low.astimezone(zone) - _DAY).date()
            last = (high.astimezone(zone) + _DAY).date()
            for day in _days(first, last):
                for instant in _wall_instants(day, boundaries, zone):
                    if low <= instant < high:
                        found.add(instant)
                transition = _offset_change(day, zone)
                if transition is not None and low <= transition < high:
                    found.add(transition)
        return found


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _DAY


def _wall_instants(day: date, moments: Iterable[time], zone: ZoneInfo) -> Iterator[datetime]:
    """UTC instants at which the local clock in `zone` shows `day` + moment (0, 1 or 2)."""
    for moment in moments:
        for fold in (0, 1):
            local = datetime.combine(day, moment, tzinfo=zone).replace(fold=fold)
            instant = local.astimezone(UTC)
            back = instant.astimezone(zone)
            if back.replace(tzinfo=None) == local.replace(tzinfo=None, fold=0):
                yield instant


def _offset_change(day: date, zone: ZoneInfo) -> datetime | None:
    """The instant the zone's UTC offset changes during local `day`, if it does."""
    low = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=14)
    high = low + timedelta(hours=52)
    if low.astimezone(zone).utcoffset() == high.astimezone(zone).utcoffset():
        return None
    before = low.astimezone(zone).utcoffset()
    # Offsets change at most once in this span in every real zone: bisect to the second.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    # Transitions fall on whole seconds and low < transition <= high < low + 1 s.
    transition = high.replace(microsecond=0)
    return transition if transition.astimezone(zone).date() == day else None
