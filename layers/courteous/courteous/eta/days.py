"""Counting transit days in the destination's own calendar.

A parcel handed over on Friday evening and delivered on Monday took three calendar
days but one business day; carriers mostly do not move parcels at weekends and on
public holidays, so counting business days (in the destination's zone, with its
country's and state's holidays from the `holidays` package) predicts better where the
evaluation says so. Both counts, and their inverse (a date that many days on), live here.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from courteous.recipients.zones import zones_for_address


@functools.cache
def destination_zone(country: str | None, region: str | None) -> ZoneInfo:
    zones = zones_for_address(country, region) if country else ()
    return ZoneInfo(zones[0] if zones else "UTC")


@functools.cache
def _holidays(country: str | None, region: str | None, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    import holidays

    try:
        calendar = holidays.country_holidays(country, subdiv=region, years=year)
    except NotImplementedError:
        try:
            calendar = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            return frozenset()
    return frozenset(calendar.keys())


def is_business_day(day: date, country: str | None, region: str | None) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, region, day.year)


def local_date(instant: datetime, country: str | None, region: str | None) -> date:
    return instant.astimezone(destination_zone(country, region)).date()


def count_days(
    start: date, end: date, *, business: bool, country: str | None, region: str | None
) -> int:
    """Days from `start` to `end` (0 when the same day); business days skip the rest.

    In business days this is the fewest n with `add_days(start, n) >= end`: a parcel
    delivered on a Saturday counts as taking until Monday. So "delivered within n days"
    and "delivered by the date n days on" are the same statement, and a promise read
    from these counts is kept exactly when the count says so (counting only the
    business days up to Saturday would call it Friday's, and late against Friday)."""
    if not business or end <= start:
        return (end - start).days
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, country, region):
            days += 1
    if not is_business_day(end, country, region):
        days += 1
    return days


def add_days(
    start: date, days: int, *, business: bool, country: str | None, region: str | None
) -> date:
    """The date `days` on from `start` (the inverse of `count_days`)."""
    if not business:
        return start + timedelta(days=days)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, country, region):
            left -= 1
    return day
