"""When a class of message may reach a recipient: quiet hours, rest days, holidays.

The ground truth is `is_closed`: an instant is closed in a zone when the local
wall-clock time falls in a quiet window, or the local date is a rest day or a public
holiday. `next_open` finds the earliest open instant without sampling: openness can
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


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        # Imported here: most policies never ask, and the package is slow to import.
        import holidays

        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return frozenset()
    return frozenset(calendar.keys())


@dataclass(frozen=True)
class OpenHours:
    """One class rule applied in a set of zones (all must be open)."""

    rule: ClassRule
    zones: tuple[str, ...]
    holiday_country: str | None = None

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
        if day.weekday() in self.rule.rest_days:
            return REST_DAY
        if (
            self.rule.public_holidays
            and self.holiday_country
            and day in _holidays(self.holiday_country, day.year)
        ):
            return HOLIDAY
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
