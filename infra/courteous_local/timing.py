"""Time for the local stack: a virtual clock and the schedule expressions AWS accepts.

`VirtualClock` is installed as the domain's clock (`courteous.clock.use_clock`), so days
of schedules pass in seconds and every decision agrees on what time it is.
`parse_at`, `next_rate` and `Cron` read EventBridge Scheduler expressions:
`at(yyyy-mm-ddThh:mm:ss)`, `rate(N minutes|hours|days)` and the six-field
`cron(minutes hours day-of-month month day-of-week year)`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class ScheduleExpressionError(ValueError):
    pass


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the virtual clock needs an aware start instant")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, instant: datetime) -> None:
        with self._lock:
            if instant > self._now:
                self._now = instant.astimezone(UTC)


class WallClock:
    """The machine's clock, for `--realtime`: time cannot be moved, only waited for."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)

    def advance_to(self, instant: datetime) -> None:
        return None


_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")


def parse_at(expression: str, zone: str | None = None) -> datetime:
    match = _AT.match(expression.strip())
    if not match:
        raise ScheduleExpressionError(f"not a one-time expression: {expression!r}")
    local = datetime.fromisoformat(match.group(1))
    return local.replace(tzinfo=ZoneInfo(zone or "UTC")).astimezone(UTC)


def rate_period(expression: str) -> timedelta | None:
    match = _RATE.match(expression.strip())
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    return timedelta(**{f"{unit}s": value})


_DOW_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        start=1,
    )
}


def _field(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    """The values a cron field allows; None for `*` / `?` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = names.get(first, 0) or int(first), names.get(last, 0) or int(last)
        else:
            start = names.get(part, 0) or int(part)
            end = high if "/" in text else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleExpressionError(f"cron field {text!r} out of {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 1 = Sunday ... 7 = Saturday, as AWS counts
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> Cron:
        match = _CRON.match(expression.strip())
        if not match:
            raise ScheduleExpressionError(f"not a cron expression: {expression!r}")
        fields = match.group(1).split()
        if len(fields) != 6:
            raise ScheduleExpressionError(f"cron needs 6 fields: {expression!r}")
        for unsupported in ("L", "W", "#"):
            if any(unsupported in field for field in fields[2:5]):
                raise ScheduleExpressionError(f"cron {unsupported!r} is not supported locally")
        return cls(
            minutes=_field(fields[0], 0, 59, {}),
            hours=_field(fields[1], 0, 23, {}),
            days=_field(fields[2], 1, 31, {}),
            months=_field(fields[3], 1, 12, _MONTH_NAMES),
            weekdays=_field(fields[4], 1, 7, _DOW_NAMES),
            years=_field(fields[5], 1970, 2199, {}),
        )

    def matches(self, local: datetime) -> bool:
        weekday = (local.isoweekday() % 7) + 1
        checks = (
            (self.minutes, local.minute),
            (self.hours, local.hour),
            (self.days, local.day),
            (self.months, local.month),
            (self.weekdays, weekday),
            (self.years, local.year),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)


def fire_times(
    expression: str, after: datetime, until: datetime, zone: str | None = None
) -> list[datetime]:
    """The instants in (after, until] at which a recurring expression fires."""
    period = rate_period(expression)
    if period is not None:
        times, instant = [], after + period
        while instant <= until:
            times.append(instant)
            instant += period
        return times
    cron = Cron.parse(expression)
    tz = ZoneInfo(zone or "UTC")
    instant = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    times = []
    while instant <= until:
        if cron.matches(instant.astimezone(tz)):
            times.append(instant)
        instant += timedelta(minutes=1)
    return times
