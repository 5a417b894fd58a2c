"""A shop's day and what comes next, from audit entries (pure: no table)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from courteous.audit.report import build_report, day_bounds, hour_slots
from courteous.audit.trail import AuditEntry
from courteous.audit.upcoming import by_hour, deferred_due
from courteous.audit.words import known, words
from courteous.gate.decide import Action, Reason
from courteous.gate.policy import PRESETS
from courteous.messages import Kind


def entry(
    at: datetime, action: str = "send", reason: str = "allowed", **extra: object
) -> AuditEntry:
    values: dict[str, object] = {
        "recipient_key": "R#lotus-tea#abc",
        "request_id": f"r-{at.isoformat()}",
        "shop_id": "lotus-tea",
        "kind": "payment_reminder",
        "channel": "sms",
        "message_class": "service",
        "order_id": "1001",
        "action": action,
        "reason": reason,
        "detail": "",
        "decided_at": at,
        "zones": ("Asia/Shanghai",),
        "zone_source": "phone",
        "policy_version": "cn@1",
    }
    values.update(extra)
    return AuditEntry(**values)  # type: ignore[arg-type]


def test_a_day_is_the_shops_calendar_day_with_25_hours_when_the_clocks_go_back() -> None:
    # Given New York's day the clocks go back
    start, end = day_bounds(date(2026, 11, 1), "America/New_York")
    # Then it runs from local midnight to local midnight, 25 real hours
    assert start.astimezone(UTC) == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert len(hour_slots(start, end)) == 25


def test_counts_by_kind_action_and_reason_and_each_zones_quiet_hours() -> None:
    # Given a held reminder at 23:30 in Shanghai and two sends the next morning
    night = datetime(2026, 11, 17, 15, 30, tzinfo=UTC)
    morning = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)
    entries = [
        entry(night, "defer", "quiet_hours", not_before=night + timedelta(hours=9)),
        entry(morning),
        entry(morning + timedelta(minutes=5), request_id="r-2"),
        entry(datetime(2026, 11, 18, 1, tzinfo=UTC)),  # the next day: not counted
    ]
    # When the shop's day is reported
    report = build_report("lotus-tea", date(2026, 11, 17), "Asia/Shanghai", PRESETS["cn"], entries)
    # Then the counts and the hours say what happened
    assert report.total == 3
    assert [(r.kind, r.action, r.reason, r.count) for r in report.counts] == [
        ("payment_reminder", "send", "allowed", 2),
        ("payment_reminder", "defer", "quiet_hours", 1),
    ]
    assert report.hours[8].counts["send"] == 2
    assert report.hours[23].counts["defer"] == 1
    # And Shanghai's quiet hours (21:00-08:00 under the cn preset) are shaded on its row
    (row,) = report.zone_rows
    assert row.zone == "Asia/Shanghai"
    assert row.quiet[:8] == (True,) * 8 and row.quiet[8:21] == (False,) * 13
    assert row.quiet[21:] == (True,) * 3
    assert report.as_json()["zones"][0]["quiet_hours"][0].startswith("2026-11-17T00:00")


def test_what_is_held_comes_from_each_requests_latest_decision() -> None:
    now = datetime(2026, 11, 17, 16, tzinfo=UTC)
    held = entry(
        now - timedelta(hours=1),
        "defer",
        "quiet_hours",
        request_id="held",
        not_before=now + timedelta(hours=8),
    )
    retried = entry(
        now - timedelta(hours=2),
        "defer",
        "min_gap",
        request_id="sent-later",
        not_before=now - timedelta(minutes=30),
    )
    sent = entry(now - timedelta(minutes=30), request_id="sent-later")
    items = deferred_due([held, retried, sent], now, now + timedelta(hours=24))
    assert [(item.kind, item.reason) for item in items] == [("payment_reminder", "quiet_hours")]
    ((hour, group),) = by_hour(items, "Asia/Shanghai", now)
    assert hour.hour == 8 and group == items


def test_every_code_the_gate_writes_has_plain_words_in_both_languages() -> None:
    assert {action.value for action in Action} <= known("action")
    assert {reason.value for reason in Reason} <= known("reason")
    assert {kind.value for kind in Kind} <= known("kind")
    for reason in Reason:
        assert "_" not in words("reason", reason.value, "en")
        assert words("reason", reason.value, "zh-CN") != words("reason", reason.value, "en")
    assert words("reason", "a_new_code") == "a new code"
