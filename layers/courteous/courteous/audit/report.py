"""A shop's day from its audit trail: what the gate decided, why, hour by hour.

The day is the shop's own calendar day in its zone (23 or 25 hours across a DST change).
Counts are by kind x action x reason; the hours carry sent / held / not-sent counts;
each zone the day's recipients were in gets a row of 0/1 per hour saying whether that
hour is quiet there for service messages under the shop's policy, so a chart can shade
each zone's night on its own row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from courteous.audit.trail import AuditEntry
from courteous.gate.calendar import OpenHours
from courteous.gate.policy import Policy
from courteous.messages import MessageClass

HOUR = timedelta(hours=1)
ACTIONS = ("send", "defer", "suppress")


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of `day` in `zone`, as aware instants."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return start, end


def hour_slots(start: datetime, end: datetime) -> list[datetime]:
    """The real hours between two instants (a DST day has 23 or 25)."""
    slots, at = [], start
    while at < end:
        slots.append(at)
        at = (at.astimezone(ZoneInfo("UTC")) + HOUR).astimezone(start.tzinfo)
    return slots


@dataclass(frozen=True)
class CountRow:
    kind: str
    action: str
    reason: str
    count: int


@dataclass(frozen=True)
class HourRow:
    start: datetime  # in the shop's zone
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ZoneRow:
    zone: str
    recipients: int
    quiet: tuple[bool, ...]  # one per hour of the day


@dataclass(frozen=True)
class DayReport:
    shop_id: str
    day: date
    zone: str
    policy_version: str
    counts: list[CountRow]
    hours: list[HourRow]
    zone_rows: list[ZoneRow]
    actions: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    @property
    def peak(self) -> int:
        return max((hour.total for hour in self.hours), default=0)

    def as_json(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "day": self.day.isoformat(),
            "zone": self.zone,
            "policy_version": self.policy_version,
            "total": self.total,
            "actions": dict(self.actions),
            "counts": [row.__dict__ for row in self.counts],
            "hours": [
                {"start": hour.start.isoformat(), "counts": hour.counts} for hour in self.hours
            ],
            "zones": [
                {
                    "zone": row.zone,
                    "recipients": row.recipients,
                    "quiet_hours": [
                        hour.start.isoformat()
                        for hour, q in zip(self.hours, row.quiet, strict=True)
                        if q
                    ],
                }
                for row in self.zone_rows
            ],
        }


def _quiet(policy: Policy, zone: str, slot: datetime) -> bool:
    hours = OpenHours(policy.rule_for(MessageClass.SERVICE), (zone,), policy.holiday_country)
    return not hours.is_open(slot + timedelta(minutes=30))


def build_report(
    shop_id: str, day: date, zone: str, policy: Policy, entries: list[AuditEntry]
) -> DayReport:
    """The report of `day` (in `zone`) from the shop's decisions of that day."""
    start, end = day_bounds(day, zone)
    slots = hour_slots(start, end)
    per_hour: list[Counter[str]] = [Counter() for _ in slots]
    counts: Counter[tuple[str, str, str]] = Counter()
    actions: Counter[str] = Counter()
    recipients_in: dict[str, set[str]] = {}
    for entry in entries:
        if not start <= entry.decided_at < end:
            continue
        index = int((entry.decided_at - start).total_seconds() // 3600)
        per_hour[index][entry.action] += 1
        counts[(entry.kind, entry.action, entry.reason)] += 1
        actions[entry.action] += 1
        for name in entry.zones:
            recipients_in.setdefault(name, set()).add(entry.recipient_key)
    rows = [
        CountRow(kind, action, reason, n)
        for (kind, action, reason), n in sorted(
            counts.items(),
            key=lambda item: (
                item[0][0],
                ACTIONS.index(item[0][1]) if item[0][1] in ACTIONS else 9,
                -item[1],
                item[0][2],
            ),
        )
    ]
    zone_rows = [
        ZoneRow(name, len(keys), tuple(_quiet(policy, name, slot) for slot in slots))
        for name, keys in sorted(recipients_in.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return DayReport(
        shop_id=shop_id,
        day=day,
        zone=zone,
        policy_version=policy.label,
        counts=rows,
        hours=[
            HourRow(slot, {action: per_hour[i][action] for action in ACTIONS})
            for i, slot in enumerate(slots)
        ],
        zone_rows=zone_rows,
        actions={action: actions[action] for action in ACTIONS},
    )
