"""What goes out for a shop in the next hours: flow timers and deferred messages.

- Flow timers (payment reminders, last calls, late-parcel checks, delivery care) are
  one-time EventBridge Scheduler schedules whose input is the `Timer`; they are read
  from the schedule group (the timer's name carries its shop, so other shops' schedules
  are skipped without a read).
- Deferred messages are the requests whose latest decision is a DEFER with its next
  instant in the window; they come from the shop's audit trail, with the reason they
  wait. A deferral older than `lookback` is not looked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from courteous.audit.trail import AuditEntry, AuditTrail
from courteous.errors import RetryableError
from courteous.scheduling import parse_at_expression

DEFAULT_WINDOW = timedelta(hours=24)
LOOKBACK = timedelta(days=14)
_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")


class UpcomingReadError(RetryableError):
    pass


@dataclass(frozen=True)
class Upcoming:
    at: datetime
    source: str  # "timer" | "deferred"
    kind: str
    order_id: str | None
    reason: str | None = None
    zones: tuple[str, ...] = ()
    channel: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "source": self.source,
            "kind": self.kind,
            "order_id": self.order_id,
            "reason": self.reason,
            "zones": list(self.zones),
            "channel": self.channel,
        }


def deferred_due(entries: list[AuditEntry], start: datetime, end: datetime) -> list[Upcoming]:
    """Requests whose latest decision defers them to an instant in [start, end)."""
    latest: dict[str, AuditEntry] = {}
    for entry in sorted(entries, key=lambda e: e.decided_at):
        latest[entry.request_id] = entry
    found = [
        Upcoming(
            at=entry.not_before,
            source="deferred",
            kind=entry.kind,
            order_id=entry.order_id,
            reason=entry.reason,
            zones=entry.zones,
            channel=entry.channel,
        )
        for entry in latest.values()
        if entry.action == "defer"
        and entry.not_before is not None
        and start <= entry.not_before < end
    ]
    return sorted(found, key=lambda item: item.at)


class TimerSchedules:
    """The flows' pending timers in one schedule group. Takes a boto3 scheduler client."""

    def __init__(self, client: Any, group_name: str) -> None:
        self._client = client
        self._group = group_name

    def _names(self) -> list[str]:
        names: list[str] = []
        request: dict[str, Any] = {"GroupName": self._group}
        while True:
            try:
                page = self._client.list_schedules(**request)
            except (ClientError, BotoCoreError) as exc:
                raise UpcomingReadError(f"cannot list the schedules of {self._group}") from exc
            names.extend(str(item["Name"]) for item in page.get("Schedules", []))
            token = page.get("NextToken")
            if not token:
                return names
            request["NextToken"] = token

    def due(self, shop_id: str, start: datetime, end: datetime) -> list[Upcoming]:
        marker = f"-{_UNSAFE.sub('_', shop_id)}-"
        found: list[Upcoming] = []
        for name in self._names():
            if marker not in name:
                continue
            try:
                schedule = self._client.get_schedule(Name=name, GroupName=self._group)
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                    continue  # it fired between the list and the read
                raise UpcomingReadError(f"cannot read schedule {name}") from exc
            except BotoCoreError as exc:
                raise UpcomingReadError(f"cannot read schedule {name}") from exc
            item = _timer(schedule, shop_id)
            if item is not None and start <= item.at < end:
                found.append(item)
        return sorted(found, key=lambda item: item.at)


def _timer(schedule: dict[str, Any], shop_id: str) -> Upcoming | None:
    """The timer a schedule carries, or None for anything else (a deferred message)."""
    expression = str(schedule.get("ScheduleExpression", ""))
    if not expression.startswith("at("):
        return None
    try:
        payload = json.loads(schedule.get("Target", {}).get("Input") or "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("shop_id") != shop_id:
        return None
    if "kind" not in payload or "due_at" not in payload:
        return None
    at = parse_at_expression(expression, schedule.get("ScheduleExpressionTimezone"))
    return Upcoming(
        at=at, source="timer", kind=str(payload["kind"]), order_id=payload.get("order_id")
    )


def upcoming(
    shop_id: str,
    now: datetime,
    trail: AuditTrail,
    timers: TimerSchedules | None,
    window: timedelta = DEFAULT_WINDOW,
) -> list[Upcoming]:
    """Everything due for the shop in [now, now + window), in order."""
    end = now + window
    items = deferred_due(
        trail.between(shop_id, now - LOOKBACK, now + timedelta(seconds=1)), now, end
    )
    if timers is not None:
        items.extend(timers.due(shop_id, now, end))
    return sorted(items, key=lambda item: (item.at, item.kind))


def by_hour(
    items: list[Upcoming], zone: str, now: datetime
) -> list[tuple[datetime, list[Upcoming]]]:
    """The items grouped by the hour (in `zone`) they fall in, from now's hour on."""
    tz = ZoneInfo(zone)
    groups: dict[datetime, list[Upcoming]] = {}
    for item in items:
        local = item.at.astimezone(tz)
        hour = local.replace(minute=0, second=0, microsecond=0)
        groups.setdefault(hour, []).append(item)
    return sorted(groups.items())
