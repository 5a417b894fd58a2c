"""One-time EventBridge Scheduler schedules that put a payload back on a queue.

Schedule names are deterministic, so creating one twice is harmless (a conflict means
it is already there) and a flow can delete the one it made. Each schedule deletes
itself after it fires and sends what it could not deliver to a dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from courteous.errors import RetryableError

MAX_NAME_LENGTH = 64


class SchedulingError(RetryableError):
    pass


@dataclass(frozen=True)
class QueueTarget:
    queue_arn: str
    role_arn: str
    dead_letter_arn: str | None = None


def at_expression(instant: datetime) -> str:
    """`at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the next whole second."""
    utc = instant.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({utc:%Y-%m-%dT%H:%M:%S})"


def parse_at_expression(expression: str, zone: str | None = None) -> datetime:
    """The instant of an `at(yyyy-mm-ddThh:mm:ss)` expression in `zone` (default UTC)."""
    text = expression.strip()
    if not (text.startswith("at(") and text.endswith(")")):
        raise ValueError(f"not a one-time expression: {expression!r}")
    local = datetime.fromisoformat(text[3:-1])
    return local.replace(tzinfo=ZoneInfo(zone or "UTC")).astimezone(UTC)


class OneTimeScheduler:
    def __init__(self, client: Any, group_name: str, target: QueueTarget) -> None:
        self._client = client
        self._group = group_name
        self._target = target

    def schedule(self, name: str, at: datetime, payload: str) -> bool:
        """Create the schedule; False when one of that name already exists."""
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"schedule name longer than {MAX_NAME_LENGTH}: {name!r}")
        target: dict[str, Any] = {
            "Arn": self._target.queue_arn,
            "RoleArn": self._target.role_arn,
            "Input": payload,
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        }
        if self._target.dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self._target.dead_letter_arn}
        try:
            self._client.create_schedule(
                Name=name,
                GroupName=self._group,
                ScheduleExpression=at_expression(at),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                State="ENABLED",
                Target=target,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConflictException":
                return False
            raise SchedulingError(f"cannot create schedule {name}") from exc
        return True

    def delete(self, name: str) -> bool:
        """Delete the schedule; False when there was none (already fired or never made)."""
        try:
            self._client.delete_schedule(Name=name, GroupName=self._group)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise SchedulingError(f"cannot delete schedule {name}") from exc
        return True
