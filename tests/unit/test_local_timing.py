"""Schedule expressions as EventBridge Scheduler reads them, for the local stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from courteous_local.timing import Cron, ScheduleExpressionError, fire_times, parse_at

T0 = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # the night before Paris moves to summer time


def test_a_one_time_expression_is_read_in_its_zone() -> None:
    assert parse_at("at(2026-03-29T08:00:00)", "Europe/Paris") == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )
    assert parse_at("at(2026-03-29T08:00:00)") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_a_rate_fires_every_period_after_the_last_fire() -> None:
    times = fire_times("rate(1 hour)", T0, T0 + timedelta(hours=3))
    assert times == [T0 + timedelta(hours=n) for n in (1, 2, 3)]


def test_an_hourly_cron_fires_on_the_hour() -> None:
    times = fire_times("cron(0 * * * ? *)", T0, T0 + timedelta(hours=2))
    assert times == [
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
    ]


def test_a_daily_local_cron_follows_the_zone_across_dst() -> None:
    # Given 09:00 every day in Paris, across the change to summer time
    times = fire_times("cron(0 9 * * ? *)", T0, T0 + timedelta(days=2), "Europe/Paris")
    # Then it fires at 08:00 UTC before the change and 07:00 UTC after it
    assert times == [
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]


def test_cron_weekdays_use_aws_numbering_and_names() -> None:
    # 2026-03-30 is a Monday: AWS counts SUN=1 ... SAT=7, so MON is 2
    assert Cron.parse("cron(0 9 ? * MON *)").matches(datetime(2026, 3, 30, 9, 0))
    assert Cron.parse("cron(0 9 ? * 2 *)").matches(datetime(2026, 3, 30, 9, 0))
    assert not Cron.parse("cron(0 9 ? * MON-FRI *)").matches(datetime(2026, 3, 29, 9, 0))


def test_an_expression_the_local_stack_cannot_honour_is_refused() -> None:
    with pytest.raises(ScheduleExpressionError):
        Cron.parse("cron(0 9 L * ? *)")
    with pytest.raises(ScheduleExpressionError):
        parse_at("rate(5 minutes)")
